"""Reading a JSON request body at a bounded cost (spec/interface.md, "Common HTTP behaviour").

`read_json(request, validator)` guarantees, whatever a client sends:

- **size**: at most `body_limit(route)` bytes are ever held (`Content-Length` is checked
  before anything is read, the stream while it is read): more is 413 `verzoek/te-groot`;
- **time**: the whole body must arrive within `BODY_READ_TIMEOUT_S`, else 400 (a client that
  drips its body cannot hold a handler forever); a client that goes away mid-body raises
  `ClientGone`, which the HTTP middleware logs as a disconnect, not as an error;
- **I-JSON** (RFC 7493): UTF-8, no duplicate member names, no lone surrogates (`"\\udc80"`),
  finite numbers — else 400 `verzoek/ongeldig`, as is nesting beyond the parser's limit;
- **the event loop**: a body larger than `THREAD_ABOVE_BYTES` is parsed and validated in a
  worker thread, so other requests are served meanwhile;
- **bounded errors**: at most `MAX_REPORTED_ERRORS` schema violations are looked for and
  reported, names cut to `MAX_NAME_CHARS`, so the error document stays small and validation
  stops early; reasons name the rule, never the offending value.
"""

from __future__ import annotations

import asyncio
import gc
import json
import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from jsonschema import Draft202012Validator
from starlette.requests import ClientDisconnect, Request

from reference_impl.common.problems import Problem, invalid_request
from reference_impl.common.spec import schema_errors

JSON_MEDIA_TYPE = "application/json"
# Every schema-valid body of the other operations fits, even written with every character
# \u-escaped (the largest: `POST /sessies`, 8192 + 4096 token characters × 6 bytes).
DEFAULT_MAX_BODY_BYTES = 128 * 1024
# Bodies above this are parsed and validated in a worker thread (the event loop meanwhile
# serves others); below it the thread hand-off would cost more than the work.
THREAD_ABOVE_BYTES = 16 * 1024
# Operations whose body legitimately carries more: a help request holds up to 100 signed
# overviews (route template suffix → limit).
LARGE_BODIES = {"/hulpvragen": 1024 * 1024}
BODY_READ_TIMEOUT_S = 10.0
MAX_REPORTED_ERRORS = 20
MAX_NAME_CHARS = 200
MAX_INTEGRAL_DIGITS = 30  # beyond this a number-with-exponent stays a float
TOO_LARGE = "verzoek/te-groot"


class NotIJson(ValueError):
    """Parsed as JSON, but not I-JSON (RFC 7493) or nested too deep; the message says why."""


class ClientGone(Exception):
    """The client closed the connection before its body arrived (not a server error)."""


def body_limit(request: Request) -> int:
    """The byte limit for the body of the operation `request` was routed to."""
    template = getattr(request.scope.get("route"), "path", "") or ""
    for suffix, limit in LARGE_BODIES.items():
        if template.endswith(suffix):
            return limit
    return DEFAULT_MAX_BODY_BYTES


# An answer given before the body was read whole: the connection closes after it, so the
# client stops sending (and the server stops receiving) what nobody will read.
CLOSE = {"Connection": "close"}


def too_large(limit: int) -> Problem:
    return Problem(413, TOO_LARGE, f"De body is groter dan {limit} bytes.", headers=CLOSE)


def _media_type(request: Request) -> str:
    content_type = request.headers.get("content-type")
    return content_type.split(";", 1)[0].strip().lower() if content_type else ""


def unsupported_media_type() -> Problem:
    return Problem(415, "verzoek/mediatype-niet-ondersteund",
                   "Alleen application/json wordt geaccepteerd.")


def check_media_type(request: Request) -> None:
    """415 unless the request says `application/json` (a request without any body and
    without a Content-Type is left to `read_json`, which answers 400)."""
    if request.headers.get("content-type") is None:
        return
    if _media_type(request) != JSON_MEDIA_TYPE:
        raise unsupported_media_type()


async def read_body(request: Request, limit: int) -> bytes:
    """The raw body, at most `limit` bytes, received within `BODY_READ_TIMEOUT_S`."""
    declared = request.headers.get("content-length", "").strip()
    # ASCII digits only: str.isdigit() also takes "²" (a latin-1 header byte), which int() refuses.
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = bytearray()

    async def receive_all() -> None:
        async for chunk in request.stream():
            body.extend(chunk)
            if len(body) > limit:
                raise too_large(limit)

    try:
        await asyncio.wait_for(receive_all(), BODY_READ_TIMEOUT_S)
    except ClientDisconnect:
        raise ClientGone() from None
    except TimeoutError:
        late = invalid_request([("/", f"body not received within {BODY_READ_TIMEOUT_S:g} s")])
        late.headers.update(CLOSE)
        raise late from None
    return bytes(body)


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _number(text: str) -> int | float:
    """`12.0` and `1e3` as the integers they are (JSON Schema counts them as integers, and
    an amount must reach the domain as an int); anything with a fraction stays a float."""
    try:
        value = Decimal(text)
    except InvalidOperation:  # an exponent beyond what Decimal holds (`1e-99999999999999999999`)
        raise NotIJson("a number is out of range") from None
    if value.adjusted() <= MAX_INTEGRAL_DIGITS and value == value.to_integral_value():
        return int(value)
    number = float(text)
    if not math.isfinite(number):
        raise NotIJson("a number is out of range")
    return number


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise NotIJson("a member name occurs twice")
        result[name] = value
    return result


# A \u escape of a surrogate; a pair is fine, and `\\udc80` (an escaped backslash) is no
# escape at all, so a match only says "look closer".
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def check_no_lone_surrogate(text: str, value: Any) -> None:
    """`NotIJson` when `value` (parsed from `text`) holds a lone surrogate anywhere.

    Raw UTF-8 cannot encode a surrogate, so only a `\\u` escape can bring one in: without
    such an escape in `text` nothing is looked at; with one, the value is re-encoded by the
    C encoder (fast, and exact for member names and strings at any depth)."""
    if _SURROGATE_ESCAPE.search(text) is None:
        return
    try:
        json.dumps(value, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise NotIJson("a string or member name holds a lone surrogate") from None


def parse_i_json(body: bytes) -> Any:
    """The I-JSON value of `body`; `ValueError` (or `RecursionError`) for anything else.
    Nesting is bounded by the parser itself (RecursionError, answered as malformed)."""
    text = body.decode("utf-8")
    collecting = gc.isenabled() and len(body) > DEFAULT_MAX_BODY_BYTES
    if collecting:  # JSON has no cycles; collections mid-parse only cost time (~40 %)
        gc.disable()
    try:
        value = json.loads(text, object_pairs_hook=_unique_members,
                           parse_constant=_refuse_constant, parse_float=_number)
    finally:
        if collecting:
            gc.enable()
    check_no_lone_surrogate(text, value)
    return value


def _short(name: str) -> str:
    return name if len(name) <= MAX_NAME_CHARS else name[:MAX_NAME_CHARS - 1] + "…"


def bounded_errors(validator: Draft202012Validator, value: Any) -> list[tuple[str, str]]:
    """At most `MAX_REPORTED_ERRORS` `(name, reason)` pairs, names cut short."""
    errors = schema_errors(validator, value, limit=MAX_REPORTED_ERRORS)
    return [(_short(name), reason) for name, reason in errors[:MAX_REPORTED_ERRORS]]


async def read_json(request: Request, validator: Draft202012Validator | None) -> Any:
    """The JSON body, valid against `validator`; else 415, 413 or 400 as a `Problem`
    (in the precedence of spec/interface.md: media type, size, then content)."""
    content_type = request.headers.get("content-type")
    if content_type is not None and _media_type(request) != JSON_MEDIA_TYPE:
        raise unsupported_media_type()
    body = await read_body(request, body_limit(request))
    if content_type is None:
        if body:
            raise unsupported_media_type()
        raise invalid_request([("/", "a JSON body is required")])
    if len(body) > THREAD_ABOVE_BYTES:
        return await asyncio.to_thread(_parsed_and_valid, body, validator)
    return _parsed_and_valid(body, validator)


def _parsed_and_valid(body: bytes, validator: Draft202012Validator | None) -> Any:
    try:
        value = parse_i_json(body)
    except NotIJson as refused:
        raise invalid_request([("/", str(refused))]) from None
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise invalid_request([("/", "body is not valid UTF-8 JSON")]) from None
    if validator is not None:
        errors = bounded_errors(validator, value)
        if errors:
            raise invalid_request(errors)
    return value
