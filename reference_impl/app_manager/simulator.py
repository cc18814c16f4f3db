"""The test identity provider: a DigiD simulator for development and tests only.

It **refuses to exist** in `productie`: constructing it there raises
`TestIdentityProviderRefused` (so the App Manager does not start).

    GET  <base>/test-idp/inloggen?state&redirect_uri   an HTML page listing the test citizens
                                                       (name and what their data shows) and a
                                                       choice of DigiD level
    POST <base>/test-idp/inloggen                      form: state, redirect_uri, bsn, niveau,
                                                       keuze → 303 to redirect_uri?state&code
                                                       (keuze=annuleren: ?state&error=
                                                       access_denied)

The POST is also the non-interactive login for CLIs and tests: follow the App Manager's
`inlog_url` (302 here, `state` in the query), post the form, follow the 303 back to
`/inloggen/terugkeer`. The BSN travels only in the form body, never in a URL. Any BSN that
passes the elfproef is accepted (the listed citizens are the ones with demo data).
`redirect_uri` must be this App Manager's own return address. Codes are single-use and
live `CODE_TTL_S`, in the App Manager's database, the login result sealed under the code
(no BSN in clear at rest, see `protection`).

Form fields (spec/testomgeving.md, "Test identity provider": the conformance suite and the
demo's test citizen submit them as a browser would): `state` and `redirect_uri` (hidden,
copied from the query), `bsn` (radio buttons, one per listed citizen; any elfproef BSN is
accepted), `niveau` (a select of `basis`, `midden`, `substantieel`, `hoog`; default
`substantieel`), and the submit buttons `keuze=inloggen` and `keuze=annuleren` (the citizen
refuses: the App Manager answers the app `error=access_denied`).
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
import yaml
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from reference_impl.app_manager import tables
from reference_impl.app_manager.config import refuse_test_idp_in_production
from reference_impl.app_manager.errors import IdentityProviderError
from reference_impl.app_manager.identity import NIVEAUS, Identity, checked_identity
from reference_impl.app_manager.logins import AppLogin
from reference_impl.app_manager.pages import page_csp
from reference_impl.app_manager.protection import seal, token_hash, unseal
from reference_impl.common.db import Database
from reference_impl.common.errors import ConfigError
from reference_impl.common.jose import random_token
from reference_impl.common.problems import invalid_request
from reference_impl.common.settings import unreadable_because

CODE_TTL_S = 60
CODE_BYTES = 32
PAGE_PATH = "/test-idp/inloggen"
RETURN_PATH = "/inloggen/terugkeer"
DEFAULT_NIVEAU = "substantieel"
KEUZES = ("inloggen", "annuleren")
ACCESS_DENIED = "access_denied"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
MAX_FIELD_CHARS = 4000


@dataclass(frozen=True)
class TestCitizen:
    """A citizen the simulator offers: BSN, name and what their demo data shows."""

    __test__ = False  # not a pytest test class

    bsn: str
    naam: str
    omschrijving: str


def load_citizens(path: Path) -> list[TestCitizen]:
    """The `burgers:` of a YAML file (reference_impl/demo/data.yaml's format)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return [TestCitizen(str(b["bsn"]), str(b["naam"]), " ".join(str(b["omschrijving"]).split()))
                for b in data["burgers"]]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError("identity_provider.burgers", str(path),
                          f"niet te lezen: {unreadable_because(exc)}") from exc
    except (KeyError, TypeError) as exc:
        raise ConfigError("identity_provider.burgers", str(path),
                          "moet burgers: [{bsn, naam, omschrijving}, ...] bevatten") from exc


class TestIdentityProvider:
    """The DigiD simulator; an `IdentityProvider`."""

    __test__ = False  # not a pytest test class

    def __init__(self, database: Database, citizens: list[TestCitizen], *, omgeving: str,
                 clock: Callable[[], float]) -> None:
        refuse_test_idp_in_production(omgeving)
        self.database = database
        self.citizens = citizens
        self.clock = clock

    async def authorization_url(self, state: str, redirect_uri: str) -> str:
        base = redirect_uri.removesuffix(RETURN_PATH)
        return f"{base}{PAGE_PATH}?{urlencode({'state': state, 'redirect_uri': redirect_uri})}"

    async def exchange(self, code: str, redirect_uri: str) -> Identity:
        now = int(self.clock())
        c = tables.testidp_codes.c
        async with self.database.engine.begin() as connection:
            row = (await connection.execute(
                sa.select(c.resultaat).where(
                    c.code_hash == token_hash(code), c.used_at.is_(None), c.expires_at >= now)
            )).first()
            if row is None:
                raise IdentityProviderError("unknown, used or expired code")
            spent = await connection.execute(
                sa.update(tables.testidp_codes)
                .where(c.code_hash == token_hash(code), c.used_at.is_(None))
                .values(used_at=now, resultaat=None))
            if spent.rowcount != 1:
                raise IdentityProviderError("code already used")
        content = unseal(code, row.resultaat)
        if content is None:
            raise IdentityProviderError("the code's login result cannot be read")
        return Identity(content["bsn"], content["niveau"])

    async def issue_code(self, identity: Identity) -> str:
        now = int(self.clock())
        code = random_token(CODE_BYTES)
        async with self.database.engine.begin() as connection:
            await connection.execute(
                sa.delete(tables.testidp_codes).where(tables.testidp_codes.c.expires_at < now))
            await connection.execute(sa.insert(tables.testidp_codes).values(
                code_hash=token_hash(code),
                resultaat=seal(code, {"bsn": identity.bsn, "niveau": identity.niveau}),
                expires_at=now + CODE_TTL_S, used_at=None))
        return code

    # --- the HTML page and its form -----------------------------------------------------

    def page(self, state: str, redirect_uri: str, action: str) -> str:
        rows = "\n".join(
            f'<li><label><input type="radio" name="bsn" value="{html.escape(c.bsn)}"'
            f'{" checked" if i == 0 else ""}> <strong>{html.escape(c.naam)}</strong> '
            f"(BSN {html.escape(c.bsn)})<br><small>{html.escape(c.omschrijving)}</small>"
            "</label></li>"
            for i, c in enumerate(self.citizens))
        levels = "".join(
            f'<option value="{n}"{" selected" if n == DEFAULT_NIVEAU else ""}>{n}</option>'
            for n in NIVEAUS)
        return f"""<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Test-DigiD (geen echte DigiD)</title>
<style>body{{font-family:sans-serif;max-width:48rem;margin:2rem auto}}li{{margin:.6rem 0}}
.let-op{{background:#fde8e8;padding:.5rem 1rem;border-left:4px solid #c00}}</style></head>
<body><h1>Test-DigiD</h1>
<p class="let-op">Dit is een <strong>test-inlogdienst</strong> voor ontwikkeling. Kies een
testburger; er wordt niet echt ingelogd.</p>
<form method="post" action="{html.escape(action)}">
<input type="hidden" name="state" value="{html.escape(state)}">
<input type="hidden" name="redirect_uri" value="{html.escape(redirect_uri)}">
<ul>{rows}</ul>
<p><label>Betrouwbaarheidsniveau <select name="niveau">{levels}</select></label></p>
<p><button type="submit" name="keuze" value="inloggen">Inloggen</button>
<button type="submit" name="keuze" value="annuleren">Annuleren</button></p>
</form></body></html>"""


async def _simulator(request: Request) -> TestIdentityProvider:
    manager = request.app.state.app_manager
    await manager.start()
    provider = manager.identity_provider
    if not isinstance(provider, TestIdentityProvider):  # pragma: no cover - routes absent then
        raise invalid_request([("/", "the test identity provider is not configured")])
    return provider


def _own_return_uri(request: Request, redirect_uri: str) -> None:
    if redirect_uri != request.app.state.app_manager.return_uri(request):
        raise invalid_request([("redirect_uri", "is not this App Manager's return address")])


def _field(values: Any, name: str) -> str:
    value = values.get(name)
    if not isinstance(value, str) or not value or len(value) > MAX_FIELD_CHARS:
        raise invalid_request([(name, "ontbreekt of is ongeldig")])
    return value


async def login_page(request: Request) -> Response:
    provider = await _simulator(request)
    state = _field(request.query_params, "state")
    redirect_uri = _field(request.query_params, "redirect_uri")
    _own_return_uri(request, redirect_uri)
    return HTMLResponse(provider.page(state, redirect_uri, request.url.path),
                        headers={"Content-Security-Policy": page_csp(
                            *await _final_targets(request, state))})


async def _final_targets(request: Request, state: str) -> tuple[str, ...]:
    """Where the redirects after this page's post end: an app login's `redirect_uri`
    (browsers apply `form-action` to those redirects too)."""
    manager = request.app.state.app_manager
    login = await manager.logins.peek(state, manager.now())
    if isinstance(login, AppLogin):
        registration = await manager.registrations.get(login.registratie_id, manager.now())
        if registration is not None:
            return (registration.redirect_uri,)
    return ()


async def login_submit(request: Request) -> Response:
    provider = await _simulator(request)
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != FORM_MEDIA_TYPE:
        raise invalid_request([("/", f"send the form as {FORM_MEDIA_TYPE}")])
    form = await request.form()
    state, redirect_uri = _field(form, "state"), _field(form, "redirect_uri")
    _own_return_uri(request, redirect_uri)
    keuze = form.get("keuze") or KEUZES[0]  # a form posted without its button logs in
    if keuze not in KEUZES:
        raise invalid_request([("keuze", "inloggen of annuleren")])
    if keuze == "annuleren":
        return RedirectResponse(
            f"{redirect_uri}?{urlencode({'state': state, 'error': ACCESS_DENIED})}",
            status_code=303)
    try:
        identity = checked_identity(_field(form, "bsn"), form.get("niveau") or DEFAULT_NIVEAU)
    except IdentityProviderError:
        raise invalid_request([("bsn", "geen geldig BSN of niveau")]) from None
    code = await provider.issue_code(identity)
    target = f"{redirect_uri}?{urlencode({'state': state, 'code': code})}"
    return RedirectResponse(target, status_code=303)


def routes(base: str) -> list[Route]:
    return [
        Route(f"{base}{PAGE_PATH}", login_page, methods=["GET"]),
        Route(f"{base}{PAGE_PATH}", login_submit, methods=["POST"]),
    ]
