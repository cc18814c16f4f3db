"""What the App Manager's request handlers share: the running `AppManager`, JSON answers,
times, and reading the forms of its HTML pages safely.

`read_form(request, fields)` refuses (never with a 5xx) a cross-site post
(`Sec-Fetch-Site: cross-site`, or an `Origin` other than this App Manager's), a body that
is not a form, an unknown field and a missing or oversized one — each a problem document.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from reference_impl.app_manager.pages import origin
from reference_impl.common.http import body_validator, read_json
from reference_impl.common.problems import Problem, invalid_request
from reference_impl.common.request_body import read_body

if TYPE_CHECKING:
    from reference_impl.app_manager.app import AppManager

API = "app-manager"
JSON_MEDIA_TYPE = "application/json"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
TIMEZONE = ZoneInfo("Europe/Amsterdam")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
MAX_FIELD_CHARS = 4000
FORM_TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
MAX_FORM_BYTES = 64 * 1024


async def manager_of(request: Request) -> AppManager:
    manager: AppManager = request.app.state.app_manager
    await manager.start()
    return manager


def json_response(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return Response(body, status_code=status, media_type=JSON_MEDIA_TYPE)


def rfc3339(unix_s: int) -> str:
    """`2026-03-02T10:17:42+01:00`: whole seconds, Amsterdam offset."""
    return datetime.fromtimestamp(unix_s, TIMEZONE).isoformat()


async def json_body(request: Request, path: str) -> Any:
    return await read_json(request, body_validator(API, path, "post"))


def registration_id(request: Request) -> str:
    value = request.path_params["registratie_id"]
    if not UUID.fullmatch(value):
        raise invalid_request([("registratie_id", "is geen UUID")],
                              "De registratie-id in het pad is geen UUID.")
    return str(value)


def not_found(detail: str) -> Problem:
    return Problem(404, "algemeen/niet-gevonden", detail)


def _refuse_cross_site(request: Request, own_origins: set[str]) -> None:
    site = request.headers.get("sec-fetch-site")
    sender = request.headers.get("origin")
    # Our pages are served with `Referrer-Policy: no-referrer`, so a browser posts their
    # forms with `Origin: null`; `Sec-Fetch-Site` then says where the post came from.
    if sender == "null" and site == "same-origin":
        sender = None
    if site == "cross-site" or (sender is not None and sender not in own_origins):
        raise Problem(400, "verzoek/ongeldig",
                      "Dit formulier kan alleen vanaf de eigen pagina worden verstuurd.")


def _form_media_type() -> Problem:
    return Problem(415, "verzoek/mediatype-niet-ondersteund",
                   f"Verstuur dit formulier als {FORM_MEDIA_TYPE}.")


async def read_form(request: Request, manager: AppManager,
                    fields: dict[str, re.Pattern[str]]) -> dict[str, str]:
    """The fields of a form posted from one of this App Manager's own pages, each of which
    must be present and match its pattern."""
    _refuse_cross_site(request, {origin(str(request.base_url)),
                                 origin(manager.base_url(request))})
    # Precedence: 415, then 413 (the body is read at most to its limit), then 400.
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type and media_type != FORM_MEDIA_TYPE:
        raise _form_media_type()
    body = await read_body(request, MAX_FORM_BYTES)  # 413 verzoek/te-groot past the limit
    if not media_type and body:  # an empty form may omit the media type
        raise _form_media_type()
    try:
        # read_body consumed the stream, so the urlencoded form is parsed from the bytes.
        form = FormData(parse_qsl(body.decode("ascii"), keep_blank_values=True,
                                  encoding="utf-8", errors="strict", max_num_fields=100))
    except (UnicodeDecodeError, ValueError):
        raise invalid_request([("/", "het formulier is niet leesbaar")],
                              "Het formulier is onvolledig.") from None
    values: dict[str, str] = {}
    # Like a JSON request body, a form is closed: an unknown field is a typo or a probe.
    invalid = [(name or "/", "onbekend veld") for name in dict.fromkeys(form.keys())
               if name not in fields]
    for name, pattern in fields.items():
        value = form.get(name)
        if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS or \
                not pattern.fullmatch(value):
            invalid.append((name, "ontbreekt of is ongeldig"))
        else:
            values[name] = value
    if invalid:
        raise invalid_request(invalid, "Het formulier is onvolledig.")
    return values
