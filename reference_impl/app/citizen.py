"""`CitizenApp`: the reference app as one object (the CLI and the tests drive this).

    async with CitizenApp(settings) as app:
        await app.login(open_browser)                   # e.g. login.system_browser(print)
        overview = await app.overview()
        plan = await app.plan_arrangement(15_000)      # cents per month
        await app.conclude(plan)

`start()` loads and verifies the scheme document (pinned key set, environment, rollback);
`login(open_browser)` registers the app's key at the App Manager with PKCE and a loopback
redirect, lets the citizen's browser log in, and keeps the certificate (trust.py,
identity.py, login.py, loopback.py). Every source of the scheme then gets one
`SourceClient` at its endpoint of the highest major the app supports (`settings.majors`);
sessions are opened on first use and ended when the app closes. Everything goes over HTTP
as the OpenAPI documents describe; `transport` lets tests put a validating or failing
proxy between the app and the federation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from reference_impl.app import agreement, arrangement, help_request, pause
from reference_impl.app.bundle import make_bundle
from reference_impl.app.errors import AppError, KeyStoreError, SetupError
from reference_impl.app.http import Requester, new_client
from reference_impl.app.identity import Identity, KeyStore, generate_key
from reference_impl.app.journal import Journal
from reference_impl.app.login import LOGIN_WAIT_S, AppManagerClient, OpenBrowser
from reference_impl.app.overview import Overview, SourceStatus, collect_overview
from reference_impl.app.sources import (
    SOURCE_TIMEOUT_S,
    SUPPORTED_MAJORS,
    SourceClient,
    clients_for,
    fan_out,
)
from reference_impl.app.trust import (
    SchemeTrust,
    TrustAnchor,
    active_organisations,
    app_manager_id_for,
    app_manager_url,
)
from reference_impl.common.scheme import Scheme


@dataclass(frozen=True)
class AppSettings:
    """What the app is told at start: the trust anchor and where things are."""

    anchor: TrustAnchor
    app_manager_url: str | None = None
    state_dir: Path | None = None
    timeout_s: float = SOURCE_TIMEOUT_S
    majors: frozenset[int] = SUPPORTED_MAJORS
    apparaat_naam: str | None = None  # default: the host name


@dataclass(frozen=True)
class KeyChoice:
    """Whether to keep the key between runs (only when the user asks; identity.py)."""

    keep: bool = False
    passphrase: bytes | None = None
    unencrypted: bool = False


class CitizenApp:
    """The citizen's app: scheme, identity, and one client per source."""

    def __init__(
        self,
        settings: AppSettings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        key_choice: KeyChoice | None = None,
    ) -> None:
        self.settings = settings
        self.key_choice = key_choice or KeyChoice()
        self.client = new_client(transport)
        self._shared_transport = transport is not None
        self._source_http: list[Requester] = []
        self.scheme: Scheme | None = None
        self.identity = Identity(key=generate_key())
        self._clients: list[SourceClient] | None = None
        # The pending group agreement lives beside the rest of the app's state (journal.py).
        self.journal = Journal(settings.state_dir)

    async def __aenter__(self) -> CitizenApp:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        """End every open session, then close the connections."""
        if self._clients:
            await fan_out([c for c in self._clients if c.token], lambda c: c.close_session(),
                          timeout_s=self.settings.timeout_s)
        for client in self._source_http:
            await client.aclose()
        await self.client.aclose()

    # --- trust and login ------------------------------------------------------------------

    async def start(self) -> Scheme:
        """Load and verify the scheme document (once)."""
        if self.scheme is None:
            trust = SchemeTrust(self.settings.anchor, self.client,
                                state_dir=self.settings.state_dir)
            self.scheme = await trust.load()
        return self.scheme

    def app_manager(self) -> AppManagerClient:
        scheme = self._scheme()
        if self.settings.app_manager_url:
            url = self.settings.app_manager_url
            manager_id = app_manager_id_for(scheme, url)
        else:
            manager_id, url = app_manager_url(scheme)
        return AppManagerClient(self.client, url, manager_id)

    async def restore_identity(self) -> bool:
        """Use a stored key and its still-valid certificate, when the user keeps one."""
        store = self._key_store()
        if store is None or not store.exists():
            return False
        identity = store.load(self.key_choice.passphrase)
        self.identity = identity
        if identity.certificate:
            try:
                identity.accept_certificate(identity.certificate, await self.start())
            except AppError:
                identity.certificate, identity.claims = None, {}
        return identity.usable()

    async def login(self, open_browser: OpenBrowser, *, wait_s: float = LOGIN_WAIT_S) -> Identity:
        """Log in (login.py): a kept, still-valid certificate, else a fresh login in the
        citizen's browser via `open_browser(inlog_url)`."""
        scheme = await self.start()
        if await self.restore_identity():
            return self.identity
        await self.app_manager().login(self.identity, scheme, open_browser,
                                       apparaat_naam=self.settings.apparaat_naam, wait_s=wait_s)
        self._keep_identity()
        return self.identity

    def _key_store(self) -> KeyStore | None:
        return KeyStore(self.settings.state_dir) if self.settings.state_dir else None

    def _keep_identity(self) -> None:
        store = self._key_store()
        if not self.key_choice.keep:
            return
        if store is None:
            raise SetupError("de sleutel bewaren kan alleen met een map voor de app (--map)")
        if not self.key_choice.passphrase and not self.key_choice.unencrypted:
            raise KeyStoreError("de sleutel bewaren vraagt een wachtwoord (of --onversleuteld)")
        store.save(self.identity, self.key_choice.passphrase,
                   unencrypted=self.key_choice.unencrypted)

    def _scheme(self) -> Scheme:
        if self.scheme is None:
            raise AppError("start de app eerst")
        return self.scheme

    # --- the citizen's actions ------------------------------------------------------------

    @property
    def sources(self) -> list[SourceClient]:
        """One client per active organisation of the scheme (scheme order)."""
        if self._clients is None:
            if not self.identity.certificate:
                raise AppError("log eerst in")
            organisations = active_organisations(self._scheme())
            self._clients, self._source_http = clients_for(
                organisations, self.identity,
                shared=self.client if self._shared_transport else None,
                timeout_s=max(self.settings.timeout_s, 1.0), majors=self.settings.majors)
        return self._clients

    async def overview(
        self, on_done: Callable[[SourceStatus], None] | None = None
    ) -> Overview:
        return await collect_overview(self.sources, self._scheme(), self.identity,
                                      timeout_s=self.settings.timeout_s, on_done=on_done)

    async def plan_arrangement(
        self, maandbedrag: int, *, chosen: Sequence[str] | None = None,
        overview: Overview | None = None,
    ) -> arrangement.Plan:
        current = overview or await self.overview()
        return await arrangement.plan_arrangement(current, self.sources, maandbedrag,
                                                  chosen=chosen, timeout_s=self.settings.timeout_s)

    async def conclude(self, plan: arrangement.Plan) -> arrangement.Plan:
        """All or nothing at every organisation (agreement.py), journalled on the device."""
        return await agreement.conclude(plan, self.journal)

    async def resume_agreement(self) -> arrangement.Plan | None:
        """Finish an agreement a crash interrupted; None when there is none."""
        return await agreement.resume(self.journal, self.sources)

    async def pause_everything(
        self, *, days: int = pause.DEFAULT_DAYS, until: date | None = None,
        overview: Overview | None = None,
    ) -> list[pause.PauseLine]:
        return await pause.pause_everything(self.sources, days=days, until=until,
                                            timeout_s=self.settings.timeout_s,
                                            overview=overview)

    async def bundle(self, overview: Overview | None = None) -> dict[str, Any]:
        return make_bundle(overview or await self.overview())

    async def ask_help(
        self,
        *,
        bundle: dict[str, Any] | None = None,
        gemeente: str | None = None,
        telefoon: str | None = None,
        email: str | None = None,
        toelichting: str | None = None,
    ) -> tuple[SourceClient, dict[str, Any]]:
        """Send the bundle (a fresh one unless given) to the citizen's municipality."""
        current = None if bundle is not None else await self.overview()
        shared = bundle if bundle is not None else make_bundle(current)  # type: ignore[arg-type]
        help_request.check_fresh(shared)
        municipality = help_request.choose_municipality(self.sources, oin=gemeente,
                                                        overview=current)
        body = help_request.help_request_body(shared, telefoon=telefoon, email=email,
                                              toelichting=toelichting)
        return municipality, await help_request.send_help_request(municipality, body)
