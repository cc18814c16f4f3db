"""The login protocol of design §4: registration, consent page, identity provider return,
certificate.

    POST /registraties                  key, redirect_uri, PKCE challenge, state, names → 201
    GET  /registraties/{id}/inloggen    the consent page (HTML): names app and device
    POST /registraties/{id}/inloggen    keuze=doorgaan → 302 identity provider (fresh state);
                                        keuze=annuleren → 302 redirect_uri?error=access_denied
    GET  /inloggen/terugkeer            identity provider return → 302 redirect_uri?code&state
                                        &iss (an app login) or the management session (§5)
                                        (an unreachable identity provider: the 503 page of
                                        `provider_unavailable`, for both page posts)
    POST /certificaten                  registratie_id, inlogcode, code_verifier, aanvraag

Why a forwarded link yields nothing: the `inlogcode` goes only to the registration's
`redirect_uri` (loopback on the device whose browser logged in, or an admitted app's claimed
https URL), and the certificate needs that code, the PKCE verifier and the registered key.
"""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from reference_impl.app_manager import citizen, pages
from reference_impl.app_manager.certificates import (
    LoginResult,
    issue,
    verifier_matches,
    verify_request,
)
from reference_impl.app_manager.errors import IdentityProviderError
from reference_impl.app_manager.logins import AppLogin
from reference_impl.app_manager.redirects import admitted, redirect_to
from reference_impl.app_manager.web import (
    FORM_TOKEN,
    json_body,
    json_response,
    manager_of,
    not_found,
    read_form,
    registration_id,
    rfc3339,
)
from reference_impl.common.errors import TokenError
from reference_impl.common.jose import key_from_jwk, thumbprint
from reference_impl.common.problems import Problem, invalid_request, unauthorized

STATE = re.compile(r"^[A-Za-z0-9._~-]{1,512}$")
CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")
CODE_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")
INLOGCODE = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
PROVIDER_CODE = re.compile(r"^[A-Za-z0-9._~+/=-]{1,2048}$")
MAX_NAME_CHARS = 64
ACCESS_DENIED = "access_denied"
CHOICE = re.compile(r"^(doorgaan|annuleren)$")
GONE = "Deze inlogpoging is onbekend, verlopen of al gebruikt. Begin opnieuw in de app."
UNAVAILABLE = "algemeen/tijdelijk-niet-beschikbaar"
PROVIDER_RETRY_AFTER_S = 60  # an identity provider outage is rarely shorter

log = logging.getLogger(__name__)


def _name(body: dict[str, object], member: str) -> str:
    value = body.get(member)
    if not isinstance(value, str) or not value or len(value) > MAX_NAME_CHARS:
        raise invalid_request([(f"/{member}", f"1 tot {MAX_NAME_CHARS} tekens")])
    return value


def _checked_registration(body: dict[str, object]) -> None:
    """What the request schema says, checked again where a stored value depends on it."""
    for member, pattern in (("state", STATE), ("code_challenge", CODE_CHALLENGE)):
        if not isinstance(body.get(member), str) or not pattern.fullmatch(str(body[member])):
            raise invalid_request([(f"/{member}", f"voldoet niet aan {pattern.pattern}")])
    if body.get("code_challenge_method") != "S256":
        raise invalid_request([("/code_challenge_method", "alleen S256")])
    if not isinstance(body.get("redirect_uri"), str):
        raise invalid_request([("/redirect_uri", "moet een tekst zijn")])


async def registratie(request: Request) -> Response:
    manager = await manager_of(request)
    manager.check_rate_limit(request)
    body = await json_body(request, "/registraties")
    jwk = body["publieke_sleutel"]
    try:
        key_from_jwk(jwk)
    except ValueError:
        raise invalid_request([("/publieke_sleutel", "geen geldige publieke P-256-sleutel")],
                              "De publieke sleutel is geen geldige P-256-sleutel.") from None
    if "kid" in jwk and jwk["kid"] != thumbprint(jwk):
        raise invalid_request([("/publieke_sleutel/kid", "is niet de RFC 7638-thumbprint")])
    _checked_registration(body)
    app_naam, apparaat_naam = _name(body, "app_naam"), _name(body, "apparaat_naam")
    admitted_app = admitted(body["redirect_uri"], manager.config)
    registration = await manager.registrations.create(
        jwk, redirect_uri=body["redirect_uri"], code_challenge=body["code_challenge"],
        app_state=body["state"], app_naam=app_naam, apparaat_naam=apparaat_naam,
        toegelaten_app=admitted_app.naam if admitted_app else None, now=manager.now())
    return json_response({
        "registratie_id": registration.id,
        "uitdaging": registration.uitdaging,
        "inlog_url": f"{manager.base_url(request)}/registraties/{registration.id}/inloggen",
        "verloopt_op": rfc3339(registration.expires_at),
    }, 201)


async def toestemming(request: Request) -> Response:
    """The consent page: which app, which device, and the warning, before the login."""
    manager = await manager_of(request)
    registration = await manager.registrations.get(registration_id(request), manager.now())
    form_token = None
    if registration is not None and not registration.consented:
        form_token = await manager.registrations.consent_form(registration.id, manager.now())
    if registration is None or form_token is None:
        raise not_found(GONE)
    app_label = registration.toegelaten_app or (
        f"«{registration.app_naam}» (naam opgegeven door de app)")
    return pages.consent(
        app_label=app_label, apparaat_naam=registration.apparaat_naam,
        manager_naam=manager.config.naam, action=request.url.path, form_token=form_token,
        form_targets=(await manager.identity_provider_origin(request),
                      registration.redirect_uri))


async def toestemming_keuze(request: Request) -> Response:
    manager = await manager_of(request)
    registration_ref = registration_id(request)
    form = await read_form(request, manager, {"keuze": CHOICE, "formulier_token": FORM_TOKEN})
    now = manager.now()
    registration = await manager.registrations.get(registration_ref, now)
    if registration is None or registration.consented:
        raise not_found(GONE)
    proceed = form["keuze"] == "doorgaan"
    # Ask the identity provider first: when it cannot be reached (503) nothing is spent, and
    # the citizen posts the same form again.
    target = (await manager.authorization_url(
        request, await manager.logins.start(AppLogin(registration.id), now)) if proceed else None)
    if not await manager.registrations.consent(registration.id, form["formulier_token"],
                                               proceed=proceed, now=now):
        raise invalid_request([("formulier_token", "hoort niet bij deze pagina")],
                              "Dit formulier is verlopen. Open de inloglink opnieuw.")
    if target is None:
        return RedirectResponse(redirect_to(registration.redirect_uri, {
            "error": ACCESS_DENIED, "state": registration.app_state,
            "iss": manager.config.id}), status_code=302)
    return RedirectResponse(target, status_code=302)


async def terugkeer(request: Request) -> Response:
    """The identity provider's return: an app login (302 to its redirect_uri) or a
    management login (the citizen's session), told apart by the `state`."""
    manager = await manager_of(request)
    params = request.query_params
    refused_by_provider = "error" in params and "code" not in params
    checks = [("state", STATE)] + ([] if refused_by_provider else [("code", PROVIDER_CODE)])
    invalid = [(name, "ontbreekt" if name not in params else "ongeldig")
               for name, pattern in checks if not pattern.fullmatch(params.get(name, ""))]
    if invalid:
        raise invalid_request(invalid, "De terugkeer van de inlogdienst is onvolledig.")
    now = manager.now()
    login = await manager.logins.take(params["state"], now)
    if login is None:
        raise not_found(GONE)
    identity = None
    if not refused_by_provider:
        try:
            identity = await manager.identity_provider.exchange(
                params["code"], manager.return_uri(request))
        except IdentityProviderError as exc:
            log.info("identity provider refused the login: %s", exc)
    if not isinstance(login, AppLogin):
        return await citizen.logged_in(request, identity)
    registration = await manager.registrations.get(login.registratie_id, now)
    if registration is None:
        raise not_found(GONE)
    answer = {"state": registration.app_state, "iss": manager.config.id}
    if identity is None:
        await manager.registrations.cancel(registration.id, now)
        return RedirectResponse(redirect_to(registration.redirect_uri,
                                            {"error": ACCESS_DENIED, **answer}), status_code=302)
    code = await manager.registrations.complete_login(registration.id, LoginResult(
        identity.bsn, identity.niveau, now, manager.identiteitsdienst).sealable(), now)
    if code is None:
        raise not_found(GONE)
    return RedirectResponse(redirect_to(registration.redirect_uri, {"code": code, **answer}),
                            status_code=302)


async def provider_unavailable(_request: Request, exc: Exception) -> Response:
    """503 for people, with `Retry-After`: the identity provider could not be reached while
    sending a browser there (`IdentityProviderError` escaping a page's post); nothing was
    spent, so the same form can be posted again."""
    log.warning("identity provider unavailable: %s", exc)
    body = f"""<h1>Inloggen lukt nu niet</h1>
<p>De inlogdienst is op dit moment niet bereikbaar. Dit ligt niet aan u.</p>
<p>Probeer het over een paar minuten opnieuw: ga terug naar de vorige pagina en kies opnieuw
om in te loggen.</p>
<p>Foutcode: {UNAVAILABLE}</p>"""
    return pages.html_page("Inloggen lukt nu niet", body, status=503,
                           headers={"Retry-After": str(PROVIDER_RETRY_AFTER_S)})


def _code_refused(detail: str) -> Problem:
    return Problem(400, "inloggen/code-ongeldig", detail, title="Inlogcode ongeldig")


async def certificaat(request: Request) -> Response:
    manager = await manager_of(request)
    body = await json_body(request, "/certificaten")
    for member, pattern in (("inlogcode", INLOGCODE), ("code_verifier", CODE_VERIFIER)):
        if not isinstance(body.get(member), str) or not pattern.fullmatch(body[member]):
            raise invalid_request([(f"/{member}", f"voldoet niet aan {pattern.pattern}")])
    now = manager.now()
    # The code is spent by the first request that presents it, whatever the outcome.
    presented = await manager.registrations.present_code(body["inlogcode"], now)
    registration = await manager.registrations.get(body["registratie_id"], now)
    if registration is None:
        raise Problem(422, "registratie/onbekend",
                      "Deze registratie is onbekend, verlopen of al gebruikt. "
                      "Registreer de app opnieuw.", title="Registratie onbekend")
    try:
        verify_request(body["aanvraag"], registration, manager.config.id, now)
    except TokenError as refused:
        raise unauthorized(refused.code, refused.detail or refused.code) from None
    if presented is None or presented.registratie_id != registration.id \
            or presented.resultaat is None:
        raise _code_refused("Deze inlogcode is onbekend, verlopen of al gebruikt. "
                            "Log opnieuw in.")
    if not verifier_matches(body["code_verifier"], registration.code_challenge):
        raise Problem(400, "inloggen/verifier-onjuist",
                      "De code_verifier hoort niet bij de code_challenge van de registratie.",
                      title="Code-verifier onjuist")
    if not await manager.registrations.spend(registration.id, now):
        raise Problem(422, "registratie/onbekend", "Deze registratie is al gebruikt.",
                      title="Registratie onbekend")
    login = LoginResult.from_sealed(presented.resultaat)
    issued = issue(login, registration.jwk, manager.key, manager_id=manager.config.id,
                   lifetime_s=manager.config.certificaat_looptijd_s, now=now)
    await manager.ledger.record_issued(
        issued["claims"], thumbprint(registration.jwk), bsn_sleutel=manager.bsn_sleutel(login.bsn),
        app_naam=registration.toegelaten_app or registration.app_naam,
        apparaat_naam=registration.apparaat_naam)
    return json_response({"certificaat": issued["token"],
                          "verloopt_op": rfc3339(issued["claims"]["exp"])}, 201)
