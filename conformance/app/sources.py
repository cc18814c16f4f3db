"""The sources the suite plays for an app under test: the broken gallery's correct source
(and a few of its flaws), wrapped in one of the hostile behaviours below, every request
recorded.

A `Behaviour` answers for the wrapped source when the app asks for what it names:

- envelope mutations: the correct envelope, changed on the way out — `tamper` leaves the
  signature as it was (a text no longer matches it); `readdress` (another citizen) and the
  `resign` ones (a broken sum, a date ahead, another major, `alg: none`) sign the changed
  document with the source's own listed key, so only the app's other steps can catch them;
- `slow` (no answer before `SLOW_S`), `endless` (a body trickling forever), `huge`
  (`HUGE_BYTES` of JSON), `nested` (`NESTED_DEPTH` levels of arrays), `down` (503 problem);
- `other_oin_config`: `/configuratie` names another organisation's OIN (the app must take
  `aud` from the scheme).

`Recorder` keeps (time, method, path, headers, body) per source, so checks can see when the
app first came and which proofs it sent.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from conformance import jose
from conformance.jose import SigningKey

OVERVIEW_SUFFIX = "/vorderingenoverzicht"
CONFIG_SUFFIX = "/configuratie"
SLOW_S = 120.0  # far beyond any app timeout the suite sets; the server's close ends it
TRICKLE_INTERVAL_S = 0.25
HUGE_BYTES = 32 * 1024 * 1024
HUGE_CHUNK = b"0," * (512 * 1024)
NESTED_DEPTH = 100_000
MAX_RECORDED_BODY = 64 * 1024
TAMPERED_TEXT = "Gewijzigd onderweg"


@dataclass(frozen=True)
class Seen:
    at: float  # time.monotonic()
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Recorder:
    requests: dict[str, list[Seen]] = field(default_factory=dict)

    def of(self, slug: str) -> list[Seen]:
        return self.requests.get(slug, [])


async def _collect(app: ASGIApp, scope: Scope, receive: Receive) -> tuple[Message, bytes]:
    """Run `app` for one request; its start message and whole body."""
    start: dict[str, Message] = {}
    chunks: list[bytes] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            start["message"] = message
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return start["message"], b"".join(chunks)


async def _answer(send: Send, status: int, body: bytes, media: str = "application/json",
                  headers: list[tuple[bytes, bytes]] | None = None) -> None:
    kept = [(k, v) for k, v in headers or [] if k.lower() not in (b"content-length",
                                                                  b"content-type")]
    await send({"type": "http.response.start", "status": status,
                "headers": [*kept, (b"content-type", media.encode()),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def tamper(envelope: dict[str, Any], _key: SigningKey) -> dict[str, Any]:
    """Change a case's description; keep the signature (which no longer matches)."""
    cases = envelope["document"].get("financiele_zaken") or []
    if cases:
        cases[0]["omschrijving"] = TAMPERED_TEXT
    else:
        envelope["document"]["bron"]["naam"] = TAMPERED_TEXT
    return envelope


def readdress(bsn: str) -> Callable[[dict[str, Any], SigningKey], dict[str, Any]]:
    """Make the document another citizen's and sign it properly with the source's key."""
    return resign(lambda document: document.update(bsn=bsn))


def resign(change: Callable[[dict[str, Any]], None], *, alg: str | None = None
           ) -> Callable[[dict[str, Any], SigningKey], dict[str, Any]]:
    """Change the document, then sign it with the source's own listed key (`alg` forges the
    algorithm, e.g. "none": an empty signature)."""

    def mutate(envelope: dict[str, Any], key: SigningKey) -> dict[str, Any]:
        document = envelope["document"]
        change(document)
        return {"document": document, "handtekening": jose.sign_detached(document, key, alg=alg)}

    return mutate


def break_sum(document: dict[str, Any]) -> None:
    """One case's saldo 100 cents off verplicht − vereffend (/document/saldo-klopt)."""
    cases = document.get("financiele_zaken") or []
    if cases:
        cases[0]["saldo"] += 100


def date_ahead(document: dict[str, Any]) -> None:
    """`opgesteld_op` two days ahead: signed, by its own account, in the future."""
    moment = datetime.fromisoformat(document["opgesteld_op"]) + timedelta(days=2)
    document["opgesteld_op"] = moment.isoformat()


def next_major(document: dict[str, Any]) -> None:
    document["documentversie"] = "3.0"


Mutation = Callable[[dict[str, Any], SigningKey], dict[str, Any]]


class Wrapped:
    """One source of the federation: records every request, then behaves as told."""

    def __init__(self, slug: str, inner: ASGIApp, recorder: Recorder, *, key: SigningKey,
                 behaviour: str = "", mutation: Mutation | None = None,
                 other_oin: str = "", closing: threading.Event | None = None) -> None:
        self.slug, self.inner, self.recorder, self.key = slug, inner, recorder, key
        self.behaviour, self.mutation, self.other_oin = behaviour, mutation, other_oin
        self.closing = closing

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.inner(scope, receive, send)
            return
        body = await _read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        self.recorder.requests.setdefault(self.slug, []).append(
            Seen(time.monotonic(), scope["method"], scope["path"], headers,
                 body[:MAX_RECORDED_BODY]))
        replay = _replayer(body)
        path = scope["path"]
        if path.endswith(OVERVIEW_SUFFIX) and scope["method"] == "GET" and self.behaviour:
            await self._hostile(send)
        elif path.endswith(OVERVIEW_SUFFIX) and self.mutation is not None:
            start, answer = await _collect(self.inner, scope, replay)
            if start["status"] != 200:
                await _answer(send, start["status"], answer, headers=start.get("headers"))
                return
            changed = self.mutation(json.loads(answer), self.key)
            await _answer(send, 200, json.dumps(changed).encode(), headers=start.get("headers"))
        elif path.endswith(CONFIG_SUFFIX) and self.other_oin:
            start, answer = await _collect(self.inner, scope, replay)
            config = json.loads(answer)
            config["oin"] = self.other_oin
            await _answer(send, start["status"], json.dumps(config).encode(),
                          headers=start.get("headers"))
        else:
            await self.inner(scope, replay, send)

    async def _hostile(self, send: Send) -> None:
        if self.behaviour == "down":
            problem = {"type": "urn:nl-vorderingen:probleem:algemeen/niet-beschikbaar",
                       "title": "Tijdelijk niet beschikbaar", "status": 503,
                       "code": "algemeen/niet-beschikbaar"}
            await _answer(send, 503, json.dumps(problem).encode(), "application/problem+json")
        elif self.behaviour == "slow":
            await self._wait(SLOW_S)
            await _answer(send, 200, b"{}")
        elif self.behaviour == "nested":
            await _answer(send, 200, b"[" * NESTED_DEPTH + b"]" * NESTED_DEPTH)
        elif self.behaviour == "huge":
            await send({"type": "http.response.start", "status": 200, "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(HUGE_BYTES + 2).encode())]})
            await send({"type": "http.response.body", "body": b"[", "more_body": True})
            sent = 0
            while sent + len(HUGE_CHUNK) < HUGE_BYTES:
                await send({"type": "http.response.body", "body": HUGE_CHUNK, "more_body": True})
                sent += len(HUGE_CHUNK)
            await send({"type": "http.response.body",
                        "body": b"0" * (HUGE_BYTES - sent) + b"]"})
        elif self.behaviour == "endless":
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": b"[", "more_body": True})
            deadline = time.monotonic() + SLOW_S
            while time.monotonic() < deadline and not self._closing():
                await send({"type": "http.response.body", "body": b" ", "more_body": True})
                await asyncio.sleep(TRICKLE_INTERVAL_S)
            await send({"type": "http.response.body", "body": b"]"})
        else:
            raise ValueError(f"unknown behaviour {self.behaviour!r}")

    def _closing(self) -> bool:
        return self.closing is not None and self.closing.is_set()

    async def _wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not self._closing():
            await asyncio.sleep(TRICKLE_INTERVAL_S)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replayer(body: bytes) -> Callable[[], Awaitable[Message]]:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.sleep(3600)  # as a client that keeps the connection open
        return {"type": "http.disconnect"}

    return receive
