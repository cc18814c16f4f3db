"""The retirement of an old major (governance §4, rule /versie/oude-major-deprecation).

From the release of the next major, every response of the old major's base path carries

    Deprecation: @1811808000                              RFC 9745: the next major's release
    Sunset: Thu, 01 Jun 2028 00:00:00 GMT                 RFC 8594: the end of the transition
    Link: <https://…/v3-migratie>; rel="deprecation"      RFC 9745: the migration notes

The source's configuration says so (optional; a date means 00:00 UTC, or give RFC 3339):

    uitfasering:
      major: 2
      deprecation: 2027-06-01
      sunset: 2028-06-01
      migratie_url: https://standaard.example/vorderingen/v3-migratie

`retirement_from_mapping` checks that mapping (a bad value raises `ConfigError` naming the
key); `RetirementHeaders` is the ASGI middleware that adds the three headers to every
response under the retired major's base path, problems, 404s and preflights included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import format_datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from reference_impl.common.errors import ConfigError

KEY = "uitfasering"
MEMBERS = ("major", "deprecation", "sunset", "migratie_url")
MUST_BE_MOMENT = "moet een datum (2027-06-01) of een RFC 3339-tijdstip zijn"
URL = re.compile(r"^https?://[^\s<>\"]+$")


@dataclass(frozen=True)
class Retirement:
    """Major `major` is deprecated since `deprecation` and gone at `sunset` (Unix seconds)."""

    major: int
    deprecation: int
    sunset: int
    migratie_url: str

    def headers(self) -> dict[str, str]:
        return {
            "deprecation": f"@{self.deprecation}",
            "sunset": format_datetime(datetime.fromtimestamp(self.sunset, UTC), usegmt=True),
            "link": f'<{self.migratie_url}>; rel="deprecation"',
        }


def _moment(key: str, value: Any) -> int:
    """Unix seconds of a YAML date, an aware datetime, or an ISO date / RFC 3339 string."""
    if isinstance(value, str):
        try:
            value = (date.fromisoformat(value) if len(value) == 10
                     else datetime.fromisoformat(value))
        except ValueError:
            raise ConfigError(key, value, MUST_BE_MOMENT) from None
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ConfigError(key, value.isoformat(),
                              "mist een UTC-verschuiving (bijv. Z of +02:00)")
        return int(value.timestamp())
    if isinstance(value, date):
        return int(datetime(value.year, value.month, value.day, tzinfo=UTC).timestamp())
    raise ConfigError(key, value, MUST_BE_MOMENT)


def retirement_from_mapping(value: Any) -> Retirement | None:
    """The `uitfasering` configuration mapping as a `Retirement` (None when absent)."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != set(MEMBERS):
        raise ConfigError(KEY, value, f"moet een mapping met precies {', '.join(MEMBERS)} zijn")
    major = value["major"]
    if not isinstance(major, int) or isinstance(major, bool) or major < 1:
        raise ConfigError(f"{KEY}.major", major, "moet een hoofdversienummer zijn (1 of hoger)")
    deprecation = _moment(f"{KEY}.deprecation", value["deprecation"])
    sunset = _moment(f"{KEY}.sunset", value["sunset"])
    if sunset <= deprecation:
        raise ConfigError(f"{KEY}.sunset", value["sunset"], "moet later zijn dan deprecation")
    url = value["migratie_url"]
    if not isinstance(url, str) or not URL.fullmatch(url):
        raise ConfigError(f"{KEY}.migratie_url", url, "moet een http(s)-URL zijn")
    return Retirement(major, deprecation, sunset, url)


class RetirementHeaders:
    """Adds `Retirement.headers()` to every response under `base_path` (pure ASGI, so the
    answers of exception handlers and the common middleware get them too)."""

    def __init__(self, app: ASGIApp, *, base_path: str, retirement: Retirement) -> None:
        self.app = app
        self.base_path = base_path
        self.headers = [(k.encode("latin-1"), v.encode("latin-1"))
                        for k, v in retirement.headers().items()]

    def _applies(self, scope: Scope) -> bool:
        path = scope["path"]
        root = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        return path == self.base_path or path.startswith(self.base_path + "/")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._applies(scope):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
