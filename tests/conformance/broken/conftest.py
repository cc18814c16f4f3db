"""A small federation for the gallery's tests: scheme operator, App Manager, source key, app.

Every token is minted here with joserfc (a JOSE implementation independent of both the
gallery's `_crypto.py` and the suite's `jose.py`); the few deliberately malformed tokens
(alg none, HS256) are assembled by hand. Keys are generated per test and never written.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import rfc8785
from joserfc import jws
from joserfc.jwk import ECKey

from conformance.broken import DEFAULT_TEST_BSNS, build_app

OIN = "00000001234567890000"
OTHER_OIN = "00000009876543210000"
AM_ID = "test-app-manager"
BASE = "http://bron.test"
API_URL = "http://127.0.0.1:8000/vorderingen/v2"  # the scheme's api_url: what htu names
BASE_PATH = "/vorderingen/v2"  # where a test serves the source below its host, if at all
SKIP_PROOF = "X-Test-Geen-Bewijs"  # a request header telling the client not to sign
LAX = jws.JWSRegistry(strict_check_header=False)
OMIT = object()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public(key: ECKey) -> dict[str, str]:
    return {k: v for k, v in key.as_dict(private=False).items() if k in ("kty", "crv", "x", "y")}


def merged(base: dict[str, Any], override: dict[str, Any] | None) -> dict[str, Any]:
    out = {**base, **(override or {})}
    return {k: v for k, v in out.items() if v is not OMIT}


def mint(key: ECKey, header: dict[str, Any], claims: dict[str, Any], alg: str = "ES256") -> str:
    if alg == "none":
        head = b64(json.dumps({**header, "alg": "none"}).encode())
        return f"{head}.{b64(json.dumps(claims).encode())}."
    if alg == "HS256":
        head = b64(json.dumps({**header, "alg": "HS256"}).encode())
        signing_input = f"{head}.{b64(json.dumps(claims).encode())}"
        secret = rfc8785.dumps(public(key))
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{b64(mac)}"
    return jws.serialize_compact(header, json.dumps(claims), key, algorithms=["ES256"],
                                 registry=LAX)


@dataclass
class Federation:
    """The parties around one gallery source, with a movable clock."""

    scheme_key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256"))
    am_key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256"))
    source_key: ECKey = field(default_factory=lambda: ECKey.generate_key("P-256"))
    revoked_jti: str = field(default_factory=lambda: str(uuid.uuid4()))
    now: float = field(default_factory=time.time)
    app_keys: dict[str, ECKey] = field(default_factory=dict)  # session token → app key

    def scheme_payload(self) -> dict[str, Any]:
        iat = int(self.now)
        since = iat - 86400
        return {
            "versie": "2.0",
            "iss": "test-stelsel", "iat": iat, "exp": iat + 86400, "volgnummer": 1,
            "omgeving": "test",
            "organisaties": [{
                "oin": OIN, "naam": "Testbron", "soort": "gemeente",
                "eindpunten": [{"api_url": API_URL, "major": 2}],
                "sleutels": [{"jwk": public(self.source_key), "geldig_vanaf": since}],
                "diensten": ["vorderingenoverzicht", "betalingsregelingen", "pauzes",
                             "hulpvragen"],
                "status": "actief",
            }],
            "app_managers": [{"id": AM_ID, "naam": "Test App Manager",
                              "sleutels": [{"jwk": public(self.am_key), "geldig_vanaf": since}],
                              "status": "actief"}],
            "ingetrokken_certificaten": [self.revoked_jti],
        }

    def scheme_document(self) -> str:
        header = {"alg": "ES256", "typ": "stelsel-v2+jwt", "kid": self.scheme_key.thumbprint()}
        return mint(self.scheme_key, header, self.scheme_payload())

    def app(self, name: str | None = None, **kwargs: Any) -> Any:
        return build_app(
            name, oin=OIN, signing_key=self.source_key.private_key,
            scheme_key_jwk=public(self.scheme_key), scheme_document=self.scheme_document(),
            now=lambda: self.now, **kwargs,
        )

    def client(self, name: str | None = None, **kwargs: Any) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=self.app(name, **kwargs))
        return httpx.AsyncClient(transport=transport, base_url=BASE,
                                 event_hooks={"request": [self.sign_request]})

    async def sign_request(self, request: httpx.Request) -> None:
        """Like an app: a fresh request proof for every request carrying a session token
        (unless the test sends its own, or says SKIP_PROOF)."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if SKIP_PROOF in request.headers:
            del request.headers[SKIP_PROOF]
            return
        if scheme != "Sessie" or "verzoek-bewijs" in request.headers or token not in self.app_keys:
            return
        request.headers["Verzoek-Bewijs"] = self.request_proof(
            self.app_keys[token], token, request.method,
            request.url.path.removeprefix(BASE_PATH))

    def request_proof(self, app_key: ECKey, token: str, method: str, path: str, *,
                      claims: dict | None = None, header: dict | None = None,
                      key: ECKey | None = None, alg: str = "ES256") -> str:
        """A verzoek-bewijs+jwt for `method` `path` (overrides as in `certificate`)."""
        signer = key or app_key
        body = merged({"jti": str(uuid.uuid4()), "htm": method, "htu": API_URL + path,
                       "iat": int(self.now),
                       "ath": b64(hashlib.sha256(token.encode()).digest())}, claims)
        head = merged({"alg": "ES256", "typ": "verzoek-bewijs+jwt",
                       "kid": app_key.thumbprint()}, header)
        return mint(signer, head, body, alg)

    def certificate(self, bsn: str, app_key: ECKey, *, claims: dict | None = None,
                    header: dict | None = None, key: ECKey | None = None,
                    alg: str = "ES256") -> str:
        signer = key or self.am_key
        iat = int(self.now)
        body = merged({
            "iss": AM_ID, "jti": str(uuid.uuid4()), "iat": iat, "nbf": iat, "exp": iat + 3600,
            "bsn": bsn, "cnf": {"jwk": public(app_key)}, "betrouwbaarheidsniveau": "substantieel",
            "identiteitsdienst": "test-idp",
        }, claims)
        if "inlogmoment" not in (claims or {}) and isinstance(body.get("iat"), int):
            body["inlogmoment"] = body["iat"] - 10
        head = merged({"alg": "ES256", "typ": "app-certificaat+jwt",
                       "kid": signer.thumbprint()}, header)
        return mint(signer, head, body, alg)

    def proof(self, app_key: ECKey, nonce: str, *, claims: dict | None = None,
              header: dict | None = None, key: ECKey | None = None, alg: str = "ES256") -> str:
        signer = key or app_key
        body = merged({"nonce": nonce, "aud": OIN, "api_url": API_URL, "iat": int(self.now),
                       "jti": str(uuid.uuid4())}, claims)
        head = merged({"alg": "ES256", "typ": "sessie-bewijs+jwt",
                       "kid": signer.thumbprint()}, header)
        return mint(signer, head, body, alg)

    async def nonce(self, client: httpx.AsyncClient) -> str:
        response = await client.post("/sessies/uitdagingen")
        assert response.status_code == 201, response.text
        return response.json()["nonce"]

    async def open(self, client: httpx.AsyncClient, bsn: str = DEFAULT_TEST_BSNS[0], *,
                   level: str = "substantieel", cert: dict | None = None,
                   proof: dict | None = None, app_key: ECKey | None = None) -> httpx.Response:
        """POST /sessies; `cert`/`proof` are keyword overrides for `certificate`/`proof`."""
        app_key = app_key or ECKey.generate_key("P-256")
        cert_kwargs = dict(cert or {})
        cert_kwargs["claims"] = {"betrouwbaarheidsniveau": level, **cert_kwargs.get("claims", {})}
        certificate = self.certificate(bsn, app_key, **cert_kwargs)
        nonce = await self.nonce(client)
        token = self.proof(app_key, nonce, **(proof or {}))
        return await client.post("/sessies", json={"certificaat": certificate, "bewijs": token})

    async def session(self, client: httpx.AsyncClient, bsn: str = DEFAULT_TEST_BSNS[0],
                      level: str = "substantieel") -> dict[str, str]:
        """Headers carrying a working session token (the client adds a fresh request proof
        to every request that carries them)."""
        app_key = ECKey.generate_key("P-256")
        response = await self.open(client, bsn, level=level, app_key=app_key)
        assert response.status_code == 201, response.text
        token = response.json()["sessietoken"]
        self.app_keys[token] = app_key
        return {"Authorization": f"Sessie {token}"}


@pytest.fixture
def federation() -> Federation:
    return Federation()


def verify_envelope(envelope: dict[str, Any], key: ECKey) -> dict[str, Any]:
    """Verify a detached JCS envelope with joserfc; returns the document (raises if invalid)."""
    head, middle, signature = envelope["handtekening"].split(".")
    assert middle == "", "the payload must be detached"
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    assert header == {"alg": "ES256", "typ": "vorderingen-document+jws", "kid": key.thumbprint()}
    attached = f"{head}.{b64(rfc8785.dumps(envelope['document']))}.{signature}"
    jws.deserialize_compact(attached, key, algorithms=["ES256"])
    return envelope["document"]
