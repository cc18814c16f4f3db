"""Verification of the scheme document, app certificates, session proofs and envelopes.

Each function follows its section of spec/trust-model.md step by step, in the order given
there, and raises `TrustFailure` with the exact problem code of the first failing step. The
flaws that weaken trust are consulted at the exact step they skip. Claims are validated
against the standard's JSON Schemas (`conformance.specfiles`: spec files only, no suite logic).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from conformance import document_rules, specfiles
from conformance.broken import _crypto
from conformance.broken.errors import SchemeRejected, TrustFailure
from conformance.broken.flaws import Flaws

ALG = "ES256"
CLOCK_SKEW_S = 60
SCHEME_MAX_LIFETIME_S = 86400
CERT_MAX_LIFETIME_S = 43200
PROOF_MAX_AGE_S = 60
FORBIDDEN_HEADERS = frozenset({"jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64"})
ALLOWED_HEADERS = frozenset({"alg", "typ", "kid"})
TYP_SCHEME = "stelsel+jwt"
TYP_CERTIFICATE = "app-certificaat+jwt"
TYP_PROOF = "sessie-bewijs+jwt"
TYP_ENVELOPE = "vorderingen-document+jws"
ACTIVE = "actief"

# How a token's signature is to be checked after its header passed.
VERIFY_ES256, VERIFY_NOTHING, VERIFY_HMAC = "es256", "nothing", "hmac"


@dataclass(frozen=True)
class Token:
    """A parsed compact JWS (nothing verified yet)."""

    header: dict[str, Any]
    claims: dict[str, Any]
    signing_input: bytes
    signature: bytes


@dataclass(frozen=True)
class Scheme:
    """The verified payload of the scheme document the source trusts."""

    payload: dict[str, Any]

    def app_manager(self, manager_id: Any) -> dict[str, Any] | None:
        """The App Manager `manager_id` when it is listed with status `actief`."""
        for manager in self.payload["app_managers"]:
            if manager["id"] == manager_id and manager["status"] == ACTIVE:
                return manager
        return None

    def organisation(self, oin: Any) -> dict[str, Any] | None:
        return next((o for o in self.payload["organisaties"] if o["oin"] == oin), None)

    def revoked(self, jti: Any) -> bool:
        return jti in self.payload["ingetrokken_certificaten"]


def parse(token: Any, prefix: str, flaws: Flaws) -> Token:
    """Split and decode a compact JWS; ``<prefix>/ongeldig-formaat`` for anything else."""
    bad = f"{prefix}/ongeldig-formaat"
    if not isinstance(token, str) or token.count(".") != 2:
        raise TrustFailure(bad, "not a compact JWS of three parts")
    head, body, signature = token.split(".")
    decode = _crypto.b64d_lenient if flaws.on("padding-geaccepteerd") else _crypto.b64d
    try:
        header = json.loads(decode(head))
        claims = json.loads(decode(body))
        raw_signature = decode(signature)
    except (ValueError, UnicodeDecodeError) as exc:
        raise TrustFailure(bad, "a part is not base64url JSON") from exc
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise TrustFailure(bad, "header or payload is not a JSON object")
    return Token(header, claims, f"{head}.{body}".encode("ascii"), raw_signature)


def check_header(header: dict[str, Any], typ: str, prefix: str, flaws: Flaws) -> str:
    """§2 header rules in order (alg, forbidden members, typ); returns how to verify."""
    alg = header.get("alg")
    mode = VERIFY_ES256
    if alg == "none" and flaws.on("alg-none-geaccepteerd"):
        mode = VERIFY_NOTHING
    elif alg == "HS256" and flaws.on("hs256-geaccepteerd"):
        mode = VERIFY_HMAC
    elif alg != ALG:
        raise TrustFailure(f"{prefix}/algoritme-niet-toegestaan", f"alg {alg!r}")
    unexpected = (FORBIDDEN_HEADERS & header.keys()) | (header.keys() - ALLOWED_HEADERS)
    if unexpected and not flaws.on("verboden-header-geaccepteerd"):
        raise TrustFailure(f"{prefix}/verboden-header", f"members {sorted(unexpected)}")
    if header.get("typ") != typ and not flaws.on("typ-niet-gecontroleerd"):
        raise TrustFailure(f"{prefix}/verkeerd-type", f"typ {header.get('typ')!r}")
    return mode


def key_for(kid: Any, keys: list[dict[str, Any]], prefix: str) -> dict[str, Any]:
    """The key whose RFC 7638 thumbprint is `kid`; ``<prefix>/sleutel-onbekend`` otherwise."""
    for jwk in keys:
        try:
            if _crypto.thumbprint(jwk) == kid:
                return jwk
        except KeyError:
            continue
    raise TrustFailure(f"{prefix}/sleutel-onbekend", "kid not in the issuer's key set")


def check_signature(mode: str, jwk: dict[str, Any], signing_input: bytes, signature: bytes,
                    prefix: str, flaws: Flaws) -> None:
    if mode == VERIFY_NOTHING:
        return
    verify = _crypto.hs256_verify if mode == VERIFY_HMAC else _crypto.es256_verify
    if flaws.on("der-handtekening-geaccepteerd") and mode == VERIFY_ES256:
        verify = _crypto.es256_verify_any_encoding
    if not verify(jwk, signing_input, signature):
        raise TrustFailure(f"{prefix}/handtekening-ongeldig")


def _schema_errors(schema_name: str, claims: dict[str, Any]) -> list[str]:
    return [error.message for error in specfiles.validator(schema_name).iter_errors(claims)]


def verify_scheme(token: str, pinned_jwk: dict[str, Any], *, omgeving: str, now: int) -> Scheme:
    """§3.1 steps 1–4 with the pinned key; SchemeRejected with the `stelsel/...` code."""
    try:
        parsed = parse(token, "stelsel", Flaws())
        mode = check_header(parsed.header, TYP_SCHEME, "stelsel", Flaws())
        jwk = key_for(parsed.header.get("kid"), [pinned_jwk], "stelsel")
        check_signature(mode, jwk, parsed.signing_input, parsed.signature, "stelsel", Flaws())
    except TrustFailure as exc:
        raise SchemeRejected(exc.code, exc.detail) from exc
    claims = parsed.claims
    errors = _schema_errors("stelseldocument", claims)
    if errors:
        raise SchemeRejected("stelsel/claims-ongeldig", "; ".join(errors[:3]))
    if claims["iat"] - CLOCK_SKEW_S > now:
        raise SchemeRejected("stelsel/nog-niet-geldig")
    if now > claims["exp"] + CLOCK_SKEW_S:
        raise SchemeRejected("stelsel/verlopen")
    if claims["exp"] - claims["iat"] > SCHEME_MAX_LIFETIME_S:
        raise SchemeRejected("stelsel/looptijd-te-lang")
    if claims["omgeving"] != omgeving:
        raise SchemeRejected("stelsel/verkeerde-omgeving", f"omgeving {claims['omgeving']!r}")
    return Scheme(claims)


def verify_certificate(token: Any, scheme: Scheme, now: int, flaws: Flaws) -> dict[str, Any]:
    """§3.2: the app certificate's claims, or TrustFailure with its `certificaat/...` code."""
    prefix = "certificaat"
    parsed = parse(token, prefix, flaws)
    mode = check_header(parsed.header, TYP_CERTIFICATE, prefix, flaws)
    manager = scheme.app_manager(parsed.claims.get("iss"))
    if manager is None:
        if not flaws.on("onbekende-app-manager-geaccepteerd"):
            raise TrustFailure(f"{prefix}/uitgever-onbekend", "iss is no active App Manager")
    elif mode != VERIFY_NOTHING:
        keys, kid = manager["sleutels"]["keys"], parsed.header.get("kid")
        if kid is None and flaws.on("kid-optioneel"):
            kid = _crypto.thumbprint(keys[0])  # "the App Manager has one key anyway"
        jwk = key_for(kid, keys, prefix)
        check_signature(mode, jwk, parsed.signing_input, parsed.signature, prefix, flaws)
    claims = parsed.claims
    errors = _schema_errors("app-certificaat", claims)
    if (errors or not document_rules.passes_elfproef(claims["bsn"])) and not flaws.on(
            "certificaat-claims-niet-gecontroleerd"):
        raise TrustFailure(f"{prefix}/claims-ongeldig", "; ".join(errors) or "bsn elfproef")
    skew = 0 if flaws.on("geen-klokafwijking") else CLOCK_SKEW_S
    if claims["nbf"] - skew > now or claims["iat"] - skew > now:
        raise TrustFailure(f"{prefix}/nog-niet-geldig")
    if now > claims["exp"] + skew and not flaws.on("verlopen-certificaat-geaccepteerd"):
        raise TrustFailure(f"{prefix}/verlopen")
    if (claims["exp"] - claims["iat"] > CERT_MAX_LIFETIME_S
            and not flaws.on("looptijd-niet-gecontroleerd")):
        raise TrustFailure(f"{prefix}/looptijd-te-lang")
    if scheme.revoked(claims["jti"]) and not flaws.on("intrekking-genegeerd"):
        raise TrustFailure(f"{prefix}/ingetrokken")
    return claims


def verify_proof(token: Any, certificate: dict[str, Any], own_oin: str, now: int,
                 flaws: Flaws) -> dict[str, Any]:
    """§3.3 steps 1–5: the proof's claims, or TrustFailure with its `bewijs/...` code. The
    nonce (step 6) is the session store's business."""
    prefix = "bewijs"
    parsed = parse(token, prefix, flaws)
    mode = check_header(parsed.header, TYP_PROOF, prefix, flaws)
    if mode != VERIFY_NOTHING and not flaws.on("bewijs-sleutel-niet-gecontroleerd"):
        app_key = certificate["cnf"]["jwk"]
        if parsed.header.get("kid") != _crypto.thumbprint(app_key):
            raise TrustFailure(f"{prefix}/sleutel-onbekend", "kid is not the cnf.jwk thumbprint")
        check_signature(mode, app_key, parsed.signing_input, parsed.signature, prefix, flaws)
    claims = parsed.claims
    errors = _schema_errors("sessie-bewijs", claims)
    if errors and not flaws.on("bewijs-claims-niet-gecontroleerd"):
        raise TrustFailure(f"{prefix}/claims-ongeldig", "; ".join(errors))
    if claims["aud"] != own_oin and not flaws.on("aud-niet-gecontroleerd"):
        raise TrustFailure(f"{prefix}/verkeerde-ontvanger")
    if claims["iat"] - CLOCK_SKEW_S > now:
        raise TrustFailure(f"{prefix}/nog-niet-geldig")
    if (now - claims["iat"] > PROOF_MAX_AGE_S + CLOCK_SKEW_S
            and not flaws.on("oud-bewijs-geaccepteerd")):
        raise TrustFailure(f"{prefix}/verlopen")
    return claims


def verify_envelope(envelope: Any, scheme: Scheme, flaws: Flaws) -> None:
    """§3.5 in order; TrustFailure with the first failing `envelop/...` code."""
    prefix = "envelop"
    bad = f"{prefix}/ongeldig-formaat"
    if not isinstance(envelope, dict) or set(envelope) != {"document", "handtekening"}:
        raise TrustFailure(bad, "an envelope has exactly document and handtekening")
    document, signature = envelope["document"], envelope["handtekening"]
    if not isinstance(document, dict) or not isinstance(signature, str):
        raise TrustFailure(bad)
    parts = signature.split(".")
    if len(parts) != 3 or parts[1] != "":
        raise TrustFailure(bad, "handtekening is not a detached compact JWS")
    try:
        header = json.loads(_crypto.b64d(parts[0]))
        raw_signature = _crypto.b64d(parts[2])
    except (ValueError, UnicodeDecodeError) as exc:
        raise TrustFailure(bad, "header or signature is not base64url") from exc
    if not isinstance(header, dict):
        raise TrustFailure(bad, "header is not a JSON object")
    mode = check_header(header, TYP_ENVELOPE, prefix, flaws)
    bron = document.get("bron")
    organisation = scheme.organisation(bron.get("oin") if isinstance(bron, dict) else None)
    if organisation is None:
        raise TrustFailure(f"{prefix}/bron-onbekend")
    jwk = key_for(header.get("kid"), organisation["sleutels"]["keys"], prefix)
    try:
        signing_input = f"{parts[0]}.{_crypto.b64e(_crypto.jcs(document))}".encode("ascii")
    except (TypeError, ValueError) as exc:
        raise TrustFailure(f"{prefix}/document-ongeldig", "no JCS form") from exc
    check_signature(mode, jwk, signing_input, raw_signature, prefix, flaws)
    problems = _schema_errors("vorderingendocument", document)
    problems += [v.message for v in document_rules.violations(document)]
    if problems:
        raise TrustFailure(f"{prefix}/document-ongeldig", "; ".join(problems[:3]))
