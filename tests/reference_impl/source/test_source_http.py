"""Common HTTP behaviour (spec/interface.md): headers on every answer, CORS preflight,
problems for unknown paths and methods, media types, malformed and invalid bodies, the
OpenAPI document at the base path, 503 with Retry-After without a valid scheme document,
and an unexpected failure answered as a problem — never a stack trace."""

from __future__ import annotations

import pytest
import yaml
from source_support import (
    GEMEENTE,
    SANNE,
    RunningSource,
    ValidatingClient,
    build_source,
    problem,
)

from reference_impl.common.spec import openapi_path
from reference_impl.common.versions import STANDARD_VERSION, WIRE_VERSION

pytestmark = pytest.mark.anyio
SECURITY_HEADERS = {
    "api-version": STANDARD_VERSION,
    "access-control-allow-origin": "*",
    "access-control-expose-headers": ("API-Version, Location, ETag, Idempotent-Replayed, "
                                      "Retry-After, WWW-Authenticate, Deprecation, Sunset, Link"),
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
    assert (body["api_versie"], body["documentversie"]) == (WIRE_VERSION, WIRE_VERSION)


async def test_the_openapi_document_is_served_at_the_base_path(gemeente: RunningSource):
    response = await gemeente.client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert_standard_headers(response)
    spec = yaml.safe_load(openapi_path("bron").read_text(encoding="utf-8"))
    assert response.json() == spec
    assert response.json()["info"]["version"] == response.headers["api-version"]


async def test_without_a_valid_scheme_document_trust_dependent_operations_answer_503(
        tmp_path, clock):
    built = build_source(tmp_path, clock=clock)
    built.scheme_file.write_text("geen-stelseldocument", encoding="ascii")
    client = ValidatingClient(built.app, built.trust, built.trust.api_url(built.config.oin))
    try:
        for method, path in (("POST", "/sessies/uitdagingen"), ("POST", "/sessies"),
                             ("GET", "/vorderingenoverzicht"),
                             ("POST", "/pauzes")):
            response = await client.request(method, path, valid_request=False, json={})
            assert problem(response) == (503, "algemeen/stelsel-niet-beschikbaar"), path
            assert int(response.headers["retry-after"]) >= 1
        assert (await client.get("/configuratie")).status_code == 200  # needs no trust
    finally:
        await client.aclose()
        await built.app.state.source.close()


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
                 "Access-Control-Request-Headers": "authorization, verzoek-bewijs"})
    assert response.status_code == 204
    assert_standard_headers(response)
    assert response.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS, POST"
    assert response.headers["access-control-allow-headers"] == (
        "Authorization, Content-Type, Idempotency-Key, Verzoek-Bewijs")
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


async def test_session_opening_is_rate_limited_when_configured(make_source):
    source = await make_source(GEMEENTE, rate_limit={"aantal": 2, "periode_s": 60})
    for _ in range(2):
        assert (await source.client.post("/sessies/uitdagingen")).status_code == 201
    refused = await source.client.post("/sessies/uitdagingen")
    assert problem(refused) == (429, "algemeen/te-veel-verzoeken")
    assert refused.headers["retry-after"] == "60"
    also = await source.client.post("/sessies", json={"certificaat": "a", "bewijs": "b"},
                                    valid_request=False)
    assert problem(also) == (429, "algemeen/te-veel-verzoeken")  # before any 400 (§9)
    source.clock.advance(60)
    assert (await source.client.post("/sessies/uitdagingen")).status_code == 201
