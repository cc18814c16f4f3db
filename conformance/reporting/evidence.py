"""Evidence made readable: a JSON body pretty-printed with the member a finding points at
highlighted, a `curl` command that can be replayed (the secrets the report redacted become
shell variables), and every exchange of a run as a HAR file for a browser's network panel.

Evidence in report.json is already redacted (model.py): a session token, a request proof or
a BSN is never in it, so the replay asks for them as ``$SESSIETOKEN``, ``$VERZOEK_BEWIJS``,
``$COOKIE`` and ``$BSN``.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from conformance.model import REDACTED, Evidence, RunReport

# A JSON pointer as checks write it in a message: `/vorderingen/0/saldo`, `#/x`.
POINTER = re.compile(r"(?<![\w.:/])#?(/[A-Za-z0-9_~$@.\-]+(?:/[A-Za-z0-9_~$@.\-]+)*)")
INDENT = "  "
HAR_VERSION = "1.2"
# Header name (lower case) → shell variable holding the secret the report left out.
SECRET_VARIABLES = {"verzoek-bewijs": "VERZOEK_BEWIJS", "cookie": "COOKIE",
                    "dpop": "DPOP"}
AUTH_VARIABLE = "SESSIETOKEN"
_REDACTED_BSN = re.compile(r'("bsn"\s*:\s*")\*+[0-9]{0,2}(")')


@dataclass(frozen=True)
class Line:
    """One line of pretty-printed JSON and the pointer of the value it shows."""

    text: str
    pointer: str


def _escape_token(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pretty(value: Any, pointer: str, depth: int, prefix: str, comma: str) -> Iterator[Line]:
    pad = INDENT * depth
    if isinstance(value, dict) and value:
        yield Line(f"{pad}{prefix}{{", pointer)
        items = list(value.items())
        for i, (key, item) in enumerate(items):
            sep = "," if i < len(items) - 1 else ""
            child = f"{pointer}/{_escape_token(str(key))}"
            yield from _pretty(item, child, depth + 1, json.dumps(key, ensure_ascii=False)
                               + ": ", sep)
        yield Line(f"{pad}}}{comma}", pointer)
    elif isinstance(value, list) and value:
        yield Line(f"{pad}{prefix}[", pointer)
        for i, item in enumerate(value):
            sep = "," if i < len(value) - 1 else ""
            yield from _pretty(item, f"{pointer}/{i}", depth + 1, "", sep)
        yield Line(f"{pad}]{comma}", pointer)
    else:
        yield Line(f"{pad}{prefix}{json.dumps(value, ensure_ascii=False)}{comma}", pointer)


def pretty_lines(body: str) -> list[Line] | None:
    """The body as pretty JSON lines with their pointers; None when it is not (whole) JSON."""
    try:
        value = json.loads(body)
    except (ValueError, TypeError):
        return None
    return list(_pretty(value, "", 0, "", ""))


def pointers_in(message: str) -> list[str]:
    """The JSON pointers a finding's message names, in order, without duplicates."""
    found: list[str] = []
    for match in POINTER.finditer(message or ""):
        pointer = match.group(1)
        if pointer not in found:
            found.append(pointer)
    return found


def highlighted(lines: list[Line], pointers: list[str]) -> list[tuple[str, bool]]:
    """Each line with whether it lies inside a value one of `pointers` names."""
    def inside(line_pointer: str) -> bool:
        return any(line_pointer == p or line_pointer.startswith(p + "/") for p in pointers)

    return [(line.text, bool(pointers) and inside(line.pointer)) for line in lines]


def _quote_with_variables(text: str, variables: dict[str, str]) -> str:
    """Shell-quote `text`, splicing `"$VAR"` where a placeholder (a key of `variables`) is."""
    if not variables:
        return shlex.quote(text)
    pattern = re.compile("|".join(re.escape(k) for k in variables))
    parts: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            parts.append(shlex.quote(text[position:match.start()]))
        parts.append(f'"${variables[match.group(0)]}"')
        position = match.end()
    if position < len(text):
        parts.append(shlex.quote(text[position:]))
    return "".join(parts) or "''"


def replay_curl(evidence: Evidence) -> str:
    """A `curl` that replays the request once the variables it names are set."""
    parts = ["curl", "-sS", "-i", "-X", evidence.request_method.upper(),
             shlex.quote(evidence.request_url)]
    for name, value in evidence.request_headers.items():
        key = name.lower()
        if key in ("content-length", "host", "accept-encoding", "connection", "user-agent"):
            continue
        if key == "authorization" and REDACTED in value:
            scheme = value.split(" ", 1)[0] if " " in value else ""
            header = f"{name}: {scheme} " if scheme and scheme != REDACTED else f"{name}: "
            parts += ["-H", shlex.quote(header) + f'"${AUTH_VARIABLE}"']
        elif key in SECRET_VARIABLES and REDACTED in value:
            parts += ["-H", shlex.quote(f"{name}: ") + f'"${SECRET_VARIABLES[key]}"']
        else:
            parts += ["-H", shlex.quote(f"{name}: {value}")]
    body = evidence.request_body_excerpt
    if body:
        body = _REDACTED_BSN.sub(lambda m: f"{m.group(1)}\0BSN\0{m.group(2)}", body)
        parts += ["--data-raw", _quote_with_variables(body, {"\0BSN\0": "BSN"})]
    return " ".join(parts)


def variables_of(curl: str) -> list[str]:
    """The shell variables a replay needs, in order of appearance."""
    names: list[str] = []
    for name in re.findall(r'"\$([A-Z_]+)"', curl):
        if name not in names:
            names.append(name)
    return names


def _har_headers(headers: dict[str, str]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in headers.items()]


def _content_type(headers: dict[str, str]) -> str:
    lowered = {k.lower(): v for k, v in headers.items()}
    return lowered.get("content-type", "")


def har(report: RunReport, creator_version: str) -> dict[str, Any]:
    """Every exchange of the run's evidence as a HAR 1.2 log (redacted as report.json is);
    each entry's comment names the check and its rule."""
    entries = []
    for result in report.results:
        for ev in result.evidence:
            request: dict[str, Any] = {
                "method": ev.request_method, "url": ev.request_url, "httpVersion": "HTTP/1.1",
                "headers": _har_headers(ev.request_headers), "queryString": [],
                "cookies": [], "headersSize": -1,
                "bodySize": len(ev.request_body_excerpt.encode("utf-8")),
            }
            if ev.request_body_excerpt:
                request["postData"] = {"mimeType": _content_type(ev.request_headers),
                                       "text": ev.request_body_excerpt}
            entries.append({
                "startedDateTime": report.started_at or "1970-01-01T00:00:00Z",
                "time": 0,
                "request": request,
                "response": {
                    "status": ev.response_status or 0, "statusText": "",
                    "httpVersion": "HTTP/1.1", "headers": _har_headers(ev.response_headers),
                    "cookies": [], "redirectURL": "", "headersSize": -1,
                    "bodySize": len(ev.response_body_excerpt.encode("utf-8")),
                    "content": {"size": len(ev.response_body_excerpt.encode("utf-8")),
                                "mimeType": _content_type(ev.response_headers),
                                "text": ev.response_body_excerpt},
                },
                "cache": {},
                "timings": {"send": 0, "wait": 0, "receive": 0},
                "comment": f"{result.check} {result.rule} {result.outcome.value}",
            })
    return {"log": {"version": HAR_VERSION,
                    "creator": {"name": "vorderingen-conformance", "version": creator_version},
                    "entries": entries}}
