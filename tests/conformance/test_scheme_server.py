"""`stelsel serve`: the test scheme document with a strong ETag, 304 on If-None-Match, and
a new document as soon as `sleutels` writes one."""

from __future__ import annotations

import httpx
import pytest

from conformance import jose, keys
from conformance.scheme_server import SCHEME_PATH, build_app

pytestmark = pytest.mark.anyio


async def test_serves_the_document_with_etag_and_304(suite_keys: keys.SuiteKeys) -> None:
    args = {
        "oin": "0" * 19 + "1",
        "api_url": "https://bron.example/vorderingen/v2",
        "bron_jwk": jose.SigningKey.generate().published_jwk(),
    }
    first = keys.write_scheme(suite_keys, **args, now=1_800_000_000)
    app = build_app(suite_keys.scheme_document_path)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        resp = await client.get(SCHEME_PATH)
        assert resp.status_code == 200
        assert resp.headers["content-type"] == "application/jose"
        assert resp.text == first
        etag = resp.headers["etag"]
        assert etag.startswith('"') and not etag.startswith("W/")
        assert "max-age=60" in resp.headers["cache-control"]
        assert SCHEME_PATH == "/stelsel/v2/stelseldocument"
        again = await client.get(SCHEME_PATH, headers={"If-None-Match": etag})
        assert again.status_code == 304 and again.content == b""
        keys.write_scheme(suite_keys, **args, now=1_800_000_100)
        renewed = await client.get(SCHEME_PATH, headers={"If-None-Match": etag})
        assert renewed.status_code == 200 and renewed.headers["etag"] != etag
        payload = jose.decode_unverified(renewed.text, "stelsel")[1]
        assert payload["volgnummer"] == 1_800_000_100
