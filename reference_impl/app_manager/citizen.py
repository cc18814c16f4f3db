"""Revocation the citizen controls, without an app key (design §5): HTML pages for people.

    GET  /burger                  start page: log in to see and revoke your certificates
    POST /burger/inloggen         302 to the identity provider: always a fresh login
    (GET /inloggen/terugkeer)     sets the `beheersessie` cookie, 303 to /burger/certificaten
    GET  /burger/certificaten     the certificates issued for this BSN, and the revoke form
    POST /burger/intrekkingen     formulier_token → revokes all unexpired ones, 303 back

Without a live management session the last two answer 303 to `/burger`. The session cookie
is HttpOnly, SameSite=Strict, Secure on https, Path `/app-manager/v2/burger`, and lives
`BEHEERSESSIE_TTL_S`. A browser arriving from the identity provider's site does not send a
SameSite=Strict cookie, so that first arrival gets a page with a link to follow instead.
"""

from __future__ import annotations

import hmac
import logging
import re

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from reference_impl.app_manager import pages
from reference_impl.app_manager.identity import Identity
from reference_impl.app_manager.logins import ManagementLogin
from reference_impl.app_manager.protection import keyed
from reference_impl.app_manager.web import FORM_TOKEN, manager_of, read_form
from reference_impl.common.constants import BEHEERSESSIE_TTL_S
from reference_impl.common.problems import invalid_request

COOKIE = "beheersessie"
FORM_PURPOSE = "beheersessie-formulier"
MAX_REPORTED = 1000
REPORTED = re.compile(r"[0-9]{1,4}")  # ASCII: str.isdigit() also takes "²", which int() refuses

log = logging.getLogger(__name__)


def _burger(request: Request) -> str:
    """The path of the start page, which is also the management cookie's path."""
    return f"{request.app.state.app_manager.base_path}/burger"


def _to_start(request: Request) -> Response:
    return RedirectResponse(_burger(request), status_code=303)


async def start(request: Request) -> Response:
    manager = await manager_of(request)
    return pages.citizen_start(
        manager_naam=manager.config.naam, action=f"{manager.base_path}/burger/inloggen",
        form_targets=(await manager.identity_provider_origin(request),))


async def inloggen(request: Request) -> Response:
    manager = await manager_of(request)
    await read_form(request, manager, {})
    state = await manager.logins.start(ManagementLogin(), manager.now())
    return RedirectResponse(await manager.authorization_url(request, state), status_code=302)


async def logged_in(request: Request, identity: Identity | None) -> Response:
    """The identity provider's return of a management login."""
    manager = await manager_of(request)
    if identity is None:
        return _to_start(request)
    token = await manager.logins.open_session(manager.bsn_sleutel(identity.bsn), manager.now())
    response = RedirectResponse(f"{manager.base_path}/burger/certificaten", status_code=303)
    response.set_cookie(COOKIE, token, max_age=BEHEERSESSIE_TTL_S, path=_burger(request),
                        secure=manager.is_https(request), httponly=True, samesite="strict")
    return response


async def _session(request: Request) -> tuple[str, str] | None:
    """(session token, bsn_sleutel) of the request's live management session."""
    manager = await manager_of(request)
    token = request.cookies.get(COOKIE)
    bsn_sleutel = await manager.logins.session(token, manager.now())
    return (token, bsn_sleutel) if token and bsn_sleutel else None


async def certificaten(request: Request) -> Response:
    manager = await manager_of(request)
    session = await _session(request)
    if session is None:
        if request.headers.get("sec-fetch-site") == "cross-site":
            return pages.continue_to(request.url.path)
        return _to_start(request)
    token, bsn_sleutel = session
    reported = request.query_params.get("ingetrokken", "")
    rows = await manager.ledger.certificates_of(bsn_sleutel, manager.now())
    return pages.certificates(
        rows, manager_naam=manager.config.naam,
        action=f"{manager.base_path}/burger/intrekkingen",
        form_token=keyed(manager.secret, FORM_PURPOSE, token),
        revoked_now=min(int(reported), MAX_REPORTED) if REPORTED.fullmatch(reported) else None)


async def intrekkingen(request: Request) -> Response:
    manager = await manager_of(request)
    # The session first (/intrekking/burger-zonder-sleutel): without one the answer is 303
    # to /burger, whatever the form holds.
    session = await _session(request)
    if session is None:
        return _to_start(request)
    form = await read_form(request, manager, {"formulier_token": FORM_TOKEN})
    token, bsn_sleutel = session
    if not hmac.compare_digest(form["formulier_token"].encode(),
                               keyed(manager.secret, FORM_PURPOSE, token).encode()):
        raise invalid_request([("formulier_token", "hoort niet bij deze sessie")],
                              "Dit formulier is verlopen. Laad de pagina opnieuw.")
    revoked = await manager.ledger.revoke_all(bsn_sleutel, manager.now())
    log.info("citizen revoked %d certificate(s)", revoked)
    return RedirectResponse(f"{manager.base_path}/burger/certificaten?ingetrokken={revoked}",
                            status_code=303)
