"""Redaction of everything the suite shows from an HTTP exchange: no secret in clear, no
BSN, bounded excerpts (see conformance.model's guarantees)."""

from __future__ import annotations

import re
import shlex

import httpx

EXCERPT_MAX_CHARS = 2000
REDACTED = "<redacted>"
_AUTH_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,19}$")  # a scheme name worth showing

# header.payload.signature, base64url parts; the header starts with "eyJ" ('{"').
_JWS = re.compile(r"(eyJ[A-Za-z0-9_-]{4,})\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{8,})")
_SECRET_MEMBER = re.compile(r'("(?:sessietoken|nonce)"\s*:\s*")[^"]*(")')
_BSN_MEMBER = re.compile(r'("bsn"\s*:\s*")[0-9]*([0-9]{2})(")')
_SECRET_HEADERS = frozenset({"authorization", "cookie", "set-cookie"})


def redact_text(text: str) -> str:
    """Redact JWS payloads/signatures, session tokens and nonces; mask BSNs."""
    text = _JWS.sub(lambda m: f"{m.group(1)}.{REDACTED if m.group(2) else ''}.{REDACTED}", text)
    text = _SECRET_MEMBER.sub(lambda m: f"{m.group(1)}{REDACTED}{m.group(2)}", text)
    return _BSN_MEMBER.sub(lambda m: f"{m.group(1)}*******{m.group(2)}{m.group(3)}", text)


def redact_headers(headers: dict[str, str] | httpx.Headers) -> dict[str, str]:
    """Headers as a plain dict (lower-case names) with credentials redacted."""
    out: dict[str, str] = {}
    for name, value in headers.items():
        key = name.lower()
        if key == "authorization":
            scheme = value.split(" ", 1)[0] if value else ""
            out[key] = f"{scheme} {REDACTED}" if _AUTH_SCHEME.match(scheme) else REDACTED
        elif key in _SECRET_HEADERS:
            out[key] = REDACTED
        else:
            out[key] = redact_text(value)
    return out


def excerpt(content: bytes | str | None, limit: int = EXCERPT_MAX_CHARS) -> str:
    """A redacted, bounded text excerpt of a body (binary bodies are summarised)."""
    if not content:
        return ""
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(content)} bytes, not UTF-8>"
    else:
        text = content
    text = redact_text(text)
    return text if len(text) <= limit else text[:limit] + f"… <{len(text) - limit} more>"


def curl_line(method: str, url: str, headers: dict[str, str], body: str) -> str:
    """A curl command reproducing a request (credentials shown as placeholders)."""
    parts = ["curl", "-sS", "-i", "-X", method.upper(), shlex.quote(url)]
    for name, value in headers.items():
        if name in {"host", "content-length", "accept-encoding", "connection", "user-agent"}:
            continue
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body:
        parts += ["--data-raw", shlex.quote(body)]
    return " ".join(parts)
