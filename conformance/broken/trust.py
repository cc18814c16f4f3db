"""Verification of the scheme document, app certificates, session proofs and envelopes.

Each function follows its section of spec/trust-model.md step by step, in the order given
there, and raises `TrustFailure` with the exact problem code of the first failing step. The
flaws that weaken trust are consulted at the exact step they skip. Claims are validated
against the standard's JSON Schemas (`conformance.specfiles`: spec files only, no suite logic).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
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
DENY_LIST = frozenset({"jku", "jwk", "x5u", "crit"})  # "the dangerous ones" (a flaw's list)
ALLOWED_HEADERS = frozenset({"alg", "typ", "kid"})
TYP_SCHEME = "stelsel-v2+jwt"
TYP_CERTIFICATE = "app-certificaat+jwt"
TYP_PROOF = "sessie-bewijs+jwt"
TYP_ENVELOPE = "vorderingen-document+jws"
ACTIVE = "actief"
MAJOR = 2
REGISTRATION_TTL_S = 600  # the most a certificate's iat may be after its inlogmoment
HULPVRAAG_MAX_LEEFTIJD_S = 1209600

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

    def app_manager(self, manager_id: Any, *, any_status: bool = False) -> dict[str, Any] | None:
        """The App Manager `manager_id` when it is listed with status `actief` (with
        `any_status`: listed at all)."""
        for manager in self.payload["app_managers"]:
            if manager["id"] == manager_id and (any_status or manager["status"] == ACTIVE):
                return manager
        return None

    def every_key(self) -> list[dict[str, Any]]:
        """The public JWKs of every key entry of every participant."""
        parties = [*self.payload["organisaties"], *self.payload["app_managers"]]
        return [entry["jwk"] for party in parties for entry in party["sleutels"]]

    def organisation(self, oin: Any) -> dict[str, Any] | None:
        return next((o for o in self.payload["organisaties"] if o["oin"] == oin), None)

    def api_url(self, oin: str) -> str | None:
        """The `api_url` of the organisation's endpoint of major 2."""
        organisation = self.organisation(oin) or {}
        return next((e["api_url"] for e in organisation.get("eindpunten", [])
                     if e["major"] == MAJOR), None)

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
    elif alg != ALG and not (flaws.on("alg-niet-exact") and alg != "none"
                             and not str(alg).startswith("HS")):
        raise TrustFailure(f"{prefix}/algoritme-niet-toegestaan", f"alg {alg!r}")
    unexpected = (FORBIDDEN_HEADERS & header.keys()) | (header.keys() - ALLOWED_HEADERS)
    if flaws.on("verboden-headers-zwarte-lijst"):
        unexpected = DENY_LIST & header.keys()
    if unexpected and not flaws.on("verboden-header-geaccepteerd"):
        raise TrustFailure(f"{prefix}/verboden-header", f"members {sorted(unexpected)}")
    if header.get("typ") != typ and not flaws.on("typ-niet-gecontroleerd"):
        raise TrustFailure(f"{prefix}/verkeerd-type", f"typ {header.get('typ')!r}")
    return mode


def jwks_of(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The public JWKs of scheme key entries."""
    return [entry["jwk"] for entry in entries]


def may_sign_at(entry: dict[str, Any], at: Any) -> bool:
    """Whether the key entry may have signed at `at` (an integer NumericDate): its window,
    each edge widened by CLOCK_SKEW_S, holds `at`, and it was not revoked at or before `at`."""
    if not isinstance(at, int) or isinstance(at, bool):
        return False
    if at < entry["geldig_vanaf"] - CLOCK_SKEW_S:
        return False
    if "geldig_tot" in entry and at > entry["geldig_tot"] + CLOCK_SKEW_S:
        return False
    return "ingetrokken_op" not in entry or at < entry["ingetrokken_op"]


def major_of(version: Any) -> int | None:
    """MAJOR of a wire version ``MAJOR.MINOR``; None when it is not one."""
    if not isinstance(version, str):
        return None
    major, dot, _rest = version.partition(".")
    return int(major) if dot and major.isdigit() and major.isascii() else None


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


def _scheme_rule_errors(claims: dict[str, Any]) -> list[str]:
    """Code-checked scheme rules: kid = thumbprint, unique api_urls, one endpoint per major."""
    errors, urls = [], []
    for party in [*claims["organisaties"], *claims["app_managers"]]:
        for jwk in jwks_of(party["sleutels"]):
            if "kid" in jwk and jwk["kid"] != _crypto.thumbprint(jwk):
                errors.append("a kid is not its key's thumbprint")
        endpoints = party.get("eindpunten", [])
        if len({e["major"] for e in endpoints}) != len(endpoints):
            errors.append("two endpoints of one major")
        urls += [e["api_url"] for e in endpoints] + ([party["api_url"]] if "api_url" in party
                                                     else [])
    if len(set(urls)) != len(urls):
        errors.append("an api_url is listed twice")
    return errors


def verify_scheme(token: str, pinned: dict[str, Any] | list[dict[str, Any]], *, omgeving: str,
                  now: int) -> Scheme:
    """§3.1 with the pinned key set (a JWK, a list or a JWKS); SchemeRejected with the
    `stelsel/...` code."""
    if isinstance(pinned, dict):
        pinned = pinned["keys"] if isinstance(pinned.get("keys"), list) else [pinned]
    try:
        parsed = parse(token, "stelsel", Flaws())
        mode = check_header(parsed.header, TYP_SCHEME, "stelsel", Flaws())
        jwk = key_for(parsed.header.get("kid"), list(pinned), "stelsel")
        check_signature(mode, jwk, parsed.signing_input, parsed.signature, "stelsel", Flaws())
    except TrustFailure as exc:
        raise SchemeRejected(exc.code, exc.detail) from exc
    claims = parsed.claims
    if not isinstance(claims.get("versie"), str):
        raise SchemeRejected("stelsel/claims-ongeldig", "no versie")
    if major_of(claims.get("versie")) != MAJOR:
        raise SchemeRejected("stelsel/versie-niet-ondersteund")
    errors = _schema_errors("stelseldocument", claims) or _scheme_rule_errors(claims)
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
    manager = scheme.app_manager(parsed.claims.get("iss"),
                                 any_status=flaws.on("status-app-manager-genegeerd"))
    if manager is None:
        if not flaws.on("onbekende-app-manager-geaccepteerd"):
            raise TrustFailure(f"{prefix}/uitgever-onbekend", "iss is no active App Manager")
    elif mode != VERIFY_NOTHING:
        entries = manager["sleutels"]
        if not flaws.on("appmanager-sleutelvenster-genegeerd"):  # "the scheme lists it, so"
            entries = [e for e in entries if may_sign_at(e, parsed.claims.get("iat"))]
        keys, kid = jwks_of(entries), parsed.header.get("kid")
        if flaws.on("sleutel-uit-hele-stelsel"):  # "kids are unique across the scheme anyway"
            keys = scheme.every_key()
        if kid is None and flaws.on("kid-optioneel") and keys:
            kid = _crypto.thumbprint(keys[0])  # "the App Manager has one key anyway"
        jwk = key_for(kid, keys, prefix)
        check_signature(mode, jwk, parsed.signing_input, parsed.signature, prefix, flaws)
    claims = parsed.claims
    errors = _schema_errors("app-certificaat", claims)
    if not errors and not document_rules.passes_elfproef(claims["bsn"]):
        errors = ["bsn fails the elfproef"]
    if not errors and not 0 <= claims["iat"] - claims["inlogmoment"] <= REGISTRATION_TTL_S:
        errors = ["issued before the login or more than REGISTRATION_TTL_S after it"]
    if errors and not flaws.on("certificaat-claims-niet-gecontroleerd"):
        raise TrustFailure(f"{prefix}/claims-ongeldig", "; ".join(errors))
    skew = 0 if flaws.on("geen-klokafwijking") else CLOCK_SKEW_S
    skew += 1 if flaws.on("klokafwijking-te-ruim") else 0
    edge = 1 if flaws.on("klokafwijking-exclusief") else 0  # >= where > is right
    nbf_checked = not flaws.on("alleen-iat-gecontroleerd")  # "nbf equals iat anyway"
    if (nbf_checked and claims["nbf"] - skew + edge > now) or claims["iat"] - skew + edge > now:
        raise TrustFailure(f"{prefix}/nog-niet-geldig")
    if now + edge > claims["exp"] + skew and not flaws.on("verlopen-certificaat-geaccepteerd"):
        raise TrustFailure(f"{prefix}/verlopen")
    max_lifetime = CERT_MAX_LIFETIME_S + (
        CLOCK_SKEW_S if flaws.on("looptijd-met-klokafwijking") else 0)
    if (claims["exp"] - claims["iat"] > max_lifetime
            and not flaws.on("looptijd-niet-gecontroleerd")):
        raise TrustFailure(f"{prefix}/looptijd-te-lang")
    if scheme.revoked(claims["jti"]) and not flaws.on("intrekking-genegeerd"):
        raise TrustFailure(f"{prefix}/ingetrokken")
    return claims


def verify_proof(token: Any, certificate: dict[str, Any], own_oin: str, own_api_url: str | None,
                 now: int, flaws: Flaws) -> dict[str, Any]:
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
    if (claims.get("api_url") != own_api_url
            and not flaws.on("sessie-bewijs-api-url-niet-gecontroleerd")):
        raise TrustFailure(f"{prefix}/verkeerd-eindpunt")
    if claims["iat"] - CLOCK_SKEW_S > now:
        raise TrustFailure(f"{prefix}/nog-niet-geldig")
    max_age = PROOF_MAX_AGE_S + CLOCK_SKEW_S
    max_age += CLOCK_SKEW_S if flaws.on("bewijs-leeftijd-ruim") else 0
    max_age -= 1 if flaws.on("bewijs-leeftijd-exclusief") else 0  # >= where > is right
    if now - claims["iat"] > max_age and not flaws.on("oud-bewijs-geaccepteerd"):
        raise TrustFailure(f"{prefix}/verlopen")
    return claims


def verify_envelope(envelope: Any, scheme: Scheme, flaws: Flaws, now: int) -> dict[str, Any]:
    """Envelope verification in the order of standard 2.0.0 (steps 1–7); the help request's
    own step 8 is `hulpvragen.py`'s. Returns the document; TrustFailure with the first
    failing `envelop/...` code."""
    prefix = "envelop"
    bad = f"{prefix}/ongeldig-formaat"
    if not isinstance(envelope, dict) or not {"document", "handtekening"} <= envelope.keys():
        raise TrustFailure(bad, "an envelope has document and handtekening")
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
    candidates = jwks_of(organisation["sleutels"])
    if flaws.on("sleutel-uit-hele-stelsel"):  # "kids are unique across the scheme anyway"
        candidates = scheme.every_key()
    jwk = key_for(header.get("kid"), candidates, prefix)
    entry = next((e for e in organisation["sleutels"] if e["jwk"] is jwk), {"geldig_vanaf": 0})
    try:
        signing_input = f"{parts[0]}.{_crypto.b64e(_crypto.jcs(document))}".encode("ascii")
    except (TypeError, ValueError) as exc:
        raise TrustFailure(f"{prefix}/document-ongeldig", "no JCS form") from exc
    check_signature(mode, jwk, signing_input, raw_signature, prefix, flaws)
    version = document.get("documentversie")
    if not isinstance(version, str):
        raise TrustFailure(f"{prefix}/document-ongeldig", "no documentversie")
    if major_of(version) != MAJOR:
        raise TrustFailure(f"{prefix}/versie-niet-ondersteund")
    problems = _schema_errors("vorderingendocument", document)
    problems += [v.message for v in document_rules.violations(document)]
    if problems:
        raise TrustFailure(f"{prefix}/document-ongeldig", "; ".join(problems[:3]))
    signed = int(datetime.fromisoformat(document["opgesteld_op"]).timestamp())
    skew = 0 if flaws.on("sleutelvenster-zonder-klokafwijking") else CLOCK_SKEW_S
    too_early = (signed < entry["geldig_vanaf"] - skew
                 and not flaws.on("geldig-vanaf-genegeerd"))
    if too_early or ("geldig_tot" in entry and signed > entry["geldig_tot"] + skew):
        raise TrustFailure(f"{prefix}/sleutel-niet-geldig")
    revoked_from = entry.get("ingetrokken_op")
    if revoked_from is not None and flaws.on("intrekking-exclusief"):
        revoked_from += 1  # "> ingetrokken_op" where ">=" is right
    if revoked_from is not None and signed >= revoked_from:
        raise TrustFailure(f"{prefix}/sleutel-ingetrokken")
    if signed > now + CLOCK_SKEW_S:
        raise TrustFailure(f"{prefix}/nog-niet-geldig")
    return document
