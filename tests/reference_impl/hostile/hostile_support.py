"""Helpers of the hostile-client tests (the fixtures are in conftest.py)."""

from __future__ import annotations

from typing import Any

from source_support import RunningSource


def session_headers(running: RunningSource, token: str, method: str, path: str) -> dict[str, Any]:
    """`Authorization` and a fresh `Verzoek-Bewijs` for one request of an open session."""
    return running.trust.request_headers(token, method, running.api_url + path)
