"""The certification vectors (spec/vectors/certificering/): their generator and an independent
verifier of spec/certificering.md §5 (used only by the tests).

`files()` builds every file this module owns, relative to spec/vectors/ (the case file and the
certifiers' public keys); `tests/spec/generate_vectors.py` writes them with the rest. Keys are
fresh on every run and only their public halves are written. `verify(context, token)` returns
the problem code of a result, or None when it verifies; like vector_verifier.py (whose JWS
parsing it reuses) it shares no code with conformance/ or reference_impl/.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import vector_verifier as vv
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

NOW = 1767225600  # 2026-01-01T00:00:00Z, as every vector file
PREFIX = "certificering"
TYP = "certificeringsresultaat+jwt"
MAX_VALIDITY_S = 31536000
SKEW_S = vv.CLOCK_SKEW_S
CASE_FILE = "certificering/resultaat.json"
OIN = "00000001001234567000"
OIN_ANDER = "00000001009876543000"
ALLE_DIENSTEN = ["vorderingenoverzicht", "betalingsregelingen", "pauzes", "hulpvragen"]
RULE_SIGNED = "/certificering/resultaat-ondertekend"
RULE_VALIDITY = "/certificering/geldigheid"
RULE_LISTING = "/certificering/actief-vereist-resultaat"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def part(value: Any) -> str:
    return b64(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


class Key:
    """An in-memory P-256 key; only `public_jwk` is ever written."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.private = ec.generate_private_key(ec.SECP256R1())
        numbers = self.private.public_key().public_numbers()
        self.public_jwk = {"kty": "EC", "crv": "P-256",
                           "x": b64(numbers.x.to_bytes(32, "big")),
                           "y": b64(numbers.y.to_bytes(32, "big"))}
        self.kid = vv.thumbprint(self.public_jwk)

    def published(self) -> dict[str, str]:
        return {**self.public_jwk, "kid": self.kid, "use": "sig"}

    def sign(self, data: bytes) -> str:
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
        return b64(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    def token(self, claims: Any, header: dict[str, Any] | None = None) -> str:
        head = {"alg": "ES256", "typ": TYP, "kid": self.kid, **(header or {})}
        head = {k: v for k, v in head.items() if v is not None}
        signing_input = f"{part(head)}.{part(claims)}"
        return f"{signing_input}.{self.sign(signing_input.encode('ascii'))}"


def claims(**changes: Any) -> dict[str, Any]:
    """A valid source certification issued at NOW − 30 days for a year; None removes."""
    base: dict[str, Any] = {
        "iss": "voorbeeld-stelselbeheerder", "jti": "6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e08",
        "iat": NOW - 30 * 86400, "exp": NOW + 335 * 86400, "actor": "bron", "oin": OIN,
        "api_url": "https://acceptatie.voorbeeldstad.example/vorderingen/v2",
        "standaardversie": "2.1.0", "suiteversie": "2.1.0", "omgeving": "acceptatie",
        "profielen": ["basis", "betalingsregelingen", "pauzes", "hulpvragen"],
        "diensten": list(ALLE_DIENSTEN), "oordeel": "conformant",
        "aantallen": {"totaal": 160, "geslaagd": 151, "waarschuwingen": 1,
                      "niet_van_toepassing": 8, "niet_getest": 0},
        "rapport_sha256": b64(hashlib.sha256(b"report.json").digest()),
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test(description: str, token: Any, code: str | None = None, **extra: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"description": description, **extra, "token": token,
                             "valid": code is None}
    if code is not None:
        entry["code"] = f"{PREFIX}/{code}"
    return entry


def profile_case(key: Key, next_key: Key, stranger: Key, context: dict[str, Any]) -> dict:
    good = key.token(claims())
    head, body, sig = good.split(".")
    other = key.token(claims(oin=OIN_ANDER)).split(".")
    tampered = claims(profielen=["basis"], diensten=["vorderingenoverzicht"])
    return {
        "description": "the token profile and the pinned certifier key set", "rule": RULE_SIGNED,
        "kind": "certificering", "context": context,
        "tests": [
            test("a source's certification signed by the current certifier key", good),
            test("signed by the second key of the pinned set", next_key.token(claims())),
            test("payload changed after signing (fewer profiles)",
                 f"{head}.{part(tampered)}.{sig}", "handtekening-ongeldig"),
            test("payload of another result with this signature",
                 f"{head}.{other[1]}.{sig}", "handtekening-ongeldig"),
            test("counts raised after signing",
                 f"{head}.{part(claims(aantallen={**claims()['aantallen'], 'geslaagd': 159, 'waarschuwingen': 0}))}.{sig}",  # noqa: E501
                 "handtekening-ongeldig"),
            test("signed by a key outside the pinned set, its own kid",
                 stranger.token(claims()), "sleutel-onbekend"),
            test("signed by a key outside the set under a pinned key's kid",
                 stranger.token(claims(), {"kid": key.kid}), "handtekening-ongeldig"),
            test("no kid", key.token(claims(), {"kid": None}), "sleutel-onbekend"),
            test("typ of an app certificate", key.token(claims(), {"typ": "app-certificaat+jwt"}),
                 "verkeerd-type"),
            test("typ JWT", key.token(claims(), {"typ": "JWT"}), "verkeerd-type"),
            test("typ missing", key.token(claims(), {"typ": None}), "verkeerd-type"),
            test("typ with a media-type prefix",
                 key.token(claims(), {"typ": "application/certificeringsresultaat+jwt"}),
                 "verkeerd-type"),
            test("alg none, empty signature",
                 f"{part({'alg': 'none', 'typ': TYP, 'kid': key.kid})}.{body}.",
                 "algoritme-niet-toegestaan"),
            test("alg HS256", key.token(claims(), {"alg": "HS256"}), "algoritme-niet-toegestaan"),
            test("alg ES384", key.token(claims(), {"alg": "ES384"}), "algoritme-niet-toegestaan"),
            test("header member jwk (an embedded key)",
                 key.token(claims(), {"jwk": key.public_jwk}), "verboden-header"),
            test("header member x5c", key.token(claims(), {"x5c": ["MIIB"]}), "verboden-header"),
            test("header member crit", key.token(claims(), {"crit": ["exp"]}), "verboden-header"),
            test("header member cty", key.token(claims(), {"cty": "JWT"}), "verboden-header"),
            test("two parts", f"{head}.{body}", "ongeldig-formaat"),
            test("base64 padding in the payload", f"{head}.{body}==.{sig}", "ongeldig-formaat"),
            test("payload a JSON array", key.token([claims()]), "ongeldig-formaat"),
        ],
    }


def claims_case(key: Key, context: dict[str, Any]) -> dict:
    app = {"naam": "Voorbeeld-app", "versie": "4.2.0"}
    return {
        "description": "the claims: closed, against the schema", "rule": RULE_SIGNED,
        "kind": "certificering", "context": context,
        "tests": [
            test("an app's certification", key.token(claims(
                actor="app", app=app, oin=None, api_url=None, diensten=[],
                profielen=["app"]))),
            test("an App Manager's certification", key.token(claims(
                actor="app-manager", diensten=[], profielen=["app-manager"],
                api_url="https://acceptatie.am.example/app-manager/v2"))),
            test("members of a later minor inside uitbreidingen",
                 key.token(claims(uitbreidingen={"2.2": {"auditor": "x"}}))),
            test("an unknown member outside uitbreidingen",
                 key.token(claims(auditor="x")), "claims-ongeldig"),
            test("verdict conformant_with_waivers", key.token(claims(
                oordeel="conformant_with_waivers")), "claims-ongeldig"),
            test("made against the test environment", key.token(claims(omgeving="test")),
                 "claims-ongeldig"),
            test("no report digest", key.token(claims(rapport_sha256=None)), "claims-ongeldig"),
            test("no profiles", key.token(claims(profielen=[])), "claims-ongeldig"),
            test("an unknown service", key.token(claims(diensten=["kwijtschelding"])),
                 "claims-ongeldig"),
            test("a source without api_url", key.token(claims(api_url=None)), "claims-ongeldig"),
            test("tested over plain http on loopback", key.token(claims(
                api_url="http://127.0.0.1:8080/vorderingen/v2")), "claims-ongeldig"),
            test("an app without its name and version", key.token(claims(
                actor="app", oin=None, api_url=None, diensten=[])), "claims-ongeldig"),
            test("jti in uppercase", key.token(claims(
                jti="6F1C2D3E-4A5B-4C6D-8E7F-9A0B1C2D3E08")), "claims-ongeldig"),
            test("iat as a string", key.token(claims(iat=str(NOW))), "claims-ongeldig"),
            test("standaardversie without PATCH", key.token(claims(standaardversie="2.1")),
                 "claims-ongeldig"),
        ],
    }


def validity_case(key: Key, context: dict[str, Any]) -> dict:
    return {
        "description": "the validity period and the major", "rule": RULE_VALIDITY,
        "kind": "certificering", "context": context,
        "tests": [
            test("exp = now − 60 (the skew)", key.token(claims(
                iat=NOW - 300 * 86400, exp=NOW - SKEW_S))),
            test("exp = now − 61", key.token(claims(iat=NOW - 300 * 86400, exp=NOW - SKEW_S - 1)),
                 "verlopen"),
            test("iat = now + 60 (the skew)", key.token(claims(
                iat=NOW + SKEW_S, exp=NOW + SKEW_S + 86400))),
            test("iat = now + 61", key.token(claims(iat=NOW + SKEW_S + 1, exp=NOW + 86400)),
                 "nog-niet-geldig"),
            test("exp − iat = 31536000 (one year)", key.token(claims(
                iat=NOW - 86400, exp=NOW - 86400 + MAX_VALIDITY_S))),
            test("exp − iat = 31536001", key.token(claims(
                iat=NOW - 86400, exp=NOW - 86400 + MAX_VALIDITY_S + 1)), "looptijd-te-lang"),
            test("standaardversie of major 3", key.token(claims(standaardversie="3.0.0")),
                 "versie-niet-ondersteund"),
            test("standaardversie of major 1", key.token(claims(standaardversie="1.4.0")),
                 "versie-niet-ondersteund"),
            test("a later minor of major 2", key.token(claims(standaardversie="2.7.1"))),
        ],
    }


def listing_case(key: Key, context: dict[str, Any]) -> dict:
    listed = {**context, "organisatie": {"oin": OIN, "diensten": list(ALLE_DIENSTEN)}}
    fewer = {"organisatie": {"oin": OIN, "diensten": ["vorderingenoverzicht"]}}
    return {
        "description": "checked for listing an organisation actief", "rule": RULE_LISTING,
        "kind": "certificering", "context": listed,
        "tests": [
            test("the organisation's OIN, every service certified", key.token(claims())),
            test("the organisation announces fewer services than certified",
                 key.token(claims()), context=fewer),
            test("another organisation's certification", key.token(claims(oin=OIN_ANDER)),
                 "verkeerde-organisatie"),
            test("an App Manager's certification under the same OIN", key.token(claims(
                actor="app-manager", diensten=[], profielen=["app-manager"])),
                 "verkeerde-organisatie"),
            test("hulpvragen announced, not certified", key.token(claims(
                profielen=["basis", "betalingsregelingen", "pauzes"],
                diensten=["vorderingenoverzicht", "betalingsregelingen", "pauzes"])),
                 "dienst-niet-gecertificeerd"),
            test("expired: the time is checked before the listing", key.token(claims(
                oin=OIN_ANDER, iat=NOW - 400 * 86400, exp=NOW - 35 * 86400)), "verlopen",
                 rule=RULE_VALIDITY),
        ],
    }


def files() -> dict[str, Any]:
    """relative path under spec/vectors/ → content, for every file of this module."""
    key, next_key, stranger = Key("certificeerder"), Key("certificeerder-volgend"), Key("x")
    context = {"now": NOW, "pinned_keys": [key.published(), next_key.published()], "major": 2}
    cases = [profile_case(key, next_key, stranger, context), claims_case(key, context),
             validity_case(key, context), listing_case(key, context)]
    return {CASE_FILE: cases,
            f"keys/{key.name}.json": key.published(),
            f"keys/{next_key.name}.json": next_key.published()}


# --- the independent verifier ---------------------------------------------------------------


def verify(context: dict[str, Any], token: Any) -> str | None:
    """The problem code of a certification result in `context`, or None when it verifies."""
    try:
        _verify(context, token)
    except vv.Refused as exc:
        return exc.code
    return None


def _verify(context: dict[str, Any], token: Any) -> None:
    header, body, _, signature = vv._parse(token, PREFIX)
    if header.get("alg") != "ES256":
        raise vv.Refused(f"{PREFIX}/algoritme-niet-toegestaan")
    if set(header) - vv.PROFILE_HEADER_MEMBERS:
        raise vv.Refused(f"{PREFIX}/verboden-header")
    if header.get("typ") != TYP:
        raise vv.Refused(f"{PREFIX}/verkeerd-type")
    payload = vv._payload(body, PREFIX)
    jwk = vv._key_for(header.get("kid"), context["pinned_keys"], PREFIX)
    vv._check_signature(jwk, token.rsplit(".", 1)[0].encode("ascii"), signature, PREFIX)
    version = payload.get("standaardversie")
    if isinstance(version, str) and version.split(".")[0] != str(context["major"]):
        raise vv.Refused(f"{PREFIX}/versie-niet-ondersteund")
    if not vv.validator("certificeringsresultaat.schema.json").is_valid(payload):
        raise vv.Refused(f"{PREFIX}/claims-ongeldig")
    now = context["now"]
    if payload["iat"] - SKEW_S > now:
        raise vv.Refused(f"{PREFIX}/nog-niet-geldig")
    if now > payload["exp"] + SKEW_S:
        raise vv.Refused(f"{PREFIX}/verlopen")
    if payload["exp"] - payload["iat"] > MAX_VALIDITY_S:
        raise vv.Refused(f"{PREFIX}/looptijd-te-lang")
    organisation = context.get("organisatie")
    if organisation is not None:
        if payload["actor"] != "bron" or payload.get("oin") != organisation["oin"]:
            raise vv.Refused(f"{PREFIX}/verkeerde-organisatie")
        if set(organisation["diensten"]) - set(payload["diensten"]):
            raise vv.Refused(f"{PREFIX}/dienst-niet-gecertificeerd")
