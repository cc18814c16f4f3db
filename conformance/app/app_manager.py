"""The App Manager the suite plays for an app under test (spec/openapi/app-manager.yaml, the
login of trust model §4, in the shape an app sees it).

    POST /app-manager/v2/registraties                → 201 {registratie_id, uitdaging, ...}
    GET  /app-manager/v2/registraties/{id}/inloggen  → 303 redirect_uri?code&state&iss
    POST /app-manager/v2/certificaten                → 201 {certificaat, verloopt_op}

The login page needs no citizen: the suite chose the test citizen and level, so the
"browser" (conformance/app/browser.py) only follows the redirect. What the app sent is kept
in `registrations` so checks can inspect it (only a public key registered, PKCE S256). A
request the app gets wrong is refused with a problem document, as a real App Manager would,
and recorded in `refusals` so a failing login says why.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from conformance import jose
from conformance.actors import IDENTITEITSDIENST, LOGIN_AGE_S
from conformance.errors import JoseError
from conformance.jose import SigningKey

BASE_PATH = "/app-manager/v2"
CERT_LIFETIME_S = 900
REGISTRATION_TTL_S = 600
TYP_AANVRAAG = "certificaat-aanvraag+jwt"
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]", "::1")
PUBLIC_MEMBERS = frozenset({"kty", "crv", "x", "y", "kid", "use", "alg"})


@dataclass
class Registration:
    body: dict[str, Any]
    registratie_id: str
    uitdaging: str
    created: float
    code: str = field(default_factory=lambda: jose.b64e(secrets.token_bytes(32)))
    redeemed: bool = False


def _problem(status: int, code: str, detail: str) -> Response:
    body = {"type": f"urn:nl-vorderingen:probleem:{code}", "title": detail, "status": status,
            "code": code, "detail": detail}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(int(moment), UTC).isoformat().replace("+00:00", "Z")


class SuiteAppManager:
    """One App Manager listed `actief` in the suite's scheme, issuing for one test citizen."""

    def __init__(self, manager_id: str, key: SigningKey, *, bsn: str, niveau: str) -> None:
        self.manager_id = manager_id
        self.key = key
        self.bsn = bsn
        self.niveau = niveau
        self.base_url = ""  # set when the federation knows its own URL
        self.registrations: dict[str, Registration] = {}
        self.refusals: list[str] = []
        self.certificates: list[dict[str, Any]] = []

    def _refuse(self, status: int, code: str, detail: str) -> Response:
        self.refusals.append(f"{code}: {detail}")
        return _problem(status, code, detail)

    async def _json(self, request: Request) -> dict[str, Any] | None:
        try:
            body = await request.json()
        except ValueError:
            return None
        return body if isinstance(body, dict) else None

    async def register(self, request: Request) -> Response:
        body = await self._json(request)
        if body is None:
            return self._refuse(400, "algemeen/ongeldig-verzoek", "body is not a JSON object")
        key = body.get("publieke_sleutel")
        if not isinstance(key, dict) or key.get("kty") != "EC" or key.get("crv") != "P-256":
            return self._refuse(400, "registratie/sleutel-ongeldig", "not an EC P-256 JWK")
        redirect = body.get("redirect_uri")
        parts = urlsplit(redirect) if isinstance(redirect, str) else None
        if parts is None or parts.scheme != "http" or parts.hostname not in LOOPBACK_HOSTS:
            return self._refuse(400, "registratie/redirect-uri-ongeldig",
                                "redirect_uri is not a loopback http URL")
        if body.get("code_challenge_method") != "S256" or not body.get("code_challenge"):
            return self._refuse(400, "registratie/pkce-vereist", "PKCE S256 is required")
        registration = Registration(body, str(uuid.uuid4()), jose.b64e(secrets.token_bytes(32)),
                                    time.time())
        self.registrations[registration.registratie_id] = registration
        return JSONResponse({
            "registratie_id": registration.registratie_id,
            "uitdaging": registration.uitdaging,
            "inlog_url": f"{self.base_url}{BASE_PATH}/registraties/"
                         f"{registration.registratie_id}/inloggen",
            "verloopt_op": _iso(registration.created + REGISTRATION_TTL_S),
        }, status_code=201)

    async def login_page(self, request: Request) -> Response:
        registration = self.registrations.get(request.path_params["registratie_id"])
        if registration is None:
            return self._refuse(404, "registratie/onbekend", "no such registration")
        query = {"code": registration.code, "state": registration.body.get("state", ""),
                 "iss": self.manager_id}
        return RedirectResponse(f"{registration.body['redirect_uri']}?{urlencode(query)}",
                                status_code=303)

    async def certificate(self, request: Request) -> Response:
        body = await self._json(request)
        if body is None:
            return self._refuse(400, "algemeen/ongeldig-verzoek", "body is not a JSON object")
        registration = self.registrations.get(str(body.get("registratie_id")))
        if registration is None or registration.redeemed:
            return self._refuse(400, "inloggen/code-ongeldig", "unknown or used registration")
        if body.get("inlogcode") != registration.code:
            return self._refuse(400, "inloggen/code-ongeldig", "wrong inlogcode")
        verifier = str(body.get("code_verifier", ""))
        challenge = jose.b64e(hashlib.sha256(verifier.encode("ascii", "replace")).digest())
        if challenge != registration.body.get("code_challenge"):
            return self._refuse(400, "inloggen/code-verifier-onjuist",
                                "code_verifier does not match the code_challenge")
        public = {k: registration.body["publieke_sleutel"].get(k)
                  for k in ("kty", "crv", "x", "y")}
        try:
            _head, claims = jose.verify(str(body.get("aanvraag", "")), [public],
                                        typ=TYP_AANVRAAG, prefix="aanvraag")
        except JoseError as exc:
            return self._refuse(400, exc.code, "the aanvraag does not verify")
        if claims.get("nonce") != registration.uitdaging or claims.get("aud") != self.manager_id:
            return self._refuse(400, "aanvraag/claims-ongeldig", "wrong nonce or aud")
        registration.redeemed = True
        now = int(time.time())
        claims = {"iss": self.manager_id, "jti": str(uuid.uuid4()), "iat": now, "nbf": now,
                  "exp": now + CERT_LIFETIME_S, "bsn": self.bsn, "cnf": {"jwk": public},
                  "betrouwbaarheidsniveau": self.niveau, "inlogmoment": now - LOGIN_AGE_S,
                  "identiteitsdienst": IDENTITEITSDIENST}
        self.certificates.append(claims)
        token = jose.encode(claims, self.key, typ=jose.TYP_CERTIFICATE)
        return JSONResponse({"certificaat": token, "verloopt_op": _iso(claims["exp"])},
                            status_code=201)

    def asgi(self) -> Starlette:
        return Starlette(routes=[
            Route(f"{BASE_PATH}/registraties", self.register, methods=["POST"]),
            Route(f"{BASE_PATH}/registraties/{{registratie_id}}/inloggen", self.login_page,
                  methods=["GET"]),
            Route(f"{BASE_PATH}/certificaten", self.certificate, methods=["POST"]),
        ])


def private_members(jwk: Any) -> list[str]:
    """The members of a registered key beyond a public JWK's (e.g. `d`): none is allowed."""
    return sorted(set(jwk) - PUBLIC_MEMBERS) if isinstance(jwk, dict) else ["<not a JWK>"]
