"""The shareable bundle: signed envelopes exactly as received, plus a readable rendering.

`make_bundle(overview)` collects the verified envelopes of an overview into a bundle
(`spec/schemas/bundel.schema.json`); `write_bundle` writes it as JSON and writes a Markdown
rendering beside it for people (`bundel.json` + `bundel.md`). The rendering leaves out the
BSN; the JSON keeps every envelope byte-for-byte in meaning, since only that verifies.

`verify_bundle(bundle, scheme)` checks a bundle offline, against a scheme document the
verifier holds (and verified with its pinned key set): first the bundle's version
(`bundelversie` of major 2, else `bundel/versie-niet-ondersteund` and nothing more is
checked) and shape, then every envelope in the order of design §7, and finally that all
documents are about one citizen. Unknown members are ignored (data is open). The answer
names, per envelope, the step that failed and its code:

    1 vorm (envelop/ongeldig-formaat) · 2 header (algoritme-niet-toegestaan,
    verboden-header, verkeerd-type) · 3 bron (bron-onbekend) · 4 handtekening
    (sleutel-onbekend, handtekening-ongeldig) · 5 versie (versie-niet-ondersteund) ·
    6 document (document-ongeldig) · 7 sleutelgeldigheid (sleutel-niet-geldig,
    sleutel-ingetrokken, nog-niet-geldig) · 8 burger (bsn-onjuist: another citizen than
    the bundle's first document)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reference_impl.app.errors import BundleError, file_problem, write_problem
from reference_impl.app.files import WriteFailed, write_whole
from reference_impl.app.ledger import ledger_members
from reference_impl.app.notes import case_notes, euro
from reference_impl.app.overview import GROUPS, Overview, group_of, now_rfc3339, today
from reference_impl.common.envelope import verify_envelope
from reference_impl.common.errors import TokenError
from reference_impl.common.scheme import Scheme
from reference_impl.common.spec import schema_errors, schema_validator
from reference_impl.common.versions import MAJOR, WIRE_VERSION, is_same_major

BUNDLE_VERSION = WIRE_VERSION
BUNDLE_VERSION_UNSUPPORTED = "bundel/versie-niet-ondersteund"
MAX_BUNDLE_BYTES = 16 * 1024 * 1024
BUNDLE_FILE_MODE = 0o600  # a bundle holds the BSN and case data
STEPS = {
    "ongeldig-formaat": "1 vorm",
    "algoritme-niet-toegestaan": "2 header",
    "verboden-header": "2 header",
    "verkeerd-type": "2 header",
    "bron-onbekend": "3 bron",
    "sleutel-onbekend": "4 handtekening",
    "handtekening-ongeldig": "4 handtekening",
    "versie-niet-ondersteund": "5 versie",
    "document-ongeldig": "6 document",
    "sleutel-niet-geldig": "7 sleutelgeldigheid",
    "sleutel-ingetrokken": "7 sleutelgeldigheid",
    "nog-niet-geldig": "7 sleutelgeldigheid",
    "bsn-onjuist": "8 burger",
}
GROUP_TITLES = {"achterstand": "Achterstanden", "deze_maand": "Deze maand verwacht",
                "eenmalig": "Eenmalig te betalen", "langlopend": "Langlopende schulden"}


def make_bundle(overview: Overview, *, now: float | None = None) -> dict[str, Any]:
    """A bundle of every verified envelope of `overview` (in the order of its sources)."""
    envelopes = [overview.envelopes[s.oin] for s in overview.bronnen if s.oin in overview.envelopes]
    if not envelopes:
        raise BundleError("geen organisatie gaf een gecontroleerd overzicht: er is niets te delen")
    return {"bundelversie": BUNDLE_VERSION, "aangemaakt_op": now_rfc3339(now),
            "enveloppen": envelopes}


def write_bundle(bundle: dict[str, Any], path: Path) -> tuple[Path, Path]:
    """Write `path` (JSON) and its Markdown rendering beside it; both paths.

    Both carry case data (the JSON also the BSN), so both get mode 0600 like the key and
    the journal. Both are written to temporary files first and then renamed into place:
    a failure leaves no half-written bundle and no new .md beside an old .json. A file
    that cannot be written is one `BundleError` naming it.
    """
    readable = path.with_suffix(".md")
    contents = [(path, json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"),
                (readable, render_markdown(bundle))]
    try:
        write_whole([(target, text.encode("utf-8")) for target, text in contents],
                    BUNDLE_FILE_MODE)
    except WriteFailed as failed:
        raise BundleError(f"kan {failed.path} niet schrijven: "
                          f"{write_problem(failed.cause)}") from failed.cause
    return path, readable


def read_bundle(path: Path) -> Any:
    """The JSON of a bundle file (its shape is checked by `verify_bundle`)."""
    try:
        if path.stat().st_size > MAX_BUNDLE_BYTES:
            raise BundleError(f"{path} is groter dan {MAX_BUNDLE_BYTES} bytes")
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BundleError(f"kan {path} niet lezen: {file_problem(exc)}") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleError(f"{path} is geen JSON-bestand") from exc
    except RecursionError as exc:
        raise BundleError(f"{path} is geen bundel (te diep genest)") from exc


@dataclass
class EnvelopeCheck:
    """The verdict on one envelope of a bundle."""

    index: int
    naam: str
    ok: bool
    step: str = ""
    code: str = ""
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"index": self.index, "bron": self.naam, "geldig": self.ok}
        if not self.ok:
            data.update(stap=self.step, code=self.code, detail=self.detail)
        return data


@dataclass
class BundleVerdict:
    """All of a bundle's checks: its shape, then per envelope."""

    shape_errors: list[tuple[str, str]]
    envelopes: list[EnvelopeCheck]
    code: str | None = None  # a failure of the bundle as a whole (its version)

    @property
    def ok(self) -> bool:
        return self.code is None and not self.shape_errors and all(e.ok for e in self.envelopes)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "geldig": self.ok, "bundel": [{"pointer": p, "reden": r} for p, r in self.shape_errors],
            "enveloppen": [e.to_json() for e in self.envelopes]}
        if self.code is not None:
            data["code"] = self.code
        return data


def verify_bundle(bundle: Any, scheme: Scheme, *, now: int | None = None) -> BundleVerdict:
    """Check the bundle's version, shape and each envelope against a verified scheme
    (`now`: the verifier's clock, unix seconds; default the system clock)."""
    version = bundle.get("bundelversie") if isinstance(bundle, dict) else None
    if isinstance(version, str) and not is_same_major(version):
        return BundleVerdict([("/bundelversie", f"{version!r} is geen versie {MAJOR}.x")], [],
                             BUNDLE_VERSION_UNSUPPORTED)
    shape = schema_errors(schema_validator("bundel"), bundle)
    envelopes = bundle.get("enveloppen") if isinstance(bundle, dict) else None
    if not isinstance(envelopes, list):
        return BundleVerdict(shape or [("/enveloppen", "ontbreekt")], [])
    checks = []
    citizen: str | None = None
    for index, envelope in enumerate(envelopes):
        check = EnvelopeCheck(index, _source_name(envelope, scheme), True)
        try:
            verify_envelope(envelope, scheme.payload, now=now)
        except TokenError as refused:
            check.ok, check.code, check.detail = False, refused.code, refused.detail
            check.step = STEPS.get(refused.code.split("/", 1)[-1], "?")
        else:
            bsn = envelope["document"]["bsn"]
            citizen = citizen or bsn
            if bsn != citizen:
                check.ok, check.code = False, "envelop/bsn-onjuist"
                check.step = STEPS["bsn-onjuist"]
                check.detail = "het document van een andere burger"
        checks.append(check)
    # An envelope-level failure is reported per envelope, not again as a shape error.
    shape = [(p, r) for p, r in shape if not p.startswith("/enveloppen/")]
    return BundleVerdict(shape, checks)


def _source_name(envelope: Any, scheme: Scheme) -> str:
    try:
        oin = envelope["document"]["bron"]["oin"]
    except (TypeError, KeyError):
        return "(onbekend)"
    organisation = scheme.organisation(oin) if isinstance(oin, str) else None
    return organisation["naam"] if organisation else f"(niet in het stelsel: {oin})"


def render_markdown(bundle: dict[str, Any], *, now: float | None = None) -> str:
    """A readable rendering of a bundle (no BSN), grouped as the overview groups cases."""
    on = today(now)
    lines = ["# Overzicht van betalingsverplichtingen", "",
             f"Gemaakt op {bundle['aangemaakt_op']} met {len(bundle['enveloppen'])} "
             "ondertekende overzichten. Het bestand `.json` ernaast bevat de ondertekende "
             "gegevens; alleen die zijn te controleren (`vorderingen app verifieer`).", ""]
    rows: dict[str, list[str]] = {g: [] for g in GROUPS}
    notes: list[str] = []  # what a debt counsellor should know beyond the amounts (2.2)
    sources = []
    for envelope in bundle["enveloppen"]:
        document = envelope["document"]
        bron = document["bron"]["naam"]
        cases = document["financiele_zaken"]
        sources.append(f"- {bron}: {len(cases)} zaken, opgesteld op {document['opgesteld_op']}")
        for case in cases:
            group = group_of(case, on)
            if group is not None:
                due = case.get("volgende_vervaldatum") or "–"
                rows[group].append(
                    f"| {bron} | {case['omschrijving']} | {euro(case['saldo'])} | "
                    f"{euro(case['achterstand'])} | {due} | {case['status']} |")
                row = {**case, **ledger_members(case)}
                notes += [f"- {bron}, {case['omschrijving']}: {note}"
                          for note in case_notes(row)]
    lines += ["## Organisaties", "", *sources, ""]
    for group in ("achterstand", "deze_maand", "eenmalig", "langlopend"):
        lines += [f"## {GROUP_TITLES[group]}", ""]
        if not rows[group]:
            lines += ["Geen.", ""]
            continue
        lines += ["| organisatie | omschrijving | saldo | achterstand | vervaldatum | status |",
                  "|---|---|---:|---:|---|---|", *rows[group], ""]
    if notes:
        lines += ["## Goed om te weten", "", *notes, ""]
    return "\n".join(lines)
