"""Shared pieces of the end-to-end tests against the demo federation (test_e2e_*.py).

- `honest_app(federation, majors=...)`: the reference app as the citizen runs it, trusting
  the federation's pinned scheme key; `log_in(app, bsn)`: its login, completed in the test
  citizen's own browser.
- `bare_client()`: an HTTP client for an attacker or thief: nothing of the app's.
- `closed_port()`: a loopback port nothing listens on.
- `eventually(check, within_s)`: poll until `check()` is true; the seconds it took.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from reference_impl.app.citizen import AppSettings, CitizenApp
from reference_impl.app.identity import Identity
from reference_impl.app.trust import TrustAnchor
from reference_impl.demo.test_citizen import TestCitizenBrowser

OMGEVING = "test"
SANNE = "999993653"
POLL_S = 0.25


def honest_app(federation: Any, *, majors: frozenset[int] = frozenset({2}),
               apparaat_naam: str = "telefoon van de burger") -> CitizenApp:
    anchor = TrustAnchor.from_key_file(federation.scheme_url, federation.scheme_key_path,
                                       OMGEVING)
    return CitizenApp(AppSettings(anchor, federation.app_manager_url, None, 10.0, majors,
                                  apparaat_naam))


async def log_in(app: CitizenApp, bsn: str = SANNE) -> Identity:
    async with TestCitizenBrowser(bsn, omgeving=OMGEVING) as browser:
        return await app.login(browser)


def bare_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(timeout=10, follow_redirects=False,
                             headers={"Accept": "application/json"})


def closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def eventually(check: Callable[[], Awaitable[bool]], within_s: float) -> float:
    """Seconds until `check()` holds; AssertionError when it does not within `within_s`."""
    started = time.monotonic()
    while True:
        if await check():
            return time.monotonic() - started
        if time.monotonic() - started > within_s:
            raise AssertionError(f"not within {within_s:g} s")
        await asyncio.sleep(POLL_S)


def code_of(response: httpx.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("code") if isinstance(body, dict) else None
