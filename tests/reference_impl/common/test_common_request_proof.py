"""The app's side of a request proof (`sign_request_proof`, `session_headers`) verifies on
the source's side (`verify_request_proof`), bound to method, URL without query, token and
time; plus the HTTP helpers that carry `Retry-After` and the CORS headers of §6."""

from __future__ import annotations

import pytest

from reference_impl.common.errors import TokenError
from reference_impl.common.http import (
    CORS_ALLOW_HEADERS,
    CORS_EXPOSE_HEADERS,
    scheme_unavailable,
    too_many_requests,
)
from reference_impl.common.jose import generate_key, public_jwk
from reference_impl.common.request_proof import (
    access_token_hash,
    request_url,
    session_headers,
    sign_request_proof,
    verify_request_proof,
)
from reference_impl.common.versions import is_same_major, major_of, wire_version

NOW = 1_767_225_600
URL = "https://api.cjib.example/vorderingen/v2/vorderingenoverzicht"
TOKEN = "yECDO6s2UEnLwrLdmwV-70vPRBsHrvAbJIfbYurpCuc"


def test_a_signed_proof_verifies_for_exactly_its_request() -> None:
    key = generate_key()
    headers = session_headers(key, "get", URL + "?bsn=x#frag", TOKEN, now=NOW)
    assert headers["Authorization"] == f"Sessie {TOKEN}"
    claims = verify_request_proof(headers["Verzoek-Bewijs"], jwk=public_jwk(key), token=TOKEN,
                                  method="GET", url=URL, now=NOW + 120)
    assert (claims["htm"], claims["htu"], claims["iat"]) == ("GET", URL, NOW)
    assert claims["ath"] == access_token_hash(TOKEN) and len(claims["ath"]) == 43
    assert claims["jti"] == claims["jti"].lower() and len(claims["jti"]) == 36
    with pytest.raises(TokenError) as stale:
        verify_request_proof(headers["Verzoek-Bewijs"], jwk=public_jwk(key), token=TOKEN,
                             method="GET", url=URL, now=NOW + 121)
    assert stale.value.code == "verzoekbewijs/verlopen"


def test_two_proofs_for_one_request_differ() -> None:
    key = generate_key()
    first, second = (sign_request_proof(key, "GET", URL, TOKEN, now=NOW) for _ in range(2))
    assert first != second  # a fresh jti each time: a proof is never reused


def test_request_url_drops_query_and_fragment_only() -> None:
    assert request_url(URL + "?a=1#b") == URL
    assert request_url("http://127.0.0.1:8001/vorderingen/v2/pauzes/x") == (
        "http://127.0.0.1:8001/vorderingen/v2/pauzes/x")


def test_retry_after_and_cors() -> None:
    busy = too_many_requests(2.2)
    assert (busy.status, busy.code, busy.headers["Retry-After"]) == (
        429, "algemeen/te-veel-verzoeken", "3")
    down = scheme_unavailable(0)
    assert (down.status, down.code, down.headers["Retry-After"]) == (
        503, "algemeen/stelsel-niet-beschikbaar", "1")
    assert "Verzoek-Bewijs" in CORS_ALLOW_HEADERS.split(", ")
    assert {"Retry-After", "WWW-Authenticate"} <= set(CORS_EXPOSE_HEADERS.split(", "))


@pytest.mark.parametrize(("value", "major"), [
    ("2.0", 2), ("2.9999", 2), ("2.01", 2), ("3.0", 3), ("1.0.0", 1), ("2", 2),
    ("abc", None), ("", None), (2, None), (None, None)])
def test_the_major_of_a_wire_version(value: object, major: int | None) -> None:
    assert major_of(value) == major
    assert is_same_major(value) == (major == 2)


def test_wire_version_of_a_major() -> None:
    assert wire_version(3) == "3.0"
