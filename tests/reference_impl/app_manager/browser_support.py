"""A citizen's browser, as the App Manager's HTML pages meet it: it keeps cookies, follows
redirects, reads the forms of a page and submits them — nothing a real browser would not do.

- `Browser(app)`: pages of the App Manager (an ASGI app at `http://testserver`). A
  redirect to anywhere else (the app's `redirect_uri`) leaves the App Manager: the browser
  records it in `left_to` and delivers it only to a `LoopbackListener` it was given for
  that port — the citizen's own device. It never hands anything back to the test except
  the pages it shows.
- `LoopbackListener`: a real HTTP listener on 127.0.0.1 (the app's side of RFC 8252 §7.3),
  recording the query of every request it receives.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

ORIGIN = "http://testserver"
MAX_REDIRECTS = 10


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    radios: dict[str, list[str]] = field(default_factory=dict)
    selects: dict[str, list[str]] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
        elif not self.forms:
            return
        form = self.forms[-1] if self.forms else None
        if form is None:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind == "radio":
                form.radios.setdefault(a["name"], []).append(a.get("value", ""))
                if "checked" in a:
                    form.fields[a["name"]] = a.get("value", "")
            elif kind == "submit":
                form.buttons.append((a["name"], a.get("value", "")))
            else:
                form.fields[a["name"]] = a.get("value", "")
        elif tag == "button" and a.get("name"):
            form.buttons.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
            form.selects[a["name"]] = []
        elif tag == "option" and self._select:
            form.selects[self._select].append(a.get("value", ""))
            if "selected" in a:
                form.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None


def forms_of(page: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(page)
    return parser.forms


class LoopbackListener:
    """A one-route HTTP server on 127.0.0.1 that records the query of each request."""

    def __init__(self) -> None:
        self.received: list[dict[str, str]] = []
        self._server: asyncio.Server | None = None
        self.port = 0

    @property
    def redirect_uri(self) -> str:
        return f"http://127.0.0.1:{self.port}/terug"

    async def __aenter__(self) -> LoopbackListener:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *_exc: Any) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request_line = (await reader.readline()).decode("latin-1")
        while (await reader.readline()) not in (b"\r\n", b"\n", b""):
            pass
        target = request_line.split(" ")[1] if " " in request_line else "/"
        query = parse_qs(urlsplit(target).query)
        self.received.append({k: v[0] for k, v in query.items()})
        body = b"U kunt terug naar de app."
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
                     + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        await writer.drain()
        writer.close()


class Browser:
    """A citizen's browser on the App Manager's pages (see the module docstring)."""

    def __init__(self, app: Any, listeners: tuple[LoopbackListener, ...] = ()) -> None:
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ORIGIN)
        self.listeners = {listener.port: listener for listener in listeners}
        self.left_to: list[str] = []

    async def aclose(self) -> None:
        await self.http.aclose()

    async def open(self, url: str) -> httpx.Response:
        return await self._follow(await self.http.get(self._local(url)))

    async def submit(self, page: httpx.Response, *, button: tuple[str, str] | None = None,
                     form_index: int = 0, **values: str) -> httpx.Response:
        """Submit a form of `page` with its own fields, `values` changed, and `button`."""
        form = forms_of(page.text)[form_index]
        data = {**form.fields, **values}
        if button is not None:
            assert button in form.buttons, (button, form.buttons)
            data[button[0]] = button[1]
        action = urljoin(str(page.url), form.action or str(page.url))
        response = await self.http.post(self._local(action), data=data)
        return await self._follow(response)

    async def _follow(self, response: httpx.Response) -> httpx.Response:
        for _ in range(MAX_REDIRECTS):
            if response.status_code not in (301, 302, 303, 307, 308):
                return response
            target = urljoin(str(response.url), response.headers["location"])
            if not target.startswith(ORIGIN):
                self.left_to.append(target)
                await self._deliver(target)
                return response
            response = await self.http.get(self._local(target))
        raise AssertionError("too many redirects")

    async def _deliver(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.hostname == "127.0.0.1" and parts.port in self.listeners:
            async with httpx.AsyncClient() as device:
                await device.get(url)

    @staticmethod
    def _local(url: str) -> str:
        return url.removeprefix(ORIGIN)
