"""Hostile bodies cost a bounded amount and are answered with a stable code, never a 5xx:
huge and endless bodies (413 `verzoek/te-groot`), deep nesting, thousands of schema errors
(at most 20 reported, a small document), lone surrogates, duplicate member names, numbers
out of range, impossible dates — authenticated and not."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from app_manager_support import build_app_manager
from clock_support import FakeClock
from hostile_support import session_headers
from source_support import SANNE, RunningSource

from reference_impl.common.jose import b64url_encode
from reference_impl.common.request_body import (
    DEFAULT_MAX_BODY_BYTES,
    MAX_NAME_CHARS,
    MAX_REPORTED_ERRORS,
)

pytestmark = pytest.mark.anyio
JSON = {"Content-Type": "application/json"}


def code(response: httpx.Response) -> tuple[int, str]:
    assert response.headers["content-type"] == "application/problem+json", response.text
    return response.status_code, response.json()["code"]


async def test_a_declared_huge_body_is_refused_before_it_is_read(raw: httpx.AsyncClient):
    body = b'{"certificaat": "' + b"a" * (DEFAULT_MAX_BODY_BYTES + 1) + b'", "bewijs": "x"}'
    response = await raw.post("/sessies", content=body, headers=JSON)
    assert code(response) == (413, "verzoek/te-groot")


async def test_an_endless_chunked_body_is_cut_off_at_the_limit(raw: httpx.AsyncClient):
    sent = 0

    async def endless() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"certificaat": "'
        while sent < 50 * DEFAULT_MAX_BODY_BYTES:  # the server must stop reading long before
            sent += 8192
            yield b"a" * 8192

    response = await raw.post("/sessies", content=endless(), headers=JSON)
    assert code(response) == (413, "verzoek/te-groot")


async def test_a_help_request_may_be_larger_than_other_bodies(gemeente: RunningSource,
                                                              raw: httpx.AsyncClient):
    token = await gemeente.session(SANNE)
    body = json.dumps({"bundel": {"opvulling": "a" * 2 * DEFAULT_MAX_BODY_BYTES},
                       "toestemming": True}).encode()
    headers = session_headers(gemeente, token, "POST", "/hulpvragen") | JSON
    response = await raw.post("/hulpvragen", content=body, headers=headers)
    assert code(response) == (400, "verzoek/ongeldig")  # read and judged, not refused unread


@pytest.mark.parametrize("depth", [40, 5000, 30_000])
async def test_deep_nesting_is_a_400(raw: httpx.AsyncClient, depth: int):
    body = '{"certificaat": ' + "[" * depth + "]" * depth + ', "bewijs": "x"}'
    response = await raw.post("/sessies", content=body, headers=JSON)
    assert code(response) == (400, "verzoek/ongeldig")


async def test_thousands_of_errors_give_a_small_document(raw: httpx.AsyncClient):
    members = {f"o{i}": i for i in range(3000)}  # 3000 errors, well within the limit
    response = await raw.post("/sessies", json=members)
    assert code(response) == (400, "verzoek/ongeldig")
    params = response.json()["invalid_params"]
    assert len(params) == MAX_REPORTED_ERRORS
    assert len(response.content) < 16 * 1024


async def test_a_long_member_name_is_cut_short_in_the_answer(raw: httpx.AsyncClient):
    response = await raw.post("/sessies", json={"x" * 10_000: 1})
    names = [p["name"] for p in response.json()["invalid_params"]]
    assert names and all(len(name) <= MAX_NAME_CHARS for name in names)


async def test_reasons_never_quote_the_offending_value(gemeente: RunningSource,
                                                       raw: httpx.AsyncClient):
    token = await gemeente.session(SANNE)
    path = "/betalingsregelingen/voorstellen"
    for body in ({"zaakkenmerken": ["GEHEIM-123"] * 150, "aantal_termijnen": 2},  # max, unique
                 {"zaakkenmerken": [], "aantal_termijnen": "GEHEIM-123"},
                 {"zaakkenmerken": ["GEHEIM-123"], "aantal_termijnen": 2, "x": "GEHEIM-123"}):
        headers = session_headers(gemeente, token, "POST", path)
        response = await raw.post(path, json=body, headers=headers)
        assert code(response) == (400, "verzoek/ongeldig")
        reasons = " ".join(p["reason"] for p in response.json()["invalid_params"])
        assert "GEHEIM" not in reasons


@pytest.mark.parametrize("body", [
    b'{"certificaat": "\\udc80", "bewijs": "x"}',  # a lone low surrogate
    b'{"certificaat": "a", "bewijs": ["\\ud800"]}',  # a lone high one, in an array
    b'{"\\udc80": 1}',  # in a member name
    b'{"certificaat": "a", "certificaat": "b", "bewijs": "x"}',  # a duplicate member name
    b'{"certificaat": 1e999, "bewijs": "x"}',  # a number no double holds
    b'{"certificaat": 1e-99999999999999999999, "bewijs": "x"}',  # an exponent no Decimal holds
    b'{"certificaat": 0e99999999999999999999999, "bewijs": "x"}',
    b'{"certificaat": NaN, "bewijs": "x"}',
    b'{"certificaat": "\xff", "bewijs": "x"}',  # not UTF-8
])
async def test_non_i_json_is_a_400_without_a_session(raw: httpx.AsyncClient, body: bytes):
    response = await raw.post("/sessies", content=body, headers=JSON)
    assert code(response) == (400, "verzoek/ongeldig")


async def test_a_surrogate_pair_is_a_character_not_a_refusal(raw: httpx.AsyncClient):
    body = b'{"certificaat": "\\ud83d\\ude00", "bewijs": "x"}'
    response = await raw.post("/sessies", content=body, headers=JSON)
    assert code(response) == (401, "certificaat/ongeldig-formaat")  # judged as a token


async def test_a_surrogate_in_an_authenticated_body_is_a_400(gemeente: RunningSource,
                                                             raw: httpx.AsyncClient):
    token = await gemeente.session(SANNE)
    for path, body in (("/pauzes", b'{"einddatum": "\\udc80"}'),
                       ("/betalingsregelingen/voorstellen",
                        b'{"zaakkenmerken": ["\\udc80"], "aantal_termijnen": 2}')):
        headers = session_headers(gemeente, token, "POST", path) | JSON
        response = await raw.post(path, content=body, headers=headers)
        assert code(response) == (400, "verzoek/ongeldig")


@pytest.mark.parametrize("einddatum", ["0000-01-01", "2026-02-30", "2026-13-01"])
async def test_an_impossible_date_is_a_400(gemeente: RunningSource, raw: httpx.AsyncClient,
                                           einddatum: str):
    token = await gemeente.session(SANNE)
    headers = session_headers(gemeente, token, "POST", "/pauzes")
    response = await raw.post("/pauzes", json={"einddatum": einddatum}, headers=headers)
    assert code(response) in {(400, "verzoek/ongeldig"), (422, "pauze/niet-mogelijk")}


def _token(header: bytes, payload: bytes) -> str:
    return f"{b64url_encode(header)}.{b64url_encode(payload)}.{b64url_encode(b'sig')}"


@pytest.mark.parametrize("header,payload", [
    (b'{"alg":"ES256","alg":"ES256","typ":"app-certificaat+jwt","kid":"k"}', b'{"bsn":"1"}'),
    (b'{"alg":"ES256","typ":"app-certificaat+jwt","kid":"k"}', b'{"bsn":"1","bsn":"2"}'),
    (b'{"alg":"ES256","typ":"app-certificaat+jwt","kid":"k"}', b'{"bsn":"\\udc80"}'),
    (b'{"alg":"ES256","typ":"app-certificaat+jwt","kid":"k"}', b"[" * 3000 + b"]" * 3000),
])
async def test_a_token_that_is_not_i_json_is_malformed(raw: httpx.AsyncClient, header: bytes,
                                                       payload: bytes):
    response = await raw.post("/sessies", json={"certificaat": _token(header, payload),
                                                "bewijs": "a.b.c"})
    assert code(response) == (401, "certificaat/ongeldig-formaat")


async def test_no_hostile_body_gives_a_5xx_anywhere(gemeente: RunningSource,
                                                    raw: httpx.AsyncClient):
    token = await gemeente.session(SANNE)
    bodies = [b"", b"null", b"[]", b'"x"', b"{", b'{"a":' * 2000, b"\xef\xbb\xbf{}",
              b'{"\\u0000": "\\u0000"}', b'{"einddatum": "9999-12-31"}',
              b'{"zaakkenmerken": null}', b"1" * 5000, b'{"a": 1' + b", " * 20_000 + b"}"]
    for path in ("/sessies/uitdagingen", "/sessies", "/betalingsregelingen/voorstellen",
                 "/betalingsregelingen", "/pauzes", "/hulpvragen"):
        for body in bodies:
            headers = session_headers(gemeente, token, "POST", path) | JSON | {
                "Idempotency-Key": "hostile"}
            response = await raw.post(path, content=body, headers=headers)
            assert response.status_code < 500, (path, body[:40], response.text)


@pytest.mark.parametrize("body", [
    b'{"publieke_sleutel": {"kty": "EC"}, "state": "\\udc80"}',
    b'{"state": "a", "state": "b"}',
    b"[" * 30_000 + b"]" * 30_000,
])
async def test_the_app_manager_refuses_non_i_json_with_a_400(tmp_path, body: bytes):
    clock = FakeClock()
    app = build_app_manager(tmp_path, clock)
    await app.state.app_manager.start()
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://testserver/app-manager/v2") as client:
            response = await client.post("/registraties", content=body, headers=JSON)
        assert code(response) == (400, "verzoek/ongeldig")
    finally:
        await app.state.app_manager.close()
