"""The schemathesis layer against a real HTTP server (the gallery, served by uvicorn on
127.0.0.1): the correct source passes, a broken one fails and the finding names the cause."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from conformance import keys
from conformance.checks.openapi import (
    openapi_negative_rejected,
    openapi_positive_conformant,
    openapi_stateful_links,
)
from conformance.demo import GalleryLauncher, SuiteMaterial
from conformance.model import Outcome, RunReport
from conformance.runner import RunOptions, run

MAX_EXAMPLES = 5
CHECKS = (openapi_positive_conformant, openapi_negative_rejected, openapi_stateful_links)


def certify(
    tmp_path: Path, broken: str | None, profiles: frozenset[str], checks: tuple = CHECKS
) -> RunReport:
    material = SuiteMaterial(keys.ensure_keys(tmp_path / "sleutels"))
    launcher = GalleryLauncher(broken)
    target = launcher.start(material)
    try:
        options = RunOptions(
            base_url=target.base_url,
            key_dir=material.suite_keys.directory,
            profiles=profiles,
            test_bsns=target.test_bsns,
            max_examples=MAX_EXAMPLES,
            checks=checks,
        )
        return asyncio.run(run(options))
    finally:
        launcher.stop()


@pytest.mark.live
def test_correct_source_passes_every_openapi_check(tmp_path: Path) -> None:
    report = certify(tmp_path, None, frozenset({"basis", "betalingsregelingen", "pauzes"}))
    outcomes = {r.check: (r.outcome, r.message) for r in report.results}
    assert all(o is Outcome.PASSED for o, _ in outcomes.values()), outcomes


@pytest.mark.live
def test_a_server_error_on_bad_input_is_found(tmp_path: Path) -> None:
    report = certify(
        tmp_path, "5xx-bij-fout-verzoek", frozenset({"basis"}), (openapi_negative_rejected,)
    )
    negative = next(r for r in report.results if r.check == "openapi_negative_rejected")
    assert negative.outcome is Outcome.FAILED
    assert "Server error" in negative.message
    assert any(e.response_status == 500 for e in negative.evidence)
    assert all(e.curl.startswith("curl ") for e in negative.evidence)


@pytest.mark.live
def test_a_missing_api_version_header_is_found(tmp_path: Path) -> None:
    report = certify(
        tmp_path, "geen-api-version", frozenset({"basis"}), (openapi_positive_conformant,)
    )
    positive = next(r for r in report.results if r.check == "openapi_positive_conformant")
    assert positive.outcome is Outcome.FAILED
    assert "API-Version" in positive.message


@pytest.mark.live
def test_runs_are_reproducible_with_a_seed(tmp_path: Path) -> None:
    def messages(directory: Path) -> list[str]:
        report = certify(
            directory, "5xx-bij-fout-verzoek", frozenset({"basis"}), (openapi_negative_rejected,)
        )
        return [e.request_body_excerpt for r in report.results for e in r.evidence]

    first, second = messages(tmp_path / "a"), messages(tmp_path / "b")
    assert first and first == second


@pytest.mark.anyio
async def test_a_schemathesis_toml_in_the_working_directory_is_ignored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suite_keys, gallery_target
) -> None:
    """schemathesis auto-discovers schemathesis.toml from the CWD; a certification run must
    not be changed (or broken, by an unset ${VAR}) by whatever file happens to be there."""
    from conformance.context import CheckContext
    from conformance.openapi_layer import Layer

    (tmp_path / "schemathesis.toml").write_text(
        'headers = { Authorization = "Bearer ${NOT_SET_ANYWHERE}" }\n'
        "[generation]\nmax-examples = 999\n"
    )
    monkeypatch.chdir(tmp_path)
    async with await CheckContext.create(
        gallery_target.base_url,
        keys=suite_keys,
        scheme=keys.load_scheme(suite_keys),
        test_bsns=["999993653"],
        transport=gallery_target.transport,
        max_examples=3,
    ) as ctx:
        layer = Layer(ctx, asyncio.get_running_loop())
    assert layer.schema.config.generation.max_examples == 3
    labels = {op.ok().label for op in layer.schema.get_all_operations()}
    assert "POST /hulpvragen" in labels and "GET /pauzes/{pauze_id}" in labels
    assert len(labels) == 16
