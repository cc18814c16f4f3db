"""HTTP as the app uses it: one client, a timeout on every call, problems turned into errors.

`call(client, method, url, expect=201, ...)` returns the response when its status is one of
`expect`; otherwise it raises `AnswerError` (a 4xx, carrying the problem document's
`code` and `redenen`) or `Unreachable` (no connection, a timeout, or a 5xx). Answers the app
relies on are checked against the component schemas of the OpenAPI documents
(`checked_json(response, "bron", "Voorstel")`): a counterpart that breaks the standard is
refused with `app/antwoord-ongeldig` rather than trusted.
"""

from __future__ import annotations

import json
import ssl
from functools import cache
from typing import Any, Protocol
from urllib.parse import urlsplit

import certifi
import httpx
from jsonschema import Draft202012Validator

from reference_impl.app.errors import AnswerError, Unreachable
from reference_impl.common.spec import openapi_component_validator, schema_errors

REQUEST_TIMEOUT_S = 10.0
CONNECT_TIMEOUT_S = 5.0
MAX_CONNECTIONS = 256
PROBLEM_MEDIA_TYPE = "application/problem+json"
JSON_MEDIA_TYPE = "application/json"
INVALID_ANSWER = "app/antwoord-ongeldig"
TIMEOUT = "app/time-out"
NO_CONNECTION = "app/geen-verbinding"
SERVER_ERROR = "app/serverfout"


@cache
def tls_context() -> ssl.SSLContext:
    """One TLS context for every connection (building one costs ~0.1 s of CPU)."""
    return ssl.create_default_context(cafile=certifi.where())


def new_client(
    transport: httpx.AsyncBaseTransport | None = None, *, timeout_s: float = REQUEST_TIMEOUT_S
) -> httpx.AsyncClient:
    """An async client: bounded timeouts, no cookies kept, no redirects, TLS verified.

    The app gives every source a client of its own (`sources.clients_for`): one connection
    pool per organisation, so the fan-out never queues behind a shared pool."""
    limits = httpx.Limits(max_connections=MAX_CONNECTIONS, max_keepalive_connections=64)
    timeout = httpx.Timeout(timeout_s, connect=min(CONNECT_TIMEOUT_S, timeout_s))
    if transport is None:
        transport = httpx.AsyncHTTPTransport(verify=tls_context(), limits=limits)
    return httpx.AsyncClient(
        transport=transport, timeout=timeout, follow_redirects=False,
        headers={"Accept": JSON_MEDIA_TYPE},
    )


class Answer(Protocol):
    """What the app reads of an answer: `httpx.Response`, or the fan-out's
    `transport.LeanResponse`."""

    status_code: int

    @property
    def headers(self) -> Any: ...

    @property
    def content(self) -> bytes: ...

    @property
    def text(self) -> str: ...

    def json(self) -> Any: ...


class Requester(Protocol):
    """What `call` needs of a client: `httpx.AsyncClient`, or the fan-out's
    `transport.LeanClient`."""

    async def request(self, method: str, url: str, **kwargs: Any) -> Answer: ...

    async def aclose(self) -> None: ...


async def call(
    client: Requester,
    method: str,
    url: str,
    *,
    expect: int | tuple[int, ...],
    json_body: Any = None,
    form: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    timeout_s: float | None = None,
) -> Answer:
    """Send one request; the response if its status is expected, else an `AppError`."""
    expected = (expect,) if isinstance(expect, int) else expect
    sent = dict(headers or {})
    kwargs: dict[str, Any] = {"headers": sent}
    if json_body is not None:
        kwargs["json"] = json_body
    if form is not None:
        kwargs["data"] = form
    if timeout_s is not None:
        kwargs["timeout"] = timeout_s
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.TimeoutException as exc:
        raise Unreachable(TIMEOUT, f"{method} {_path(url)}: geen antwoord op tijd") from exc
    except httpx.HTTPError as exc:
        raise Unreachable(NO_CONNECTION, f"{method} {_path(url)}: {type(exc).__name__}") from exc
    if response.status_code in expected:
        return response
    raise error_for(response, f"{method} {_path(url)}")


def _path(url: str) -> str:
    try:
        return httpx.URL(url).path
    except httpx.InvalidURL:  # what the connection refused to send, named as given
        return urlsplit(url).path


def error_for(response: Answer, request: str | None = None) -> AnswerError | Unreachable:
    """The error an unexpected answer to `request` ("METHOD /path"; by default the
    response's own request) stands for (never quoting a token or a BSN)."""
    problem = _problem(response)
    code = problem.get("code") if isinstance(problem.get("code"), str) else None
    detail = problem.get("detail") if isinstance(problem.get("detail"), str) else ""
    if request is None:
        sent = response.request  # type: ignore[attr-defined]  # an httpx.Response's
        request = f"{sent.method} {sent.url.path}"
    where = f"{request} → {response.status_code}"
    if response.status_code >= 500:
        return Unreachable(code or SERVER_ERROR, detail or where)
    if code is None:
        return AnswerError(response.status_code, INVALID_ANSWER, f"{where} zonder foutcode")
    redenen = problem.get("redenen")
    return AnswerError(response.status_code, code, detail,
                       redenen if isinstance(redenen, list) else None)


def _problem(response: Answer) -> dict[str, Any]:
    media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in (PROBLEM_MEDIA_TYPE, JSON_MEDIA_TYPE):
        return {}
    try:
        value = response.json()
    except (ValueError, UnicodeDecodeError, RecursionError):  # nested too deep
        return {}
    return value if isinstance(value, dict) else {}


def json_of(response: Answer) -> Any:
    """The JSON body, or `AnswerError(app/antwoord-ongeldig)` when it is not JSON."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # nested too deep
        raise AnswerError(0, INVALID_ANSWER, "het antwoord is geen JSON") from exc


def checked_json(response: Answer, api: str, component: str) -> Any:
    """The JSON body, valid against `#/components/schemas/<component>` of `openapi/<api>.yaml`."""
    value = json_of(response)
    errors = schema_errors(component_validator(api, component), value)
    if errors:
        pointer, reason = errors[0]
        raise AnswerError(0, INVALID_ANSWER, f"{component} {pointer}: {reason}")
    return value


def component_validator(api: str, component: str) -> Draft202012Validator:
    """A validator for one component schema of an OpenAPI document (formats asserted; a
    compiled twin answers "valid?" first, see `common.spec.schema_errors`)."""
    return openapi_component_validator(api, component)


def dumps(value: Any) -> str:
    """Compact JSON for logs and files (UTF-8, no ASCII escaping)."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
