"""Fixtures for the tests of the reference citizen app (helpers live in app_support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reference_impl.demo.launcher import BackgroundFederation, Federation


@pytest.fixture(scope="module")
def federation() -> Iterator[Federation]:
    """The demo federation on loopback, shared by one test module (read-only use)."""
    with BackgroundFederation() as running:
        yield running


@pytest.fixture
def fresh_federation() -> Iterator[Federation]:
    """A federation of its own, for a test that changes the citizens' data."""
    with BackgroundFederation() as running:
        yield running
