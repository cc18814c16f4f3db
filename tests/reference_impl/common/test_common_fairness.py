"""Each client a bounded share: a client within its share is never held, one beyond it has
its next request held (the work it brings waits, not the others), and a flood is refused with
429 — per client address, with declared bodies paid for before they are read."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from reference_impl.common import fairness
from reference_impl.common.fairness import ClientShare, ShareTable
from reference_impl.common.serving import server_config

pytestmark = pytest.mark.anyio
KIB = 1024
RATE = 100 * KIB  # small numbers keep the arithmetic readable
BURST = 200 * KIB


class Clock:
    """Time that moves only when the middleware sleeps (a held request)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


class App:
    """A tiny ASGI app that reads the whole body and says how many bytes it got, noting
    when (by the clock) it was called."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.called_at: list[float] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        self.called_at.append(self.clock())
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": str(size).encode()})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(clock: Clock) -> App:
    return App(clock)


def client_for(app: App, clock: Clock, address: str) -> httpx.AsyncClient:
    share = ClientShare(app, ShareTable(RATE, BURST, clock=clock), sleep=clock.sleep)
    return _client(share, address)


def _client(share: ClientShare, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=share, client=(address, 50_000))
    return httpx.AsyncClient(transport=transport, base_url="http://bron")


async def test_a_client_within_its_share_is_never_held(app: App, clock: Clock):
    async with client_for(app, clock, "192.0.2.1") as client:
        for _ in range(BURST // fairness.REQUEST_COST_BYTES):  # a burst of small requests
            assert (await client.get("/configuratie")).status_code == 200
    assert clock.slept == []


async def test_a_client_beyond_its_share_is_held_and_others_are_not(app: App, clock: Clock):
    share = ClientShare(app, ShareTable(RATE, BURST, clock=clock), sleep=clock.sleep)
    async with _client(share, "192.0.2.66") as attacker, _client(share, "192.0.2.1") as other:
        body = b"x" * (BURST // 2 - fairness.REQUEST_COST_BYTES)
        for _ in range(2):  # exactly the burst
            assert (await attacker.post("/hulpvragen", content=body)).text == str(len(body))
        assert clock.slept == []
        before = clock.now
        await attacker.post("/hulpvragen", content=body)
        # Held before its body was read: the app saw it only after the wait, which is what
        # the share lacked for this request (its head and its declared body).
        expected = (fairness.REQUEST_COST_BYTES + len(body)) / RATE
        assert clock.slept == [pytest.approx(expected)]
        assert app.called_at[-1] == pytest.approx(before + expected)
        await other.get("/configuratie")
        assert len(clock.slept) == 1  # another address has its own share


async def test_a_chunked_body_is_charged_as_it_arrives(app: App, clock: Clock):
    async def chunks():
        for _ in range(3):
            yield b"y" * (100 * KIB)

    async with client_for(app, clock, "192.0.2.7") as client:
        assert (await client.post("/hulpvragen", content=chunks())).text == str(300 * KIB)
        assert clock.slept == []  # no Content-Length: nothing was known to hold it for
        await client.get("/configuratie")
    assert clock.slept == [pytest.approx((300 * KIB + 2 * fairness.REQUEST_COST_BYTES
                                          - BURST) / RATE)]


class FloodClock(Clock):
    """A flood: the requests arrive faster than the held ones are let through."""

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)


async def test_a_flood_is_refused_with_429_and_retry_after(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(fairness, "MAX_HOLD_S", 5.0)
    clock = FloodClock()
    app = App(clock)
    async with client_for(app, clock, "192.0.2.9") as client:
        big = b"z" * BURST
        for _ in range(3):  # the burst, then held about 2 s and 4 s: still served
            assert (await client.post("/hulpvragen", content=big)).status_code == 200
        assert clock.slept[1:] == [pytest.approx(2.04), pytest.approx(4.06)]
        calls = len(app.called_at)
        refused = await client.post("/hulpvragen", content=big)  # would wait 6.08 s
        clock.now += int(refused.headers["Retry-After"])  # a client that does as it is told
        held = len(clock.slept)
        assert (await client.get("/configuratie")).status_code == 200
        assert len(clock.slept) == held  # the refused body was not charged
    assert refused.status_code == 429
    assert refused.json()["code"] == "algemeen/te-veel-verzoeken"
    assert refused.headers["Retry-After"] == "7"  # whole seconds, rounded up
    assert refused.headers["Connection"] == "close"  # its body is never read
    assert len(app.called_at) == calls + 1  # the refused one never reached the app


def test_the_table_stays_bounded(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(fairness, "MAX_CLIENTS", 100)
    clock = Clock()
    table = ShareTable(RATE, BURST, clock=clock)
    for i in range(1000):
        table.charge(f"10.0.{i // 256}.{i % 256}", 10 * RATE)  # all deep in debt
    assert len(table._full_at) <= 100
    clock.now += 3600  # everyone's budget is full again: idle clients are dropped first
    table.charge("192.0.2.1", 1)
    assert len(table._full_at) <= 100


def test_every_actor_serves_behind_its_clients_shares(app: App):
    config = server_config(app, host="127.0.0.1", port=0, max_connections=10)
    assert isinstance(config.app.app, ClientShare) and config.app.app.app is app
