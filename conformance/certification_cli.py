"""`vorderingen-conformance certificeer` and `verifieer`: a certification run's signed result.

`certificeer` is the certifier's step after a certification run it performed or witnessed
(spec/certificering.md §2–§4): it reads the run's report.json, refuses (exit 2, one line) a
run that is not a certification run, and writes the signed `certificeringsresultaat+jwt`.
`verifieer` checks a result offline against the pinned certifier key set (exit 0 verified,
1 does not verify, 2 usage error), optionally also against the report.json it certifies and
for listing a source `actief`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from conformance.certification import (
    DAY_S,
    MAX_VALIDITY_S,
    PROFILE_OF_DIENST,
    CertificationInvalid,
    VerifiedCertification,
    issue_result,
    read_report,
    verify_result,
)
from conformance.errors import UsageError
from conformance.jose import SigningKey

EXIT_NOT_VERIFIED = 1
RESULT_FILE = "certificeringsresultaat.jwt"
PUBLIC_SET_FILE = "certificeerder-sleutels.jwks"
PRIVATE_FILE_MODE = 0o600
DIENST = click.Choice(sorted(PROFILE_OF_DIENST))


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc


def _load_key(path: Path, create: bool) -> SigningKey:
    """The certifier's private key (a JWK file); with `create`, made first when missing, and
    its public key set written beside it."""
    if create and not path.exists():
        key = SigningKey.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(key.private_jwk(), handle)
        public = path.with_name(PUBLIC_SET_FILE)
        public.write_text(json.dumps({"keys": [key.published_jwk()]}, indent=2) + "\n",
                          encoding="utf-8")
        click.echo(f"made a certifier key: {path} (private), {public} (publish and pin this)",
                   err=True)
        return key
    try:
        return SigningKey.from_jwk(json.loads(_read_bytes(path, "certifier key")))
    except (ValueError, TypeError) as exc:
        raise UsageError(f"--sleutel {path}: not a private EC P-256 JWK ({exc})") from exc


@click.command("certificeer")
@click.option("--rapport", "report_path", type=Path, required=True,
              help="report.json of the certification run (run it with every profile the "
                   "party needs, --slow or the test clock, its test citizens, no waivers).")
@click.option("--sleutel", "key_path", type=Path, required=True,
              help="The certifier's private key (a JWK file, kept secret).")
@click.option("--maak-sleutel", "make_key", is_flag=True,
              help=f"Make the key at --sleutel when it does not exist, with {PUBLIC_SET_FILE} "
                   "(the public set verifiers pin) beside it.")
@click.option("--uitgever", "issuer", required=True,
              help="The certifier's id (the result's iss), e.g. the scheme operator's id.")
@click.option("--dienst", "diensten", multiple=True, type=DIENST,
              help="A service the party announces (repeatable; its scheme entry's diensten). "
                   "Default: the services the report records.")
@click.option("--app-naam", help="For a citizen app: its name.")
@click.option("--app-versie", help="For a citizen app: the exact version tested.")
@click.option("--geldig-dagen", "validity_days", default=MAX_VALIDITY_S // DAY_S,
              show_default=True, type=click.IntRange(1, MAX_VALIDITY_S // DAY_S),
              help="Validity of the result in days.")
@click.option("--uit", "out", type=Path,
              help=f"Where to write the result. Default: {RESULT_FILE} beside report.json.")
def certificeer(report_path: Path, key_path: Path, make_key: bool, issuer: str,
                diensten: tuple[str, ...], app_naam: str | None, app_versie: str | None,
                validity_days: int, out: Path | None) -> None:
    """Sign the result of a certification run (spec/certificering.md); refuse any other run."""
    report_bytes = _read_bytes(report_path, "report")
    app = {"naam": app_naam, "versie": app_versie} if app_naam and app_versie else None
    if bool(app_naam) != bool(app_versie):
        raise UsageError("give --app-naam and --app-versie together")
    key = _load_key(key_path, make_key)
    token = issue_result(report_bytes, key, issuer=issuer, diensten=diensten or None, app=app,
                         validity_days=validity_days)
    target = out or report_path.with_name(RESULT_FILE)
    target.write_text(token + "\n", encoding="ascii")
    verified = verify_result(token, [key.published_jwk()])
    click.echo(f"{verified.summary()}; written to {target}")


@click.command("verifieer")
@click.argument("result_path", metavar="RESULTAAT", type=Path)
@click.option("--sleutels", "keys_path", type=Path, required=True,
              help="The pinned certifier key set (a JWKS file), obtained out of band.")
@click.option("--rapport", "report_path", type=Path,
              help="Also check that this report.json is the one the result certifies.")
@click.option("--oin", help="Also check the result lets this source be listed actief.")
@click.option("--dienst", "diensten", multiple=True, type=DIENST,
              help="With --oin: a service the source announces (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the verified claims as JSON.")
@click.option("--badge", "badge_dir", type=Path,
              help="With --rapport: write badge.svg and badge.json that say certified (with the "
                   "run's counts and the validity) into this directory.")
def verifieer(result_path: Path, keys_path: Path, report_path: Path | None, oin: str | None,
              diensten: tuple[str, ...], as_json: bool, badge_dir: Path | None) -> None:
    """Verify a signed certification result offline (exit 0 verified, 1 it does not)."""
    if diensten and oin is None:
        raise UsageError("--dienst needs --oin (the source being listed)")
    if badge_dir is not None and report_path is None:
        raise UsageError("--badge needs --rapport (the report.json the result certifies)")
    signed = _read_bytes(result_path, "certification result")
    try:
        verified = verify_result(signed, keys_path, oin=oin, diensten=diensten)
    except CertificationInvalid as exc:
        click.echo(f"{result_path}: {exc}", err=True)
        sys.exit(EXIT_NOT_VERIFIED)
    report_bytes = _read_bytes(report_path, "report") if report_path is not None else b""
    if report_path is not None and not verified.matches_report(report_bytes):
        click.echo(f"{result_path}: {report_path} is not the report this result certifies "
                   "(its SHA-256 differs from rapport_sha256)", err=True)
        sys.exit(EXIT_NOT_VERIFIED)
    if badge_dir is not None:
        _write_badge(badge_dir, report_bytes, verified)
    if as_json:
        click.echo(json.dumps({**verified.__dict__, "profiles": list(verified.profiles),
                               "diensten": list(verified.diensten)}, indent=2))
    else:
        click.echo(verified.summary())


def _write_badge(directory: Path, report_bytes: bytes, verified: VerifiedCertification) -> None:
    """The run's badge, saying certified: only ever reached with a verified result that
    certifies exactly this report."""
    # imported here: `verifieer` without --badge needs none of the report renderers
    from conformance.reporting import BADGE_JSON, BADGE_SVG
    from conformance.reporting.badge import render_badge_json, render_badge_svg

    report = read_report(report_bytes)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / BADGE_SVG).write_text(render_badge_svg(report, verified), encoding="utf-8")
    (directory / BADGE_JSON).write_text(render_badge_json(report, verified), encoding="utf-8")
