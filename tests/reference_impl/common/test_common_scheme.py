"""SchemeSource: loads the scheme document from a file or over HTTP (with ETag), refreshes
it, and keeps the last good document until it expires when a newer one fails."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_impl.common.errors import SchemeUnavailable
from reference_impl.common.jose import generate_key, public_jwk, sign
from reference_impl.common.scheme import (
    FileVolgnummer,
    MemoryVolgnummer,
    SchemeSource,
    SchemeVerifier,
)

pytestmark = pytest.mark.anyio
NOW = 1_767_225_600
APP_MANAGER = {"id": "am", "naam": "AM", "status": "actief",
               "sleutels": {"keys": [public_jwk(generate_key())]}}


class Clock:
    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


def scheme_token(key, volgnummer: int, iat: int = NOW, **changes) -> str:
    claims = {"iss": "test", "iat": iat, "exp": iat + 3600, "volgnummer": volgnummer,
              "omgeving": "test", "organisaties": [], "app_managers": [APP_MANAGER],
              "ingetrokken_certificaten": ["5b0b6f0e-3f43-4a43-9d4c-1c1f7a3b9e01"], **changes}
    return sign(claims, key, typ="stelsel+jwt")


async def test_file_source_refreshes_and_keeps_the_last_good(tmp_path: Path) -> None:
    key, clock = generate_key(), Clock()
    path = tmp_path / "stelsel.jwt"
    path.write_text(scheme_token(key, 2))
    state = FileVolgnummer(tmp_path / "volgnummer")
    source = SchemeSource(path, SchemeVerifier(public_jwk(key), "test", state), clock=clock,
                          refresh_s=300)
    scheme = await source.current()
    assert scheme.payload["volgnummer"] == 2 and state.highest() == 2
    assert scheme.trusted_app_manager("am") is not None and scheme.app_manager("x") is None
    assert scheme.is_revoked("5b0b6f0e-3f43-4a43-9d4c-1c1f7a3b9e01")

    path.write_text(scheme_token(key, 1))  # a rollback: refused, the last good one stays
    clock.now += 301
    assert (await source.current()).payload["volgnummer"] == 2
    path.write_text(scheme_token(key, 3, iat=NOW + 301))
    clock.now += 301
    assert (await source.current()).payload["volgnummer"] == 3
    path.write_text("kapot")
    clock.now += 3600  # the last good one (volgnummer 3) has expired by now
    with pytest.raises(SchemeUnavailable):
        await source.current()


async def test_http_source_uses_the_etag(tmp_path: Path) -> None:
    key, clock = generate_key(), Clock()
    body = scheme_token(key, 1).encode()
    etag = '"' + hashlib.sha256(body).hexdigest() + '"'
    seen: list[str | None] = []

    async def stelseldocument(request: Request) -> Response:
        seen.append(request.headers.get("if-none-match"))
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(body, media_type="application/jose", headers={"ETag": etag})

    app = Starlette(routes=[Route("/stelsel/v1/stelseldocument", stelseldocument)])
    source = SchemeSource("http://stelsel.test/stelsel/v1/stelseldocument",
                          SchemeVerifier(public_jwk(key), "test", MemoryVolgnummer()),
                          clock=clock, transport=httpx.ASGITransport(app=app))
    assert (await source.current()).payload["volgnummer"] == 1
    clock.now += 301
    assert (await source.current()).payload["volgnummer"] == 1
    assert seen == [None, etag]


async def test_unreachable_scheme_is_unavailable() -> None:
    key = generate_key()
    source = SchemeSource("http://127.0.0.1:9/stelseldocument",
                          SchemeVerifier(public_jwk(key), "test"), timeout_s=0.5)
    with pytest.raises(SchemeUnavailable):
        await source.current()
