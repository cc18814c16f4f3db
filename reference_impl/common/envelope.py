"""Signed claims documents: `{document, handtekening}` (spec/trust-model.md §3.5, design §7).

`handtekening` is a detached compact ES256 JWS (`typ: vorderingen-document+jws`) over the
RFC 8785 (JCS) canonical UTF-8 form of `document`. An envelope is self-contained: whoever
holds the scheme document can verify it later, in the order of §3.5, each refusal a
`TokenError` with an `envelop/...` code. Data is open: members the verifier does not know
(in the wrapper or anywhere in the document) are ignored, and the signature covers the
document exactly as received. `document.opgesteld_op` is the signed creation time: the key
must have been allowed to sign then (its window in the scheme), and it must not be revoked
as of then.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import orjson
import rfc8785
from joserfc.jwk import ECKey

from reference_impl.common import document as claims_document
from reference_impl.common.constants import CLOCK_SKEW_S, HULPVRAAG_MAX_LEEFTIJD_S
from reference_impl.common.errors import TokenError
from reference_impl.common.jose import (
    parse_header,
    schema_reason,
    sign_detached,
    thumbprint,
    verify_detached,
)
from reference_impl.common.scheme import key_signing_failure
from reference_impl.common.versions import MAJOR, WIRE_VERSION, major_of

TYP = "vorderingen-document+jws"
PREFIX = "envelop"
# An empty signature part is still the right shape (`alg: none` is refused at the header).
_DETACHED = re.compile(r"^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class HelpRequestContext:
    """What a help request adds to envelope verification: the session citizen's BSN, and
    how old (by `opgesteld_op`) a document may be (`HULPVRAAG_MAX_LEEFTIJD_S`)."""

    bsn: str
    max_age_s: int = HULPVRAAG_MAX_LEEFTIJD_S


_SAFE_INT = 2**53 - 1  # RFC 8785 §3.2.2.3: beyond this an integer is not exact in JSON
_MAX_CONTAINERS = 1_000_000  # a 1 MiB body holds fewer objects and arrays than this


def canonical(document: dict[str, Any]) -> bytes:
    """The RFC 8785 (JCS) canonical UTF-8 bytes of `document`.

    For values of only strings, ASCII keys, safe integers, booleans, null, lists and
    objects — every claims document — JCS is exactly what orjson writes with sorted keys
    (compact, UTF-8, the same escapes; code-point order is UTF-16 order for ASCII keys):
    ≈ 2.5 µs for the spec's example document, where the C encoder of `json` took 28 and
    the pure-Python rfc8785 over 100 (every envelope the app verifies and every overview a
    source signs pays it). Anything else (floats, non-ASCII keys, big integers) goes
    through rfc8785 itself, and so does what orjson refuses (a lone surrogate, nesting
    deeper than its 254 levels), so the result and the errors stay rfc8785's."""
    if _plain(document):
        try:
            return orjson.dumps(document, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass  # rfc8785 writes it, or raises its CanonicalizationError
    return rfc8785.dumps(document)


def _plain(value: Any) -> bool:
    """True when `value` holds only types the fast path of `canonical` writes as JCS."""
    stack, containers = [value], 0
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str or kind is bool or item is None:
            continue
        if kind is int:
            if -_SAFE_INT <= item <= _SAFE_INT:
                continue
            return False
        containers += 1
        if containers > _MAX_CONTAINERS:
            return False  # a cycle, or beyond any document: rfc8785 refuses it as before
        if kind is dict:
            for key in item:
                if type(key) is not str or not key.isascii():
                    return False
            stack.extend(item.values())
        elif kind is list or kind is tuple:
            stack.extend(item)
        else:
            return False
    return True


def sign_envelope(document: dict[str, Any], key: ECKey) -> dict[str, Any]:
    """`{document, handtekening}` with a detached JWS over JCS(`document`)."""
    return {"document": document, "handtekening": sign_detached(canonical(document), key, typ=TYP)}


def verify_envelope(
    envelope: Any,
    scheme_payload: dict[str, Any],
    *,
    now: float | None = None,
    expected_bsn: str | None = None,
    help_request: HelpRequestContext | None = None,
    major: int = MAJOR,
    organisations: Mapping[str, dict[str, Any]] | None = None,
) -> None:
    """Verify an envelope against a (verified) scheme payload; raise `TokenError` if refused.

    `organisations` is `scheme.organisations_by_oin(scheme_payload)` (`Scheme.by_oin`),
    for a verifier of many envelopes against one scheme (the app's fan-out): the source is
    found by OIN instead of a scan of every organisation per envelope.

    `major` is the major of the standard the verifier speaks with the document's source: an
    app that also speaks a next major (a rollout) verifies the documents of that endpoint,
    which say so in `documentversie`; in this implementation a next major keeps major 2's
    document format (the rollout test plays it so).

    Steps and codes, in order: shape (`envelop/ongeldig-formaat`); header
    (`algoritme-niet-toegestaan`, `verboden-header`, `verkeerd-type`); `document.bron.oin`
    in the scheme (`bron-onbekend`); `kid` among that organisation's key entries
    (`sleutel-onbekend`) and the signature (`handtekening-ongeldig`); `documentversie` of
    major 2 (`versie-niet-ondersteund`; absent or not a string: `document-ongeldig`);
    schema and invariants (`document-ongeldig`); the key's window at `opgesteld_op`
    (`sleutel-niet-geldig`, `sleutel-ingetrokken`) and `opgesteld_op` not in the future
    (`nog-niet-geldig`); and in a help request (`help_request`, or `expected_bsn` as its
    shorthand) the document is that citizen's (`bsn-onjuist`) and fresh (`verouderd`).
    """
    now = time.time() if now is None else now
    if help_request is None and expected_bsn is not None:
        help_request = HelpRequestContext(expected_bsn)
    if (
        not isinstance(envelope, dict)
        or not isinstance(envelope.get("document"), dict)
        or not isinstance(envelope.get("handtekening"), str)
        or not _DETACHED.fullmatch(envelope["handtekening"])
    ):
        raise TokenError(
            f"{PREFIX}/ongeldig-formaat", "geen {document, handtekening} met een losse JWS"
        )
    document, token = envelope["document"], envelope["handtekening"]
    header = parse_header(token, typ=TYP, prefix=PREFIX, detached=True)
    organisation = _source_of(document, scheme_payload, organisations)
    try:
        payload = canonical(document)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise TokenError(f"{PREFIX}/handtekening-ongeldig",
                         "het document heeft geen JCS-vorm") from exc
    entries = [e for e in organisation.get("sleutels", []) if isinstance(e, dict)]
    verify_detached(token, payload, typ=TYP, prefix=PREFIX, keys=[e["jwk"] for e in entries],
                    header=header)
    versie = document.get("documentversie")
    if not isinstance(versie, str):
        raise TokenError(f"{PREFIX}/document-ongeldig", "documentversie ontbreekt")
    if major_of(versie) != major:
        raise TokenError(f"{PREFIX}/versie-niet-ondersteund",
                         f"documentversie is niet van major {major}")
    found = claims_document.problems(
        document if major == MAJOR else document | {"documentversie": WIRE_VERSION})
    if found:
        raise TokenError(f"{PREFIX}/document-ongeldig", "; ".join(map(_dutch, found[:5])))
    # an instant, its fraction kept: `…:00.5Z` is half a second after `…:00Z` (§11.7)
    signed_at = claims_document.parse_datetime(document["opgesteld_op"]).timestamp()
    entry = next(e for e in entries if _kid_of(e) == header["kid"])  # the one that verified
    failure = key_signing_failure(entry, signed_at)
    if failure is not None:
        raise TokenError(f"{PREFIX}/{failure}", "de sleutel mocht op opgesteld_op niet tekenen")
    if signed_at > now + CLOCK_SKEW_S:
        raise TokenError(f"{PREFIX}/nog-niet-geldig", "opgesteld_op ligt in de toekomst")
    if help_request is not None:
        if document["bsn"] != help_request.bsn:
            raise TokenError(f"{PREFIX}/bsn-onjuist", "het document is van een andere burger")
        if signed_at < now - help_request.max_age_s:
            raise TokenError(f"{PREFIX}/verouderd", "het document is te oud voor een hulpvraag")


def _dutch(problem: str) -> str:
    """A `claims_document.problems` line in Dutch: rule ids and pointers stay, a schema
    reason is reworded."""
    if problem.startswith("schema ") and ": " in problem:
        where, reason = problem.split(": ", 1)
        return f"{where}: {schema_reason(reason)}"
    return problem


def _kid_of(entry: dict[str, Any]) -> str | None:
    try:
        return thumbprint(entry["jwk"])
    except (KeyError, TypeError):
        return None  # a malformed published key never matches


def _source_of(document: dict[str, Any], scheme_payload: dict[str, Any],
               organisations: Mapping[str, dict[str, Any]] | None) -> dict[str, Any]:
    bron = document.get("bron")
    oin = bron.get("oin") if isinstance(bron, dict) else None
    if isinstance(oin, str) and organisations is not None:
        if oin in organisations:
            return organisations[oin]
    else:
        for organisation in scheme_payload.get("organisaties", []):
            if isinstance(oin, str) and organisation.get("oin") == oin:
                return organisation
    raise TokenError(f"{PREFIX}/bron-onbekend", "document.bron.oin staat niet in het stelsel")
