"""Evidence never carries a secret or a BSN in clear."""

from __future__ import annotations

import httpx

from conformance import jose
from conformance.model import Evidence, redact_text


def test_evidence_redacts_bearer_tokens_jws_and_bsn() -> None:
    key = jose.SigningKey.generate()
    token = jose.encode({"bsn": "999993653"}, key, typ="app-certificaat+jwt")
    request = httpx.Request(
        "POST",
        "http://127.0.0.1:1/vorderingen/v2/sessies",
        headers={"Authorization": "Sessie s3cr3t-token-value", "Verzoek-Bewijs": token},
        json={"certificaat": token},
    )
    response = httpx.Response(
        201,
        request=request,
        json={"sessietoken": "A" * 43, "bsn": "999993653", "nonce": "B" * 43},
    )
    evidence = Evidence.from_response(response)
    text = repr(evidence)
    assert "s3cr3t-token-value" not in text
    assert evidence.request_headers["authorization"] == "Sessie <redacted>"
    assert evidence.request_headers["verzoek-bewijs"].startswith(token.split(".")[0] + ".")
    assert token not in text
    assert token.split(".")[0] in evidence.request_body_excerpt  # the header part stays
    assert "A" * 43 not in text and "B" * 43 not in text
    assert "999993653" not in text
    assert "*******53" in evidence.response_body_excerpt
    assert evidence.curl.startswith("curl ") and "Sessie <redacted>" in evidence.curl


def test_detached_signature_keeps_its_header() -> None:
    key = jose.SigningKey.generate()
    sig = jose.sign_detached({"a": 1}, key)
    redacted = redact_text(f'{{"handtekening": "{sig}"}}')
    assert sig not in redacted
    assert sig.split(".")[0] + ".." in redacted
