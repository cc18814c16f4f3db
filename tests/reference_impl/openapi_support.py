"""openapi-core over httpx: check an exchange against one of the standard's OpenAPI documents.

- `openapi(name)`: spec/openapi/<name>.yaml loaded once, reading the standard's own media
  types (`application/problem+json` as JSON, `application/jose` as text).
- `validate_exchange(api, response)`: the response's request and the response itself checked
  against `api`; openapi-core raises at the first mismatch, failing the test.
- `ValidatingAsgiClient`: an httpx client over an ASGI app that validates every exchange.

Importable from every folder below tests/reference_impl (its conftest puts this folder on
`sys.path`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import httpx
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.deserializing.media_types.util import json_loads, plain_loads
from werkzeug.datastructures import Headers, ImmutableMultiDict

from reference_impl.common.spec import openapi_path

_APIS: dict[str, OpenAPI] = {}


def openapi(name: str) -> OpenAPI:
    """spec/openapi/<name>.yaml for openapi-core, with the standard's other media types."""
    if name not in _APIS:
        config = Config(extra_media_type_deserializers={
            "application/problem+json": json_loads, "application/jose": plain_loads})
        _APIS[name] = OpenAPI.from_file_path(str(openapi_path(name)), config=config)
    return _APIS[name]


class OpenAPIRequest:
    """An httpx request as openapi-core reads it; `path` overrides the URL's path."""

    def __init__(self, request: httpx.Request, path: str | None = None) -> None:
        url = urlparse(str(request.url))
        self.host_url = f"{url.scheme}://{url.netloc}"
        self.path = url.path if path is None else path
        self.method = request.method.lower()
        self.body = request.content or None
        self.content_type = request.headers.get("content-type", "")
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(httpx.QueryParams(url.query).multi_items()),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )


class OpenAPIResponse:
    """An httpx response (already read) as openapi-core reads it."""

    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "")
        self.headers = Headers(list(response.headers.items()))
        self.data: Any = response.content


def validate_exchange(api: OpenAPI, response: httpx.Response, *, valid_request: bool = True,
                      path: str | None = None) -> None:
    """Check `response.request` (unless `valid_request=False`) and `response` against `api`."""
    request = OpenAPIRequest(response.request, path)
    if valid_request:
        api.validate_request(request)
    api.validate_response(request, OpenAPIResponse(response))


class ValidatingAsgiClient:
    """An httpx client over an ASGI app; every exchange checked against spec/openapi/<api>.yaml.

    A test opts out per request only with `valid_request=False` (a request made invalid on
    purpose) or `in_spec=False` (a path the spec does not have). `validated` counts checks.
    """

    def __init__(self, api: str, app: Any, base_url: str) -> None:
        self.api = openapi(api)
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)
        self.validated = 0

    async def request(self, method: str, path: str, *, valid_request: bool = True,
                      in_spec: bool = True, **kwargs: Any) -> httpx.Response:
        response = await self.http.request(method, path, **kwargs)
        if in_spec:
            validate_exchange(self.api, response, valid_request=valid_request)
            self.validated += 1
        return response

    async def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("POST", path, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return await self.request("DELETE", path, **kwargs)

    async def aclose(self) -> None:
        await self.http.aclose()
