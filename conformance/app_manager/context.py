"""What every App Manager check gets: the App Manager under test, the suite playing an app
(its own key, a loopback `redirect_uri`, PKCE) and a citizen (a browser on the App
Manager's test identity provider), and the scheme document when it was given.

    ctx.client, ctx.exchanges, ctx.api_versie, await ctx.unmet_need(need)   (runner interface)
    ctx.bsn                  a fresh elfproef BSN of this run, known to no data set
    await ctx.register(key=None, **body) -> httpx.Response          POST /registraties, raw
    await ctx.registration(**body) -> Registration                  201, else CheckError
    await ctx.login(reg, *, niveau=..., consent="doorgaan", idp="inloggen") -> dict
        the query of the last redirect to reg.redirect_uri (code, state, iss or error)
    ctx.aanvraag(reg, *, key=None, header=None, **claims) -> str    a certificaat-aanvraag+jwt
    await ctx.exchange(reg, code, **body) -> httpx.Response         POST /certificaten, raw
    await ctx.certificate(niveau=...) -> Issued                     the whole login, 201
    ctx.revocation_request(issued, *, key=None, **claims) -> str    an intrekking-verzoek+jwt
    await ctx.revoke(issued, verzoek=None) -> httpx.Response        POST /intrekkingen, raw

Needs (`@check(needs=...)`): ``am:stelsel`` — the scheme document was given and verified
and lists this App Manager (its keys verify what it signs); ``am:slow`` — `--slow` (checks
that wait out a lifetime).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from conformance import jose
from conformance.app_manager.browser import Browser, form_with
from conformance.errors import CheckError
from conformance.recording import RecordingContext
from conformance.stelsel.document import app_manager_entry, entry_keys

AANVRAAG_TYP = "certificaat-aanvraag+jwt"
INTREKKING_TYP = "intrekking-verzoek+jwt"
CERT_TYP = "app-certificaat+jwt"
LOOPBACK_PORT = 53682  # nothing needs to listen: the suite reads the redirect's Location
NIVEAU = "midden"  # not the test identity provider's default, so a default is noticed
RETURN_PATH = "/inloggen/terugkeer"
MAX_RATE_LIMIT_WAIT_S = 120  # per registration; longer and the 429 stands as the answer


def random_bsn() -> str:
    """A random 9-digit BSN passing the elfproef, starting with 8 (no demo data set uses it)."""
    while True:
        digits = [8, *(secrets.randbelow(10) for _ in range(7))]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last < 10:
            return "".join(map(str, digits)) + str(last)


def pkce_pair() -> tuple[str, str]:
    verifier = jose.b64e(secrets.token_bytes(32))
    return verifier, jose.b64e(hashlib.sha256(verifier.encode("ascii")).digest())


@dataclass
class Registration:
    """What the app knows of one registration."""

    key: jose.SigningKey
    verifier: str
    state: str
    redirect_uri: str
    app_naam: str
    apparaat_naam: str
    registratie_id: str
    uitdaging: str
    inlog_url: str
    verloopt_op: str


@dataclass
class Issued:
    """A certificate the App Manager issued to the suite, with what it was issued for."""

    token: str
    header: dict[str, Any]
    claims: dict[str, Any]
    registration: Registration
    niveau: str
    logged_in_at: int


class AppManagerContext(RecordingContext):
    """Shared state of one App Manager run; `async with` closes the client."""

    def __init__(self, base_url: str, *, timeout_s: float, slow: bool = False,
                 transport: httpx.AsyncBaseTransport | None = None,
                 headers: dict[str, str] | None = None,
                 scheme: dict[str, Any] | None = None, scheme_problem: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.slow = slow
        self.open_client(timeout_s=timeout_s, transport=transport, headers=headers,
                         base_url=self.base_url)
        self.scheme = scheme  # the verified scheme document's claims, or None
        self.scheme_problem = scheme_problem  # why there is none
        self.bsn = random_bsn()
        self.run_id = secrets.token_hex(3)
        self.manager_id: str | None = None  # learned from `iss` of the first login
        self._devices = 0

    async def unmet_need(self, need: str) -> str | None:
        if need == "am:stelsel" and self.manager_entry() is None:
            return self.scheme_problem or "the scheme document does not list this App Manager"
        if need == "am:slow" and not self.slow:
            return "waits out a lifetime; run with --slow"
        return None

    def manager_entry(self) -> dict[str, Any] | None:
        if self.scheme is None:
            return None
        return app_manager_entry(self.scheme, api_url=self.base_url)

    def manager_keys(self) -> list[dict[str, Any]]:
        entry = self.manager_entry()
        return entry_keys(entry) if entry else []

    # --- the app's side -------------------------------------------------------------------

    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{LOOPBACK_PORT}/vorderingen/{self.run_id}/klaar"

    def registration_body(self, key: jose.SigningKey, challenge: str,
                          **overrides: Any) -> dict[str, Any]:
        self._devices += 1
        body = {
            "publieke_sleutel": key.public_jwk,
            "redirect_uri": self.redirect_uri(),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "state": secrets.token_urlsafe(16),
            "app_naam": f"Conformance-app {self.run_id}",
            "apparaat_naam": f"Testapparaat {self.run_id}-{self._devices}",
        }
        return jose.merge(body, overrides)

    async def register(self, key: jose.SigningKey | None = None,
                       **overrides: Any) -> httpx.Response:
        key = key or jose.SigningKey.generate()
        return await self.post_registration(
            self.registration_body(key, pkce_pair()[1], **overrides))

    async def post_registration(self, body: dict[str, Any]) -> httpx.Response:
        """POST /registraties, waiting out a 429 `Retry-After` (an App Manager MAY limit
        registrations per client; the run then takes longer, it does not fail)."""
        waited = 0.0
        while True:
            resp = await self.client.post("/registraties", json=body)
            retry_after = resp.headers.get("retry-after", "")
            if resp.status_code != 429 or not retry_after.isdigit() or \
                    waited + int(retry_after) > MAX_RATE_LIMIT_WAIT_S:
                return resp
            await asyncio.sleep(int(retry_after))
            waited += int(retry_after)

    async def registration(self, **overrides: Any) -> Registration:
        key = jose.SigningKey.generate()
        verifier, challenge = pkce_pair()
        body = self.registration_body(key, challenge, **overrides)
        resp = await self.post_registration(body)
        data = _json(resp)
        if resp.status_code != 201 or not isinstance(data, dict) or not all(
                isinstance(data.get(m), str)
                for m in ("registratie_id", "uitdaging", "inlog_url", "verloopt_op")):
            raise CheckError(f"POST /registraties with a valid body answered "
                             f"{resp.status_code}, not 201 with a registration")
        return Registration(key, verifier, body["state"], body["redirect_uri"], body["app_naam"],
                            body["apparaat_naam"], data["registratie_id"], data["uitdaging"],
                            data["inlog_url"], data["verloopt_op"])

    def browser(self, reg: Registration | None = None) -> Browser:
        return Browser(self.client, stop_at=reg.redirect_uri if reg else "")

    async def login(self, reg: Registration, *, niveau: str = NIVEAU, bsn: str | None = None,
                    consent: str = "doorgaan", idp: str = "inloggen") -> dict[str, str]:
        """Consent page, test identity provider, return: the query of the redirect to the
        app's `redirect_uri`. CheckError when the flow does not get there."""
        browser = self.browser(reg)
        page = await browser.go("GET", reg.inlog_url)
        if page.status_code != 200:
            raise CheckError(f"the consent page answered {page.status_code}")
        resp = await browser.submit(page, form_with(page, "keuze"), {"keuze": consent})
        if consent == "doorgaan":
            form = form_with(resp, "bsn")  # the test identity provider (spec/testomgeving.md)
            resp = await browser.submit(resp, form, {"bsn": bsn or self.bsn, "niveau": niveau,
                                                     "keuze": idp})
        return self.landed(resp, reg)

    def landed(self, resp: httpx.Response, reg: Registration) -> dict[str, str]:
        location = resp.headers.get("location", "")
        if resp.status_code not in (302, 303) or not location.startswith(reg.redirect_uri):
            raise CheckError(f"the login did not end in a redirect to the app's redirect_uri "
                             f"(last answer: HTTP {resp.status_code} from {resp.request.url})")
        query = dict(parse_qsl(urlsplit(location).query, keep_blank_values=True))
        if query.get("iss") and self.manager_id is None:
            self.manager_id = query["iss"]
        return query

    def aanvraag(self, reg: Registration, *, key: jose.SigningKey | None = None,
                 header: dict[str, Any] | None = None, **claims: Any) -> str:
        payload = jose.merge({"aud": self.manager_id or "", "nonce": reg.uitdaging,
                              "iat": self.now(), "jti": str(uuid.uuid4())}, claims)
        return jose.encode(payload, key or reg.key, typ=AANVRAAG_TYP, header=header)

    async def exchange(self, reg: Registration, code: str, **overrides: Any) -> httpx.Response:
        body = jose.merge({"registratie_id": reg.registratie_id, "inlogcode": code,
                           "code_verifier": reg.verifier, "aanvraag": self.aanvraag(reg)},
                          overrides)
        return await self.client.post("/certificaten", json=body)

    async def logged_in(self, niveau: str = NIVEAU) -> tuple[Registration, str]:
        """A registration whose login completed, and its code."""
        reg = await self.registration()
        result = await self.login(reg, niveau=niveau)
        if "code" not in result:
            raise CheckError(f"the login with the test identity provider ended without a "
                             f"code: {sorted(result)}")
        return reg, result["code"]

    async def certificate(self, niveau: str = NIVEAU) -> Issued:
        reg = await self.registration()
        started = self.now()
        result = await self.login(reg, niveau=niveau)
        resp = await self.exchange(reg, result.get("code", ""))
        data = _json(resp)
        if resp.status_code != 201 or not isinstance(data, dict) or \
                not isinstance(data.get("certificaat"), str):
            raise CheckError(f"a correct certificate request answered {resp.status_code}, "
                             "not 201 with a certificate")
        try:
            header, claims = jose.decode_unverified(data["certificaat"], "certificaat")
        except Exception as exc:  # a JoseError: the App Manager issued garbage
            raise CheckError(f"the issued certificate is no JWS: {exc}") from None
        return Issued(data["certificaat"], header, claims, reg, niveau, started)

    def revocation_request(self, issued: Issued, *, key: jose.SigningKey | None = None,
                           **claims: Any) -> str:
        payload = jose.merge({"aud": self.manager_id or "", "iat": self.now(),
                              "certificaat_jti": issued.claims.get("jti"),
                              "jti": str(uuid.uuid4())}, claims)
        return jose.encode(payload, key or issued.registration.key, typ=INTREKKING_TYP)

    async def revoke(self, issued: Issued, verzoek: str | None = None) -> httpx.Response:
        return await self.client.post("/intrekkingen", json={
            "certificaat": issued.token, "verzoek": verzoek or self.revocation_request(issued)})

    async def revocation_list(self) -> tuple[httpx.Response, dict[str, Any], dict[str, Any]]:
        """GET /intrekkingen: the answer, and the list's header and claims (unverified)."""
        resp = await self.client.get("/intrekkingen")
        if resp.status_code != 200:
            raise CheckError(f"GET /intrekkingen answered {resp.status_code}")
        try:
            header, claims = jose.decode_unverified(resp.text.strip(), "intrekkingenlijst")
        except Exception as exc:
            raise CheckError(f"GET /intrekkingen did not answer a JWS: {exc}") from None
        return resp, header, claims


def _json(resp: httpx.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None
