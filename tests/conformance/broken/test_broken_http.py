"""The baseline's HTTP conventions, and every answer of its main flows checked against
spec/openapi/bron.yaml with openapi-core (an oracle independent of the suite's checks)."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import httpx
import pytest
from conftest import BASE, Federation
from gallery_probes import FINE, outcome, today
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from conformance import specfiles
from conformance.broken.source import API_VERSION

pytestmark = pytest.mark.anyio
API = "/vorderingen/v2"


async def test_every_answer_carries_the_common_headers(federation: Federation) -> None:
    async with federation.client() as client:
        answers = [
            await client.get("/configuratie"),
            await client.get("/bestaat-niet"),
            await client.delete("/configuratie"),
            await client.post("/sessies", json={}),
            await client.get("/vorderingenoverzicht"),
        ]
    for response in answers:
        assert response.headers["API-Version"] == API_VERSION
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Content-Security-Policy"] == (
            "default-src 'none'; frame-ancestors 'none'")
        assert response.headers["Access-Control-Allow-Origin"] == "*"
        assert "Idempotent-Replayed" in response.headers["Access-Control-Expose-Headers"]
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP here
    assert [r.status_code for r in answers] == [200, 404, 405, 400, 401]
    assert answers[2].headers["Allow"] == "GET, HEAD"
    assert outcome(answers[2]) == (405, "algemeen/methode-niet-toegestaan")


async def test_errors_are_problem_documents(federation: Federation) -> None:
    validator = specfiles.validator("probleem")
    async with federation.client() as client:
        answers = {
            (404, "algemeen/niet-gevonden"): await client.get("/configuratie/"),
            (415, "verzoek/mediatype-niet-ondersteund"): await client.post(
                "/sessies", content=b"a=b",
                headers={"Content-Type": "application/x-www-form-urlencoded"}),
            (400, "verzoek/ongeldig"): await client.post(
                "/sessies", json={"certificaat": 1, "bewijs": "x", "extra": True}),
        }
    for expected, response in answers.items():
        assert outcome(response) == expected
        body = response.json()
        assert list(validator.iter_errors(body)) == []
        assert body["type"] == f"urn:nl-vorderingen:probleem:{expected[1]}"
    names = {p["name"] for p in answers[(400, "verzoek/ongeldig")].json()["invalid_params"]}
    assert names == {"/certificaat", "/extra"}


async def test_cors_preflight(federation: Federation) -> None:
    async with federation.client() as client:
        preflight = await client.options("/betalingsregelingen/x", headers={
            "Origin": "https://app.example", "Access-Control-Request-Method": "DELETE"})
        unknown = await client.options("/bestaat-niet")
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Methods"] == "DELETE, GET"
    assert preflight.headers["Access-Control-Allow-Headers"] == (
        "Authorization, Content-Type, Idempotency-Key, Verzoek-Bewijs")
    assert preflight.headers["Access-Control-Max-Age"] == "600"
    assert outcome(unknown) == (404, "algemeen/niet-gevonden")


async def test_a_service_not_offered_is_404(federation: Federation) -> None:
    async with federation.client(diensten=("vorderingenoverzicht",)) as client:
        headers = await federation.session(client)
        config = (await client.get("/configuratie")).json()
        refused = await client.get("/pauzes", headers=headers)
    assert config["diensten"] == ["vorderingenoverzicht"] and "pauze" not in config
    assert outcome(refused) == (404, "algemeen/dienst-niet-aangeboden")


def _openapi() -> OpenAPI:
    spec = copy.deepcopy(specfiles.openapi())
    spec["servers"] = [{"url": BASE + API}]
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    return OpenAPI.from_dict(spec, config=config, base_uri=specfiles.openapi_path().as_uri())


def _check(api: OpenAPI, response: httpx.Response) -> None:
    request = response.request
    body = request.content or None
    mock_request = MockRequest(
        BASE, request.method.lower(), request.url.path, headers=dict(request.headers),
        data=body, content_type=request.headers.get("content-type", "application/json"),
    )
    mock_response = MockResponse(
        response.content or b"", status_code=response.status_code,
        headers=dict(response.headers),
        content_type=response.headers.get("content-type", "application/json").split(";")[0],
    )
    api.validate_response(mock_request, mock_response)


async def test_answers_conform_to_the_openapi_document(federation: Federation) -> None:
    api = _openapi()
    end = (today(federation) + timedelta(days=20)).date().isoformat()
    transport = httpx.ASGITransport(app=federation.app(base_path=API))
    async with httpx.AsyncClient(transport=transport, base_url=BASE + API,
                                 event_hooks={"request": [federation.sign_request]}) as client:
        seen = [await client.get("/configuratie"), await client.get("/openapi.json"),
                await client.post("/sessies/uitdagingen")]
        nonce_answer = await federation.open(client)
        seen.append(nonce_answer)
        auth = await federation.session(client)
        seen.append(await client.get("/vorderingenoverzicht", headers=auth))
        offer = await client.post("/betalingsregelingen/voorstellen", headers=auth,
                                  json={"zaakkenmerken": [FINE], "aantal_termijnen": 4})
        refused = await client.post("/betalingsregelingen/voorstellen", headers=auth,
                                    json={"zaakkenmerken": [FINE], "termijnbedrag": 1})
        accepted = await client.post("/betalingsregelingen", headers={
            **auth, "Idempotency-Key": "sleutel-1"}, json={"voorstel_id": offer.json()[
                "voorstel_id"]})
        regeling = accepted.json()["id"]
        seen += [offer, refused, accepted,
                 await client.get("/betalingsregelingen", headers=auth),
                 await client.delete(f"/betalingsregelingen/{regeling}", headers=auth),
                 await client.get(f"/betalingsregelingen/{regeling}", headers=auth),
                 await client.get("/betalingsregelingen/123", headers=auth)]
        pause = await client.post("/pauzes", headers=auth, json={"einddatum": end})
        seen += [pause, await client.get(pause.headers["Location"], headers=auth),
                 await client.get("/pauzes", headers=auth),
                 await client.delete(f"/pauzes/{pause.json()['id']}", headers=auth),
                 await client.delete("/sessies/huidige", headers=auth),
                 await client.get("/pauzes", headers=auth)]
    assert [r.status_code for r in seen] == [200, 200, 201, 201, 200, 201, 422, 201, 200, 204,
                                             200, 400, 201, 200, 200, 204, 204, 401]
    for response in seen:
        _check(api, response)


async def test_a_literal_path_is_never_read_as_an_id(federation: Federation) -> None:
    async with federation.client() as client:
        headers = await federation.session(client)
        wrong = await client.get("/betalingsregelingen/voorstellen", headers=headers)
        not_uuid = await client.get("/betalingsregelingen/123", headers=headers)
    assert outcome(wrong) == (405, "algemeen/methode-niet-toegestaan")
    assert wrong.headers["Allow"] == "POST"
    assert outcome(not_uuid) == (400, "verzoek/ongeldig")
    assert not_uuid.json()["invalid_params"][0]["name"] == "betalingsregeling_id"


@pytest.mark.parametrize("body", [
    b'{"certificaat": "\xff\xfe"}', b"\xff\xfe\x00", b"[]", b"[" * 100_000 + b"]" * 100_000,
    b'{"certificaat": 1e999999, "bewijs": "x"}', b'{"certificaat": NaN, "bewijs": "x"}', b"",
])
async def test_malformed_bodies_are_400_never_5xx(federation: Federation, body: bytes) -> None:
    async with federation.client() as client:
        response = await client.post("/sessies", content=body,
                                     headers={"Content-Type": "application/json"})
    assert outcome(response) == (400, "verzoek/ongeldig")
    assert response.json()["invalid_params"]
