"""Helpers of the example tests: an example's source set up as the onboarding guide does it.

`ExampleSetup.prepare(name, directory, base_url, **overrides)` does what examples/README.md
tells an organisation to do, in a temporary directory: take the example's `bron.yaml` (with
`overrides`), create the source's signing key, and create the suite's test keys and a test
scheme naming the source at `base_url` (`vorderingen-conformance sleutels`). Then:

- `setup.app(backend=None)`: the source as an ASGI app (the example's adapter, or `backend`);
- `await setup.certify(checks=None)`: `vorderingen-conformance run` through the suite's
  Python API, with the example's test citizens, returning the `RunReport`;
- `loopback()` and `serving(app, sock)`: uvicorn on a loopback socket (context managers);
- `collection_database(directory)`: the water board's collection-system test database,
  set as `$INVORDERING_DATABASE_URL` for as long as the block runs.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from conformance import keys
from conformance.model import Outcome, RunReport
from conformance.runner import RunOptions, run
from conformance.serving import BackgroundServer, bind_loopback, socket_url
from examples.gemeente.citizens import TEST_CITIZENS as GEMEENTE_CITIZENS
from examples.source_cli import TestCitizen
from examples.waterschap.citizens import TEST_CITIZENS as WATERSCHAP_CITIZENS
from examples.waterschap.testdata import create_test_database, sqlite_url
from reference_impl.source.app import create_app, signing_key
from reference_impl.source.backend import ClaimsBackend
from reference_impl.source.config import SourceConfig, config_from_mapping

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
API_PATH = "/vorderingen/v2"
SUITE_DIR = ".vorderingen-conformance"
CITIZENS: dict[str, tuple[TestCitizen, ...]] = {
    "gemeente": GEMEENTE_CITIZENS,
    "waterschap": WATERSCHAP_CITIZENS,
}
MAX_EXAMPLES = 5  # generated requests per operation: enough to exercise, quick to run


def suite_bsns(example: str) -> tuple[str, ...]:
    """The `--test-bsn` values, in the order the example documents them."""
    return tuple(c.bsn for c in CITIZENS[example] if c.rol)


def example_config(example: str) -> dict[str, Any]:
    return yaml.safe_load((EXAMPLES / example / "bron.yaml").read_text(encoding="utf-8"))


@dataclass
class ExampleSetup:
    example: str
    directory: Path
    config: SourceConfig
    suite_keys: keys.SuiteKeys
    base_url: str

    @classmethod
    def prepare(cls, example: str, directory: Path, base_url: str,
                **overrides: Any) -> ExampleSetup:
        """The guide's set-up in `directory` for a source that will answer at `base_url`."""
        data = example_config(example) | overrides
        config = config_from_mapping(data, base_dir=directory)
        config.signing_key_path.parent.mkdir(parents=True, exist_ok=True)
        signing_key(config)
        suite_keys = keys.ensure_keys(directory / SUITE_DIR)
        keys.write_scheme(
            suite_keys, oin=config.oin, api_url=base_url,
            bron_jwk=keys.read_public_jwk(config.signing_key_path.with_suffix(".jwk.json")),
            diensten=config.diensten, naam=config.naam, soort=config.soort,
        )
        return cls(example, directory, config, suite_keys, base_url)

    def app(self, backend: ClaimsBackend | None = None) -> Any:
        return create_app(self.config, backend=backend)

    async def certify(self, checks: tuple[Callable[..., Any], ...] | None = None) -> RunReport:
        options = RunOptions(
            base_url=self.base_url, key_dir=self.suite_keys.directory,
            test_bsns=suite_bsns(self.example), max_examples=MAX_EXAMPLES, checks=checks,
        )
        return await run(options)


@contextlib.contextmanager
def loopback() -> Iterator[tuple[Any, str]]:
    """A bound loopback socket and the base URL a source on it answers at."""
    sock = bind_loopback()
    try:
        yield sock, socket_url(sock) + API_PATH
    finally:
        sock.close()


@contextlib.contextmanager
def serving(app: Any, sock: Any) -> Iterator[None]:
    server = BackgroundServer(app, sock)
    server.start()
    try:
        yield
    finally:
        server.stop()


@contextlib.contextmanager
def collection_database(directory: Path) -> Iterator[str]:
    """The water board's collection-system test database, as `$INVORDERING_DATABASE_URL`."""
    url = sqlite_url(create_test_database(directory / "invordering.db"))
    previous = os.environ.get("INVORDERING_DATABASE_URL")
    os.environ["INVORDERING_DATABASE_URL"] = url
    try:
        yield url
    finally:
        if previous is None:
            os.environ.pop("INVORDERING_DATABASE_URL", None)
        else:
            os.environ["INVORDERING_DATABASE_URL"] = previous


def failures(report: RunReport) -> list[tuple[str, str, str]]:
    """(check, rule, message) of every failed check."""
    return [(r.check, r.rule, r.message) for r in report.results if r.outcome is Outcome.FAILED]
