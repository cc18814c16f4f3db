"""Generate the test vectors of standard 2.0.0 into spec/vectors/.

    .venv/bin/python tests/spec/generate_vectors.py            # writes spec/vectors/**
    .venv/bin/python tests/spec/generate_vectors.py --out DIR  # writes DIR/** instead

Everything is fixed except the keys: each run creates fresh private keys in memory, signs with
them and writes only their PUBLIC halves (spec/vectors/keys/). ECDSA signatures are randomised,
so token bytes change on every run, but what each vector checks (its description, context,
outcome and problem code) does not; schema, document and PKCE vectors are byte-for-byte the
same.
Within a major the vectors are append-only: add cases here, never change what an existing one
checks. A new major rebuilds the set (2.0.0 did).

This file is data first: it is long because every vector is spelled out, not because it hides
logic. It shares no code with the verifier the tests use (tests/spec/vector_verifier.py).
"""

from __future__ import annotations

import argparse
import base64
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import certification_vectors
import collection_vectors
import rfc8785
import schedule_vectors
from collection_vectors import OMIT, edit  # OMIT: a member value meaning "leave it out"
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

VECTORS_DIR = Path(__file__).resolve().parents[2] / "spec" / "vectors"

NOW = 1767225600  # 2026-01-01T00:00:00Z: the fixed "now" of every token vector
DAY = 86400
SKEW_S = 60
SCHEME_MAX_LIFETIME_S = 86400
CERT_MAX_LIFETIME_S = 43200
PROOF_MAX_AGE_S = 60
REGISTRATION_TTL_S = 600
HULPVRAAG_MAX_LEEFTIJD_S = 1209600
VERSION = "2.0"  # every wire version of this major (MAJOR.MINOR)
NEXT_MINOR = "2.1"
NEXT_MAJOR = "3.0"
# Key windows of the scheme (NumericDates).
KEYS_FROM = NOW - 400 * DAY  # when the long-standing keys started signing
ROTATION = 1765756800  # 2025-12-15T00:00:00Z: bron-b retired, bron-b-2 signs from then on
REVOKED_AT = 1766361600  # 2025-12-22T00:00:00Z: bron-a-ingetrokken was compromised

OIN_A = "00000001000000000001"
OIN_B = "00000002000000000002"
OIN_ONBEKEND = "00000003000000000003"
OIN_OM = "00000004000000000004"
BSN = "999993653"
BSN_ANDER = "999990019"
BSN_ELFPROEF_FOUT = "999993654"
AM_A = "app-manager-a"
AM_B = "app-manager-b"
API_A = "https://bron-a.vorderingen.example/vorderingen/v2"
API_A_V1 = "https://bron-a.vorderingen.example/vorderingen/v1"  # the same source's 1.x endpoint
API_B = "http://127.0.0.1:8402/vorderingen/v2"
API_AM_A = "https://am-a.vorderingen.example/app-manager/v2"
HTU = API_A + "/vorderingenoverzicht"
CERT_JTI = "5b0b6f0e-3f43-4a43-9d4c-1c1f7a3b9e01"
REVOKED_JTI = "0c6f3a52-8f8e-4d0e-b0d4-6f5e2a1d7c02"
PROOF_JTI = "a3e1c0d2-6b7f-4c3e-8a9d-2f4b5c6d7e03"
REGELING_ID = "2d9c4b1e-7a6f-4e5d-9c8b-3a2f1e0d9c04"
PAUZE_ID = "7e8f9a0b-1c2d-4e3f-8a5b-6c7d8e9f0a05"
# Public key of RFC 7515 appendix A.3, used where a vector needs a fixed, well-formed key.
RFC7515_X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
RFC7515_Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
STATIC_JWK = {"kty": "EC", "crv": "P-256", "x": RFC7515_X, "y": RFC7515_Y}
STATIC_KID = base64.urlsafe_b64encode(hashlib.sha256(json.dumps(
    {"crv": "P-256", "kty": "EC", "x": RFC7515_X, "y": RFC7515_Y}, separators=(",", ":")
).encode()).digest()).rstrip(b"=").decode("ascii")
STATIC_SIGNATURE = "eyJhbGciOiJFUzI1NiJ9..c2lnbmF0dXJlLW9ubHktdGhlLXNoYXBlLW1hdHRlcnMtaGVyZQ"
DOCUMENT_INVALID = "envelop/document-ongeldig"


def _nonce(label: str) -> str:
    """A fixed, well-formed nonce (32 bytes, base64url: 43 characters)."""
    digest = hashlib.sha256(label.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


NONCE = _nonce("nonce-geldig")
NONCE_VERLOPEN = _nonce("nonce-verlopen")
NONCE_GEBRUIKT = _nonce("nonce-gebruikt")
NONCE_ONBEKEND = _nonce("nonce-onbekend")
NONCE_AANVRAAG = _nonce("uitdaging-registratie")
SESSIETOKEN = _nonce("sessietoken")  # the session token a request proof is bound to (ath)
SESSIETOKEN_ANDER = _nonce("sessietoken-ander")
REQUEST_JTI = "c4d5e6f7-0a1b-4c2d-9e3f-4a5b6c7d8e06"
REQUEST_JTI_2 = "d5e6f7a8-1b2c-4d3e-8f4a-5b6c7d8e9f07"


def iso(numericdate: int) -> str:
    """RFC 3339 in UTC for a NumericDate: the `opgesteld_op` of a document signed then."""
    return datetime.fromtimestamp(numericdate, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ath(session_token: str) -> str:
    """BASE64URL(SHA-256(ASCII session token)): the request proof's binding to the token."""
    return b64(hashlib.sha256(session_token.encode("ascii")).digest())


# --- JOSE ----------------------------------------------------------------------------------


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_json(value: Any) -> str:
    return b64(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


class Key:
    """A private EC key that lives only in memory; `public_jwk` is what gets written."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.private = ec.generate_private_key(ec.SECP256R1())
        numbers = self.private.public_key().public_numbers()
        self.public_jwk = {
            "kty": "EC",
            "crv": "P-256",
            "x": b64(numbers.x.to_bytes(32, "big")),
            "y": b64(numbers.y.to_bytes(32, "big")),
        }
        members = json.dumps(
            {k: self.public_jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":")
        )
        self.kid = b64(hashlib.sha256(members.encode()).digest())

    def sign(self, data: bytes) -> bytes:
        r, s = decode_dss_signature(self.private.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def published(self) -> dict[str, str]:
        return {**self.public_jwk, "kid": self.kid, "use": "sig"}

    def entry(self, vanaf: int = KEYS_FROM, tot: int | None = None,
              ingetrokken: int | None = None, *, with_kid: bool = True) -> dict[str, Any]:
        """A key entry of the scheme: the public JWK and the window in which it may sign."""
        result: dict[str, Any] = {"jwk": self.published() if with_kid else self.public_jwk,
                                  "geldig_vanaf": vanaf}
        if tot is not None:
            result["geldig_tot"] = tot
        if ingetrokken is not None:
            result["ingetrokken_op"] = ingetrokken
        return result


def merged(base: dict[str, Any], changes: dict[str, Any] | None) -> dict[str, Any]:
    result = dict(base)
    for name, value in (changes or {}).items():
        if value is OMIT:
            result.pop(name, None)
        else:
            result[name] = value
    return result


def jws(typ: str, claims: dict[str, Any], key: Key, header: dict | None = None) -> str:
    """A compact ES256 JWS; `header` changes the default {alg, typ, kid} header."""
    protected = encode_json(merged({"alg": "ES256", "typ": typ, "kid": key.kid}, header))
    body = encode_json(claims)
    return f"{protected}.{body}.{b64(key.sign(f'{protected}.{body}'.encode()))}"


def unsigned(typ: str, claims: dict[str, Any]) -> str:
    return f"{encode_json({'alg': 'none', 'typ': typ})}.{encode_json(claims)}."


def hmac_signed(typ: str, claims: dict[str, Any], secret: bytes, kid: str) -> str:
    """HS256 with a public key as the secret: the classic algorithm-confusion attack."""
    signing_input = f"{encode_json({'alg': 'HS256', 'typ': typ, 'kid': kid})}.{encode_json(claims)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


def es384_signed(typ: str, claims: dict[str, Any]) -> str:
    key = ec.generate_private_key(ec.SECP384R1())
    signing_input = f"{encode_json({'alg': 'ES384', 'typ': typ})}.{encode_json(claims)}"
    r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA384())))
    return f"{signing_input}.{b64(r.to_bytes(48, 'big') + s.to_bytes(48, 'big'))}"


def rs256_signed(typ: str, claims: dict[str, Any]) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signing_input = f"{encode_json({'alg': 'RS256', 'typ': typ})}.{encode_json(claims)}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


def with_payload(token: str, claims: dict[str, Any]) -> str:
    """The token with its payload replaced after signing (the signature no longer fits)."""
    head, _, signature = token.split(".")
    return f"{head}.{encode_json(claims)}.{signature}"


def pem(key: Key) -> bytes:
    return key.private.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def detached(document: dict[str, Any], key: Key, header: dict | None = None,
             payload: bytes | None = None) -> str:
    """Envelope signature: detached JWS over JCS(document) unless `payload` says otherwise."""
    protected = encode_json(
        merged({"alg": "ES256", "typ": "vorderingen-document+jws", "kid": key.kid}, header)
    )
    body = b64(rfc8785.dumps(document) if payload is None else payload)
    return f"{protected}..{b64(key.sign(f'{protected}.{body}'.encode()))}"


def envelope(document: dict[str, Any], key: Key, **kwargs: Any) -> dict[str, Any]:
    return {"document": document, "handtekening": detached(document, key, **kwargs)}


# --- vector shapes -------------------------------------------------------------------------


def test(description: str, valid: bool, code: str | None = None, rule: str | None = None,
         **fields: Any) -> dict[str, Any]:
    """One test: `data` or `token` (+ optional `context`), the outcome, code and rule."""
    entry: dict[str, Any] = {"description": description, **fields, "valid": valid}
    if code is not None:
        entry["code"] = code
    if rule is not None:
        entry["rule"] = rule
    return entry


def case(description: str, rule: str, tests: list[dict], **fields: Any) -> dict[str, Any]:
    return {"description": description, "rule": rule, **fields, "tests": tests}


# --- claims documents ----------------------------------------------------------------------


def event(gid: str, kind: str, when: str, **fields: Any) -> dict[str, Any]:
    return {"gebeurtenis_id": gid, "gebeurtenistype": kind, "datumtijd": when, **fields}


def zaak(kenmerk: str, events: list[dict], **fields: Any) -> dict[str, Any]:
    """A case whose totals follow from its events unless `fields` say otherwise."""
    verplicht = sum(e["bedrag"] for e in events
                    if e["gebeurtenistype"] == "FinancieleVerplichtingOpgelegd")
    vereffend = sum(e["bedrag"] for e in events if e["gebeurtenistype"] in
                    ("BetalingVerwerkt", "FinancieleVerplichtingKwijtgescholden"))
    base = {
        "zaakkenmerk": kenmerk,
        "omschrijving": "Verkeersboete (testgegevens)",
        "vorderingtype": "cjib_wahv_boete",
        "looptijd": "eenmalig",
        "totaal_financieel_verplicht": verplicht,
        "totaal_financieel_vereffend": vereffend,
        "saldo": verplicht - vereffend,
        "saldo_datumtijd": "2025-12-31T06:00:00+01:00",
        "achterstand": 0,
        "volgende_vervaldatum": None,
        "status": "open",
        "grondslag": {
            "omschrijving": "Wet administratiefrechtelijke handhaving verkeersvoorschriften",
            "url": "https://wetten.overheid.nl/BWBR0004581",
        },
        "bezwaar": {"mogelijk": False, "toelichting": "De termijn voor bezwaar is verstreken."},
        "contact": {"telefoon": "+31 58 000 0000", "url": "https://bron-a.vorderingen.example/contact"},
        "acties": ["betalen", "betalingsregeling", "pauze"],
        "gebeurtenissen": events,
    }
    return {**base, **fields}


def zaak_boete() -> dict[str, Any]:
    """Fine + costs, a partial payment, a surcharge and a reminder replacing the first demand."""
    k = "WAHV-2025-000123"
    return zaak(k, [
        event(f"{k}:1", "FinancieleVerplichtingOpgelegd", "2025-10-01T09:00:00+02:00",
              bedrag=9500, categorie="hoofdsom", omschrijving="Snelheidsovertreding"),
        event(f"{k}:2", "FinancieleVerplichtingOpgelegd", "2025-10-01T09:00:00+02:00",
              bedrag=900, categorie="administratiekosten", omschrijving="Administratiekosten"),
        event(f"{k}:3", "BetalingsverplichtingOpgelegd", "2025-10-01T09:00:00+02:00",
              bedrag=10400, vervaldatum="2025-11-12", soort="aanschrijving",
              betalingskenmerk="5000000012345678"),
        event(f"{k}:4", "BetalingVerwerkt", "2025-11-05T14:12:00+01:00", bedrag=4000,
              betalingskenmerk="5000000012345678", betalingsverplichting=f"{k}:3"),
        event(f"{k}:5", "FinancieleVerplichtingOpgelegd", "2025-11-20T02:00:00+01:00",
              bedrag=2500, categorie="verhoging", omschrijving="Eerste verhoging"),
        event(f"{k}:6", "BetalingsverplichtingIngetrokken", "2025-11-20T02:00:00+01:00",
              betalingsverplichting=f"{k}:3", reden="Vervangen door een herinnering"),
        event(f"{k}:7", "BetalingsverplichtingOpgelegd", "2025-11-20T02:00:00+01:00",
              bedrag=8900, vervaldatum="2025-12-18", soort="herinnering",
              betalingskenmerk="5000000012345679"),
    ], achterstand=8900)


def zaak_regeling() -> dict[str, Any]:
    """In an arrangement: a correction, instalments paid, part of the principal remitted."""
    k = "SB-2025-004567"
    return zaak(k, [
        event(f"{k}:1", "FinancieleVerplichtingOpgelegd", "2025-06-02T10:00:00+02:00",
              bedrag=45000, categorie="hoofdsom", omschrijving="Strafbeschikking"),
        event(f"{k}:2", "FinancieleVerplichtingOpgelegd", "2025-06-02T10:00:00+02:00",
              bedrag=900, categorie="administratiekosten", omschrijving="Administratiekosten"),
        event(f"{k}:3", "FinancieleVerplichtingOpgelegd", "2025-06-20T10:00:00+02:00",
              bedrag=-5000, categorie="hoofdsom", omschrijving="Correctie na herberekening",
              correctie_van=f"{k}:1"),
        event(f"{k}:4", "BetalingsverplichtingOpgelegd", "2025-09-01T08:00:00+02:00",
              bedrag=10000, vervaldatum="2025-09-30", soort="termijn",
              betalingskenmerk="5000000045670001"),
        event(f"{k}:5", "BetalingVerwerkt", "2025-09-28T11:30:00+02:00", bedrag=10000,
              betalingsverplichting=f"{k}:4"),
        event(f"{k}:6", "BetalingsverplichtingOpgelegd", "2025-10-01T08:00:00+02:00",
              bedrag=10000, vervaldatum="2025-10-31", soort="termijn",
              betalingskenmerk="5000000045670002"),
        event(f"{k}:7", "BetalingVerwerkt", "2025-10-30T16:45:10.250+01:00", bedrag=10000,
              betalingsverplichting=f"{k}:6"),
        event(f"{k}:8", "FinancieleVerplichtingKwijtgescholden", "2025-11-03T09:00:00+01:00",
              bedrag=5000, financiele_verplichting=f"{k}:1",
              reden="Gedeeltelijke kwijtschelding"),
        event(f"{k}:9", "BetalingsverplichtingOpgelegd", "2025-12-01T08:00:00+01:00",
              bedrag=10000, vervaldatum="2026-01-05", soort="termijn",
              betalingskenmerk="5000000045670003"),
    ], omschrijving="Strafbeschikking (testgegevens)", vorderingtype="cjib_strafbeschikking",
        schuldeiser={"oin": OIN_OM, "naam": "Openbaar Ministerie (test)"},
        looptijd="termijnen", status="in_regeling", betalingsregeling={"id": REGELING_ID},
        volgende_vervaldatum="2026-01-05", acties=["betalen"],
        grondslag={"omschrijving": "Wetboek van Strafvordering, artikel 257a"})


def zaak_afgelost() -> dict[str, Any]:
    k = "WAHV-2024-009876"
    return zaak(k, [
        event(f"{k}:1", "FinancieleVerplichtingOpgelegd", "2024-03-01T09:00:00+01:00",
              bedrag=5000, categorie="hoofdsom", omschrijving="Parkeerovertreding"),
        event(f"{k}:2", "BetalingsverplichtingOpgelegd", "2024-03-01T09:00:00+01:00",
              bedrag=5000, vervaldatum="2024-04-12", soort="aanschrijving",
              betalingskenmerk="5000000098760001"),
        event(f"{k}:3", "BetalingVerwerkt", "2024-04-02T08:00:00Z", bedrag=5000,
              betalingsverplichting=f"{k}:2"),
    ], status="afgelost", acties=[])


def zaak_pauze() -> dict[str, Any]:
    k = "WAHV-2025-000999"
    return zaak(k, [
        event(f"{k}:1", "FinancieleVerplichtingOpgelegd", "2025-11-01T09:00:00+01:00",
              bedrag=23000, categorie="hoofdsom", omschrijving="Door rood licht gereden"),
        event(f"{k}:2", "BetalingsverplichtingOpgelegd", "2025-11-01T09:00:00+01:00",
              bedrag=23000, vervaldatum="2025-12-13", soort="aanschrijving",
              betalingskenmerk="5000000009990001"),
    ], status="gepauzeerd", pauze={"id": PAUZE_ID, "einddatum": "2026-03-31"},
        achterstand=23000, acties=["betalingsregeling", "bezwaar"],
        bezwaar={"mogelijk": True, "uiterlijk": "2026-01-12"})


def document(*zaken: dict[str, Any], oin: str = OIN_A, bsn: str = BSN) -> dict[str, Any]:
    naam = {OIN_A: "Centraal Incassobureau (test)", OIN_B: "Gemeente Voorbeeldstad (test)"}
    return {
        "documentversie": VERSION,
        "bron": {"oin": oin, "naam": naam.get(oin, "Onbekende organisatie (test)")},
        "bsn": bsn,
        "opgesteld_op": "2025-12-31T12:00:00+01:00",
        "financiele_zaken": list(zaken),
    }


def full_document(**kwargs: Any) -> dict[str, Any]:
    return document(zaak_boete(), zaak_regeling(), zaak_afgelost(), zaak_pauze(), **kwargs)


def edit_many(doc: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """`edit` for every (JSON pointer, value) pair of `changes`, in order."""
    for path, value in changes.items():
        doc = edit(doc, path, value)
    return doc


def zaak_gemeente() -> dict[str, Any]:
    """A municipal tax in instalments; non-ASCII text tests the UTF-8 of JCS."""
    k = "OZB-2025-31337"
    return zaak(k, [
        event(f"{k}:1", "FinancieleVerplichtingOpgelegd", "2025-02-28T09:00:00+01:00",
              bedrag=61200, categorie="hoofdsom",
              omschrijving="Onroerendezaakbelasting 2025 – aanslag € 612,00"),
        event(f"{k}:2", "BetalingsverplichtingOpgelegd", "2025-02-28T09:00:00+01:00",
              bedrag=61200, vervaldatum="2025-12-31", soort="aanschrijving",
              betalingskenmerk="OZB202531337"),
        event(f"{k}:3", "BetalingVerwerkt", "2025-11-28T00:15:00Z", bedrag=51000,
              betalingsverplichting=f"{k}:2"),
    ], omschrijving="Gemeentelijke belastingen ’s-Hertogenbosch (testgegevens)",
        vorderingtype="gem_ozb", looptijd="termijnen", volgende_vervaldatum="2025-12-31",
        grondslag={"omschrijving": "Gemeentewet, artikel 220"},
        contact={"email": "belastingen@gemeente-voorbeeldstad.example"},
        acties=["betalen", "betalingsregeling", "hulp"])


# --- schema vectors ------------------------------------------------------------------------

Z0 = "/financiele_zaken/0"
E = Z0 + "/gebeurtenissen"


def schema_case(description: str, rule: str, schema: str, tests: list[dict],
                code: str | None = None) -> dict[str, Any]:
    """A schema case; `code` is added to every invalid test that names none."""
    for entry in tests:
        if not entry["valid"] and code is not None:
            entry.setdefault("code", code)
    return case(description, rule, tests, schema=schema)


def vorderingendocument_schema_vectors(rules: dict[str, str]) -> list[dict[str, Any]]:
    small = document(zaak_boete())
    regeling = document(zaak_regeling())
    s = "vorderingendocument.schema.json"
    return [
        schema_case("valid claims documents", rules["document-schema"], s, [
            test("a document with four cases: open, in an arrangement, settled, paused", True,
                 data=full_document()),
            test("a document without cases (nothing to report)", True, data=document()),
            test("a case without a creditor of its own, a null next due date", True,
                 data=document(zaak_afgelost())),
            test("a municipal case with non-ASCII text", True,
                 data=document(zaak_gemeente(), oin=OIN_B)),
        ], code=DOCUMENT_INVALID),
        schema_case("amounts are integer euro cents", "/document/bedragen-in-centen", s, [
            test("saldo with a fraction", False, data=edit(small, Z0 + "/saldo", 8900.5)),
            test("event amount in euros with a fraction", False,
                 data=edit(small, E + "/0/bedrag", 95.5)),
            test("amount as a string", False, data=edit(small, E + "/0/bedrag", "9500")),
            test("amount beyond 2^53 − 1", False,
                 data=edit(small, Z0 + "/achterstand", 9007199254740992)),
            test("negative correction amount (integer) is an integer", True, data=regeling),
        ], code=DOCUMENT_INVALID),
        schema_case("datetimes are RFC 3339 with an offset", "/document/datumtijd-met-offset",
                    s, [
            test("opgesteld_op without offset", False,
                 data=edit(small, "/opgesteld_op", "2025-12-31T12:00:00")),
            test("event datumtijd without offset", False,
                 data=edit(small, E + "/0/datumtijd", "2025-10-01T09:00:00")),
            test("offset without a colon", False,
                 data=edit(small, Z0 + "/saldo_datumtijd", "2025-12-31T06:00:00+0100")),
            test("space instead of T", False,
                 data=edit(small, Z0 + "/saldo_datumtijd", "2025-12-31 06:00:00+01:00")),
            test("lowercase t and z", False,
                 data=edit(small, Z0 + "/saldo_datumtijd", "2025-12-31t05:00:00z")),
            test("a date where a datetime is required", False,
                 data=edit(small, "/opgesteld_op", "2025-12-31")),
            test("an impossible date with a valid shape (needs format assertion)", False,
                 data=edit(small, "/opgesteld_op", "2025-02-30T12:00:00Z")),
            test("a leap second, 23:59:60Z (RFC 3339 has it; the standard compares instants, "
                 "and a leap second is none)", False,
                 data=edit(small, "/opgesteld_op", "2025-12-31T23:59:60Z")),
            test("an event at a leap second", False,
                 data=edit(small, E + "/0/datumtijd", "2025-06-30T23:59:60Z")),
            test("UTC as Z", True, data=edit(small, "/opgesteld_op", "2025-12-31T11:00:00Z")),
            test("offset +05:30 and nine fraction digits", True,
                 data=edit(small, "/opgesteld_op", "2025-12-31T16:30:00.123456789+05:30")),
            test("a vervaldatum with a time", False,
                 data=edit(small, E + "/2/vervaldatum", "2025-11-12T00:00:00Z")),
            test("an impossible vervaldatum (needs format assertion)", False,
                 data=edit(small, E + "/2/vervaldatum", "2025-13-01")),
        ], code=DOCUMENT_INVALID),
        schema_case("enums are closed", rules["enums"], s, [
            test("unknown case status", False, data=edit(small, Z0 + "/status", "betaald")),
            test("unknown looptijd", False, data=edit(small, Z0 + "/looptijd", "maandelijks")),
            test("unknown categorie", False, data=edit(small, E + "/0/categorie", "boete")),
            test("unknown soort of a payment demand", False,
                 data=edit(small, E + "/2/soort", "incasso")),
            test("unknown gebeurtenistype", False,
                 data=edit(small, E + "/3/gebeurtenistype", "BetalingOntvangen")),
            test("unknown actie", False, data=edit(small, Z0 + "/acties", ["kwijtschelding"])),
            test("an actie twice", False, data=edit(small, Z0 + "/acties", ["betalen", "betalen"])),
        ], code=DOCUMENT_INVALID),
        schema_case("documentversie is MAJOR.MINOR of major 2", rules["versie"], s, [
            test("2.0", True, data=small),
            test(f"{NEXT_MINOR} (a later minor of this major)", True,
                 data=edit(small, "/documentversie", NEXT_MINOR)),
            test("2.9999 (the largest minor the pattern allows)", True,
                 data=edit(small, "/documentversie", "2.9999")),
            test("2.10000", False, data=edit(small, "/documentversie", "2.10000")),
            test("2.01 (a leading zero)", False, data=edit(small, "/documentversie", "2.01")),
            test("2.0.0 (a patch number is never on the wire)", False,
                 data=edit(small, "/documentversie", "2.0.0")),
            test("3.0 (the next major)", False, data=edit(small, "/documentversie", NEXT_MAJOR)),
            test("1.0.0 (the previous major)", False,
                 data=edit(small, "/documentversie", "1.0.0")),
            test("2 without a minor", False, data=edit(small, "/documentversie", "2")),
            test("2.0 as a number", False, data=edit(small, "/documentversie", 2.0)),
            test("2.2 and a final newline (ECMA-262's $ is the end of the input)", False,
                 data=edit(small, "/documentversie", "2.2\n")),
        ], code=DOCUMENT_INVALID),
        schema_case("objects are open: a member this version does not define is ignored",
                    rules["open-data"], s, [
            test("unknown top-level member", True, data=edit(small, "/opmerking", "x")),
            test("unknown member of bron", True, data=edit(small, "/bron/kvk", "12345678")),
            test("unknown member of a case", True,
                 data=edit(small, Z0 + "/rentepercentage", 4)),
            test("unknown member of an event", True,
                 data=edit(small, E + "/3/kanaal", "ideal")),
            test("unknown member of grondslag", True,
                 data=edit(small, Z0 + "/grondslag/artikel", "5")),
            test("an unknown member does not relax a defined one: saldo still an integer",
                 False, data=edit(edit(small, "/opmerking", "x"), Z0 + "/saldo", "8900")),
        ], code=DOCUMENT_INVALID),
        schema_case("required members", rules["document-schema"], s, [
            test("no bsn", False, data=edit(small, "/bsn")),
            test("no bron.oin", False, data=edit(small, "/bron/oin")),
            test("a case without saldo", False, data=edit(small, Z0 + "/saldo")),
            test("a case without volgende_vervaldatum (null is required, absence is not)", False,
                 data=edit(small, Z0 + "/volgende_vervaldatum")),
            test("an event without bedrag", False, data=edit(small, E + "/3/bedrag")),
            test("an event without datumtijd", False, data=edit(small, E + "/1/datumtijd")),
            test("a remission without financiele_verplichting", False,
                 data=edit(regeling, E + "/7/financiele_verplichting")),
            test("status in_regeling without betalingsregeling", False,
                 data=edit(regeling, Z0 + "/betalingsregeling")),
            test("status gepauzeerd without pauze", False,
                 data=edit(document(zaak_pauze()), Z0 + "/pauze")),
        ], code=DOCUMENT_INVALID),
        schema_case("identifiers and codes", rules["document-schema"], s, [
            test("bsn of 8 digits", False, data=edit(small, "/bsn", "99999365")),
            test("bsn as a number", False, data=edit(small, "/bsn", 999993653)),
            test("bsn and a final newline (ECMA-262's $ is the end of the input)", False,
                 data=edit(small, "/bsn", BSN + "\n")),
            test("zaakkenmerk and a final newline", False,
                 data=edit(small, Z0 + "/zaakkenmerk", small["financiele_zaken"][0]["zaakkenmerk"]
                           + "\n")),
            test("oin of 19 digits", False, data=edit(small, "/bron/oin", OIN_A[1:])),
            test("zaakkenmerk with a space", False,
                 data=edit(small, Z0 + "/zaakkenmerk", "WAHV 2025")),
            test("zaakkenmerk starting with a dash", False,
                 data=edit(small, Z0 + "/zaakkenmerk", "-WAHV")),
            test("empty gebeurtenis_id", False, data=edit(small, E + "/0/gebeurtenis_id", "")),
            test("vorderingtype in capitals", False,
                 data=edit(small, Z0 + "/vorderingtype", "CJIB_wahv")),
            test("betalingsregeling id in uppercase", False,
                 data=edit(regeling, Z0 + "/betalingsregeling/id", REGELING_ID.upper())),
        ], code=DOCUMENT_INVALID),
        schema_case("signs of event amounts", rules["document-schema"], s, [
            test("imposed amount of zero", False, data=edit(small, E + "/0/bedrag", 0)),
            test("negative imposed amount without correctie_van", False,
                 data=edit(small, E + "/0/bedrag", -100)),
            test("negative correction with correctie_van", True, data=regeling),
            test("correction of zero", False, data=edit(regeling, E + "/2/bedrag", 0)),
            test("payment of zero", False, data=edit(small, E + "/3/bedrag", 0)),
            test("negative payment demand", False, data=edit(small, E + "/2/bedrag", -1)),
            test("remission of zero", False, data=edit(regeling, E + "/7/bedrag", 0)),
        ], code=DOCUMENT_INVALID),
    ]


def next_minor_document() -> dict[str, Any]:
    """A claims document of the next minor with members this one does not define, at every level."""
    doc = edit_many(document(zaak_boete()), {
        "/documentversie": NEXT_MINOR,
        "/taal": "nl",
        "/bron/kvk": "12345678",
        Z0 + "/rente": {"percentage": "4.00", "sinds": "2025-12-01"},
        E + "/3/kanaal": "ideal",
    })
    return doc


def static_stelsel(**changes: Any) -> dict[str, Any]:
    """Scheme claims (format 2) with the fixed RFC 7515 key, for schema vectors."""
    entry = {"jwk": STATIC_JWK, "geldig_vanaf": KEYS_FROM}
    claims = {
        "versie": VERSION,
        "iss": "stelselbeheerder-test",
        "iat": NOW - 3600,
        "exp": NOW - 3600 + SCHEME_MAX_LIFETIME_S,
        "volgnummer": 7,
        "omgeving": "test",
        "organisaties": [{
            "oin": OIN_A, "naam": "Centraal Incassobureau (test)", "soort": "rijk",
            "eindpunten": [{"api_url": "http://127.0.0.1:8401/vorderingen/v2", "major": 2}],
            "sleutels": [entry],
            "diensten": ["vorderingenoverzicht", "betalingsregelingen"], "status": "actief",
        }],
        "app_managers": [{"id": AM_A, "naam": "App Manager A (test)", "sleutels": [entry],
                          "status": "actief"}],
        "ingetrokken_certificaten": [REVOKED_JTI],
    }
    return merged(claims, changes)


def stelsel_schema_vectors(rules: dict[str, str]) -> list[dict[str, Any]]:
    s = "stelseldocument.schema.json"
    base = static_stelsel()
    org, ep, key = "/organisaties/0", "/organisaties/0/eindpunten", "/organisaties/0/sleutels"
    production = edit(base, ep + "/0/api_url", API_A)
    production["omgeving"] = "productie"
    two_majors = edit(base, ep, [{"api_url": API_A, "major": 2}, {"api_url": API_A_V1, "major": 1}])
    entry = base["organisaties"][0]["sleutels"][0]
    return [
        schema_case("scheme document claims (format 2)", rules["stelsel-claims"], s, [
            test("a test scheme with a loopback http api_url", True, data=base),
            test("a production scheme with https only", True, data=production),
            test("an organisation listed with the endpoint of each major it serves", True,
                 data=two_majors),
            test("an App Manager with its own api_url", True,
                 data=edit(base, "/app_managers/0/api_url", API_AM_A)),
            test("unknown soort", False, data=edit(base, org + "/soort", "ministerie")),
            test("unknown dienst", False,
                 data=edit(base, org + "/diensten", ["vorderingenoverzicht", "schuldhulp"])),
            test("diensten without vorderingenoverzicht", False,
                 data=edit(base, org + "/diensten", ["pauzes"])),
            test("unknown organisation status", False, data=edit(base, org + "/status", "actief ")),
            test("organisation status opgeschort", True,
                 data=edit(base, org + "/status", "opgeschort")),
            test("no app_managers", False, data=edit(base, "/app_managers")),
            test("App Manager id with capitals", False,
                 data=edit(base, "/app_managers/0/id", "AM-A")),
            test("App Manager without status", False, data=edit(base, "/app_managers/0/status")),
            test("revoked certificate id that is not a UUID", False,
                 data=edit(base, "/ingetrokken_certificaten", ["cert-1"])),
            test("revoked certificate id in uppercase", False,
                 data=edit(base, "/ingetrokken_certificaten", [REVOKED_JTI.upper()])),
            test("a revoked certificate id twice", False,
                 data=edit(base, "/ingetrokken_certificaten", [REVOKED_JTI, REVOKED_JTI])),
            test("iat with a fraction", False, data=edit(base, "/iat", NOW - 3600.5)),
            test("an organisation with the 1.0.0 api_url instead of eindpunten", False,
                 data=edit(edit(base, ep), org + "/api_url", API_A)),
        ], code="stelsel/claims-ongeldig"),
        schema_case("versie is MAJOR.MINOR of major 2", rules["stelsel-versie"], s, [
            test(f"versie {NEXT_MINOR}", True, data=edit(base, "/versie", NEXT_MINOR)),
            test("no versie", False, data=edit(base, "/versie")),
            test("versie 2.0.0", False, data=edit(base, "/versie", "2.0.0")),
            test("versie 3.0", False, data=edit(base, "/versie", NEXT_MAJOR)),
            test("versie as a number", False, data=edit(base, "/versie", 2)),
        ], code="stelsel/claims-ongeldig"),
        schema_case("closed, except uitbreidingen", rules["uitbreidingen"], s, [
            test("uitbreidingen of minor 2.1 on the document, an organisation and an App Manager",
                 True, data=edit_many(base, {
                     "/uitbreidingen": {"2.1": {"publicatie_url": "https://x.example/s"}},
                     org + "/uitbreidingen": {"2.1": {"regio": "noord"}},
                     "/app_managers/0/uitbreidingen": {"2.1": {}}})),
            test("an unknown claim nbf", False, data=edit(base, "/nbf", NOW - 3600)),
            test("an unknown member of an organisation", False,
                 data=edit(base, org + "/website", "https://example.org")),
            test("an unknown member of an App Manager", False,
                 data=edit(base, "/app_managers/0/website", "https://example.org")),
            test("an unknown member of an endpoint", False,
                 data=edit(base, ep + "/0/minor", 0)),
            test("uitbreidingen keyed by a name instead of a minor version", False,
                 data=edit(base, "/uitbreidingen", {"regio": {}})),
            test("uitbreidingen keyed by 2.1.0", False,
                 data=edit(base, "/uitbreidingen", {"2.1.0": {}})),
            test("an uitbreidingen value that is not an object", False,
                 data=edit(base, "/uitbreidingen", {"2.1": "ja"})),
        ], code="stelsel/claims-ongeldig"),
        schema_case("endpoints: 1..4, each {api_url, major ≥ 1}", rules["stelsel-eindpunten"], s, [
            test("no endpoints", False, data=edit(base, ep, [])),
            test("five endpoints", False, data=edit(base, ep, [
                {"api_url": f"https://bron-a.vorderingen.example/v{m}", "major": m}
                for m in range(1, 6)])),
            test("major 0", False, data=edit(base, ep + "/0/major", 0)),
            test("major as a string", False, data=edit(base, ep + "/0/major", "2")),
            test("an endpoint without major", False, data=edit(base, ep + "/0/major")),
        ], code="stelsel/claims-ongeldig"),
        schema_case("api_url: https, or http on loopback outside production",
                    rules["stelsel-omgeving"], s, [
            test("http on a non-loopback host", False, data=edit(
                base, ep + "/0/api_url", "http://bron-a.vorderingen.example/vorderingen/v2")),
            test("http on 127.0.0.1 in a production scheme", False,
                 data=edit(production, ep + "/0/api_url", "http://127.0.0.1:8401/vorderingen/v2")),
            test("http on [::1] in a test scheme", True,
                 data=edit(base, ep + "/0/api_url", "http://[::1]:8401/vorderingen/v2")),
            test("a trailing slash", False,
                 data=edit(base, ep + "/0/api_url", API_A + "/")),
            test("a query", False,
                 data=edit(base, ep + "/0/api_url", "https://bron-a.vorderingen.example/v2?x=1")),
            test("user info", False,
                 data=edit(base, ep + "/0/api_url", "https://u:p@bron-a.vorderingen.example/v2")),
            test("unknown omgeving", False, data=edit(base, "/omgeving", "prod")),
        ], code="stelsel/claims-ongeldig"),
        schema_case("http on a private test network only in a test scheme (since 2.1)",
                    "/testomgeving/prive-netwerk", s, [
            test("a container service name in a test scheme", True,
                 data=edit(base, ep + "/0/api_url", "http://bron:8000/vorderingen/v2")),
            test("10.x in an ontwikkeling scheme", True, data=edit(
                edit(base, "/omgeving", "ontwikkeling"), ep + "/0/api_url",
                "http://10.1.2.3:8000/vorderingen/v2")),
            test("192.168.x and fd00::/8 for an App Manager in a test scheme", True, data=edit(
                edit(base, ep + "/0/api_url", "http://192.168.10.4/vorderingen/v2"),
                "/app_managers/0/api_url", "http://[fd12:3456::1]:8300/app-manager/v2")),
            test("a container service name in an acceptatie scheme", False, data=edit(
                edit(base, "/omgeving", "acceptatie"), ep + "/0/api_url",
                "http://bron:8000/vorderingen/v2")),
            test("172.16.x in a production scheme", False, data=edit(
                production, ep + "/0/api_url", "http://172.16.0.9/vorderingen/v2")),
            test("172.32.x is not private", False,
                 data=edit(base, ep + "/0/api_url", "http://172.32.0.9/vorderingen/v2")),
            test("a public address", False,
                 data=edit(base, ep + "/0/api_url", "http://8.8.8.8/vorderingen/v2")),
        ], code="stelsel/claims-ongeldig"),
        schema_case("volgnummer is an integer from 1", rules["stelsel-volgnummer"], s, [
            test("volgnummer 0", False, data=edit(base, "/volgnummer", 0)),
            test("volgnummer as a string", False, data=edit(base, "/volgnummer", "7")),
            test("no volgnummer", False, data=edit(base, "/volgnummer")),
            test("volgnummer 1", True, data=edit(base, "/volgnummer", 1)),
        ], code="stelsel/claims-ongeldig"),
        schema_case("key entries: a public P-256 JWK and its signing window",
                    rules["sleutelvenster"], s, [
            test("a rotated-out key (geldig_tot) and a revoked key (ingetrokken_op)", True,
                 data=edit(base, key, [{**entry, "geldig_tot": ROTATION},
                                       {**entry, "ingetrokken_op": REVOKED_AT}])),
            test("a key with kid and use sig", True, data=edit(
                base, key + "/0/jwk", {**STATIC_JWK, "kid": STATIC_KID, "use": "sig"})),
            test("a bare JWK instead of a key entry (1.0.0)", False,
                 data=edit(base, key, [STATIC_JWK])),
            test("a JWK set instead of a list of key entries (1.0.0)", False,
                 data=edit(base, key, {"keys": [STATIC_JWK]})),
            test("a key entry without geldig_vanaf", False,
                 data=edit(base, key + "/0/geldig_vanaf")),
            test("geldig_tot with a fraction", False,
                 data=edit(base, key + "/0/geldig_tot", ROTATION + 0.5)),
            test("ingetrokken_op as an RFC 3339 string", False,
                 data=edit(base, key + "/0/ingetrokken_op", iso(REVOKED_AT))),
            test("an unknown member of a key entry", False,
                 data=edit(base, key + "/0/reden", "gestolen")),
            test("no key entries", False, data=edit(base, key, [])),
            test("eleven key entries", False, data=edit(base, key, [entry] * 11)),
            test("a key with a private member d", False,
                 data=edit(base, key + "/0/jwk/d", "REDACTED"), rule=rules["jwk"]),
            test("a P-384 key", False, data=edit(base, key + "/0/jwk/crv", "P-384"),
                 rule=rules["jwk"]),
            test("an RSA key", False, data=edit(base, key + "/0/jwk/kty", "RSA"),
                 rule=rules["jwk"]),
            test("a key for encryption", False, data=edit(base, key + "/0/jwk/use", "enc"),
                 rule=rules["jwk"]),
        ], code="stelsel/claims-ongeldig"),
    ]


def static_certificaat(**changes: Any) -> dict[str, Any]:
    return merged({
        "iss": AM_A, "jti": CERT_JTI, "iat": NOW - 300, "nbf": NOW - 300, "exp": NOW + 3300,
        "bsn": BSN, "cnf": {"jwk": STATIC_JWK}, "betrouwbaarheidsniveau": "substantieel",
        "inlogmoment": NOW - 420, "identiteitsdienst": "test-idp",
    }, changes)


def static_verzoekbewijs(**changes: Any) -> dict[str, Any]:
    return merged({"jti": REQUEST_JTI, "htm": "GET", "htu": HTU, "iat": NOW - 5,
                   "ath": ath(SESSIETOKEN)}, changes)


def token_claims_schema_vectors(rules: dict[str, str]) -> list[dict[str, Any]]:
    cert = static_certificaat()
    proof = {"nonce": NONCE, "aud": OIN_A, "api_url": API_A, "iat": NOW - 5, "jti": PROOF_JTI}
    request_proof = static_verzoekbewijs()
    c, p, v = ("app-certificaat.schema.json", "sessie-bewijs.schema.json",
               "verzoek-bewijs.schema.json")
    request = {"aud": AM_A, "nonce": NONCE_AANVRAAG, "iat": NOW - 5, "jti": PROOF_JTI}
    revocation = {"aud": AM_A, "certificaat_jti": CERT_JTI, "iat": NOW - 5, "jti": PROOF_JTI}
    revocations = {"iss": AM_A, "iat": NOW - 60, "exp": NOW + 3540, "ingetrokken": [REVOKED_JTI]}
    extension = {NEXT_MINOR: {"apparaat_soort": "telefoon"}}
    return [
        schema_case("app certificate claims", rules["certificaat-claims"], c, [
            test("valid certificate claims", True, data=cert),
            test("no cnf", False, data=edit(cert, "/cnf"), rule=rules["bewijs-sleutel"]),
            test("cnf.jwk with a private member d", False,
                 data=edit(cert, "/cnf/jwk/d", "REDACTED"),
                 rule=rules["bewijs-sleutel"]),
            test("cnf with jkt instead of jwk", False,
                 data=edit(cert, "/cnf", {"jkt": STATIC_KID}),
                 rule=rules["bewijs-sleutel"]),
            test("bsn of 10 digits", False, data=edit(cert, "/bsn", "9999936530")),
            test("unknown betrouwbaarheidsniveau", False,
                 data=edit(cert, "/betrouwbaarheidsniveau", "laag")),
            test("jti that is not a UUID", False, data=edit(cert, "/jti", "certificaat-1")),
            test("iss with capitals", False, data=edit(cert, "/iss", "App-Manager-A"),
                 rule=rules["uitgever"]),
            test("unknown claim aud", False, data=edit(cert, "/aud", OIN_A),
                 rule=rules["uitbreidingen"]),
            test("a member of minor 2.1 inside uitbreidingen", True,
                 data=edit(cert, "/uitbreidingen", extension), rule=rules["uitbreidingen"]),
            test("no exp", False, data=edit(cert, "/exp"), rule=rules["cert-geldigheid"]),
            test("nbf with a fraction", False, data=edit(cert, "/nbf", NOW - 299.5),
                 rule=rules["cert-geldigheid"]),
        ], code="certificaat/claims-ongeldig"),
        schema_case("evidence of the login in the certificate", rules["inlogbewijs"], c, [
            test("no inlogmoment", False, data=edit(cert, "/inlogmoment")),
            test("inlogmoment as an RFC 3339 string", False,
                 data=edit(cert, "/inlogmoment", iso(NOW - 420))),
            test("no identiteitsdienst", False, data=edit(cert, "/identiteitsdienst")),
            test("identiteitsdienst digid", True, data=edit(cert, "/identiteitsdienst", "digid")),
            test("identiteitsdienst in capitals", False,
                 data=edit(cert, "/identiteitsdienst", "DigiD")),
            test("identiteitsdienst starting with a dash", False,
                 data=edit(cert, "/identiteitsdienst", "-digid")),
            test("identiteitsdienst of 65 characters", False,
                 data=edit(cert, "/identiteitsdienst", "a" * 65)),
            test("identiteitsdienst of 64 characters", True,
                 data=edit(cert, "/identiteitsdienst", "a" * 64)),
        ], code="certificaat/claims-ongeldig"),
        schema_case("session proof claims", rules["bewijs-ontvanger"], p, [
            test("valid proof claims", True, data=proof),
            test("aud as an array", False, data=edit(proof, "/aud", [OIN_A])),
            test("aud of 19 digits", False, data=edit(proof, "/aud", OIN_A[1:])),
            test("no aud", False, data=edit(proof, "/aud")),
            test("no api_url", False, data=edit(proof, "/api_url"), rule=rules["bewijs-eindpunt"]),
            test("api_url that is not a URL", False, data=edit(proof, "/api_url", "bron-a"),
                 rule=rules["bewijs-eindpunt"]),
            test("nonce of 42 characters", False, data=edit(proof, "/nonce", NONCE[:42]),
                 rule=rules["nonce-bekend"]),
            test("nonce with base64 padding", False, data=edit(proof, "/nonce", NONCE[:42] + "="),
                 rule=rules["nonce-bekend"]),
            test("no iat", False, data=edit(proof, "/iat"), rule=rules["bewijs-vers"]),
            test("no jti", False, data=edit(proof, "/jti"), rule=rules["bewijs-vers"]),
            test("unknown claim exp", False, data=edit(proof, "/exp", NOW + 60),
                 rule=rules["uitbreidingen"]),
            test("a member of minor 2.1 inside uitbreidingen", True,
                 data=edit(proof, "/uitbreidingen", extension), rule=rules["uitbreidingen"]),
        ], code="bewijs/claims-ongeldig"),
        schema_case("request proof claims", rules["vb-claims"], v, [
            test("valid request proof claims", True, data=request_proof),
            test("a POST with a member of minor 2.1 inside uitbreidingen", True,
                 data=edit(edit(request_proof, "/htm", "POST"), "/uitbreidingen", extension),
                 rule=rules["uitbreidingen"]),
            test("no jti", False, data=edit(request_proof, "/jti")),
            test("jti in uppercase", False, data=edit(request_proof, "/jti", REQUEST_JTI.upper())),
            test("no htm", False, data=edit(request_proof, "/htm")),
            test("htm in lowercase", False, data=edit(request_proof, "/htm", "get")),
            test("no htu", False, data=edit(request_proof, "/htu")),
            test("no iat", False, data=edit(request_proof, "/iat")),
            test("iat with a fraction", False, data=edit(request_proof, "/iat", NOW - 4.5)),
            test("no ath", False, data=edit(request_proof, "/ath")),
            test("ath of 42 characters", False,
                 data=edit(request_proof, "/ath", ath(SESSIETOKEN)[:42])),
            test("ath with base64 padding", False,
                 data=edit(request_proof, "/ath", ath(SESSIETOKEN) + "=")),
            test("ath in hex (64 characters)", False, data=edit(
                request_proof, "/ath", hashlib.sha256(SESSIETOKEN.encode()).hexdigest())),
            test("an unknown claim nonce", False, data=edit(request_proof, "/nonce", NONCE),
                 rule=rules["uitbreidingen"]),
            test("an unknown claim aud", False, data=edit(request_proof, "/aud", OIN_A),
                 rule=rules["uitbreidingen"]),
        ], code="verzoekbewijs/claims-ongeldig"),
        schema_case("certificate request claims", rules["aanvraag"],
                    "certificaat-aanvraag.schema.json", [
            test("valid request claims", True, data=request),
            test("aud a URL instead of an App Manager id", False,
                 data=edit(request, "/aud", "https://am.vorderingen.example")),
            test("no nonce", False, data=edit(request, "/nonce")),
            test("an unknown claim bsn (the BSN comes from the login, never from the app)",
                 False, data=edit(request, "/bsn", BSN)),
        ], code="aanvraag/claims-ongeldig"),
        schema_case("revocation request claims", rules["intrekking"],
                    "intrekking-verzoek.schema.json", [
            test("valid revocation request claims", True, data=revocation),
            test("certificaat_jti that is not a UUID", False,
                 data=edit(revocation, "/certificaat_jti", "certificaat-1")),
            test("no certificaat_jti", False, data=edit(revocation, "/certificaat_jti")),
        ], code="intrekking/claims-ongeldig"),
        schema_case("revocation list claims", rules["intrekking"],
                    "intrekkingenlijst.schema.json", [
            test("valid revocation list claims", True, data=revocations),
            test("an empty list", True, data={**revocations, "ingetrokken": []}),
            test("a jti twice", False,
                 data={**revocations, "ingetrokken": [REVOKED_JTI, REVOKED_JTI]}),
            test("no exp", False, data=edit(revocations, "/exp")),
        ], code="intrekkingenlijst/claims-ongeldig"),
    ]


def common_schema_vectors(rules: dict[str, str]) -> list[dict[str, Any]]:
    dt, jwk = "common.schema.json#/$defs/datetime", "common.schema.json#/$defs/jwk-public"
    return [
        schema_case("datetime requires an offset", "/document/datumtijd-met-offset", dt, [
            test("Z", True, data="2026-01-01T00:00:00Z"),
            test("+01:00", True, data="2026-01-01T01:00:00+01:00"),
            test("-03:30 with milliseconds", True, data="2025-12-31T20:30:00.500-03:30"),
            test("no offset", False, data="2026-01-01T00:00:00"),
            test("offset without colon", False, data="2026-01-01T01:00:00+0100"),
            test("hour 24", False, data="2026-01-01T24:00:00Z"),
            test("30 February (needs format assertion)", False, data="2026-02-30T00:00:00Z"),
            test("a number", False, data=1767225600),
        ]),
        schema_case("cents are integers", "/document/bedragen-in-centen",
                    "common.schema.json#/$defs/cents", [
            test("1234", True, data=1234),
            test("-500 (a credit)", True, data=-500),
            test("12.34", False, data=12.34),
            test("a string", False, data="1234"),
        ]),
        schema_case("bsn is 9 digits (the elfproef is checked by code)", "/document/bsn-elfproef",
                    "common.schema.json#/$defs/bsn", [
            test("9 digits passing the elfproef", True, data=BSN),
            test("9 digits failing the elfproef still match the schema", True,
                 data=BSN_ELFPROEF_FOUT),
            test("8 digits", False, data="99999365"),
            test("with a space", False, data="999 993 653"),
        ]),
        schema_case("public P-256 JWK", rules["jwk"], jwk, [
            test("kty, crv, x, y", True, data=STATIC_JWK),
            test("with its thumbprint as kid and use sig", True,
                 data={**STATIC_JWK, "kid": STATIC_KID, "use": "sig"}),
            test("use enc", False, data={**STATIC_JWK, "use": "enc"}),
            test("with a private member d", False,
                 data={**STATIC_JWK, "d": "REDACTED"}),
            test("without y", False, data={k: v for k, v in STATIC_JWK.items() if k != "y"}),
            test("crv P-384", False, data={**STATIC_JWK, "crv": "P-384"}),
            test("x too short", False, data={**STATIC_JWK, "x": RFC7515_X[:42]}),
            test("unknown member x5c", False, data={**STATIC_JWK, "x5c": ["MIIB"]}),
        ]),
    ]


def envelope_schema_vectors(rules: dict[str, str]) -> list[dict[str, Any]]:
    good = {"document": document(zaak_boete()), "handtekening": STATIC_SIGNATURE}
    head, _, signature = STATIC_SIGNATURE.split(".")
    bundle = {"bundelversie": VERSION, "aangemaakt_op": "2026-01-01T09:30:00+01:00",
              "enveloppen": [good]}
    return [
        schema_case("envelope shape", rules["detached-jcs"], "envelop.schema.json", [
            test("document and a detached signature", True, data=good),
            test("a member next to document and handtekening (ignored, not signed)", True,
                 data=edit(good, "/ontvangen_op", "2026-01-01T09:00:00+01:00"),
                 rule=rules["open-data"]),
            test("a signature with an attached payload", False,
                 data=edit(good, "/handtekening", f"{head}.eyJ4IjoxfQ.{signature}")),
            test("a signature of two parts", False,
                 data=edit(good, "/handtekening", f"{head}.{signature}")),
            test("no document", False, data=edit(good, "/document")),
            test("no handtekening", False, data=edit(good, "/handtekening")),
            test("the document as a JSON string", False,
                 data=edit(good, "/document", json.dumps(good["document"]))),
        ], code="envelop/ongeldig-formaat"),
        schema_case("overview bundle", rules["bundel"], "bundel.schema.json", [
            test("one envelope", True, data=bundle),
            test("a member next to the envelopes (ignored)", True,
                 data=edit(bundle, "/toelichting", "x"), rule=rules["open-data"]),
            test("an envelope with a member next to document and handtekening", True,
                 data=edit(bundle, "/enveloppen/0/ontvangen_op", "2026-01-01T09:00:00Z"),
                 rule=rules["open-data"]),
            test("an envelope without handtekening: the bundle's structure holds, the envelope "
                 "itself fails envelope verification", True,
                 data=edit(bundle, "/enveloppen/0/handtekening")),
            test("an envelope that is a string", False,
                 data=edit(bundle, "/enveloppen/0", STATIC_SIGNATURE)),
            test("bundelversie 1.0.0", False, data=edit(bundle, "/bundelversie", "1.0.0"),
                 rule=rules["versie"]),
            test("bundelversie 2.0.0", False, data=edit(bundle, "/bundelversie", "2.0.0"),
                 rule=rules["versie"]),
            test("no bundelversie", False, data=edit(bundle, "/bundelversie")),
            test("no envelopes", False, data=edit(bundle, "/enveloppen", [])),
            test("101 envelopes", False, data=edit(bundle, "/enveloppen", [good] * 101)),
            test("100 envelopes", True, data=edit(bundle, "/enveloppen", [good] * 100)),
            test("aangemaakt_op without offset", False,
                 data=edit(bundle, "/aangemaakt_op", "2026-01-01T09:30:00"),
                 rule="/document/datumtijd-met-offset"),
        ], code="verzoek/ongeldig"),
    ]


PROBLEM = {
    "type": "urn:nl-vorderingen:probleem:betalingsregeling/niet-mogelijk",
    "title": "Betalingsregeling niet mogelijk",
    "status": 422,
    "detail": "Voor deze zaken kan geen betalingsregeling worden voorgesteld.",
    "code": "betalingsregeling/niet-mogelijk",
    "redenen": [{"code": "zaak-afgelost", "zaakkenmerk": "WAHV-2024-009876",
                 "toelichting": "Deze zaak is al betaald."}],
}


def configuratie(**changes: Any) -> dict[str, Any]:
    """A source's `/configuratie` answer of this version."""
    return merged({
        "oin": OIN_A, "naam": "Centraal Incassobureau (test)", "soort": "rijk",
        "api_versie": VERSION, "documentversie": VERSION,
        "diensten": ["vorderingenoverzicht", "betalingsregelingen", "pauzes"],
        "minimaal_betrouwbaarheidsniveau": {
            "vorderingenoverzicht": "midden", "betalingsregelingen": "substantieel",
            "pauzes": "midden"},
        "betalingsregeling": {"minimum_termijnbedrag": 2500, "maximum_aantal_termijnen": 36,
                              "bedenktijd_dagen": 14, "voorstel_geldigheid_s": 900},
        "pauze": {"maximum_duur_dagen": 90},
        "contact": {"telefoon": "+31 58 000 0000"},
    }, changes)


APP_OVERVIEW: dict[str, Any] = {  # an app's overview under test (testomgeving.md §4)
    "opgesteld_op": "2026-03-02T10:00:00+01:00",
    "totalen": {"saldo": 12500, "achterstand": 2500, "aantal_zaken": 1},
    "groepen": {"achterstand": [{"organisatie": {"oin": "00000001001234567000",
                                                 "naam": "Gemeente Voorbeeldstad"},
                                 "zaakkenmerk": "BEL-2025-000123", "saldo": 12500,
                                 "achterstand": 2500}],
                "deze_maand": [], "eenmalig": [], "langlopend": []},
    "bronnen": [{"oin": "00000001001234567000", "naam": "Gemeente Voorbeeldstad",
                 "status": "beantwoord", "aantal_zaken": 1},
                {"oin": "00000001009876543000", "naam": "Waterschap Voorbeeld",
                 "status": "onbereikbaar", "code": "app/time-out", "aantal_zaken": 0}],
}


def other_schema_vectors(rules: dict[str, str]) -> list[dict[str, Any]]:
    problem, config = PROBLEM, configuratie()
    return [
        schema_case("problem document", rules["probleem"], "probleem.schema.json", [
            test("with reasons", True, data=problem),
            test("with an extension member (RFC 9457 allows it)", True,
                 data=edit(problem, "/trace_id", "4bf92f3577b34da6")),
            test("with invalid_params", True, data={
                **edit(problem, "/redenen"), "status": 400, "code": "verzoek/ongeldig",
                "type": "urn:nl-vorderingen:probleem:verzoek/ongeldig", "title": "Ongeldig verzoek",
                "invalid_params": [{"name": "/termijnbedrag",
                                    "reason": "moet een geheel getal zijn"}]}),
            test("a 429 problem document", True, data={
                **edit(problem, "/redenen"), "status": 429, "code": "algemeen/te-veel-verzoeken",
                "type": "urn:nl-vorderingen:probleem:algemeen/te-veel-verzoeken",
                "title": "Te veel verzoeken"}),
            test("code with capitals", False, data=edit(problem, "/code", "Betalingsregeling/X")),
            test("code without a namespace", False, data=edit(problem, "/code", "ongeldig")),
            test("status 200", False, data=edit(problem, "/status", 200)),
            test("type not in the urn namespace", False,
                 data=edit(problem, "/type", "https://example.org/probleem")),
            test("no detail", False, data=edit(problem, "/detail")),
            test("unknown reason code (enums are closed)", False,
                 data=edit(problem, "/redenen/0/code", "te-duur")),
        ]),
        schema_case("configuration of a source", rules["configuratie"],
                    "configuratie.schema.json", [
            test("three services with their limits", True, data=config),
            test("only the overview", True, data={
                **{k: v for k, v in config.items() if k not in ("betalingsregeling", "pauze")},
                "diensten": ["vorderingenoverzicht"],
                "minimaal_betrouwbaarheidsniveau": {"vorderingenoverzicht": "midden"}}),
            test("betalingsregelingen offered without their limits", False,
                 data=edit(config, "/betalingsregeling")),
            test("pauzes offered without their limits", False, data=edit(config, "/pauze")),
            test("services without vorderingenoverzicht", False,
                 data=edit(config, "/diensten", ["betalingsregelingen"])),
            test("no contact option", False, data=edit(config, "/contact", {})),
            test("api_versie 1.0.0", False, data=edit(config, "/api_versie", "1.0.0"),
                 rule=rules["versie"]),
            test("api_versie 2.0.0 (the full release is in the API-Version header)", False,
                 data=edit(config, "/api_versie", "2.0.0"), rule=rules["versie"]),
            test("documentversie 2.0.0", False, data=edit(config, "/documentversie", "2.0.0"),
                 rule=rules["versie"]),
            test("an unknown member (ignored)", True,
                 data=edit(config, "/website", "https://example.org"), rule=rules["open-data"]),
            test("unknown level (enums are closed)", False,
                 data=edit(config, "/minimaal_betrouwbaarheidsniveau/pauzes", "laag")),
            test("minimum instalment with a fraction", False,
                 data=edit(config, "/betalingsregeling/minimum_termijnbedrag", 25.0001),
                 rule="/document/bedragen-in-centen"),
            test("announced short test lifetimes", True,
                 data=edit(config, "/testomgeving", {"nonce_geldigheid_s": 5,
                                                    "sessie_geldigheid_s": 20}),
                 rule="/testomgeving/korte-levensduur"),
            test("a test nonce lifetime above NONCE_TTL_S", False,
                 data=edit(config, "/testomgeving", {"nonce_geldigheid_s": 121,
                                                    "sessie_geldigheid_s": 20}),
                 rule="/testomgeving/korte-levensduur"),
            test("only one test lifetime", False,
                 data=edit(config, "/testomgeving", {"nonce_geldigheid_s": 5}),
                 rule="/testomgeving/korte-levensduur"),
        ]),
        schema_case("an app's overview under test", "/testomgeving/app-onder-test",
                    "app-overzicht.schema.json", [
            test("one answered and one unreachable source", True, data=APP_OVERVIEW),
            test("nothing to show (every source refused or unreachable)", True,
                 data={**APP_OVERVIEW, "totalen": {"saldo": 0, "achterstand": 0,
                                                   "aantal_zaken": 0},
                       "groepen": {g: [] for g in APP_OVERVIEW["groepen"]}}),
            test("an extra member (data is open)", True,
                 data={**APP_OVERVIEW, "app": "Voorbeeld-app 1.0"}),
            test("unreachable without a code", False,
                 data=edit(APP_OVERVIEW, "/bronnen/1/code")),
            test("an unknown status", False,
                 data=edit(APP_OVERVIEW, "/bronnen/0/status", "ok")),
            test("a group missing", False, data=edit(APP_OVERVIEW, "/groepen/eenmalig")),
            test("a case without its organisation", False,
                 data=edit(APP_OVERVIEW, "/groepen/achterstand/0/organisatie")),
            test("a saldo in euros", False,
                 data=edit(APP_OVERVIEW, "/groepen/achterstand/0/saldo", 12.5)),
        ]),
    ]


# --- document invariant vectors ------------------------------------------------------------


def overpaid() -> dict[str, Any]:
    """A settled case with a credit balance of 500 cents."""
    z = zaak_afgelost()
    z = edit(z, "/gebeurtenissen/2/bedrag", 5500)
    return {**z, "totaal_financieel_vereffend": 5500, "saldo": -500}


def document_vectors(rules: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """(invariant cases, valid documents) for vectors/document/."""
    boete, regeling = document(zaak_boete()), document(zaak_regeling())
    k, kr = "WAHV-2025-000123", "SB-2025-004567"

    def bad(description: str, data: dict, **fields: Any) -> dict[str, Any]:
        return test(description, False, DOCUMENT_INVALID, data=data, **fields)

    def change(doc: dict, **paths: Any) -> dict[str, Any]:
        return edit_many(doc, {(Z0 + "/" + p.replace("__", "/")): v for p, v in paths.items()})

    invariants = [
        case("saldo = totaal_financieel_verplicht − totaal_financieel_vereffend",
             "/document/saldo-klopt", [
            bad("saldo one cent too high", change(boete, saldo=8901)),
            bad("saldo as verplicht + vereffend", change(boete, saldo=16900)),
            test("12900 − 4000 = 8900", True, data=boete),
        ], kind="document"),
        case("totaal_financieel_verplicht = Σ FinancieleVerplichtingOpgelegd.bedrag",
             "/document/verplicht-is-som", [
            bad("verplicht 100 cents above the sum (saldo follows it)",
                change(boete, totaal_financieel_verplicht=13000, saldo=9000)),
            bad("the negative correction left out of verplicht",
                change(regeling, totaal_financieel_verplicht=45900, saldo=20900)),
            bad("payment demands counted as obligations",
                change(boete, totaal_financieel_verplicht=32200, saldo=28200)),
            test("a negative correction counts: 45000 + 900 − 5000", True, data=regeling),
        ], kind="document"),
        case("totaal_financieel_vereffend = Σ BetalingVerwerkt + Σ "
             "FinancieleVerplichtingKwijtgescholden", "/document/vereffend-is-som", [
            bad("vereffend 1000 cents below the payments (saldo follows it)",
                change(boete, totaal_financieel_vereffend=3000, saldo=9900)),
            bad("the remission left out of vereffend",
                change(regeling, totaal_financieel_vereffend=20000, saldo=20900)),
            test("payments and a partial remission: 10000 + 10000 + 5000", True, data=regeling),
        ], kind="document"),
        case("0 ≤ achterstand ≤ max(saldo, 0)", "/document/achterstand-begrensd", [
            bad("achterstand above saldo", change(boete, achterstand=8901)),
            bad("negative achterstand", change(boete, achterstand=-1)),
            bad("achterstand on a credit balance", document(
                {**overpaid(), "achterstand": 100})),
            test("achterstand equal to saldo", True, data=boete),
            test("no achterstand on a credit balance", True, data=document(overpaid())),
        ], kind="document"),
        case("every reference resolves, within the case, to an earlier event of the named type",
             "/document/referenties-kloppen", [
            bad("payment against an unknown payment demand",
                change(boete, gebeurtenissen__3__betalingsverplichting=f"{k}:99")),
            bad("withdrawal of a FinancieleVerplichtingOpgelegd instead of a payment demand",
                change(boete, gebeurtenissen__5__betalingsverplichting=f"{k}:1")),
            bad("remission of a payment demand instead of an obligation",
                change(regeling, gebeurtenissen__7__financiele_verplichting=f"{kr}:4")),
            bad("payment against a payment demand dated after it",
                change(boete, gebeurtenissen__3__betalingsverplichting=f"{k}:7")),
            bad("a correction of itself",
                change(regeling, gebeurtenissen__2__correctie_van=f"{kr}:3")),
            bad("a correction of an obligation in another case", edit(
                document(zaak_boete(), zaak_regeling()),
                "/financiele_zaken/1/gebeurtenissen/2/correctie_van", f"{k}:1")),
            test("payments, a withdrawal, a correction and a remission that all resolve", True,
                 data=document(zaak_boete(), zaak_regeling())),
        ], kind="document"),
        case("gebeurtenis_id is unique in the document", "/document/gebeurtenis-id-uniek", [
            bad("two events of one case with the same id",
                change(boete, gebeurtenissen__6__gebeurtenis_id=f"{k}:5")),
            bad("the same event id in two cases", edit(
                document(zaak_boete(), zaak_afgelost()),
                "/financiele_zaken/1/gebeurtenissen/0/gebeurtenis_id", f"{k}:1")),
        ], kind="document"),
        case("zaakkenmerk is unique in the document", "/document/zaakkenmerk-uniek", [
            bad("two cases with the same zaakkenmerk", edit(
                document(zaak_boete(), zaak_afgelost()), "/financiele_zaken/1/zaakkenmerk", k)),
            test("four different zaakkenmerken", True, data=full_document()),
        ], kind="document"),
        case("saldo_datumtijd is not before any event (compared as instants)",
             "/document/saldo-datumtijd", [
            bad("saldo_datumtijd a day before the last events",
                change(boete, saldo_datumtijd="2025-11-19T02:00:00+01:00")),
            bad("later on the local clock, earlier as an instant (00:30Z < 01:00Z)",
                change(boete, saldo_datumtijd="2025-11-20T02:30:00+02:00")),
            test("earlier on the local clock, later as an instant (01:30Z > 01:00Z)", True,
                 data=change(boete, saldo_datumtijd="2025-11-20T01:30:00Z")),
            test("the same instant as the last event", True,
                 data=change(boete, saldo_datumtijd="2025-11-20T01:00:00Z")),
        ], kind="document"),
        case("the bsn passes the elfproef", "/document/bsn-elfproef", [
            bad("last digit off by one", edit(boete, "/bsn", BSN_ELFPROEF_FOUT)),
            test("a bsn that passes", True, data=boete),
        ], kind="document"),
        case("status afgelost only with saldo ≤ 0", "/document/afgelost-zonder-saldo", [
            bad("afgelost with a positive saldo", change(boete, status="afgelost")),
            test("afgelost with saldo 0", True, data=document(zaak_afgelost())),
            test("afgelost with a credit balance", True, data=document(overpaid())),
            test("open with saldo 0 is allowed (afgelost is not required)", True,
                 data=document({**zaak_afgelost(), "status": "open"})),
        ], kind="document"),
        case("the document's bsn is the certificate's", "/document/bsn-van-certificaat", [
            test("the certificate's bsn", True, data=boete),
            test("another citizen's bsn (it passes the elfproef)", False, "envelop/bsn-onjuist",
                 data=edit(boete, "/bsn", BSN_ANDER)),
        ], kind="document", context={"expected_bsn": BSN}),
    ]
    valid = [
        case("complete documents that meet every invariant", rules["document-schema"], [
            test("four cases: open, in an arrangement (with a correction and a partial "
                 "remission), settled, paused", True, data=full_document()),
            test("a municipal document with non-ASCII text", True,
                 data=document(zaak_gemeente(), oin=OIN_B, bsn=BSN_ANDER)),
            test("no cases", True, data=document()),
            test("a settled case with a credit balance", True, data=document(overpaid())),
            test("a document of the next minor with members this version does not define "
                 "(ignored)", True, data=next_minor_document()),
        ], kind="document"),
    ]
    return invariants, valid


# --- token vectors -------------------------------------------------------------------------


class Keys:
    """Every key of the vectors, created fresh in memory; file name -> Key."""

    def __init__(self) -> None:
        self.stelsel = Key("stelselbeheerder")
        self.stelsel_volgend = Key("stelselbeheerder-volgend")
        self.am_a = Key("app-manager-a")
        self.am_b = Key("app-manager-b")
        self.bron_a = Key("bron-a")
        self.bron_a_ingetrokken = Key("bron-a-ingetrokken")
        self.bron_b = Key("bron-b")
        self.bron_b2 = Key("bron-b-2")
        self.onbekend = Key("onbekende-bron")
        self.app = Key("app")
        self.app_ander = Key("app-ander")
        self.aanvaller = Key("aanvaller")

    def all(self) -> list[Key]:
        return [v for v in vars(self).values() if isinstance(v, Key)]

    def pinned(self) -> list[dict[str, str]]:
        """The pinned scheme key set: the current signing key and the next one."""
        return [self.stelsel.published(), self.stelsel_volgend.published()]


def stelsel_claims(keys: Keys, **changes: Any) -> dict[str, Any]:
    """Scheme claims (format 2): organisation A serves majors 2 and 1 and has a revoked key;
    organisation B rotated its key at ROTATION (the new entry carries no kid)."""
    every_service = ["vorderingenoverzicht", "betalingsregelingen", "pauzes", "hulpvragen"]
    claims = {
        "versie": VERSION,
        "iss": "stelselbeheerder-test",
        "iat": NOW - 3600,
        "exp": NOW - 3600 + SCHEME_MAX_LIFETIME_S,
        "volgnummer": 7,
        "omgeving": "test",
        "organisaties": [
            {"oin": OIN_A, "naam": "Centraal Incassobureau (test)", "soort": "rijk",
             "eindpunten": [{"api_url": API_A, "major": 2}, {"api_url": API_A_V1, "major": 1}],
             "sleutels": [keys.bron_a.entry(),
                          keys.bron_a_ingetrokken.entry(ingetrokken=REVOKED_AT)],
             "diensten": every_service[:3], "status": "actief"},
            {"oin": OIN_B, "naam": "Gemeente Voorbeeldstad (test)", "soort": "gemeente",
             "eindpunten": [{"api_url": API_B, "major": 2}],
             "sleutels": [keys.bron_b.entry(tot=ROTATION),
                          keys.bron_b2.entry(vanaf=ROTATION, with_kid=False)],
             "diensten": every_service, "status": "actief"},
        ],
        "app_managers": [
            {"id": AM_A, "naam": "App Manager A (test)", "sleutels": [keys.am_a.entry()],
             "status": "actief", "api_url": API_AM_A},
            {"id": AM_B, "naam": "App Manager B (test, opgeschort)",
             "sleutels": [keys.am_b.entry()], "status": "opgeschort"},
        ],
        "ingetrokken_certificaten": [REVOKED_JTI],
    }
    return merged(claims, changes)


def der_signed(typ: str, claims: dict[str, Any], key: Key) -> str:
    """ES256 with a DER signature instead of raw r‖s: a common interoperability mistake."""
    protected = encode_json({"alg": "ES256", "typ": typ, "kid": key.kid})
    signing_input = f"{protected}.{encode_json(claims)}"
    der = key.private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    return f"{signing_input}.{b64(der)}"


def profile_tests(typ: str, prefix: str, claims: dict, key: Key, rules: dict[str, str],
                  secret: bytes) -> list[dict[str, Any]]:
    """The §2 profile tests every compact token type shares."""
    ok = jws(typ, claims, key)
    head, body, signature = ok.split(".")
    fmt, alg, hdr = f"{prefix}/ongeldig-formaat", f"{prefix}/algoritme-niet-toegestaan", \
        f"{prefix}/verboden-header"
    t_alg, t_hdr, t_typ, t_kid = (rules[n] for n in ("alg", "headers", "typ", "kid"))
    return [
        test("two parts", False, fmt, token=f"{head}.{body}"),
        test("four parts", False, fmt, token=f"{ok}.{signature}"),
        test("base64 padding in the header part", False, fmt, token=f"{head}=.{body}.{signature}"),
        test("header is not JSON", False, fmt, token=f"{b64(b'alg=ES256')}.{body}.{signature}"),
        test("payload is a JSON array", False, fmt, token=jws(typ, [claims], key)),
        test("a JSON array payload under a kid of no key: the payload is checked before the "
             "key", False, fmt, rule="/token/verificatievolgorde",
             token=jws(typ, [claims], key, {"kid": key.name})),
        test("HS256 and a JSON array payload: the algorithm is checked before the payload",
             False, alg, rule="/token/verificatievolgorde",
             token=hmac_signed(typ, [claims], secret, key.kid)),
        test("JWS JSON serialisation instead of compact", False, fmt,
             token=json.dumps({"protected": head, "payload": body, "signature": signature})),
        test("alg none, empty signature", False, alg, rule=t_alg, token=unsigned(typ, claims)),
        test("HS256 keyed with the public JWK's JSON", False, alg, rule=t_alg,
             token=hmac_signed(typ, claims, secret, key.kid)),
        test("HS256 keyed with the public key's PEM", False, alg, rule=t_alg,
             token=hmac_signed(typ, claims, pem(key), key.kid)),
        test("ES384", False, alg, rule=t_alg, token=es384_signed(typ, claims)),
        test("RS256", False, alg, rule=t_alg, token=rs256_signed(typ, claims)),
        test("alg es256 in lowercase", False, alg, rule=t_alg,
             token=jws(typ, claims, key, {"alg": "es256"})),
        test("no alg", False, alg, rule=t_alg, token=jws(typ, claims, key, {"alg": OMIT})),
        *[test(f"header member {name}, signature valid", False, hdr, rule=t_hdr,
               token=jws(typ, claims, key, {name: value}))
          for name, value in [
              ("jku", "https://aanvaller.example/jwks.json"),
              ("jwk", key.public_jwk),
              ("x5u", "https://aanvaller.example/cert.pem"),
              ("x5c", ["MIIBszCCAVmgAwIBAgIUTESTONLY"]),
              ("x5t", "dGVzdC1vbmx5LXRodW1icHJpbnQ"),
              ("x5t#S256", "dGVzdC1vbmx5LXRodW1icHJpbnQtc2hhMjU2LXRlc3Q"),
              ("crit", ["exp"]),
              ("b64", False),
              ("cty", "JWT"),
          ]],
        test("alg none and a jku: the algorithm is checked first", False, alg, rule=t_alg,
             token=f"{encode_json({'alg': 'none', 'typ': typ, 'jku': 'https://x.example'})}.{body}."),
        test("typ JWT", False, f"{prefix}/verkeerd-type", rule=t_typ,
             token=jws(typ, claims, key, {"typ": "JWT"})),
        test("no typ", False, f"{prefix}/verkeerd-type", rule=t_typ,
             token=jws(typ, claims, key, {"typ": OMIT})),
        test("typ in capitals", False, f"{prefix}/verkeerd-type", rule=t_typ,
             token=jws(typ, claims, key, {"typ": typ.upper()})),
        test("typ with an application/ prefix", False, f"{prefix}/verkeerd-type", rule=t_typ,
             token=jws(typ, claims, key, {"typ": "application/" + typ})),
        test("no kid", False, f"{prefix}/sleutel-onbekend", rule=t_kid,
             token=jws(typ, claims, key, {"kid": OMIT})),
        test("a kid that is a name, not the thumbprint", False, f"{prefix}/sleutel-onbekend",
             rule=t_kid, token=jws(typ, claims, key, {"kid": key.name})),
        test("signature in DER instead of raw r‖s", False, f"{prefix}/handtekening-ongeldig",
             token=der_signed(typ, claims, key)),
        test("signature cut to 63 bytes", False, f"{prefix}/handtekening-ongeldig",
             token=f"{head}.{body}.{b64(b64decode(signature)[:63])}"),
    ]



def stelsel_vectors(keys: Keys, rules: dict[str, str]) -> list[dict[str, Any]]:
    typ, k, volgend = "stelsel-v2+jwt", keys.stelsel, keys.stelsel_volgend
    claims = stelsel_claims(keys)
    ok = jws(typ, claims, k)
    context = {"now": NOW, "pinned_keys": keys.pinned(), "expected_omgeving": "test",
               "last_volgnummer": 7}
    after_rotation = {"pinned_keys": [volgend.published()]}

    def signed(**changes: Any) -> str:
        return jws(typ, stelsel_claims(keys, **changes), k)

    def changed(path: str, value: Any = OMIT) -> str:
        return jws(typ, edit(claims, path, value), k)

    hijacked = edit_many(claims, {
        "/organisaties/0/eindpunten/0/api_url": "https://aanvaller.example/vorderingen/v2",
        "/organisaties/0/sleutels": [keys.aanvaller.entry()]})
    production = edit(stelsel_claims(keys, omgeving="productie"),
                      "/organisaties/1/eindpunten/0/api_url",
                      "https://gemeente.vorderingen.example/vorderingen/v2")
    org_a, org_b = "/organisaties/0", "/organisaties/1"
    third_major = {"api_url": "https://bron-a.vorderingen.example/vorderingen/v2-nieuw",
                   "major": 2}
    next_major = {"versie": NEXT_MAJOR, "iss": "stelselbeheerder-test", "iat": NOW - 3600,
                  "exp": NOW + 3600, "deelnemers": [], "formaat": "anders"}
    t = NOW
    return [
        case("signed with a key of the pinned set", rules["stelsel-handtekening"], [
            test("a valid scheme document, signed with the current key", True, token=ok),
            test("signed with the second pinned key (the next or backup key)", True,
                 rule=rules["sleutelset"], token=jws(typ, claims, volgend)),
            test("after a rotation: only the next key is pinned, and it signed", True,
                 rule=rules["sleutelrotatie"], context=after_rotation,
                 token=jws(typ, claims, volgend)),
            test("after a rotation: signed with the old key, no longer pinned", False,
                 "stelsel/sleutel-onbekend", rule=rules["sleutelrotatie"],
                 context=after_rotation, token=ok),
            test("signed by a key outside the pinned set, with that key's kid", False,
                 "stelsel/sleutel-onbekend", rule=rules["kid"],
                 token=jws(typ, claims, keys.aanvaller)),
            test("signed by a key outside the pinned set, under the current key's kid", False,
                 "stelsel/handtekening-ongeldig",
                 token=jws(typ, claims, keys.aanvaller, {"kid": k.kid})),
            test("signed by the current key under the next key's kid", False,
                 "stelsel/handtekening-ongeldig", token=jws(typ, claims, k, {"kid": volgend.kid})),
            test("an organisation's endpoint and keys replaced after signing", False,
                 "stelsel/handtekening-ongeldig", token=with_payload(ok, hijacked)),
        ], kind="stelseldocument", context=context),
        case("JWS profile of a scheme document", rules["stelsel-handtekening"],
             profile_tests(typ, "stelsel", claims, k, rules,
                           json.dumps(k.published(), separators=(",", ":")).encode()),
             kind="stelseldocument", context=context),
        case("typ names the scheme format: stelsel-v2+jwt", rules["typ"], [
            test("typ stelsel+jwt (the 1.0.0 format)", False, "stelsel/verkeerd-type",
                 token=jws(typ, claims, k, {"typ": "stelsel+jwt"})),
            test("typ stelsel-v3+jwt (the next format, published on its own path)", False,
                 "stelsel/verkeerd-type", rule=rules["stelsel-versie"],
                 token=jws("stelsel-v3+jwt", {**claims, "versie": NEXT_MAJOR}, k)),
            test("an app certificate signed with the pinned key", False, "stelsel/verkeerd-type",
                 token=jws("app-certificaat+jwt", claims, k)),
            test("a revocation list signed with the pinned key", False, "stelsel/verkeerd-type",
                 token=jws("intrekkingenlijst+jwt", claims, k)),
        ], kind="stelseldocument", context=context),
        case("versie has major 2 (checked before the schema)", rules["stelsel-versie"], [
            test("versie 2.1 with a member of 2.1 inside uitbreidingen", True,
                 rule=rules["uitbreidingen"], token=jws(typ, {
                     **claims, "versie": NEXT_MINOR,
                     "uitbreidingen": {NEXT_MINOR: {"publicatie": "parallel"}}}, k)),
            test("versie 3.0", False, "stelsel/versie-niet-ondersteund",
                 token=signed(versie=NEXT_MAJOR)),
            test("versie 1.0", False, "stelsel/versie-niet-ondersteund",
                 token=signed(versie="1.0")),
            test("versie 3.0 with members and a structure this version does not know", False,
                 "stelsel/versie-niet-ondersteund", token=jws(typ, next_major, k)),
            test("versie 3.0 and expired: the version is checked before the times", False,
                 "stelsel/versie-niet-ondersteund",
                 token=signed(versie=NEXT_MAJOR, iat=t - 90000, exp=t - 3600)),
            test("no versie", False, "stelsel/claims-ongeldig", token=signed(versie=OMIT)),
            test("versie 2.0.0 (a patch number is never on the wire)", False,
                 "stelsel/claims-ongeldig", token=signed(versie="2.0.0")),
        ], kind="stelseldocument", context=context),
        case("claims valid against stelseldocument.schema.json", rules["stelsel-claims"], [
            test("no volgnummer", False, "stelsel/claims-ongeldig",
                 rule=rules["stelsel-volgnummer"], token=signed(volgnummer=OMIT)),
            test("no exp", False, "stelsel/claims-ongeldig", rule=rules["stelsel-looptijd"],
                 token=signed(exp=OMIT)),
            test("unknown omgeving", False, "stelsel/claims-ongeldig",
                 rule=rules["stelsel-omgeving"], token=signed(omgeving="prod")),
            test("a published key with a private member d", False, "stelsel/claims-ongeldig",
                 rule=rules["jwk"], token=changed(org_a + "/sleutels/0/jwk/d", "REDACTED")),
            test("a published kid that is not the key's thumbprint", False,
                 "stelsel/claims-ongeldig", rule=rules["kid"],
                 token=changed(org_a + "/sleutels/0/jwk/kid", keys.bron_b.kid)),
            test("keys as a 1.0.0 JWK set instead of key entries", False,
                 "stelsel/claims-ongeldig", rule=rules["sleutelvenster"],
                 token=changed(org_a + "/sleutels", {"keys": [keys.bron_a.published()]})),
        ], kind="stelseldocument", context=context),
        case("closed, except uitbreidingen", rules["uitbreidingen"], [
            test("an unknown claim outside uitbreidingen", False, "stelsel/claims-ongeldig",
                 token=signed(nbf=t - 3600)),
            test("an unknown member of an organisation", False, "stelsel/claims-ongeldig",
                 token=changed(org_a + "/website", "https://cjib.example")),
            test("an unknown member of a key entry", False, "stelsel/claims-ongeldig",
                 token=changed(org_a + "/sleutels/0/reden", "rotatie")),
            test("members inside uitbreidingen of the document, an organisation and an "
                 "App Manager", True, token=jws(typ, edit_many(claims, {
                     "/uitbreidingen": {NEXT_MINOR: {"publicatie": "parallel"}},
                     org_a + "/uitbreidingen": {NEXT_MINOR: {"website": "https://cjib.example"}},
                     "/app_managers/0/uitbreidingen": {NEXT_MINOR: {}}}), k)),
            test("uitbreidingen keyed by a name instead of a minor version", False,
                 "stelsel/claims-ongeldig",
                 token=signed(uitbreidingen={"publicatie": {"soort": "parallel"}})),
        ], kind="stelseldocument", context=context),
        case("every api_url is unique in the document; one endpoint per major",
             rules["api-url-uniek"], [
            test("two organisations with the same api_url", False, "stelsel/claims-ongeldig",
                 token=changed(org_b + "/eindpunten/0/api_url", API_A)),
            test("an organisation's api_url equal to an App Manager's", False,
                 "stelsel/claims-ongeldig", token=changed("/app_managers/0/api_url", API_A_V1)),
            test("one organisation listing one api_url for two majors", False,
                 "stelsel/claims-ongeldig",
                 token=changed(org_a + "/eindpunten/1/api_url", API_A)),
            test("one organisation with two endpoints of major 2", False,
                 "stelsel/claims-ongeldig",
                 token=changed(org_a + "/eindpunten/1", third_major)),
            test("an App Manager without api_url next to one with it", True, token=ok),
        ], kind="stelseldocument", context=context),
        case("validity window and lifetime", rules["stelsel-looptijd"], [
            test("exp 60 s ago (within the clock skew)", True,
                 token=signed(iat=t - 86460, exp=t - 60)),
            test("exp 61 s ago", False, "stelsel/verlopen",
                 token=signed(iat=t - 86461, exp=t - 61)),
            test("iat 60 s ahead (within the clock skew)", True,
                 token=signed(iat=t + 60, exp=t + 3660)),
            test("iat 61 s ahead", False, "stelsel/nog-niet-geldig",
                 token=signed(iat=t + 61, exp=t + 3661)),
            test("lifetime exactly 86400 s", True, token=signed(iat=t - 100, exp=t + 86300)),
            test("lifetime 86401 s", False, "stelsel/looptijd-te-lang",
                 token=signed(iat=t - 100, exp=t + 86301)),
            test("expired and of another omgeving: times are checked first", False,
                 "stelsel/verlopen", token=jws(typ, {**production, "iat": t - 90000,
                                                     "exp": t - 3600}, k)),
        ], kind="stelseldocument", context=context),
        case("omgeving equals the pinned environment", rules["stelsel-omgeving"], [
            test("a production scheme where test is pinned", False, "stelsel/verkeerde-omgeving",
                 token=jws(typ, production, k)),
            test("a test scheme where productie is pinned", False, "stelsel/verkeerde-omgeving",
                 context={"expected_omgeving": "productie"}, token=ok),
            test("a production scheme where productie is pinned", True,
                 context={"expected_omgeving": "productie"}, token=jws(typ, production, k)),
            test("rolled back and of another omgeving: omgeving is checked first", False,
                 "stelsel/verkeerde-omgeving",
                 token=jws(typ, {**production, "volgnummer": 6}, k)),
        ], kind="stelseldocument", context=context),
        case("volgnummer never goes down", rules["stelsel-volgnummer"], [
            test("a higher volgnummer", True, token=signed(volgnummer=8)),
            test("the same volgnummer (the same document again)", True, token=ok),
            test("a lower volgnummer", False, "stelsel/volgnummer-teruggedraaid",
                 token=signed(volgnummer=6)),
            test("a lower volgnummer signed with the next key (rotation resets nothing)", False,
                 "stelsel/volgnummer-teruggedraaid",
                 token=jws(typ, {**claims, "volgnummer": 6}, volgend)),
            test("volgnummer 1 when none was accepted before", True,
                 context={"last_volgnummer": None}, token=signed(volgnummer=1)),
        ], kind="stelseldocument", context=context),
    ]


def certificaat_claims(keys: Keys, **changes: Any) -> dict[str, Any]:
    return merged({
        "iss": AM_A, "jti": CERT_JTI, "iat": NOW - 300, "nbf": NOW - 300, "exp": NOW + 3300,
        "bsn": BSN, "cnf": {"jwk": keys.app.public_jwk}, "betrouwbaarheidsniveau": "substantieel",
        "inlogmoment": NOW - 420, "identiteitsdienst": "test-idp",
    }, changes)


def proof_claims(**changes: Any) -> dict[str, Any]:
    return merged({"nonce": NONCE, "aud": OIN_A, "api_url": API_A, "iat": NOW - 5,
                   "jti": PROOF_JTI}, changes)


def certificaat_vectors(keys: Keys, rules: dict[str, str]) -> list[dict[str, Any]]:
    typ, k = "app-certificaat+jwt", keys.am_a
    claims = certificaat_claims(keys)
    ok = jws(typ, claims, k)
    context = {"now": NOW, "stelsel": stelsel_claims(keys)}
    t = NOW

    def signed(**changes: Any) -> str:
        return jws(typ, certificaat_claims(keys, **changes), k)

    return [
        case("issued by an active App Manager of the scheme", rules["uitgever"], [
            test("a valid certificate", True, token=ok),
            test("an App Manager that is not in the scheme", False, "certificaat/uitgever-onbekend",
                 token=jws(typ, {**claims, "iss": "app-manager-x"}, keys.aanvaller)),
            test("a suspended App Manager (status opgeschort)", False,
                 "certificaat/uitgever-onbekend",
                 token=jws(typ, {**claims, "iss": AM_B}, keys.am_b)),
            test("no iss", False, "certificaat/uitgever-onbekend", token=signed(iss=OMIT)),
            test("unknown issuer and no kid: the issuer is checked first", False,
                 "certificaat/uitgever-onbekend", token=jws(
                     typ, {**claims, "iss": "app-manager-x"}, keys.aanvaller, {"kid": OMIT})),
            test("signed by another listed App Manager's key (key of the claimed issuer only)",
                 False, "certificaat/sleutel-onbekend", rule=rules["kid"],
                 token=jws(typ, claims, keys.am_b)),
            test("signed by a key outside the scheme", False, "certificaat/sleutel-onbekend",
                 rule=rules["kid"], token=jws(typ, claims, keys.aanvaller)),
            test("signed by another key under the issuer's kid", False,
                 "certificaat/handtekening-ongeldig",
                 token=jws(typ, claims, keys.aanvaller, {"kid": k.kid})),
            test("bsn changed after signing", False, "certificaat/handtekening-ongeldig",
                 token=with_payload(ok, {**claims, "bsn": BSN_ANDER})),
            test("cnf.jwk replaced by another app key after signing", False,
                 "certificaat/handtekening-ongeldig",
                 token=with_payload(ok, {**claims, "cnf": {"jwk": keys.app_ander.public_jwk}})),
        ], kind="app-certificaat", context=context),
        case("JWS profile of an app certificate", rules["uitgever"],
             profile_tests(typ, "certificaat", claims, k, rules,
                           json.dumps(k.published(), separators=(",", ":")).encode()),
             kind="app-certificaat", context=context),
        case("a token of another type is not a certificate", rules["typ"], [
            test("a session proof presented as a certificate", False, "certificaat/verkeerd-type",
                 token=jws("sessie-bewijs+jwt", proof_claims(), keys.app)),
            test("a request proof presented as a certificate", False, "certificaat/verkeerd-type",
                 token=jws("verzoek-bewijs+jwt", verzoekbewijs_claims(), keys.app)),
            test("the App Manager's revocation list presented as a certificate", False,
                 "certificaat/verkeerd-type", token=jws("intrekkingenlijst+jwt", {
                     "iss": AM_A, "iat": NOW - 60, "exp": NOW + 3600,
                     "ingetrokken": [REVOKED_JTI]}, k)),
            test("the scheme document presented as a certificate", False,
                 "certificaat/verkeerd-type",
                 token=jws("stelsel-v2+jwt", stelsel_claims(keys), keys.stelsel)),
        ], kind="app-certificaat", context=context),
        case("claims valid against app-certificaat.schema.json", rules["certificaat-claims"], [
            test("no cnf", False, "certificaat/claims-ongeldig", rule=rules["bewijs-sleutel"],
                 token=signed(cnf=OMIT)),
            test("cnf.jwk with a private member d", False, "certificaat/claims-ongeldig",
                 rule=rules["bewijs-sleutel"], token=signed(
                     cnf={"jwk": {**keys.app.public_jwk, "d": "REDACTED"}})),
            test("a bsn failing the elfproef", False, "certificaat/claims-ongeldig",
                 rule="/document/bsn-elfproef", token=signed(bsn=BSN_ELFPROEF_FOUT)),
            test("an unknown betrouwbaarheidsniveau", False, "certificaat/claims-ongeldig",
                 token=signed(betrouwbaarheidsniveau="laag")),
            test("no exp", False, "certificaat/claims-ongeldig", rule=rules["cert-geldigheid"],
                 token=signed(exp=OMIT)),
            test("an unknown claim aud", False, "certificaat/claims-ongeldig",
                 rule=rules["uitbreidingen"], token=signed(aud=OIN_A)),
            test("a member of minor 2.1 inside uitbreidingen", True, rule=rules["uitbreidingen"],
                 token=signed(uitbreidingen={NEXT_MINOR: {"apparaat_soort": "telefoon"}})),
        ], kind="app-certificaat", context=context),
        case("evidence of the login: inlogmoment not after iat and at most 600 s before it",
             rules["inlogbewijs"], [
            test("iat − inlogmoment = 600", True, token=signed(inlogmoment=t - 900)),
            test("iat − inlogmoment = 601", False, "certificaat/claims-ongeldig",
                 token=signed(inlogmoment=t - 901)),
            test("issued at the moment of the login", True, token=signed(inlogmoment=t - 300)),
            test("inlogmoment 1 s after iat", False, "certificaat/claims-ongeldig",
                 token=signed(inlogmoment=t - 299)),
            test("no inlogmoment", False, "certificaat/claims-ongeldig",
                 token=signed(inlogmoment=OMIT)),
            test("no identiteitsdienst", False, "certificaat/claims-ongeldig",
                 token=signed(identiteitsdienst=OMIT)),
            test("identiteitsdienst digid", True, token=signed(identiteitsdienst="digid")),
            test("identiteitsdienst DigiD in capitals", False, "certificaat/claims-ongeldig",
                 token=signed(identiteitsdienst="DigiD")),
            test("a stale login and an expired certificate: claims are checked first", False,
                 "certificaat/claims-ongeldig",
                 token=signed(iat=t - 3661, nbf=t - 3661, exp=t - 61, inlogmoment=t - 5000)),
        ], kind="app-certificaat", context=context),
        case("nbf, iat and exp with 60 s clock skew", rules["cert-geldigheid"], [
            test("exp 60 s ago", True, token=signed(
                iat=t - 3660, nbf=t - 3660, exp=t - 60, inlogmoment=t - 3700)),
            test("exp 61 s ago", False, "certificaat/verlopen", token=signed(
                iat=t - 3661, nbf=t - 3661, exp=t - 61, inlogmoment=t - 3700)),
            test("nbf 60 s ahead", True, token=signed(iat=t, nbf=t + 60, exp=t + 3600)),
            test("nbf 61 s ahead", False, "certificaat/nog-niet-geldig",
                 token=signed(iat=t, nbf=t + 61, exp=t + 3600)),
            test("iat 61 s ahead", False, "certificaat/nog-niet-geldig",
                 token=signed(iat=t + 61, nbf=t, exp=t + 3600)),
        ], kind="app-certificaat", context=context),
        case("lifetime at most 43200 s", rules["cert-looptijd"], [
            test("exp − iat = 43200", True, token=signed(iat=t - 100, nbf=t - 100, exp=t + 43100)),
            test("exp − iat = 43201", False, "certificaat/looptijd-te-lang",
                 token=signed(iat=t - 100, nbf=t - 100, exp=t + 43101)),
            test("expired and too long: expiry is checked first", False, "certificaat/verlopen",
                 token=signed(iat=t - 50000, nbf=t - 50000, exp=t - 100, inlogmoment=t - 50100)),
        ], kind="app-certificaat", context=context),
        case("not revoked in the scheme", rules["ingetrokken"], [
            test("a revoked jti", False, "certificaat/ingetrokken", token=signed(jti=REVOKED_JTI)),
            test("revoked and expired: times are checked first", False, "certificaat/verlopen",
                 token=signed(jti=REVOKED_JTI, iat=t - 3661, nbf=t - 3661, exp=t - 61,
                              inlogmoment=t - 3700)),
            test("the revoked jti in uppercase is not a canonical UUID", False,
                 "certificaat/claims-ongeldig", token=signed(jti=REVOKED_JTI.upper())),
        ], kind="app-certificaat", context=context),
    ]


def bewijs_vectors(keys: Keys, rules: dict[str, str]) -> list[dict[str, Any]]:
    typ, k = "sessie-bewijs+jwt", keys.app
    claims = proof_claims()
    ok = jws(typ, claims, k)
    context = {
        "now": NOW, "cnf": keys.app.public_jwk, "expected_aud": OIN_A,
        "expected_api_url": API_A,
        "nonces": {"known": [NONCE, NONCE_VERLOPEN, NONCE_GEBRUIKT],
                   "expired": [NONCE_VERLOPEN], "used": [NONCE_GEBRUIKT]},
    }
    t = NOW

    def signed(**changes: Any) -> str:
        return jws(typ, proof_claims(**changes), k)

    return [
        case("signed with the certificate's cnf.jwk", rules["bewijs-sleutel"], [
            test("a valid proof", True, token=ok),
            test("signed by another app's key, with that key's kid (kid ≠ cnf thumbprint)",
                 False, "bewijs/sleutel-onbekend", rule=rules["kid"],
                 token=jws(typ, claims, keys.app_ander)),
            test("signed by another app's key under the cnf thumbprint", False,
                 "bewijs/handtekening-ongeldig", token=jws(typ, claims, keys.app_ander,
                                                           {"kid": k.kid})),
            test("signed by the App Manager's key", False, "bewijs/sleutel-onbekend",
                 rule=rules["kid"], token=jws(typ, claims, keys.am_a)),
            test("nonce changed after signing", False, "bewijs/handtekening-ongeldig",
                 token=with_payload(ok, {**claims, "nonce": NONCE_ONBEKEND})),
            test("api_url changed after signing", False, "bewijs/handtekening-ongeldig",
                 token=with_payload(ok, {**claims, "api_url": API_B})),
        ], kind="sessie-bewijs", context=context),
        case("JWS profile of a session proof", rules["bewijs-sleutel"],
             profile_tests(typ, "bewijs", claims, k, rules,
                           json.dumps(k.public_jwk, separators=(",", ":")).encode()),
             kind="sessie-bewijs", context=context),
        case("a token of another type is not a session proof", rules["typ"], [
            test("the app's certificate presented as a proof", False, "bewijs/verkeerd-type",
                 token=jws("app-certificaat+jwt", certificaat_claims(keys), keys.am_a)),
            test("the app's certificate request (same key, similar claims) as a proof", False,
                 "bewijs/verkeerd-type", token=jws("certificaat-aanvraag+jwt", {
                     "aud": AM_A, "nonce": NONCE, "iat": NOW - 5, "jti": PROOF_JTI}, k)),
            test("the app's revocation request as a proof", False, "bewijs/verkeerd-type",
                 token=jws("intrekking-verzoek+jwt", {
                     "aud": AM_A, "certificaat_jti": CERT_JTI, "iat": NOW - 5,
                     "jti": PROOF_JTI}, k)),
            test("a request proof (same key) as a session proof", False, "bewijs/verkeerd-type",
                 token=jws("verzoek-bewijs+jwt", claims, k)),
        ], kind="sessie-bewijs", context=context),
        case("claims valid against sessie-bewijs.schema.json", rules["bewijs-claims"], [
            test("an unknown claim exp", False, "bewijs/claims-ongeldig",
                 rule=rules["uitbreidingen"], token=signed(exp=t + 60)),
            test("a member of minor 2.1 inside uitbreidingen", True, rule=rules["uitbreidingen"],
                 token=signed(uitbreidingen={NEXT_MINOR: {"apparaat": "telefoon"}})),
            test("no api_url (a 1.0.0 proof)", False, "bewijs/claims-ongeldig",
                 rule=rules["bewijs-eindpunt"], token=signed(api_url=OMIT)),
        ], kind="sessie-bewijs", context=context),
        case("aud is this source's OIN", rules["bewijs-ontvanger"], [
            test("a proof for another organisation", False, "bewijs/verkeerde-ontvanger",
                 token=signed(aud=OIN_B, api_url=API_B)),
            test("aud as an array with this OIN", False, "bewijs/claims-ongeldig",
                 token=signed(aud=[OIN_A])),
            test("aud as an array of two organisations", False, "bewijs/claims-ongeldig",
                 token=signed(aud=[OIN_A, OIN_B])),
            test("no aud", False, "bewijs/claims-ongeldig", token=signed(aud=OMIT)),
            test("for another organisation with a used nonce: aud is checked first", False,
                 "bewijs/verkeerde-ontvanger", token=signed(aud=OIN_B, nonce=NONCE_GEBRUIKT)),
            test("another organisation's OIN with this source's api_url: aud is checked first",
                 False, "bewijs/verkeerde-ontvanger", token=signed(aud=OIN_B)),
        ], kind="sessie-bewijs", context=context),
        case("api_url is the scheme endpoint of this source for the major called",
             rules["bewijs-eindpunt"], [
            test("the api_url of this source's 1.x endpoint", False, "bewijs/verkeerd-eindpunt",
                 token=signed(api_url=API_A_V1)),
            test("this OIN with another organisation's api_url (a relayed proof)", False,
                 "bewijs/verkeerd-eindpunt", token=signed(api_url=API_B)),
            test("an api_url that is in no scheme document", False, "bewijs/verkeerd-eindpunt",
                 token=signed(api_url="https://aanvaller.example/vorderingen/v2")),
            test("the wrong endpoint and a stale proof: the endpoint is checked first", False,
                 "bewijs/verkeerd-eindpunt", token=signed(api_url=API_A_V1, iat=t - 121)),
            test("the 1.x endpoint's proof at a source whose endpoint for this major is that URL",
                 True, context={"expected_api_url": API_A_V1}, token=signed(api_url=API_A_V1)),
        ], kind="sessie-bewijs", context=context),
        case("fresh: iat within 60 s (+60 s skew)", rules["bewijs-vers"], [
            test("iat 120 s ago", True, token=signed(iat=t - 120)),
            test("iat 121 s ago", False, "bewijs/verlopen", token=signed(iat=t - 121)),
            test("iat 60 s ahead", True, token=signed(iat=t + 60)),
            test("iat 61 s ahead", False, "bewijs/nog-niet-geldig", token=signed(iat=t + 61)),
            test("no iat", False, "bewijs/claims-ongeldig", token=signed(iat=OMIT)),
            test("stale with a used nonce: freshness is checked first", False, "bewijs/verlopen",
                 token=signed(iat=t - 121, nonce=NONCE_GEBRUIKT)),
        ], kind="sessie-bewijs", context=context),
        case("the nonce was issued by this source", rules["nonce-bekend"], [
            test("a nonce this source never issued", False, "bewijs/nonce-onbekend",
                 token=signed(nonce=NONCE_ONBEKEND)),
            test("the App Manager's registration challenge", False, "bewijs/nonce-onbekend",
                 token=signed(nonce=NONCE_AANVRAAG)),
            test("no nonce", False, "bewijs/claims-ongeldig", token=signed(nonce=OMIT)),
        ], kind="sessie-bewijs", context=context),
        case("the nonce has not expired", rules["nonce-geldigheid"], [
            test("an expired nonce", False, "bewijs/nonce-verlopen",
                 token=signed(nonce=NONCE_VERLOPEN)),
            test("expired and used: expiry is checked first", False, "bewijs/nonce-verlopen",
                 context={"nonces": {"known": [NONCE_VERLOPEN], "expired": [NONCE_VERLOPEN],
                                     "used": [NONCE_VERLOPEN]}},
                 token=signed(nonce=NONCE_VERLOPEN)),
        ], kind="sessie-bewijs", context=context),
        case("a nonce is used once", rules["nonce-eenmalig"], [
            test("a nonce already used", False, "bewijs/nonce-gebruikt",
                 token=signed(nonce=NONCE_GEBRUIKT)),
            test("the same proof before its nonce was used", True, token=ok),
            test("the same proof after its nonce was used (a replay)", False,
                 "bewijs/nonce-gebruikt", context={"nonces": {
                     "known": [NONCE], "expired": [], "used": [NONCE]}}, token=ok),
        ], kind="sessie-bewijs", context=context),
    ]


def jsonify(value: Any, **options: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, **options).encode("utf-8")


def _der_of(raw_b64: str) -> bytes:
    raw = b64decode(raw_b64)
    return encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))


def _hs256_detached(document_: dict[str, Any], key: Key) -> str:
    protected = encode_json({"alg": "HS256", "typ": "vorderingen-document+jws", "kid": key.kid})
    secret = json.dumps(key.published(), separators=(",", ":")).encode()
    mac = hmac.new(secret, f"{protected}.{b64(rfc8785.dumps(document_))}".encode(), hashlib.sha256)
    return f"{protected}..{b64(mac.digest())}"


def verzoekbewijs_claims(**changes: Any) -> dict[str, Any]:
    return merged({"jti": REQUEST_JTI, "htm": "GET", "htu": HTU, "iat": NOW - 5,
                   "ath": ath(SESSIETOKEN)}, changes)


def verzoekbewijs_vectors(keys: Keys, rules: dict[str, str]) -> list[dict[str, Any]]:
    """Request proofs (verzoek-bewijs+jwt) sent with every request that carries a session."""
    typ, k, prefix = "verzoek-bewijs+jwt", keys.app, "verzoekbewijs"
    claims = verzoekbewijs_claims()
    ok = jws(typ, claims, k)
    context = {"now": NOW, "cnf": keys.app.public_jwk, "session_token": SESSIETOKEN,
               "method": "GET", "url": HTU, "seen_jti": []}
    post = {"method": "POST", "url": API_A + "/betalingsregelingen"}
    t = NOW

    def signed(**changes: Any) -> str:
        return jws(typ, verzoekbewijs_claims(**changes), k)

    return [
        case("signed with the key the session is bound to (the certificate's cnf.jwk)",
             rules["vb-sleutel"], [
            test("a valid request proof for GET /vorderingenoverzicht", True, token=ok),
            test("a valid request proof for POST /betalingsregelingen", True, context=post,
                 token=signed(htm="POST", htu=post["url"])),
            test("signed by another app's key, with that key's kid", False,
                 f"{prefix}/sleutel-onbekend", token=jws(typ, claims, keys.app_ander)),
            test("signed by another app's key under the session key's thumbprint", False,
                 f"{prefix}/handtekening-ongeldig",
                 token=jws(typ, claims, keys.app_ander, {"kid": k.kid})),
            test("signed by the App Manager's key", False, f"{prefix}/sleutel-onbekend",
                 token=jws(typ, claims, keys.am_a)),
            test("a proof of another session's key: the copied token is bound to this key",
                 False, f"{prefix}/sleutel-onbekend",
                 context={"cnf": keys.app_ander.public_jwk}, token=ok),
            test("htu changed after signing", False, f"{prefix}/handtekening-ongeldig",
                 token=with_payload(ok, {**claims, "htu": post["url"]})),
        ], kind="verzoek-bewijs", context=context),
        case("JWS profile of a request proof", rules["vb-profiel"],
             profile_tests(typ, prefix, claims, k, rules,
                           json.dumps(k.public_jwk, separators=(",", ":")).encode()),
             kind="verzoek-bewijs", context=context),
        case("a token of another type is not a request proof", rules["typ"], [
            test("typ dpop+jwt (RFC 9449's type, not this standard's)", False,
                 f"{prefix}/verkeerd-type", token=jws("dpop+jwt", claims, k)),
            test("the session proof (same key) as a request proof", False,
                 f"{prefix}/verkeerd-type", token=jws("sessie-bewijs+jwt", proof_claims(), k)),
            test("the certificate as a request proof", False, f"{prefix}/verkeerd-type",
                 token=jws("app-certificaat+jwt", certificaat_claims(keys), keys.am_a)),
        ], kind="verzoek-bewijs", context=context),
        case("claims valid against verzoek-bewijs.schema.json", rules["vb-claims"], [
            test("no ath", False, f"{prefix}/claims-ongeldig", token=signed(ath=OMIT)),
            test("no htm", False, f"{prefix}/claims-ongeldig", token=signed(htm=OMIT)),
            test("htm in lowercase", False, f"{prefix}/claims-ongeldig", token=signed(htm="get")),
            test("no htu", False, f"{prefix}/claims-ongeldig", token=signed(htu=OMIT)),
            test("no jti", False, f"{prefix}/claims-ongeldig", token=signed(jti=OMIT)),
            test("jti in uppercase", False, f"{prefix}/claims-ongeldig",
                 token=signed(jti=REQUEST_JTI.upper())),
            test("no iat", False, f"{prefix}/claims-ongeldig", token=signed(iat=OMIT)),
            test("an unknown claim nonce", False, f"{prefix}/claims-ongeldig",
                 rule=rules["uitbreidingen"], token=signed(nonce=NONCE)),
            test("a member of minor 2.1 inside uitbreidingen", True, rule=rules["uitbreidingen"],
                 token=signed(uitbreidingen={NEXT_MINOR: {"volgnummer": 1}})),
            test("an invalid claim and a wrong ath: the schema is checked first", False,
                 f"{prefix}/claims-ongeldig", token=signed(htm="get", ath=ath(SESSIETOKEN_ANDER))),
        ], kind="verzoek-bewijs", context=context),
        case("ath is the hash of the session token sent with it", rules["vb-token"], [
            test("ath of another session's token", False, f"{prefix}/token-onjuist",
                 token=signed(ath=ath(SESSIETOKEN_ANDER))),
            test("the session token itself as ath", False, f"{prefix}/token-onjuist",
                 token=signed(ath=SESSIETOKEN)),
            test("a copied proof sent with another session token of the same key", False,
                 f"{prefix}/token-onjuist", context={"session_token": SESSIETOKEN_ANDER},
                 token=ok),
            test("a wrong ath and a wrong method: ath is checked first", False,
                 f"{prefix}/token-onjuist", context=post, token=signed(ath=SESSIETOKEN)),
        ], kind="verzoek-bewijs", context=context),
        case("htm is the method of the request", rules["vb-methode"], [
            test("a GET proof sent with a POST", False, f"{prefix}/verkeerde-methode",
                 context={"method": "POST"}, token=ok),
            test("a DELETE proof sent with a GET", False, f"{prefix}/verkeerde-methode",
                 token=signed(htm="DELETE")),
            test("a wrong method and a wrong URL: the method is checked first", False,
                 f"{prefix}/verkeerde-methode", context=post, token=ok),
        ], kind="verzoek-bewijs", context=context),
        case("htu is this source's scheme api_url + the path called", rules["vb-url"], [
            test("a proof for /vorderingenoverzicht sent to /betalingsregelingen", False,
                 f"{prefix}/verkeerde-url", context={"url": post["url"]}, token=ok),
            test("a proof for another source's api_url with the same path", False,
                 f"{prefix}/verkeerde-url", token=signed(htu=API_B + "/vorderingenoverzicht")),
            test("a proof for this source's 1.x endpoint", False, f"{prefix}/verkeerde-url",
                 token=signed(htu=API_A_V1 + "/vorderingenoverzicht")),
            test("a wrong URL and a stale proof: the URL is checked first", False,
                 f"{prefix}/verkeerde-url", token=signed(htu=API_B + "/vorderingenoverzicht",
                                                         iat=t - 121)),
        ], kind="verzoek-bewijs", context=context),
        case("fresh: iat within 60 s (+60 s skew)", rules["vb-vers"], [
            test("iat 120 s ago", True, token=signed(iat=t - 120)),
            test("iat 121 s ago", False, f"{prefix}/verlopen", token=signed(iat=t - 121)),
            test("iat 60 s ahead", True, token=signed(iat=t + 60)),
            test("iat 61 s ahead", False, f"{prefix}/nog-niet-geldig", token=signed(iat=t + 61)),
            test("stale and already seen: freshness is checked first", False, f"{prefix}/verlopen",
                 context={"seen_jti": [REQUEST_JTI]}, token=signed(iat=t - 121)),
        ], kind="verzoek-bewijs", context=context),
        case("a proof is used once per session (two steps: seen_jti is the state after the "
             "first)", rules["vb-eenmalig"], [
            test("step 1: the first use of a proof", True, token=ok),
            test("step 2: the same proof again, its jti now seen (a replayed request)", False,
                 f"{prefix}/hergebruikt", context={"seen_jti": [REQUEST_JTI]}, token=ok),
            test("a new proof (another jti) after the first", True,
                 context={"seen_jti": [REQUEST_JTI]}, token=signed(jti=REQUEST_JTI_2)),
        ], kind="verzoek-bewijs", context=context),
    ]


def envelop_vectors(keys: Keys, rules: dict[str, str]) -> list[dict[str, Any]]:
    doc_a = document(zaak_boete())
    doc_b = document(zaak_gemeente(), oin=OIN_B)
    ok = envelope(doc_a, keys.bron_a)
    head, _, signature = ok["handtekening"].split(".")
    context = {"now": NOW, "stelsel": stelsel_claims(keys)}
    tampered = copy.deepcopy(doc_a)  # the surcharge removed, totals made to match
    del tampered["financiele_zaken"][0]["gebeurtenissen"][4]
    tampered["financiele_zaken"][0].update(
        totaal_financieel_verplicht=10400, saldo=6400, achterstand=6400)
    reordered = {name: doc_a[name] for name in reversed(list(doc_a))}
    unknown = document(zaak_boete(), oin=OIN_ONBEKEND)
    broken = edit(doc_a, Z0 + "/saldo", 8901)
    env = "envelop"

    def hdr(changes: dict[str, Any]) -> dict[str, Any]:
        return envelope(doc_a, keys.bron_a, header=changes)

    def at(doc: dict[str, Any], when: int, key: Key) -> dict[str, Any]:
        """`doc` created (opgesteld_op) at NumericDate `when`, signed by `key`."""
        return envelope({**doc, "opgesteld_op": iso(when)}, key)

    def at_fraction(doc: dict[str, Any], when: int, fraction: str, key: Key) -> dict[str, Any]:
        """`doc` created `fraction` of a second after NumericDate `when`, signed by `key`."""
        return envelope({**doc, "opgesteld_op": iso(when).replace("Z", f"{fraction}Z")}, key)

    def version(value: Any, key: Key = keys.bron_a) -> dict[str, Any]:
        return envelope(edit(doc_a, "/documentversie", value), key)

    next_major = {"documentversie": NEXT_MAJOR, "bron": doc_a["bron"], "bsn": BSN,
                  "opgesteld_op": doc_a["opgesteld_op"], "vorderingen": [], "valuta": "EUR"}
    old = NOW - HULPVRAAG_MAX_LEEFTIJD_S
    return [
        case("signed by a key of the document's bron", rules["envelop-handtekening"], [
            test("a valid envelope of an organisation", True, token=ok),
            test("a valid envelope with four cases", True,
                 token=envelope(full_document(), keys.bron_a)),
            test("a valid envelope signed with the new key of an organisation after its "
                 "rotation (its key entry has no kid)", True, token=envelope(doc_b, keys.bron_b2)),
            test("a surcharge removed from the document after signing (totals made to match)",
                 False, f"{env}/handtekening-ongeldig",
                 token={"document": tampered, "handtekening": ok["handtekening"]}),
            test("signed by another organisation's key, with that key's kid", False,
                 f"{env}/sleutel-onbekend", rule=rules["kid"],
                 token=envelope(doc_a, keys.bron_b2)),
            test("signed by another organisation's key under the bron's kid", False,
                 f"{env}/handtekening-ongeldig",
                 token=envelope(doc_a, keys.bron_b2, header={"kid": keys.bron_a.kid})),
            test("bron.oin changed to another organisation after signing", False,
                 f"{env}/sleutel-onbekend", token={
                     "document": {**doc_a, "bron": doc_b["bron"]},
                     "handtekening": ok["handtekening"]}),
            test("signed by a key outside the scheme", False, f"{env}/sleutel-onbekend",
                 rule=rules["kid"], token=envelope(doc_a, keys.aanvaller)),
            test("signature in DER instead of raw r‖s", False, f"{env}/handtekening-ongeldig",
                 token={"document": doc_a, "handtekening": f"{head}..{b64(_der_of(signature))}"}),
        ], kind="envelop", context=context),
        case("the bron is an organisation of the scheme", rules["bron"], [
            test("an organisation outside the scheme, signed with its own key", False,
                 f"{env}/bron-onbekend", token=envelope(unknown, keys.onbekend)),
            test("a document without bron", False, f"{env}/bron-onbekend",
                 token=envelope(edit(doc_a, "/bron"), keys.bron_a)),
            test("unknown bron and no kid: bron is checked first", False,
                 f"{env}/bron-onbekend",
                 token=envelope(unknown, keys.onbekend, header={"kid": OMIT})),
            test("unknown bron and an invalid document: bron is checked first", False,
                 f"{env}/bron-onbekend",
                 token=envelope(edit(unknown, Z0 + "/saldo", 1), keys.onbekend)),
        ], kind="envelop", context=context),
        case("detached JWS over the JCS form of the document", rules["detached-jcs"], [
            test("members in another order than signed (JCS sorts them)", True,
                 token={"document": reordered, "handtekening": ok["handtekening"]}),
            test("non-ASCII text signed as UTF-8, not as \\u escapes", True,
                 token=envelope(doc_b, keys.bron_b2)),
            test("signed over the document indented instead of JCS", False,
                 f"{env}/handtekening-ongeldig",
                 token=envelope(doc_a, keys.bron_a, payload=jsonify(doc_a, indent=2))),
            test("signed over sorted JSON with spaces after separators", False,
                 f"{env}/handtekening-ongeldig",
                 token=envelope(doc_a, keys.bron_a, payload=jsonify(doc_a, sort_keys=True))),
            test("signed over JCS with non-ASCII escaped as \\u", False,
                 f"{env}/handtekening-ongeldig", token=envelope(doc_b, keys.bron_b2, payload=(
                     json.dumps(doc_b, sort_keys=True, separators=(",", ":")).encode("ascii")))),
            test("an attached payload (middle part not empty)", False, f"{env}/ongeldig-formaat",
                 token={"document": doc_a, "handtekening":
                        f"{head}.{b64(rfc8785.dumps(doc_a))}.{signature}"}),
            test("a signature of two parts", False, f"{env}/ongeldig-formaat",
                 token={"document": doc_a, "handtekening": f"{head}.{signature}"}),
            test("the signature as an object", False, f"{env}/ongeldig-formaat",
                 token={"document": doc_a, "handtekening": {"protected": head,
                                                            "signature": signature}}),
            test("a member next to document and handtekening (ignored, not signed)", True,
                 rule=rules["open-data"], token={**ok, "ontvangen_op": "2026-01-01T09:00:00Z"}),
            test("the document as a JSON string", False, f"{env}/ongeldig-formaat",
                 token={"document": json.dumps(doc_a), "handtekening": ok["handtekening"]}),
            test("no handtekening", False, f"{env}/ongeldig-formaat", token={"document": doc_a}),
            test("an envelope that is a JSON array", False, f"{env}/ongeldig-formaat",
                 token=[doc_a, ok["handtekening"]]),
        ], kind="envelop", context=context),
        case("JWS profile of the envelope signature", rules["envelop-handtekening"], [
            test("alg none", False, f"{env}/algoritme-niet-toegestaan", rule=rules["alg"],
                 token={"document": doc_a, "handtekening":
                        f"{encode_json({'alg': 'none', 'typ': 'vorderingen-document+jws'})}.."}),
            test("HS256 keyed with the bron's public JWK", False,
                 f"{env}/algoritme-niet-toegestaan", rule=rules["alg"],
                 token={"document": doc_a, "handtekening": _hs256_detached(
                     doc_a, keys.bron_a)}),
            test("header member b64 false (RFC 7797 unencoded payload)", False,
                 f"{env}/verboden-header", rule=rules["headers"],
                 token=hdr({"b64": False, "crit": ["b64"]})),
            test("header member jku, signature valid", False, f"{env}/verboden-header",
                 rule=rules["headers"], token=hdr({"jku": "https://aanvaller.example/jwks"})),
            test("header member x5c, signature valid", False, f"{env}/verboden-header",
                 rule=rules["headers"], token=hdr({"x5c": ["MIIBszCCAVmgAwIBAgIUTESTONLY"]})),
            test("typ JWT", False, f"{env}/verkeerd-type", rule=rules["typ"],
                 token=hdr({"typ": "JWT"})),
            test("typ vorderingen-document+jwt", False, f"{env}/verkeerd-type", rule=rules["typ"],
                 token=hdr({"typ": "vorderingen-document+jwt"})),
            test("no typ", False, f"{env}/verkeerd-type", rule=rules["typ"],
                 token=hdr({"typ": OMIT})),
            test("no kid", False, f"{env}/sleutel-onbekend", rule=rules["kid"],
                 token=hdr({"kid": OMIT})),
        ], kind="envelop", context=context),
        case("documentversie has major 2 (checked after the signature, before the schema)",
             rules["envelop-versie"], [
            test("documentversie 3.0", False, f"{env}/versie-niet-ondersteund",
                 token=version(NEXT_MAJOR)),
            test("documentversie 1.0.0 (a 1.0.0 document)", False,
                 f"{env}/versie-niet-ondersteund", token=version("1.0.0")),
            test("a 3.0 document with members and a structure this version does not know",
                 False, f"{env}/versie-niet-ondersteund", token=envelope(next_major, keys.bron_a)),
            test("documentversie 3.0 signed by a key outside the scheme: the signature first",
                 False, f"{env}/sleutel-onbekend", token=version(NEXT_MAJOR, keys.aanvaller)),
            test("documentversie 2.0.0 (major 2, but not MAJOR.MINOR)", False,
                 f"{env}/document-ongeldig", token=version("2.0.0")),
            test("no documentversie", False, f"{env}/document-ongeldig",
                 token=envelope(edit(doc_a, "/documentversie"), keys.bron_a)),
            test("documentversie as a number", False, f"{env}/document-ongeldig",
                 token=version(2.0)),
        ], kind="envelop", context=context),
        case("a validly signed document must itself be valid", rules["document-schema"], [
            test("saldo does not add up", False, f"{env}/document-ongeldig",
                 rule="/document/saldo-klopt", token=envelope(broken, keys.bron_a)),
            test("an unknown member in the document (ignored, and signed)", True,
                 rule=rules["open-data"],
                 token=envelope(edit(doc_a, "/opmerking", "x"), keys.bron_a)),
            test("an amount with a fraction", False, f"{env}/document-ongeldig",
                 rule="/document/bedragen-in-centen",
                 token=envelope(edit(doc_a, E + "/0/bedrag", 95.5), keys.bron_a)),
            test("an unknown status (enums are closed)", False, f"{env}/document-ongeldig",
                 rule=rules["enums"], token=envelope(edit(doc_a, Z0 + "/status", "betaald"),
                                                     keys.bron_a)),
        ], kind="envelop", context=context),
        case("the key was valid when it signed (opgesteld_op within its window ± 60 s)",
             rules["envelop-venster"], [
            test("the retired key, signed a day before its geldig_tot", True,
                 token=at(doc_b, ROTATION - DAY, keys.bron_b)),
            test("the retired key, signed 60 s after its geldig_tot", True,
                 token=at(doc_b, ROTATION + 60, keys.bron_b)),
            test("the retired key, signed 61 s after its geldig_tot", False,
                 f"{env}/sleutel-niet-geldig", token=at(doc_b, ROTATION + 61, keys.bron_b)),
            test("the retired key, signed 60.5 s after its geldig_tot (an instant, not "
                 "truncated to whole seconds)", False, f"{env}/sleutel-niet-geldig",
                 token=at_fraction(doc_b, ROTATION + 60, ".5", keys.bron_b)),
            test("the retired key, signed after the rotation", False,
                 f"{env}/sleutel-niet-geldig", token=envelope(doc_b, keys.bron_b)),
            test("the new key, signed a day before its geldig_vanaf", False,
                 f"{env}/sleutel-niet-geldig", token=at(doc_b, ROTATION - DAY, keys.bron_b2)),
            test("the new key, signed 60 s before its geldig_vanaf", True,
                 token=at(doc_b, ROTATION - 60, keys.bron_b2)),
            test("the new key, signed 61 s before its geldig_vanaf", False,
                 f"{env}/sleutel-niet-geldig", token=at(doc_b, ROTATION - 61, keys.bron_b2)),
            test("outside the window and an invalid document: the document is checked first",
                 False, f"{env}/document-ongeldig",
                 token=at(edit(doc_b, Z0 + "/saldo", 1), NOW - DAY, keys.bron_b)),
        ], kind="envelop", context=context),
        case("a revoked key: refused from ingetrokken_op, valid before",
             rules["sleutel-ingetrokken"], [
            test("signed 1 s before ingetrokken_op", True,
                 token=at(doc_a, REVOKED_AT - 1, keys.bron_a_ingetrokken)),
            test("signed at ingetrokken_op", False, f"{env}/sleutel-ingetrokken",
                 token=at(doc_a, REVOKED_AT, keys.bron_a_ingetrokken)),
            test("signed after ingetrokken_op", False, f"{env}/sleutel-ingetrokken",
                 token=envelope(doc_a, keys.bron_a_ingetrokken)),
            test("signed after ingetrokken_op and in the future: revocation is checked first",
                 False, f"{env}/sleutel-ingetrokken",
                 token=at(doc_a, NOW + DAY, keys.bron_a_ingetrokken)),
        ], kind="envelop", context=context),
        case("opgesteld_op is not in the future", rules["opgesteld-op"], [
            test("opgesteld_op 60 s ahead", True, token=at(doc_a, NOW + 60, keys.bron_a)),
            test("opgesteld_op 61 s ahead", False, f"{env}/nog-niet-geldig",
                 token=at(doc_a, NOW + 61, keys.bron_a)),
            test("opgesteld_op 59.999 s ahead", True,
                 token=at_fraction(doc_a, NOW + 59, ".999", keys.bron_a)),
            test("opgesteld_op 60.5 s ahead (an instant, not truncated to whole seconds)",
                 False, f"{env}/nog-niet-geldig",
                 token=at_fraction(doc_a, NOW + 60, ".5", keys.bron_a)),
            test("opgesteld_op with an offset, 61 s ahead as an instant", False,
                 f"{env}/nog-niet-geldig", token=envelope(
                     {**doc_a, "opgesteld_op": "2026-01-01T01:01:01+01:00"}, keys.bron_a)),
        ], kind="envelop", context=context),
        case("in a help request: the session's citizen, at most 14 days old",
             rules["hulpvraag"], [
            test("the session's bsn, 13 hours old", True, context={"expected_bsn": BSN},
                 token=ok),
            test("another citizen's document", False, f"{env}/bsn-onjuist",
                 rule="/document/bsn-van-certificaat", context={"expected_bsn": BSN_ANDER},
                 token=ok),
            test("created exactly 14 days ago", True, context={"expected_bsn": BSN},
                 token=at(doc_a, old, keys.bron_a)),
            test("created 14 days and 1 s ago", False, f"{env}/verouderd",
                 context={"expected_bsn": BSN}, token=at(doc_a, old - 1, keys.bron_a)),
            test("the same old document outside a help request", True,
                 token=at(doc_a, old - 1, keys.bron_a)),
            test("another citizen's old document: the bsn is checked first", False,
                 f"{env}/bsn-onjuist", rule="/document/bsn-van-certificaat",
                 context={"expected_bsn": BSN_ANDER}, token=at(doc_a, old - 1, keys.bron_a)),
            test("another citizen's invalid document: validity first", False,
                 f"{env}/document-ongeldig", rule="/document/saldo-klopt",
                 context={"expected_bsn": BSN_ANDER}, token=envelope(broken, keys.bron_a)),
            test("another citizen's document signed by a revoked key: the key first", False,
                 f"{env}/sleutel-ingetrokken", context={"expected_bsn": BSN_ANDER},
                 token=envelope(doc_a, keys.bron_a_ingetrokken)),
        ], kind="envelop", context=context),
    ]


# --- forward compatibility: the next minor and the next major ------------------------------


def compat_vectors(keys: Keys, rules: dict[str, str]) -> dict[str, list[dict[str, Any]]]:
    """What a 2.0 verifier does with data of 2.1 (accepts it) and of 3.0 (refuses it)."""
    context = {"now": NOW, "stelsel": stelsel_claims(keys)}
    minor_doc = next_minor_document()
    minor = envelope(minor_doc, keys.bron_a)
    major_doc = {**document(zaak_boete()), "documentversie": NEXT_MAJOR}
    major_other = {"documentversie": NEXT_MAJOR, "bron": minor_doc["bron"], "bsn": BSN,
                   "opgesteld_op": minor_doc["opgesteld_op"], "vorderingen": []}
    stripped = {k: v for k, v in minor_doc.items() if k != "taal"}
    plain = envelope(document(zaak_gemeente(), oin=OIN_B), keys.bron_b2)
    bundle = {"bundelversie": NEXT_MINOR, "aangemaakt_op": "2026-01-01T09:30:00+01:00",
              "enveloppen": [minor, plain], "toelichting": "member of 2.1"}
    major_bundle = {**bundle, "bundelversie": NEXT_MAJOR}
    config_minor = edit_many(configuratie(api_versie=NEXT_MINOR, documentversie=NEXT_MINOR), {
        "/talen": ["nl", "en"], "/betalingsregeling/rente": False,
        "/contact/chat": "https://cjib.example/chat"})
    typ, k = "stelsel-v2+jwt", keys.stelsel
    scheme = stelsel_claims(keys, versie=NEXT_MINOR)
    scheme_context = {"now": NOW, "pinned_keys": keys.pinned(), "expected_omgeving": "test",
                      "last_volgnummer": 7}
    return {
        "compat/envelop.json": [
            case("a claims document of the next minor (2.1): accepted", rules["open-data"], [
                test("members 2.0 does not define, at every level, signed", True, token=minor),
                test("the same envelope in a help request", True,
                     context={"expected_bsn": BSN}, token=minor),
                test("the same, members reordered (the signature covers the unknown members "
                     "in JCS form)", True, token={
                         "document": dict(reversed(list(minor_doc.items()))),
                         "handtekening": minor["handtekening"]}),
                test("an unknown member removed after signing: the signature covers it", False,
                     "envelop/handtekening-ongeldig",
                     token={"document": stripped, "handtekening": minor["handtekening"]}),
            ], kind="envelop", context=context),
            case("a claims document of the next major (3.0): refused", rules["envelop-versie"], [
                test("documentversie 3.0 in the 2.0 structure", False,
                     "envelop/versie-niet-ondersteund", token=envelope(major_doc, keys.bron_a)),
                test("documentversie 3.0 in a structure 2.0 does not know", False,
                     "envelop/versie-niet-ondersteund", token=envelope(major_other, keys.bron_a)),
            ], kind="envelop", context=context),
        ],
        "compat/bundel.json": [
            schema_case("bundle structure (bundel.schema.json) of the next minor and major",
                        rules["bundel"], "bundel.schema.json", [
                test("2.1 with a member 2.0 does not define and a 2.1 envelope", True,
                     data=bundle),
                test("3.0", False, data=major_bundle),
            ], code="verzoek/ongeldig"),
            case("a bundle of the next minor (2.1): accepted, every envelope verified",
                 rules["open-data"], [
                test("bundelversie 2.1 with a 2.1 and a 2.0 envelope", True, token=bundle),
            ], kind="bundel", context=context),
            case("a bundle of the next major (3.0): refused", rules["andere-major"], [
                test("bundelversie 3.0 with 2.x envelopes", False, "bundel/versie-niet-ondersteund",
                     token=major_bundle),
                test("bundelversie 3.0 in a structure 2.0 does not know", False,
                     "bundel/versie-niet-ondersteund",
                     token={"bundelversie": NEXT_MAJOR, "documenten": [minor]}),
                test("bundelversie 1.0.0", False, "bundel/versie-niet-ondersteund",
                     token={**bundle, "bundelversie": "1.0.0"}),
            ], kind="bundel", context=context),
        ],
        "compat/configuratie.json": [
            schema_case("a /configuratie answer of the next minor (2.1): accepted",
                        rules["open-data"], "configuratie.schema.json", [
                test("api_versie and documentversie 2.1, members 2.0 does not define", True,
                     data=config_minor),
            ]),
            schema_case("a /configuratie answer of the next major (3.0): refused",
                        rules["versie"], "configuratie.schema.json", [
                test("api_versie 3.0", False, data={**config_minor, "api_versie": NEXT_MAJOR}),
                test("documentversie 3.0", False,
                     data={**config_minor, "documentversie": NEXT_MAJOR}),
            ]),
        ],
        "compat/stelseldocument.json": [
            case("a scheme document of the next minor (2.1): accepted", rules["uitbreidingen"], [
                test("versie 2.1, its new members inside uitbreidingen", True, token=jws(
                    typ, edit_many(scheme, {
                        "/uitbreidingen": {NEXT_MINOR: {"publicatie": "parallel"}},
                        "/organisaties/0/uitbreidingen": {NEXT_MINOR: {"regio": "noord"}}}), k)),
                test("versie 2.1 with a new member outside uitbreidingen", False,
                     "stelsel/claims-ongeldig", token=jws(typ, {**scheme, "regio": "noord"}, k)),
            ], kind="stelseldocument", context=scheme_context),
            case("a scheme document of the next major format (3): refused",
                 rules["stelsel-versie"], [
                test("typ stelsel-v3+jwt (served at /stelsel/v3/stelseldocument)", False,
                     "stelsel/verkeerd-type",
                     token=jws("stelsel-v3+jwt", {**scheme, "versie": NEXT_MAJOR}, k)),
                test("versie 3.0 under typ stelsel-v2+jwt", False,
                     "stelsel/versie-niet-ondersteund",
                     token=jws(typ, {**scheme, "versie": NEXT_MAJOR}, k)),
            ], kind="stelseldocument", context=scheme_context),
        ],
    }


# --- PKCE: the login result is bound to the app that started the login ---------------------


def challenge(verifier: str) -> str:
    """BASE64URL(SHA-256(ASCII code_verifier)), RFC 7636 §4.2 (S256)."""
    return b64(hashlib.sha256(verifier.encode("ascii")).digest())


def pkce_vectors(rules: dict[str, str]) -> list[dict[str, Any]]:
    rfc = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"  # RFC 7636 appendix B
    longest = ("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~" * 2)[:128]
    shortest = _nonce("code-verifier")
    wrong = "inloggen/verifier-onjuist"

    def pair(verifier: str, code_challenge: str) -> dict[str, str]:
        return {"code_verifier": verifier, "code_challenge": code_challenge}

    return [
        case("BASE64URL(SHA-256(code_verifier)) equals the registered code_challenge",
             rules["pkce"], [
            test("the example of RFC 7636 appendix B", True,
                 data=pair(rfc, "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")),
            test("a verifier of 43 characters (the shortest)", True,
                 data=pair(shortest, challenge(shortest))),
            test("a verifier of 128 characters with every allowed character", True,
                 data=pair(longest, challenge(longest))),
            test("the challenge of another verifier", False, wrong,
                 data=pair(rfc, challenge(shortest))),
            test("the verifier with one character changed", False, wrong,
                 data=pair(rfc[:-1] + "j", challenge(rfc))),
            test("method plain: the verifier itself as the challenge", False, wrong,
                 data=pair(shortest, shortest)),
            test("SHA-256 over the base64url-decoded verifier instead of its ASCII", False, wrong,
                 data=pair(shortest, b64(hashlib.sha256(b64decode(shortest)).digest()))),
            test("the challenge sent as the verifier (swapped)", False, wrong,
                 data=pair(challenge(rfc), rfc)),
        ], kind="pkce"),
    ]


# --- writing -------------------------------------------------------------------------------

RULES = {
    "alg": "/token/alg-es256",
    "headers": "/token/verboden-headers",
    "typ": "/token/typ-per-type",
    "kid": "/token/kid-thumbprint",
    "jwk": "/token/kid-thumbprint",
    "uitbreidingen": "/versie/tokens-gesloten",
    "open-data": "/versie/onbekende-leden-genegeerd",
    "versie": "/versie/wire-major-minor",
    "enums": "/versie/enums-gesloten",
    "stelsel-handtekening": "/stelsel/handtekening-gepind",
    "stelsel-claims": "/stelsel/claims",
    "stelsel-versie": "/stelsel/formaatversie",
    "stelsel-eindpunten": "/stelsel/claims",
    "api-url-uniek": "/stelsel/api-url-uniek",
    "sleutelvenster": "/stelsel/sleutelvensters",
    "stelsel-looptijd": "/stelsel/looptijd",
    "stelsel-volgnummer": "/stelsel/volgnummer-oplopend",
    "stelsel-omgeving": "/stelsel/omgeving",
    "uitgever": "/certificaat/uitgever-in-stelsel",
    "certificaat-claims": "/certificaat/claims",
    "inlogbewijs": "/certificaat/inlogbewijs",
    "cert-geldigheid": "/certificaat/geldigheid",
    "cert-looptijd": "/certificaat/looptijd",
    "ingetrokken": "/certificaat/niet-ingetrokken",
    "bewijs-claims": "/sessie/bewijs-claims",
    "bewijs-sleutel": "/sessie/bewijs-sleutel",
    "bewijs-ontvanger": "/sessie/bewijs-ontvanger",
    "bewijs-eindpunt": "/sessie/bewijs-eindpunt",
    "bewijs-vers": "/sessie/bewijs-vers",
    "nonce-bekend": "/sessie/nonce-bekend",
    "nonce-geldigheid": "/sessie/nonce-geldigheid",
    "nonce-eenmalig": "/sessie/nonce-eenmalig",
    "vb-profiel": "/verzoekbewijs/sleutel",
    "vb-sleutel": "/verzoekbewijs/sleutel",
    "vb-claims": "/verzoekbewijs/claims",
    "vb-token": "/verzoekbewijs/token-gebonden",
    "vb-methode": "/verzoekbewijs/methode",
    "vb-url": "/verzoekbewijs/url",
    "vb-vers": "/verzoekbewijs/vers",
    "vb-eenmalig": "/verzoekbewijs/eenmalig",
    "envelop-handtekening": "/envelop/handtekening",
    "envelop-versie": "/versie/andere-major-geweigerd",
    "sleutel-ingetrokken": "/envelop/sleutel-ingetrokken",
    "opgesteld-op": "/envelop/sleutelvenster",
    "hulpvraag": "/hulpvraag/versheid",
    "bron": "/envelop/bron-in-stelsel",
    "detached-jcs": "/envelop/detached-jcs",
    "bundel": "/hulpvraag/bundel-schema",
    "pkce": "/app-manager/code-verifier",
    "aanvraag": "/app-manager/aanvraag-bezit",
    "intrekking": "/certificaat/niet-ingetrokken",
    "probleem": "/http/problem-details",
    "configuratie": "/configuratie/schema-open",
    "andere-major": "/versie/andere-major-geweigerd",
    "document-schema": "/document/schema-open",
    "sleutelset": "/stelsel/sleutelset-reserve",
    "sleutelrotatie": "/stelsel/sleutelrotatie",
    "envelop-venster": "/envelop/sleutelvenster",
}


def build(keys: Keys) -> dict[str, Any]:
    """Every vector file: relative path -> content."""
    invariants, valid_documents = document_vectors(RULES)
    files: dict[str, Any] = {
        "schema/vorderingendocument.json": vorderingendocument_schema_vectors(RULES),
        "schema/stelseldocument.json": stelsel_schema_vectors(RULES),
        "schema/token-claims.json": token_claims_schema_vectors(RULES),
        "schema/common.json": common_schema_vectors(RULES),
        "schema/envelop.json": envelope_schema_vectors(RULES),
        "schema/overige.json": other_schema_vectors(RULES),
        "document/invarianten.json": invariants,
        "document/geldig.json": valid_documents,
        "tokens/stelseldocument.json": stelsel_vectors(keys, RULES),
        "tokens/app-certificaat.json": certificaat_vectors(keys, RULES),
        "tokens/sessie-bewijs.json": bewijs_vectors(keys, RULES),
        "tokens/verzoek-bewijs.json": verzoekbewijs_vectors(keys, RULES),
        "tokens/envelop.json": envelop_vectors(keys, RULES),
        **compat_vectors(keys, RULES),
        "inloggen/pkce.json": pkce_vectors(RULES),
    }
    for key in keys.all():
        files[f"keys/{key.name}.json"] = key.published()
    files.update(certification_vectors.files())  # spec/vectors/certificering/ + its keys
    files.update(collection_vectors.files())  # the claims-document vectors of 2.2
    files.update(schedule_vectors.files())  # spec/vectors/regeling/: the schedule of 2.2
    return files


def write(out: Path, files: dict[str, Any]) -> None:
    """Write every file; a vector file the set no longer has is removed (a major rebuilds)."""
    for stale in out.glob("*/*.json"):
        if str(stale.relative_to(out)) not in files:
            stale.unlink()
    for relative, content in files.items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=VECTORS_DIR,
                        help="directory to write into (default: spec/vectors)")
    args = parser.parse_args(argv)
    files = build(Keys())
    write(args.out, files)
    print(f"wrote {len(files)} files to {args.out}")


if __name__ == "__main__":
    main()
