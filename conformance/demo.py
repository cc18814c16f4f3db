"""`vorderingen-conformance demo`: start a source on a loopback port and certify it.

The target is started by a `TargetLauncher`. The suite first creates its key material in a
temporary directory; the launcher gets a `SuiteMaterial` (the public scheme key to pin and
a `write_scheme` callback that signs a test scheme naming the source), starts its source,
and returns a `LaunchedTarget`. The demo then runs the suite against it.

- `GalleryLauncher` starts a source of the gallery (`conformance.broken`): the correct
  baseline, or with ``--broken NAME`` one deliberately broken variant.
- `ReferenceLauncher` (the default) starts the bundled reference source — the one place
  the suite imports `reference_impl`, and only to have something to certify.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from conformance import keys
from conformance.errors import UsageError
from conformance.jose import SigningKey
from conformance.model import RunReport
from conformance.runner import Reporter, RunOptions, run
from conformance.serving import BackgroundServer, bind_loopback, socket_url

API_PATH = "/vorderingen/v2"
DEMO_OIN = "00000001234567890000"
DEMO_QUOTE_VALIDITY_S = 20  # the suite waits out at most 30 s for a quote to expire


@dataclass(frozen=True)
class LaunchedTarget:
    """What the suite needs to know about a started source."""

    base_url: str
    oin: str
    test_bsns: tuple[str, ...]
    signing_jwk: dict[str, Any]


@dataclass(frozen=True)
class SuiteMaterial:
    """The suite's side of the set-up, handed to a launcher."""

    suite_keys: keys.SuiteKeys

    @property
    def scheme_key_jwk(self) -> dict[str, Any]:
        """The public scheme-operator key that signs the test scheme (one of the pinned set)."""
        return self.suite_keys.scheme_key.published_jwk()

    @property
    def scheme_keys(self) -> list[dict[str, Any]]:
        """The public scheme-operator key SET the source must pin (current + backup)."""
        return list(self.suite_keys.scheme_key_set()["keys"])

    @property
    def scheme_document_path(self) -> Path:
        return self.suite_keys.scheme_document_path

    def write_scheme(
        self,
        *,
        oin: str,
        api_url: str,
        bron_jwk: dict[str, Any],
        diensten: tuple[str, ...] = keys.ALL_DIENSTEN,
    ) -> str:
        """Sign and write the test scheme naming the source; returns the compact JWS."""
        return keys.write_scheme(
            self.suite_keys, oin=oin, api_url=api_url, bron_jwk=bron_jwk, diensten=diensten
        )


class TargetLauncher(Protocol):
    def start(self, material: SuiteMaterial) -> LaunchedTarget: ...

    def stop(self) -> None: ...


def _gallery() -> Any:
    try:
        from conformance import broken
    except ImportError as exc:  # the gallery is part of the package; this is a broken install
        raise UsageError(f"the gallery of broken sources is not available: {exc}") from exc
    return broken


def broken_sources() -> list[tuple[str, str]]:
    """(name, what is wrong) of every deliberately broken source."""
    gallery = _gallery()
    out = []
    for name in gallery.list_broken():
        describe = getattr(gallery, "describe", None)
        out.append((name, describe(name) if describe else ""))
    return out


class GalleryLauncher:
    """Serves a gallery source (baseline when `broken` is None) on 127.0.0.1."""

    def __init__(self, broken: str | None = None) -> None:
        if broken is not None and broken not in _gallery().list_broken():
            raise UsageError(f"--broken {broken!r} is not a broken source (see --list-broken)")
        self.broken = broken
        self._server: BackgroundServer | None = None

    def start(self, material: SuiteMaterial) -> LaunchedTarget:
        gallery = _gallery()
        sock = bind_loopback()
        base_url = socket_url(sock) + API_PATH
        signing_key = SigningKey.generate()
        token = material.write_scheme(
            oin=DEMO_OIN, api_url=base_url, bron_jwk=signing_key.published_jwk()
        )
        app = gallery.build_app(
            self.broken,
            oin=DEMO_OIN,
            signing_key=signing_key.private,
            scheme_key_jwk=material.scheme_keys,
            scheme_document=token,
            base_path=API_PATH,
        )
        self._server = BackgroundServer(app, sock)
        self._server.start()
        return LaunchedTarget(
            base_url=base_url,
            oin=DEMO_OIN,
            test_bsns=tuple(gallery.DEFAULT_TEST_BSNS),
            signing_jwk=signing_key.published_jwk(),
        )

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
            self._server = None


class ReferenceLauncher:
    """Serves the reference source (a municipality of the demo data) on 127.0.0.1.

    The import is deliberately local: the suite's checks never depend on the reference
    implementation; only this demo starts it, to have something to certify.
    """

    def __init__(self, organisation: str | None = None) -> None:
        self.organisation = organisation
        self._launcher: Any = None

    def start(self, material: SuiteMaterial) -> LaunchedTarget:
        from reference_impl.demo.single_source import SourceLauncher

        # A test environment's short quote validity, so the expiry check runs too.
        options = {"quote_validity_s": DEMO_QUOTE_VALIDITY_S}
        self._launcher = (SourceLauncher(self.organisation, **options) if self.organisation
                          else SourceLauncher(**options))
        started = self._launcher.start(material)
        return LaunchedTarget(base_url=started.base_url, oin=started.oin,
                              test_bsns=tuple(started.test_bsns),
                              signing_jwk=started.signing_jwk)

    def stop(self) -> None:
        if self._launcher is not None:
            self._launcher.stop()
            self._launcher = None


def default_launcher() -> TargetLauncher:
    """The demo's default target: the bundled reference source."""
    return ReferenceLauncher()


def run_demo(
    *,
    broken: str | None = None,
    profiles: frozenset[str] | None = None,
    seed: int = 0,
    max_examples: int = 10,
    launcher: TargetLauncher | None = None,
    reporters: Sequence[Reporter] | None = None,
) -> RunReport:
    """Start the target, certify it with fresh key material, stop it; returns the report."""
    from conformance.reporting.console import ConsoleReporter

    chosen = launcher or (GalleryLauncher(broken) if broken else default_launcher())
    with tempfile.TemporaryDirectory(prefix="vorderingen-demo-") as tmp:
        material = SuiteMaterial(keys.ensure_keys(Path(tmp) / "sleutels"))
        target = chosen.start(material)
        try:
            options = RunOptions(
                base_url=target.base_url,
                key_dir=material.suite_keys.directory,
                oin=target.oin,
                profiles=profiles,
                test_bsns=target.test_bsns,
                seed=seed,
                max_examples=max_examples,
            )
            return asyncio.run(run(options, reporters or [ConsoleReporter()]))
        finally:
            chosen.stop()
