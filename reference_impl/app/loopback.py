"""The app's loopback redirect receiver (RFC 8252 §7.3) and its PKCE values (RFC 7636).

`LoopbackReceiver` listens on `127.0.0.1` on an ephemeral port for exactly one browser
redirect: `GET /terugkeer?code&state&iss` (or `?error&state&iss`). It answers the browser
with a small Dutch page ("U kunt dit venster sluiten") and hands the query to the app; any
other path gets 404, and the port closes after the first matching redirect. The app parses
no HTML: the redirect's query is all it reads.

    async with LoopbackReceiver() as receiver:
        receiver.redirect_uri            # http://127.0.0.1:<port>/terugkeer
        query = await receiver.wait(timeout_s=600)

`new_pkce()` gives a fresh `code_verifier` (43 chars from 32 random bytes) and its S256
`code_challenge`; `new_state()` the app's own `state`.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

from reference_impl.app.errors import LoginError
from reference_impl.common.jose import b64url_encode

HOST = "127.0.0.1"
CALLBACK_PATH = "/terugkeer"
VERIFIER_BYTES = 32  # → 43 base64url characters, the minimum of RFC 7636
STATE_BYTES = 24
MAX_REQUEST_BYTES = 16 * 1024
READ_TIMEOUT_S = 10.0
DONE_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1><p>{text}</p><p>U kunt dit venster sluiten.</p></body></html>"""


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str


def new_pkce() -> Pkce:
    """A fresh code_verifier and its S256 code_challenge."""
    verifier = b64url_encode(secrets.token_bytes(VERIFIER_BYTES))
    return Pkce(verifier, s256(verifier))


def s256(verifier: str) -> str:
    """BASE64URL(SHA-256(ASCII(code_verifier)))."""
    return b64url_encode(hashlib.sha256(verifier.encode("ascii")).digest())


def new_state() -> str:
    return b64url_encode(secrets.token_bytes(STATE_BYTES))


class LoopbackReceiver:
    """Receives one login redirect on a loopback port; see the module docstring."""

    def __init__(self, host: str = HOST) -> None:
        self.host = host
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[dict[str, str]] | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            raise LoginError("de ontvanger op loopback luistert niet")
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def redirect_uri(self) -> str:
        return f"http://{self.host}:{self.port}{CALLBACK_PATH}"

    async def __aenter__(self) -> LoopbackReceiver:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def start(self) -> None:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, self.host, 0)

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
            self._server = None

    async def wait(self, timeout_s: float) -> dict[str, str]:
        """The query of the first redirect to the callback path; `LoginError` on timeout."""
        if self._result is None:
            raise LoginError("de ontvanger op loopback luistert niet")
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), timeout_s)
        except TimeoutError:
            raise LoginError(f"niet ingelogd binnen {timeout_s:g} s") from None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT_S)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                ConnectionError):
            writer.close()
            return
        try:
            method, target, _version = head[:MAX_REQUEST_BYTES].decode("latin-1") \
                .split("\r\n", 1)[0].split(" ", 2)
        except ValueError:
            await _answer(writer, 400, "Ongeldig verzoek", "Dit is geen geldig verzoek.")
            return
        parts = urlsplit(target)
        done = self._result is None or self._result.done()
        if method != "GET" or parts.path != CALLBACK_PATH or done:
            await _answer(writer, 404, "Niet gevonden", "Deze pagina bestaat niet (meer).")
            return
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        if "error" in query:
            await _answer(writer, 200, "Inloggen afgebroken", "Het inloggen is afgebroken.")
        else:
            await _answer(writer, 200, "Inloggen gelukt",
                          "U bent ingelogd. Ga terug naar de app om verder te gaan.")
        if self._result is not None and not self._result.done():
            self._result.set_result(query)


async def _answer(writer: asyncio.StreamWriter, status: int, title: str, text: str) -> None:
    body = DONE_PAGE.format(title=title, text=text).encode("utf-8")
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    head = (f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n"
            "Referrer-Policy: no-referrer\r\nConnection: close\r\n\r\n").encode("ascii")
    with contextlib.suppress(ConnectionError):
        writer.write(head + body)
        await writer.drain()
    writer.close()
