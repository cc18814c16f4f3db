"""The signed claims document (envelope) as a verifier of standard 2.0.0 sees it: shape, JWS
header, source in the scheme, key and signature, documentversie, schema and invariants, the
key's window at the signed creation time, and — in a help request — the citizen and the
document's age (design §7, in that order)."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import rfc8785

from conformance.errors import JoseError
from conformance.jose import (
    CLOCK_SKEW_S,
    TYP_ENVELOPE,
    b64e,
    check_header,
    jcs,
    key_for,
    split_compact,
    verify_signature,
)
from conformance.scheme import SUPPORTED_MAJOR, key_entries, major_of

HULPVRAAG_MAX_LEEFTIJD_S = 1209600


def verify_envelope(
    envelope: Any,
    scheme_payload: dict[str, Any],
    *,
    expected_bsn: str | None = None,
    now: float | None = None,
) -> str | None:
    """Verify a signed claims document (design §7) against a scheme payload.

    Returns None when valid, else the first problem code in the order of §7 (shape,
    header, source known, key and signature, documentversie, schema and invariants, key
    window at `opgesteld_op`, and — only when `expected_bsn` is given, as in a help request
    — the document's `bsn` (``envelop/bsn-onjuist``) and its age (``envelop/verouderd``))."""
    try:
        _verify_envelope(envelope, scheme_payload, expected_bsn, now)
    except JoseError as exc:
        return exc.code
    return None


def _verify_envelope(
    envelope: Any, scheme_payload: dict[str, Any], expected_bsn: str | None, now: float | None
) -> None:
    bad = "envelop/ongeldig-formaat"
    # data is open: members besides document and handtekening are ignored
    if not isinstance(envelope, dict) or not {"document", "handtekening"} <= envelope.keys():
        raise JoseError(bad, "an envelope has `document` and `handtekening`")
    document, signature = envelope["document"], envelope["handtekening"]
    if not isinstance(document, dict) or not isinstance(signature, str):
        raise JoseError(bad)
    parts = signature.split(".")
    if len(parts) != 3 or parts[1] != "":
        raise JoseError(bad, "handtekening is not a detached compact JWS")
    header, _, raw_sig = split_compact(signature, "envelop")
    check_header(header, TYP_ENVELOPE, "envelop")
    bron = document.get("bron")
    oin = bron.get("oin") if isinstance(bron, dict) else None
    org = next((o for o in scheme_payload.get("organisaties", []) if o.get("oin") == oin), None)
    if org is None:
        raise JoseError("envelop/bron-onbekend", f"oin {oin!r} not in the scheme")
    entries = key_entries(org)
    jwk = key_for(header.get("kid"), [e.get("jwk", {}) for e in entries], "envelop")
    entry = next(e for e in entries if e.get("jwk") is jwk)
    try:
        signing_input = f"{parts[0]}.{b64e(jcs(document))}".encode()
    except (TypeError, ValueError, rfc8785.CanonicalizationError) as exc:
        raise JoseError("envelop/document-ongeldig", "document has no JCS form") from exc
    if not verify_signature(jwk, signing_input, raw_sig):
        raise JoseError("envelop/handtekening-ongeldig")
    version = document.get("documentversie")
    if not isinstance(version, str):
        raise JoseError("envelop/document-ongeldig", "documentversie is missing")
    if major_of(version) != SUPPORTED_MAJOR:
        raise JoseError("envelop/versie-niet-ondersteund", f"documentversie {version!r}")
    if document_problems(document):
        raise JoseError("envelop/document-ongeldig")
    moment = time.time() if now is None else now
    signed = _instant(document["opgesteld_op"])
    if signed < entry.get("geldig_vanaf", 0) - CLOCK_SKEW_S or (
        "geldig_tot" in entry and signed > entry["geldig_tot"] + CLOCK_SKEW_S
    ):
        raise JoseError("envelop/sleutel-niet-geldig")
    if "ingetrokken_op" in entry and signed >= entry["ingetrokken_op"]:
        raise JoseError("envelop/sleutel-ingetrokken")
    if signed > moment + CLOCK_SKEW_S:
        raise JoseError("envelop/nog-niet-geldig")
    if expected_bsn is None:
        return
    if document.get("bsn") != expected_bsn:
        raise JoseError("envelop/bsn-onjuist", "the document is another citizen's")
    if signed < moment - HULPVRAAG_MAX_LEEFTIJD_S:
        raise JoseError("envelop/verouderd")


def _instant(moment: str) -> float:
    """A schema-valid RFC 3339 date-time as unix seconds, its fraction kept: it is compared
    with key windows and the clock as an instant (trust model §11.7), never truncated."""
    return datetime.fromisoformat(moment.replace("Z", "+00:00")).timestamp()


def document_problems(document: dict[str, Any]) -> list[str]:
    """Schema errors and invariant violations of a claims document (empty when valid); the
    certificate's BSN is not compared here (see `verify_envelope`)."""
    from conformance import document_rules, specfiles  # local: keeps jose importable alone

    messages = [e.message for e in specfiles.validator("vorderingendocument").iter_errors(document)]
    if messages:
        return messages
    return [v.message for v in document_rules.violations(document)]
