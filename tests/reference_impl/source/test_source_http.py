"""Common HTTP behaviour (spec/interface.md): headers on every answer, CORS preflight,
problems for unknown paths and methods, media types, malformed and invalid bodies, and an
unexpected failure answered as a problem — never a stack trace."""

from __future__ import annotations

import pytest
from source_support import GEMEENTE, SANNE, RunningSource, problem

pytestmark = pytest.mark.anyio
SECURITY_HEADERS = {
    "api-version": "1.0.0",
    "access-control-allow-origin": "*",
    "access-control-expose-headers": "API-Version, Location, ETag, Idempotent-Replayed",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
}


def assert_standard_headers(response) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name


async def test_configuration_is_public_and_complete(gemeente: RunningSource):
    response = await gemeente.client.get("/configuratie")
    assert response.status_code == 200
    assert_standard_headers(response)
    body = response.json()
    assert body["diensten"] == ["vorderingenoverzicht", "betalingsregelingen", "pauzes",
                                "hulpvragen"]
    assert body["betalingsregeling"]["maximum_aantal_termijnen"] == 12


async def test_unknown_paths_and_methods(gemeente: RunningSource):
    client = gemeente.client
    for path in ("/bestaat-niet", "/configuratie/", "/vorderingenoverzicht/"):
        response = await client.get(path, in_spec=False)
        assert problem(response) == (404, "algemeen/niet-gevonden")
        assert_standard_headers(response)
    wrong = await client.request("PUT", "/configuratie", in_spec=False)
    assert problem(wrong) == (405, "algemeen/methode-niet-toegestaan")
    assert wrong.headers["allow"] == "GET, HEAD"
    both = await client.request("PATCH", "/betalingsregelingen", in_spec=False)
    assert both.headers["allow"] == "GET, HEAD, POST"
    voorstellen = await client.get("/betalingsregelingen/voorstellen", in_spec=False)
    assert problem(voorstellen) == (405, "algemeen/methode-niet-toegestaan")


async def test_cors_preflight(gemeente: RunningSource):
    response = await gemeente.client.request(
        "OPTIONS", "/betalingsregelingen", in_spec=False,
        headers={"Origin": "http://127.0.0.1:9000", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, idempotency-key"})
    assert response.status_code == 204
    assert_standard_headers(response)
    assert response.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS, POST"
    assert response.headers["access-control-allow-headers"] == (
        "Authorization, Content-Type, Idempotency-Key")
    assert response.headers["access-control-max-age"] == "600"
    unknown = await gemeente.client.request("OPTIONS", "/nergens", in_spec=False)
    assert problem(unknown) == (404, "algemeen/niet-gevonden")


async def test_media_type_and_malformed_bodies(gemeente: RunningSource):
    client = gemeente.client
    text = await client.post("/sessies", content=b"certificaat=x", valid_request=False,
                             headers={"Content-Type": "text/plain"})
    assert problem(text) == (415, "verzoek/mediatype-niet-ondersteund")
    broken = await client.post("/sessies", content=b'{"certificaat": ', valid_request=False,
                               headers={"Content-Type": "application/json"})
    assert problem(broken) == (400, "verzoek/ongeldig")
    assert [p["name"] for p in broken.json()["invalid_params"]] == ["/"]
    extra = await client.post("/sessies", valid_request=False,
                              json={"certificaat": "a.b.c", "extra": 1})
    assert problem(extra) == (400, "verzoek/ongeldig")
    names = {p["name"] for p in extra.json()["invalid_params"]}
    assert names == {"/", "/extra"}  # the missing member (bewijs), the unknown one (extra)


async def test_an_unexpected_failure_is_a_problem(make_source):
    class BrokenBackend:
        async def cases_for(self, bsn: str):
            raise RuntimeError("the organisation's system is down")

    source = await make_source(GEMEENTE, backend=BrokenBackend())
    token = await source.session(SANNE)
    response = await source.client.get("/vorderingenoverzicht", token=token)
    assert problem(response) == (500, "algemeen/interne-fout")
    assert_standard_headers(response)
    assert "system is down" not in response.text
