"""A reference scheme service (and App Manager) in-process for the stelsel profile's tests,
and broken scheme services: the reference one behind a wrapper that re-signs or rewrites
what it serves, as a careless operator's service would.

`HostRouter` sends each request to the ASGI app of its host, so one transport reaches the
scheme service and the App Manager it lists (each under its own loopback-style host)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from conformance import jose as suite_jose
from conformance.runner import RunOptions
from reference_impl.common.jose import generate_key, load_private_key, public_jwk, sign
from reference_impl.scheme.app import create_app
from reference_impl.scheme.config import SchemeServiceConfig
from reference_impl.scheme.description import description_from_mapping
from reference_impl.scheme.signing import create_operator_key

SCHEME_HOST = "127.0.0.1:8000"
MANAGER_HOST = "127.0.0.1:8002"
DOCUMENT_URL = f"http://{SCHEME_HOST}/stelsel/v2/stelseldocument"
MANAGER_URL = f"http://{MANAGER_HOST}/app-manager/v2"
MANAGER_ID = "profiel-app-manager"
TYP = "stelsel-v2+jwt"


class HostRouter(httpx.AsyncBaseTransport):
    def __init__(self, apps: dict[str, Any]) -> None:
        self.transports = {host: httpx.ASGITransport(app=app) for host, app in apps.items()}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        host = request.url.netloc.decode()
        if host not in self.transports:
            raise httpx.ConnectError(f"no service at {host}", request=request)
        return await self.transports[host].handle_async_request(request)


def scheme_service(tmp_path: Path, manager_jwk: dict[str, Any],
                   http_client: httpx.AsyncClient | None = None) -> tuple[Any, Path, Path]:
    """The reference scheme service listing one source and the App Manager; the app, the
    operator's private key file and its public key file (what verifiers pin)."""
    source_key = generate_key()
    description = description_from_mapping({
        "iss": "profiel-stelselbeheerder", "omgeving": "test",
        "organisaties": [{"oin": "00000001001234567000", "naam": "Gemeente Profielstad",
                          "soort": "gemeente", "api_url": "http://127.0.0.1:8001/vorderingen/v2",
                          "sleutels": [public_jwk(source_key)],
                          "diensten": ["vorderingenoverzicht"],
                          "contact": {"telefoon": "14 0999",
                                      "url": "https://www.profielstad.example/contact"}}],
        "app_managers": [{"id": MANAGER_ID, "naam": "Profiel App Manager",
                          "api_url": MANAGER_URL, "sleutels": [manager_jwk]}],
    })
    private, public = create_operator_key(tmp_path / "stelsel")
    config = SchemeServiceConfig(description=description, key_file=private,
                                 state_dir=tmp_path / "stelsel", poll_interval_s=0.5)
    return create_app(config, http_client=http_client), private, public


def options(tmp_path: Path, transport: httpx.AsyncBaseTransport, pinned: Path | None,
            **more: Any) -> RunOptions:
    return RunOptions(base_url=DOCUMENT_URL, key_dir=tmp_path / "sleutels", transport=transport,
                      stelsel_keys=pinned, deadline_s=None, **more)


Rewrite = Callable[[bytes, dict[str, Any], dict[str, str], int], tuple[bytes, dict[str, str]]]


class Rewritten:
    """An ASGI wrapper: every document `app` serves passes through `rewrite(body, claims,
    headers, n)` (n counts the answers), which returns the body and headers to serve."""

    def __init__(self, app: Any, rewrite: Rewrite) -> None:
        self.app = app
        self.rewrite = rewrite
        self.answers = 0
        self.router = app.router  # lifespan_context for the tests

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        body = bytearray()

        async def keep(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            else:
                body.extend(message.get("body", b""))

        await self.app(scope, receive, keep)
        self.answers += 1
        headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        claims = {}
        if start["status"] == 200 and body.count(b".") == 2:
            claims = json.loads(suite_jose.b64d(bytes(body).split(b".")[1].decode()))
        new_body, new_headers = (bytes(body), headers) if not claims else \
            self.rewrite(bytes(body), claims, headers, self.answers)
        new_headers["content-length"] = str(len(new_body))
        await send({"type": "http.response.start", "status": start["status"],
                    "headers": [(k.encode(), v.encode()) for k, v in new_headers.items()]})
        await send({"type": "http.response.body", "body": new_body})


def resigned(key_file: Path, change: Callable[[dict[str, Any], int], dict[str, Any] | None],
             ) -> Rewrite:
    """A rewrite re-signing the claims `change` returns (None: serve the original)."""
    key = load_private_key(key_file)

    def rewrite(_body: bytes, claims: dict[str, Any], headers: dict[str, str],
                n: int) -> tuple[bytes, dict[str, str]]:
        changed = change(claims, n)
        token = sign(changed if changed is not None else claims, key, typ=TYP)
        etag = '"' + suite_jose.b64e(token.encode()[-24:]) + '"'
        return token.encode(), {**headers, "etag": etag}

    return rewrite
