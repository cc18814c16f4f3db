"""A small, independent verifier for the test vectors in spec/vectors/ (used only by the tests).

It implements the 2.0 verification orders of spec/trust-model.md (JWS profile, scheme document
format 2 with a pinned key set, certificate, session proof, request proof, envelope with key
windows and help-request checks, bundle, PKCE) and the document invariants of
spec/interface.md from the text of the standard, with `cryptography`, `rfc8785` and
`jsonschema` only. It shares no code with `conformance/` or `reference_impl/`: those are
measured against the vectors; this module proves that every vector says what it claims.

Every JOSE header is parsed and checked by hand before any cryptography runs. A refusal is a
`Refused` carrying the exact problem code; `verify(kind, context, token)` returns that code, or
None when the token is valid.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections import Counter
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import collection_invariants
import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jsonschema import Draft202012Validator, ValidationError, validators
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"
SCHEMAS_DIR = SPEC_DIR / "schemas"
SCHEMA_BASE = "https://vorderingen.example/schemas/"

CLOCK_SKEW_S = 60
SCHEME_MAX_LIFETIME_S = 86400
CERT_MAX_LIFETIME_S = 43200
PROOF_MAX_AGE_S = 60
REGISTRATION_TTL_S = 600
HULPVRAAG_MAX_LEEFTIJD_S = 1209600
MAJOR = "2"  # the major version this verifier implements
ES256_SIGNATURE_BYTES = 64
PROFILE_HEADER_MEMBERS = frozenset({"alg", "typ", "kid"})
B64URL = re.compile(r"^[A-Za-z0-9_-]*$")

TYP = {
    "stelsel": "stelsel-v2+jwt",
    "certificaat": "app-certificaat+jwt",
    "bewijs": "sessie-bewijs+jwt",
    "verzoekbewijs": "verzoek-bewijs+jwt",
    "envelop": "vorderingen-document+jws",
}


class Refused(Exception):
    """A token or envelope is refused; `code` is the problem code of spec/trust-model.md."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


# --- schemas -------------------------------------------------------------------------------


def _refuse_retrieval(uri: str) -> Resource:
    """Every schema of the standard is preloaded; anything else would be a network fetch."""
    raise NoSuchResource(ref=uri)


@cache
def schema_registry() -> Registry:
    """A registry of every spec/schemas file under its `$id`, that never fetches anything."""
    resources = []
    for path in sorted(SCHEMAS_DIR.glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        # Without its `$schema` (every file is 2020-12): a `$ref` into a file that names its
        # dialect would swap in jsonschema's own class and lose `_ecma_pattern`.
        dialectless = {k: v for k, v in contents.items() if k != "$schema"}
        resources.append((contents["$id"], Resource.from_contents(
            dialectless, default_specification=DRAFT202012)))
    return Registry(retrieve=_refuse_retrieval).with_resources(resources)


def _ecma_pattern(validator: Any, pattern: str, instance: Any, _schema: Any) -> Any:
    """JSON Schema's `pattern` is ECMA-262, whose `$` is the end of the input only; Python's
    also matches before a final newline, so it is read as `\\Z` here."""
    python = re.sub(r"(\\.)|(\[(?:\\.|[^\]])*\])|\$",
                    lambda m: m.group(1) or m.group(2) or r"\Z", pattern)
    if validator.is_type(instance, "string") and not re.search(python, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = validators.extend(Draft202012Validator, {"pattern": _ecma_pattern})


@cache
def validator(reference: str) -> Draft202012Validator:
    """A format-asserting validator for `file.schema.json` or `file.schema.json#/pointer`."""
    return EcmaValidator(
        {"$ref": SCHEMA_BASE + reference},
        registry=schema_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def elfproef(bsn: str) -> bool:
    """True when the 9-digit `bsn` passes the BSN elfproef (weights 9..2 and −1)."""
    if not (isinstance(bsn, str) and len(bsn) == 9 and bsn.isascii() and bsn.isdigit()):
        return False
    weights = (9, 8, 7, 6, 5, 4, 3, 2, -1)
    return sum(w * int(d) for w, d in zip(weights, bsn, strict=True)) % 11 == 0


# --- JOSE primitives -----------------------------------------------------------------------


def b64url_decode(part: str) -> bytes:
    if not B64URL.fullmatch(part) or len(part) % 4 == 1:
        raise ValueError("not base64url without padding")
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 SHA-256 thumbprint of an EC public JWK, base64url."""
    members = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    digest = hashlib.sha256(json.dumps(members, separators=(",", ":"), sort_keys=True).encode())
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def _public_key(jwk: dict[str, Any]) -> ec.EllipticCurvePublicKey:
    x = int.from_bytes(b64url_decode(jwk["x"]), "big")
    y = int.from_bytes(b64url_decode(jwk["y"]), "big")
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def _json_object(part: str) -> dict[str, Any]:
    def no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        if len({k for k, _ in pairs}) != len(pairs):
            raise ValueError("duplicate member")
        return dict(pairs)

    value = json.loads(b64url_decode(part).decode("utf-8"), object_pairs_hook=no_duplicates)
    if not isinstance(value, dict):
        raise ValueError("not a JSON object")
    return value


def _parse(token: Any, prefix: str, *, detached: bool = False) -> tuple[dict, str, str, bytes]:
    """Split a compact JWS: (header, payload part, header part, signature bytes). The payload
    is read only after the header's checks (`_payload`): §2's order is alg, header members,
    typ, then the payload, then the key."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise Refused(f"{prefix}/ongeldig-formaat")
    head, body, signature = token.split(".")
    try:
        if detached != (body == ""):
            raise ValueError("payload part present or missing")
        return _json_object(head), body, head, b64url_decode(signature)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise Refused(f"{prefix}/ongeldig-formaat") from exc


def _payload(body: str, prefix: str) -> dict[str, Any]:
    """The payload part as a JSON object, else `<prefix>/ongeldig-formaat`."""
    try:
        return _json_object(body)
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise Refused(f"{prefix}/ongeldig-formaat") from exc


def _check_header(header: dict[str, Any], prefix: str) -> Any:
    """Profile of §2 in the order alg, forbidden members, typ; returns the (unchecked) kid."""
    if header.get("alg") != "ES256":
        raise Refused(f"{prefix}/algoritme-niet-toegestaan")
    if set(header) - PROFILE_HEADER_MEMBERS:
        raise Refused(f"{prefix}/verboden-header")
    if header.get("typ") != TYP[prefix]:
        raise Refused(f"{prefix}/verkeerd-type")
    return header.get("kid")


def _key_for(kid: Any, jwks: list[dict[str, Any]], prefix: str) -> dict[str, Any]:
    """The key of the expected issuer whose thumbprint is `kid` (absent kid: none is)."""
    for jwk in jwks:
        if isinstance(kid, str) and thumbprint(jwk) == kid:
            return jwk
    raise Refused(f"{prefix}/sleutel-onbekend")


def _check_signature(jwk: dict, signing_input: bytes, signature: bytes, prefix: str) -> None:
    if len(signature) != ES256_SIGNATURE_BYTES:
        raise Refused(f"{prefix}/handtekening-ongeldig")
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    try:
        _public_key(jwk).verify(
            encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256())
        )
    except InvalidSignature as exc:
        raise Refused(f"{prefix}/handtekening-ongeldig") from exc


def _verified_claims(token: str, prefix: str, keys: list[dict[str, Any]]) -> dict[str, Any]:
    """§2 in full against the key list `keys`: parse, header, payload, kid, signature."""
    header, body, _, signature = _parse(token, prefix)
    kid = _check_header(header, prefix)
    payload = _payload(body, prefix)
    jwk = _key_for(kid, keys, prefix)
    _check_signature(jwk, token.rsplit(".", 1)[0].encode("ascii"), signature, prefix)
    return payload


def _check_claims(claims: dict[str, Any], schema: str, prefix: str) -> None:
    if not validator(schema).is_valid(claims):
        raise Refused(f"{prefix}/claims-ongeldig")


def other_major(version: Any) -> bool:
    """True for a version string of another major ("3.0", "1.0.0"): its major is the text
    before the first "." ("2.0.0" is major 2 and fails the schema instead). A missing or
    non-string version is not another major but a schema error, as for `documentversie`."""
    return isinstance(version, str) and version.split(".", 1)[0] != MAJOR


def _instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


# --- token types ---------------------------------------------------------------------------


def scheme_problems(claims: dict[str, Any]) -> list[str]:
    """The code-checked rules of a scheme document (design §3): each broken one, described."""
    problems = []
    participants = claims["organisaties"] + claims["app_managers"]
    for entry in (e for p in participants for e in p["sleutels"]):
        if "kid" in entry["jwk"] and entry["jwk"]["kid"] != thumbprint(entry["jwk"]):
            problems.append("a kid is not its key's thumbprint")
    urls = [e["api_url"] for o in claims["organisaties"] for e in o["eindpunten"]]
    urls += [m["api_url"] for m in claims["app_managers"] if "api_url" in m]
    if any(n > 1 for n in Counter(urls).values()):
        problems.append("an api_url is listed twice")
    for organisatie in claims["organisaties"]:
        majors = [e["major"] for e in organisatie["eindpunten"]]
        if len(set(majors)) != len(majors):
            problems.append("two endpoints of one major")
    return problems


def verify_stelsel(
    token: str, *, now: int, pinned_keys: list[dict], expected_omgeving: str,
    last_volgnummer: int | None,
) -> dict[str, Any]:
    """Scheme document format 2 (trust model §3.1); returns the verified claims."""
    claims = _verified_claims(token, "stelsel", pinned_keys)
    if other_major(claims.get("versie")):  # absent or not a string: the schema step refuses
        raise Refused("stelsel/versie-niet-ondersteund")
    _check_claims(claims, "stelseldocument.schema.json", "stelsel")
    if scheme_problems(claims):
        raise Refused("stelsel/claims-ongeldig")
    if not claims["iat"] - CLOCK_SKEW_S <= now:
        raise Refused("stelsel/nog-niet-geldig")
    if not now <= claims["exp"] + CLOCK_SKEW_S:
        raise Refused("stelsel/verlopen")
    if claims["exp"] - claims["iat"] > SCHEME_MAX_LIFETIME_S:
        raise Refused("stelsel/looptijd-te-lang")
    if claims["omgeving"] != expected_omgeving:
        raise Refused("stelsel/verkeerde-omgeving")
    if last_volgnummer is not None and claims["volgnummer"] < last_volgnummer:
        raise Refused("stelsel/volgnummer-teruggedraaid")
    return claims


def verify_certificaat(token: str, *, now: int, stelsel: dict) -> dict[str, Any]:
    """App certificate (trust model §3.2); returns the verified claims."""
    header, body, _, _ = _parse(token, "certificaat")
    _check_header(header, "certificaat")
    unverified = _payload(body, "certificaat")
    issuers = {m["id"]: m for m in stelsel["app_managers"] if m["status"] == "actief"}
    issuer = issuers.get(unverified.get("iss")) if isinstance(unverified.get("iss"), str) else None
    if issuer is None:
        raise Refused("certificaat/uitgever-onbekend")
    keys = [entry["jwk"] for entry in issuer["sleutels"]]
    claims = _verified_claims(token, "certificaat", keys)
    _check_claims(claims, "app-certificaat.schema.json", "certificaat")
    if not elfproef(claims["bsn"]):
        raise Refused("certificaat/claims-ongeldig")
    if not 0 <= claims["iat"] - claims["inlogmoment"] <= REGISTRATION_TTL_S:
        raise Refused("certificaat/claims-ongeldig")
    if not (claims["nbf"] - CLOCK_SKEW_S <= now and claims["iat"] - CLOCK_SKEW_S <= now):
        raise Refused("certificaat/nog-niet-geldig")
    if not now <= claims["exp"] + CLOCK_SKEW_S:
        raise Refused("certificaat/verlopen")
    if claims["exp"] - claims["iat"] > CERT_MAX_LIFETIME_S:
        raise Refused("certificaat/looptijd-te-lang")
    if claims["jti"] in stelsel["ingetrokken_certificaten"]:
        raise Refused("certificaat/ingetrokken")
    return claims


def _check_fresh(iat: int, now: int, prefix: str) -> None:
    if not iat - CLOCK_SKEW_S <= now:
        raise Refused(f"{prefix}/nog-niet-geldig")
    if not now - iat <= PROOF_MAX_AGE_S + CLOCK_SKEW_S:
        raise Refused(f"{prefix}/verlopen")


def verify_bewijs(
    token: str, *, now: int, cnf: dict, expected_aud: str, expected_api_url: str,
    nonces: dict[str, list[str]],
) -> dict[str, Any]:
    """Session proof (trust model §3.3; nonce state given as sets known/expired/used)."""
    claims = _verified_claims(token, "bewijs", [cnf])
    _check_claims(claims, "sessie-bewijs.schema.json", "bewijs")
    if claims["aud"] != expected_aud:
        raise Refused("bewijs/verkeerde-ontvanger")
    if claims["api_url"] != expected_api_url:
        raise Refused("bewijs/verkeerd-eindpunt")
    _check_fresh(claims["iat"], now, "bewijs")
    if claims["nonce"] not in nonces["known"]:
        raise Refused("bewijs/nonce-onbekend")
    if claims["nonce"] in nonces["expired"]:
        raise Refused("bewijs/nonce-verlopen")
    if claims["nonce"] in nonces["used"]:
        raise Refused("bewijs/nonce-gebruikt")
    return claims


def token_hash(session_token: str) -> str:
    """`ath`: BASE64URL(SHA-256(ASCII session token))."""
    digest = hashlib.sha256(session_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verify_verzoekbewijs(
    token: str, *, now: int, cnf: dict, session_token: str, method: str, url: str,
    seen_jti: list[str],
) -> dict[str, Any]:
    """Request proof (design §6), after the session token was accepted; `seen_jti` holds the
    jti values this session already used."""
    claims = _verified_claims(token, "verzoekbewijs", [cnf])
    _check_claims(claims, "verzoek-bewijs.schema.json", "verzoekbewijs")
    if claims["ath"] != token_hash(session_token):
        raise Refused("verzoekbewijs/token-onjuist")
    if claims["htm"] != method:
        raise Refused("verzoekbewijs/verkeerde-methode")
    if claims["htu"] != url:
        raise Refused("verzoekbewijs/verkeerde-url")
    _check_fresh(claims["iat"], now, "verzoekbewijs")
    if claims["jti"] in seen_jti:
        raise Refused("verzoekbewijs/hergebruikt")
    return claims


def _signing_entry(kid: Any, organisatie: dict[str, Any]) -> dict[str, Any]:
    for entry in organisatie["sleutels"]:
        if isinstance(kid, str) and thumbprint(entry["jwk"]) == kid:
            return entry
    raise Refused("envelop/sleutel-onbekend")


def verify_envelop(
    envelope: Any, *, now: int, stelsel: dict, expected_bsn: str | None = None
) -> None:
    """Envelope (design §7, steps 1–8); `expected_bsn` is given only in a help request."""
    if not (
        isinstance(envelope, dict)
        and isinstance(envelope.get("document"), dict)
        and isinstance(envelope.get("handtekening"), str)
    ):
        raise Refused("envelop/ongeldig-formaat")
    document = envelope["document"]
    header, _, head, signature = _parse(envelope["handtekening"], "envelop", detached=True)
    kid = _check_header(header, "envelop")
    bron = document.get("bron")
    oin = bron.get("oin") if isinstance(bron, dict) else None
    organisaties = {o["oin"]: o for o in stelsel["organisaties"]}
    if not isinstance(oin, str) or oin not in organisaties:
        raise Refused("envelop/bron-onbekend")
    entry = _signing_entry(kid, organisaties[oin])
    payload = base64.urlsafe_b64encode(rfc8785.dumps(document)).rstrip(b"=")
    _check_signature(entry["jwk"], head.encode("ascii") + b"." + payload, signature, "envelop")
    if other_major(document.get("documentversie")):
        raise Refused("envelop/versie-niet-ondersteund")
    if document_problems(document):
        raise Refused("envelop/document-ongeldig")
    signed_at = _instant(document["opgesteld_op"]).timestamp()
    if signed_at < entry["geldig_vanaf"] - CLOCK_SKEW_S or (
        "geldig_tot" in entry and signed_at > entry["geldig_tot"] + CLOCK_SKEW_S
    ):
        raise Refused("envelop/sleutel-niet-geldig")
    if "ingetrokken_op" in entry and signed_at >= entry["ingetrokken_op"]:
        raise Refused("envelop/sleutel-ingetrokken")
    if signed_at > now + CLOCK_SKEW_S:
        raise Refused("envelop/nog-niet-geldig")
    if expected_bsn is not None:
        if document["bsn"] != expected_bsn:
            raise Refused("envelop/bsn-onjuist")
        if signed_at < now - HULPVRAAG_MAX_LEEFTIJD_S:
            raise Refused("envelop/verouderd")


def verify_bundel(bundle: Any, *, now: int, stelsel: dict) -> None:
    """The app's offline bundle check: the version first, then the structure (as a request
    body), then every envelope in order (the first refusal is reported)."""
    version = bundle.get("bundelversie") if isinstance(bundle, dict) else None
    if other_major(version):
        raise Refused("bundel/versie-niet-ondersteund")
    if not validator("bundel.schema.json").is_valid(bundle):
        raise Refused("verzoek/ongeldig")
    for envelope in bundle["enveloppen"]:
        verify_envelop(envelope, now=now, stelsel=stelsel)


def pkce_code(pair: dict[str, str]) -> str | None:
    """RFC 7636 S256: None when BASE64URL(SHA-256(code_verifier)) is the code_challenge."""
    digest = hashlib.sha256(pair["code_verifier"].encode("ascii")).digest()
    computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return None if computed == pair["code_challenge"] else "inloggen/verifier-onjuist"


def verify(kind: str, context: dict[str, Any], token: Any) -> str | None:
    """Run one token vector: the problem code, or None when the token is valid."""
    try:
        if kind == "stelseldocument":
            verify_stelsel(token, **_pick(context, "now", "pinned_keys", "expected_omgeving",
                                          "last_volgnummer"))
        elif kind == "app-certificaat":
            verify_certificaat(token, **_pick(context, "now", "stelsel"))
        elif kind == "sessie-bewijs":
            verify_bewijs(token, **_pick(context, "now", "cnf", "expected_aud",
                                         "expected_api_url", "nonces"))
        elif kind == "verzoek-bewijs":
            verify_verzoekbewijs(token, **_pick(context, "now", "cnf", "session_token",
                                                "method", "url", "seen_jti"))
        elif kind == "envelop":
            verify_envelop(token, now=context["now"], stelsel=context["stelsel"],
                           expected_bsn=context.get("expected_bsn"))
        elif kind == "bundel":
            verify_bundel(token, **_pick(context, "now", "stelsel"))
        else:
            raise ValueError(f"unknown vector kind {kind!r}")
    except Refused as refused:
        return refused.code
    return None


def _pick(context: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: context[name] for name in names}


# --- document invariants -------------------------------------------------------------------

REFERENCES = {  # event type -> (member, type of the event it must refer to)
    "FinancieleVerplichtingOpgelegd": ("correctie_van", "FinancieleVerplichtingOpgelegd"),
    "BetalingsverplichtingIngetrokken": ("betalingsverplichting", "BetalingsverplichtingOpgelegd"),
    "BetalingVerwerkt": ("betalingsverplichting", "BetalingsverplichtingOpgelegd"),
    "FinancieleVerplichtingKwijtgescholden": (
        "financiele_verplichting", "FinancieleVerplichtingOpgelegd"),
}
AMOUNTS = ("totaal_financieel_verplicht", "totaal_financieel_vereffend", "saldo", "achterstand")


def document_code(rule: str) -> str:
    """The problem code of an envelope whose document breaks `rule`."""
    if rule == "/document/bsn-van-certificaat":
        return "envelop/bsn-onjuist"
    return "envelop/document-ongeldig"


def document_problems(document: Any, *, expected_bsn: str | None = None) -> list[str]:
    """Rule ids the document breaks: `/document/schema` alone, or every broken invariant."""
    if not validator("vorderingendocument.schema.json").is_valid(document):
        return ["/document/schema"]
    broken: list[str] = []
    if not elfproef(document["bsn"]):
        broken.append("/document/bsn-elfproef")
    if expected_bsn is not None and document["bsn"] != expected_bsn:
        broken.append("/document/bsn-van-certificaat")
    zaakkenmerken: set[str] = set()
    event_ids: set[str] = set()
    for zaak in document["financiele_zaken"]:
        if zaak["zaakkenmerk"] in zaakkenmerken:
            broken.append("/document/zaakkenmerk-uniek")
        zaakkenmerken.add(zaak["zaakkenmerk"])
        for event in zaak["gebeurtenissen"]:
            if event["gebeurtenis_id"] in event_ids:
                broken.append("/document/gebeurtenis-id-uniek")
            event_ids.add(event["gebeurtenis_id"])
        broken.extend(_case_problems(zaak))
    broken.extend(collection_invariants.problems(document))  # the rules of 2.2, gated
    return broken


def _case_problems(zaak: dict[str, Any]) -> list[str]:
    events = zaak["gebeurtenissen"]
    amounts = [zaak[name] for name in AMOUNTS] + [e["bedrag"] for e in events if "bedrag" in e]
    broken = [] if all(type(a) is int for a in amounts) else ["/document/bedragen-in-centen"]
    by_id: dict[str, dict[str, Any]] = {}
    for event in events:
        by_id.setdefault(event["gebeurtenis_id"], event)
    for event in events:
        member, target_type = REFERENCES.get(event["gebeurtenistype"], (None, None))
        if member is None or member not in event:
            continue
        target = by_id.get(event[member])
        if (
            target is None
            or target is event
            or target["gebeurtenistype"] != target_type
            or _instant(target["datumtijd"]) > _instant(event["datumtijd"])
        ):
            broken.append("/document/referenties-kloppen")

    def total(*types: str) -> int:
        return sum(e["bedrag"] for e in events if e["gebeurtenistype"] in types)

    verplicht, vereffend, saldo = (zaak[name] for name in AMOUNTS[:3])
    if verplicht != total("FinancieleVerplichtingOpgelegd"):
        broken.append("/document/verplicht-is-som")
    if vereffend != total("BetalingVerwerkt", "FinancieleVerplichtingKwijtgescholden"):
        broken.append("/document/vereffend-is-som")
    if saldo != verplicht - vereffend:
        broken.append("/document/saldo-klopt")
    if not 0 <= zaak["achterstand"] <= max(saldo, 0):
        broken.append("/document/achterstand-begrensd")
    saldo_instant = _instant(zaak["saldo_datumtijd"])
    if any(_instant(e["datumtijd"]) > saldo_instant for e in events):
        broken.append("/document/saldo-datumtijd")
    if zaak["status"] == "afgelost" and saldo > 0:
        broken.append("/document/afgelost-zonder-saldo")
    return broken
