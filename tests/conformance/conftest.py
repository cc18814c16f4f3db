"""Fixtures shared by the conformance suite's tests."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from conformance import keys


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def suite_keys(tmp_path: Path) -> keys.SuiteKeys:
    """Fresh suite key material in a temporary directory (never under the repository)."""
    return keys.ensure_keys(tmp_path / "sleutels")


GALLERY_OIN = "00000001234567890000"
API_PATH = "/vorderingen/v2"


@pytest.fixture
def gallery_target(suite_keys: keys.SuiteKeys):
    """The gallery's correct baseline source, in-process: ``.transport``, ``.base_url``,
    ``.oin``.

    The suite's test scheme names it with its signing key, exactly as an organisation would
    be set up after `vorderingen-conformance sleutels`."""
    import httpx

    from conformance import broken, jose

    signing_key = jose.SigningKey.generate()
    base_url = "http://127.0.0.1" + API_PATH  # a loopback api_url is allowed in a test scheme
    token = keys.write_scheme(
        suite_keys, oin=GALLERY_OIN, api_url=base_url, bron_jwk=signing_key.published_jwk()
    )
    app = broken.build_app(
        None,
        oin=GALLERY_OIN,
        signing_key=signing_key.private,
        scheme_key_jwk=suite_keys.scheme_key.published_jwk(),
        scheme_document=token,
        base_path=API_PATH,
    )
    return SimpleNamespace(
        transport=httpx.ASGITransport(app=app), base_url=base_url, oin=GALLERY_OIN
    )
