"""The openapi-core side of the OpenAPI layer: a second, independent oracle that validates
every response schemathesis receives, plus the redacted evidence of such an exchange.

openapi-core reads the standard's files itself: they are served from the spec directory
once (it would otherwise re-read a file on every `$ref` lookup, and try to fetch a schema's
https `$id` over the network). The OpenAPI document's relative `servers` entry is replaced
by the target's base URL, so path finding works whatever the organisation's api_url path is.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from typing import Any

import schemathesis
from jsonschema_path import SchemaPath
from jsonschema_path.handlers.file import FilePathHandler
from openapi_core import Config, OpenAPI
from openapi_core.contrib.requests import RequestsOpenAPIRequest
from openapi_core.exceptions import OpenAPIError
from werkzeug.datastructures import Headers

from conformance import specfiles
from conformance.model import Evidence, curl_line, excerpt, redact_headers

PROBLEM_MEDIA_TYPE = "application/problem+json"
MESSAGE_MAX_CHARS = 400
RESOLVED_CACHE_SIZE = 4096
NOISE_HEADERS = frozenset({"x-schemathesis-testcaseid", "accept-encoding", "user-agent"})
_FILES = FilePathHandler()


class _StResponse:
    """openapi-core's Response protocol over a schemathesis Response."""

    def __init__(self, response: schemathesis.Response) -> None:
        self._r = response

    @property
    def status_code(self) -> int:
        return self._r.status_code

    @property
    def content_type(self) -> str:
        return (self._r.headers.get("content-type") or [""])[0]

    @property
    def headers(self) -> Headers:
        return Headers([(k, v) for k, vs in self._r.headers.items() for v in vs])

    @property
    def data(self) -> bytes:
        return self._r.content or b""


def openapi_core_oracle(base_url: str) -> Callable[..., None]:
    """A schemathesis check validating every response with openapi-core (second oracle).

    The OpenAPI document's relative `servers` entry is replaced by the target's base URL, so
    path finding works whatever the organisation's api_url path is."""
    spec = copy.deepcopy(specfiles.openapi())
    spec["servers"] = [{"url": base_url}]
    config = Config(extra_media_type_deserializers={PROBLEM_MEDIA_TYPE: json.loads})
    handlers = {"file": _spec_file, "https": _spec_file, "http": _spec_file}
    path = SchemaPath.from_dict(
        spec,
        base_uri=specfiles.openapi_path().as_uri(),
        handlers=handlers,
        resolved_cache_maxsize=RESOLVED_CACHE_SIZE,
    )
    api = OpenAPI(path, config=config)

    def openapi_core_response(ctx: Any, response: schemathesis.Response, case: Any) -> None:
        try:
            api.validate_response(RequestsOpenAPIRequest(response.request), _StResponse(response))
        except OpenAPIError as exc:
            cause = exc.__cause__
            details = getattr(cause, "schema_errors", None) or ([cause] if cause else [exc])
            text = "; ".join(_error_text(e) for e in details)
            raise AssertionError(f"{type(exc).__name__}: {text}"[:MESSAGE_MAX_CHARS]) from None

    return openapi_core_response


@functools.cache
def _spec_file(uri: str) -> Any:
    """A referenced schema, read once from the spec directory (openapi-core would re-read the
    file on every lookup, and would fetch a schema's https `$id` over the network)."""
    if uri.startswith("file:"):
        return _FILES(uri)
    name = uri.split("#", 1)[0].rsplit("/", 1)[-1]
    if name.endswith(".schema.json"):
        return copy.deepcopy(specfiles.schema(name.removesuffix(".schema.json")))
    raise ValueError(f"refusing to fetch {uri}: only the standard's own files are used")


def _error_text(error: Any) -> str:
    path = "/".join(str(p) for p in getattr(error, "absolute_path", []) or [])
    message = str(getattr(error, "message", error))[:200]
    return f"at /{path}: {message}" if path else message


def evidence_of(response: schemathesis.Response) -> Evidence:
    request = response.request
    req_headers = {
        k: v for k, v in redact_headers(dict(request.headers)).items() if k not in NOISE_HEADERS
    }
    body = request.body
    req_body = excerpt(body if isinstance(body, bytes | str) else b"")
    url = str(request.url)
    return Evidence(
        request_method=str(request.method),
        request_url=url,
        request_headers=req_headers,
        request_body_excerpt=req_body,
        response_status=response.status_code,
        response_headers=redact_headers({k: ", ".join(v) for k, v in response.headers.items()}),
        response_body_excerpt=excerpt(response.content),
        curl=curl_line(str(request.method), url, req_headers, req_body),
    )
