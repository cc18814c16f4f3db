"""Signing a claims document: the envelope ``{document, handtekening}`` (trust model §3.5).

`handtekening` is a detached ES256 JWS (empty middle part) over the RFC 8785 (JCS) form of
the document, header ``{alg: ES256, typ: vorderingen-document+jws, kid}``.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from conformance.broken import _crypto
from conformance.broken.source import Source
from conformance.broken.trust import ALG, TYP_ENVELOPE


def signing_key(source: Source) -> ec.EllipticCurvePrivateKey:
    """The key envelopes are signed with (one listed nowhere for `verkeerde-sleutel`)."""
    if source.flaws.on("verkeerde-sleutel"):
        return source.stray_key
    return source.signing_key


def sign(source: Source, document: dict[str, Any]) -> dict[str, Any]:
    """The envelope of `document`."""
    key = signing_key(source)
    header = {"alg": ALG, "typ": TYP_ENVELOPE, "kid": _crypto.thumbprint(_crypto.public_jwk(key))}
    if source.flaws.on("geen-jcs"):  # the bytes as the response will serialise them
        payload = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    else:
        payload = _crypto.jcs(document)
    if source.flaws.on("handtekening-niet-detached"):
        handtekening = _crypto.sign_compact(key, header, payload)
    else:
        handtekening = _crypto.sign_detached(key, header, payload)
    return {"document": document, "handtekening": handtekening}
