"""Signed claims documents: `{document, handtekening}` (spec/trust-model.md §3.5).

`handtekening` is a detached compact ES256 JWS (`typ: vorderingen-document+jws`) over the
RFC 8785 (JCS) canonical UTF-8 form of `document`. An envelope is self-contained: whoever
holds the scheme document can verify it later, in the order of §3.5, each refusal a
`TokenError` with an `envelop/...` code.
"""

from __future__ import annotations

import re
from typing import Any

import rfc8785
from joserfc.jwk import ECKey

from reference_impl.common import document as claims_document
from reference_impl.common.errors import TokenError
from reference_impl.common.jose import parse_header, sign_detached, verify_detached

TYP = "vorderingen-document+jws"
PREFIX = "envelop"
# An empty signature part is still the right shape (`alg: none` is refused at the header).
_DETACHED = re.compile(r"^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]*$")


def canonical(document: dict[str, Any]) -> bytes:
    """The RFC 8785 (JCS) canonical UTF-8 bytes of `document`."""
    return rfc8785.dumps(document)


def sign_envelope(document: dict[str, Any], key: ECKey) -> dict[str, Any]:
    """`{document, handtekening}` with a detached JWS over JCS(`document`)."""
    return {"document": document, "handtekening": sign_detached(canonical(document), key, typ=TYP)}


def verify_envelope(
    envelope: Any,
    scheme_payload: dict[str, Any],
    *,
    now: int | None = None,
    expected_bsn: str | None = None,
) -> None:
    """Verify an envelope against a (verified) scheme payload; raise `TokenError` if refused.

    Steps and codes, in order: shape (`envelop/ongeldig-formaat`); header
    (`algoritme-niet-toegestaan`, `verboden-header`, `verkeerd-type`); `document.bron.oin`
    in the scheme (`bron-onbekend`); `kid` among that organisation's keys
    (`sleutel-onbekend`) and the signature (`handtekening-ongeldig`); schema and
    invariants (`document-ongeldig`); and only when `expected_bsn` is given (a help
    request), the document is that citizen's (`bsn-onjuist`). `now` is accepted for
    symmetry with the other verifiers; the 1.0.0 rules set no time limit on an envelope,
    so a stored envelope stays verifiable.
    """
    del now  # no time-dependent rule in 1.0.0; see docstring
    if (
        not isinstance(envelope, dict)
        or set(envelope) != {"document", "handtekening"}
        or not isinstance(envelope["document"], dict)
        or not isinstance(envelope["handtekening"], str)
        or not _DETACHED.match(envelope["handtekening"])
    ):
        raise TokenError(
            f"{PREFIX}/ongeldig-formaat", "not {document, handtekening} with a detached JWS"
        )
    document, token = envelope["document"], envelope["handtekening"]
    parse_header(token, typ=TYP, prefix=PREFIX, detached=True)
    organisation = _source_of(document, scheme_payload)
    try:
        payload = canonical(document)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise TokenError(f"{PREFIX}/handtekening-ongeldig", "document has no JCS form") from exc
    keys = organisation.get("sleutels", {}).get("keys", [])
    verify_detached(token, payload, typ=TYP, prefix=PREFIX, keys=keys)
    found = claims_document.problems(document)
    if found:
        raise TokenError(f"{PREFIX}/document-ongeldig", "; ".join(found[:5]))
    if expected_bsn is not None and document["bsn"] != expected_bsn:
        raise TokenError(f"{PREFIX}/bsn-onjuist", "the document is another citizen's")


def _source_of(document: dict[str, Any], scheme_payload: dict[str, Any]) -> dict[str, Any]:
    bron = document.get("bron")
    oin = bron.get("oin") if isinstance(bron, dict) else None
    for organisation in scheme_payload.get("organisaties", []):
        if isinstance(oin, str) and organisation.get("oin") == oin:
            return organisation
    raise TokenError(f"{PREFIX}/bron-onbekend", "document.bron.oin is not in the scheme")
