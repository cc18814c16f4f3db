"""Log output of the servers: text or one JSON object per line, each with the request id.

- `configure_logging(fmt, level)`: the root logger writes to stderr as `text` (for a
  terminal) or `json` (for a log collector: `{"tijd", "niveau", "logger", "bericht",
  "request_id"}`; an exception is folded into one `fout` member, never extra lines).
- `RequestIdMiddleware` (pure ASGI, outermost): takes the caller's `X-Request-Id` when it
  is a short token of safe characters (a load balancer's id), else makes one; every log
  line written while the request runs carries it, and the response echoes it.
- `Redactor`: a filter on the handler that blanks what must never reach a log even by
  mistake — a nine-digit number (a BSN) and anything shaped like a JWT or session token.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOG_FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"
REQUEST_ID_HEADER = "x-request-id"
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
NO_REQUEST = "-"
# A BSN is nine digits; an OIN (twenty) or a timestamp does not match as a whole word.
_BSN = re.compile(r"(?<![0-9])[0-9]{9}(?![0-9])")
# JWT/JWS (three base64url parts) and opaque session tokens of 32+ base64url characters.
_TOKEN = re.compile(r"eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*|"
                    r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{32,}(?![A-Za-z0-9_-])")

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default=NO_REQUEST)


def redact(text: str) -> str:
    """`text` with BSN-shaped numbers and token-shaped strings replaced."""
    return _BSN.sub("[bsn]", _TOKEN.sub("[token]", text))


class Redactor(logging.Filter):
    """Adds `request_id` to every record and redacts its message (and exception text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        message = redact(record.getMessage())
        record.msg, record.args = message, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line; an exception becomes the single member `fout`."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "tijd": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
                    + f".{int(record.msecs):03d}Z",
            "niveau": record.levelname,
            "logger": record.name,
            "bericht": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        if record.exc_text:
            entry["fout"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(fmt: str = "text", level: int = logging.INFO) -> None:
    """Send every log record to stderr in `fmt` (`text` or `json`), redacted."""
    if fmt not in LOG_FORMATS:
        raise ValueError(f"log format {fmt!r}: use one of {', '.join(LOG_FORMATS)}")
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(Redactor())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)


class RequestIdMiddleware:
    """Gives each HTTP request an id for its log lines and echoes it as `X-Request-Id`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.encode(), b"")
        text = given.decode("latin-1")
        current = text if REQUEST_ID_PATTERN.fullmatch(text) else uuid.uuid4().hex
        token = request_id.set(current)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", [])
                           if k.lower() != REQUEST_ID_HEADER.encode()]
                message["headers"] = [*headers, (REQUEST_ID_HEADER.encode(), current.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id.reset(token)
