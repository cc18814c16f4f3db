"""The runner: four outcomes kept apart, needs turned into skips, events in order, and a
verdict that never counts an error as nonconformance."""

from __future__ import annotations

import pytest

from conformance import broken, keys
from conformance.checks.base import check, fail
from conformance.context import CheckContext
from conformance.errors import CheckError, CheckSkipped
from conformance.model import Outcome
from conformance.runner import (
    CheckFinished,
    CheckStarted,
    RunFinished,
    RunOptions,
    RunStarted,
    run,
)

pytestmark = pytest.mark.anyio


@check(rule="/test/passes", area="test")
async def configuratie_answers(ctx: CheckContext) -> None:
    """GET /configuratie answers 200."""
    resp = await ctx.get("/configuratie")
    if resp.status_code != 200:
        fail("not 200", resp)


@check(rule="/test/fails", area="test")
async def always_fails(ctx: CheckContext) -> None:
    """Fails with the last exchange as evidence."""
    await ctx.get("/configuratie")
    fail("/test/other-rule", "this endpoint is wrong on purpose")


@check(rule="/test/should", severity="should", area="test")
async def should_fails(ctx: CheckContext) -> None:
    fail("a recommendation is not followed")


@check(rule="/test/skips", area="test")
async def skips(ctx: CheckContext) -> None:
    raise CheckSkipped("does not apply")


@check(rule="/test/errors", area="test")
async def suite_breaks(ctx: CheckContext) -> None:
    raise CheckError("the network broke")


@check(rule="/test/bug", area="test")
async def suite_has_a_bug(ctx: CheckContext) -> None:
    raise ZeroDivisionError("oops")


@check(rule="/test/needs", area="test", needs=("second_bsn", "arrangement_case"))
async def needs_two_citizens(ctx: CheckContext) -> None:
    """Runs only with two test citizens."""


@check(rule="/test/needs-case", area="test", needs=("arrangement_case", "dienst:pauzes"))
async def needs_a_case(ctx: CheckContext) -> None:
    """Runs when the first citizen has an arrangement-eligible case."""


class Recorder:
    def __init__(self) -> None:
        self.events: list = []

    def handle(self, event) -> None:
        self.events.append(event)


def _options(suite_keys: keys.SuiteKeys, target, checks, **kw) -> RunOptions:
    return RunOptions(
        base_url=target.base_url,
        key_dir=suite_keys.directory,
        transport=target.transport,
        checks=checks,
        **kw,
    )


async def test_outcomes_are_kept_apart(suite_keys, gallery_target) -> None:
    recorder = Recorder()
    checks = (
        configuratie_answers,
        always_fails,
        should_fails,
        skips,
        suite_breaks,
        suite_has_a_bug,
        needs_two_citizens,
        needs_a_case,
    )
    options = _options(suite_keys, gallery_target, checks, test_bsns=(broken.DEFAULT_TEST_BSNS[0],))
    report = await run(options, [recorder])
    by_name = {r.check: r for r in report.results}
    assert by_name["configuratie_answers"].outcome is Outcome.PASSED
    failed = by_name["always_fails"]
    assert failed.outcome is Outcome.FAILED and failed.rule == "/test/other-rule"
    assert failed.evidence and failed.evidence[0].request_url.endswith("/configuratie")
    assert by_name["should_fails"].outcome is Outcome.FAILED
    assert by_name["skips"].outcome is Outcome.SKIPPED
    assert by_name["suite_breaks"].outcome is Outcome.ERROR
    assert by_name["suite_breaks"].message == "the network broke"
    bug = by_name["suite_has_a_bug"]
    assert bug.outcome is Outcome.ERROR and "ZeroDivisionError" in bug.message
    skipped = by_name["needs_two_citizens"]
    assert skipped.outcome is Outcome.SKIPPED and "second" in skipped.message
    assert by_name["needs_a_case"].outcome is Outcome.PASSED
    assert report.verdict.value == "not_conformant"
    assert [type(e) for e in recorder.events] == (
        [RunStarted] + [CheckStarted, CheckFinished] * len(checks) + [RunFinished]
    )
    assert report.oin == gallery_target.oin
    assert report.profiles == ["basis", "betalingsregelingen", "hulpvragen", "pauzes"]


async def test_errors_and_should_failures_leave_the_endpoint_conformant(
    suite_keys, gallery_target
) -> None:
    options = _options(
        suite_keys, gallery_target, (configuratie_answers, should_fails, suite_breaks)
    )
    report = await run(options)
    assert report.verdict.value == "conformant" and report.exit_code == 0


async def test_only_errors_means_could_not_run(suite_keys, gallery_target) -> None:
    report = await run(_options(suite_keys, gallery_target, (suite_breaks,)))
    assert report.exit_code == 3


async def test_expected_failures_and_stale_entries(suite_keys, gallery_target) -> None:
    options = _options(
        suite_keys,
        gallery_target,
        (configuratie_answers, always_fails),
        expected_failures=("always_fails",),
    )
    assert (await run(options)).exit_code == 0
    options = _options(
        suite_keys,
        gallery_target,
        (configuratie_answers, always_fails),
        expected_failures=("always_fails", "configuratie_answers"),
    )
    report = await run(options)
    assert report.exit_code == 1
    assert report.results[-1].check == "stale_expected_failure"


async def test_a_wrong_oin_is_a_finding(suite_keys, gallery_target) -> None:
    from conformance.checks.preflight import configured_oin_matches

    keys.write_scheme(
        suite_keys,
        oin="0" * 20,
        api_url=gallery_target.base_url,
        bron_jwk=suite_keys.rogue_app_manager_key.published_jwk(),
    )
    options = _options(suite_keys, gallery_target, (configured_oin_matches,), oin="0" * 20)
    report = await run(options)
    result = report.results[0]
    assert result.outcome is Outcome.FAILED
    assert "00000001234567890000" in result.message and "0" * 20 in result.message


async def test_a_scheme_that_does_not_name_the_endpoint_is_a_usage_error(
    suite_keys, gallery_target
) -> None:
    from conformance.errors import UsageError

    keys.write_scheme(
        suite_keys,
        oin="0" * 20,
        api_url=gallery_target.base_url,
        bron_jwk=suite_keys.rogue_app_manager_key.published_jwk(),
    )
    with pytest.raises(UsageError, match="sleutels --oin 00000001234567890000"):
        await run(_options(suite_keys, gallery_target, (configuratie_answers,)))


@check(rule="/test/waits", area="test")
async def waits_long(ctx: CheckContext) -> None:
    """Waits far longer than the run may take."""
    import asyncio

    await asyncio.sleep(3600)


async def test_a_run_past_its_deadline_ends_with_the_rest_not_run(
    suite_keys, gallery_target
) -> None:
    from conformance.runner import NOT_RUN

    recorder = Recorder()
    checks = (configuratie_answers, waits_long, configuratie_answers, always_fails)
    report = await run(_options(suite_keys, gallery_target, checks, deadline_s=1), [recorder])
    outcomes = [(r.check, r.outcome) for r in report.results]
    assert outcomes == [("configuratie_answers", Outcome.PASSED), ("waits_long", Outcome.ERROR),
                        ("configuratie_answers", Outcome.ERROR), ("always_fails", Outcome.ERROR)]
    assert all(r.message.startswith(NOT_RUN) for r in report.results[2:])
    assert report.error == "the run's deadline of 1 s passed: 2 of 4 checks not run"
    assert report.exit_code == 3  # could not run: no verdict about the endpoint
    assert [type(e) for e in recorder.events].count(CheckFinished) == len(checks)


async def test_the_report_records_network_option_names_never_header_values(
    suite_keys, gallery_target, tmp_path
) -> None:
    from conformance.network import NetworkOptions

    network = NetworkOptions(headers=(("X-Gateway-Key", "s3cret-value"),),
                             proxy="http://user:pw@proxy.example:3128")
    report = await run(_options(suite_keys, gallery_target, (configuratie_answers,),
                                network=network))
    assert report.network == {"ca_bundle": None, "header_names": ["X-Gateway-Key"],
                              "proxy": "http://proxy.example:3128", "client_certificate": None}
    assert "s3cret-value" not in repr(report.to_dict()) and "pw@" not in repr(report.network)
