"""The runner: four outcomes kept apart, needs turned into skips, events in order, and a
verdict that never counts an error as nonconformance."""

from __future__ import annotations

import asyncio

import httpx
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
    assert report.diensten == ["betalingsregelingen", "hulpvragen", "pauzes",
                               "vorderingenoverzicht"]  # as /configuratie announced them


async def test_should_failures_leave_the_endpoint_conformant(suite_keys, gallery_target) -> None:
    report = await run(_options(suite_keys, gallery_target, (configuratie_answers, should_fails)))
    assert report.verdict.value == "conformant" and report.exit_code == 0


async def test_an_errored_must_is_untested_never_nonconformance(
    suite_keys, gallery_target
) -> None:
    options = _options(
        suite_keys, gallery_target, (configuratie_answers, should_fails, suite_breaks)
    )
    report = await run(options)
    assert report.verdict.value == "incomplete" and report.exit_code == 4


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
                              "proxy": "http://proxy.example:3128", "client_certificate": None,
                              "prive_netwerk": False}
    assert "s3cret-value" not in repr(report.to_dict()) and "pw@" not in repr(report.network)


# --- skip kinds, subsets, Ctrl-C, preflight and other actors' contexts ---------------------

@check(rule="/test/not-applicable", area="test")
async def does_not_bind(ctx: CheckContext) -> None:
    from conformance.errors import NotApplicable

    raise NotApplicable("the rule does not bind this endpoint")


@check(rule="/test/needs-service", area="test", needs=("dienst:onbekende-dienst",))
async def needs_an_unoffered_service(ctx: CheckContext) -> None:
    """Runs only when the endpoint offers a service nobody offers."""


@check(rule="/test/needs-citizen", area="test", needs=("test_bsn",))
async def needs_a_citizen(ctx: CheckContext) -> None:
    """Runs only with a test citizen."""


async def test_skips_say_whether_the_rule_was_tested(suite_keys, gallery_target) -> None:
    checks = (configuratie_answers, skips, does_not_bind, needs_an_unoffered_service,
              needs_a_citizen)
    report = await run(_options(suite_keys, gallery_target, checks))
    kinds = {r.check: r.skip for r in report.results}
    assert kinds == {"configuratie_answers": "", "skips": "not_tested",
                     "does_not_bind": "not_applicable",
                     "needs_an_unoffered_service": "not_applicable",
                     "needs_a_citizen": "not_tested"}
    assert (report.verdict.value, report.exit_code) == ("incomplete", 4)
    complete = await run(_options(suite_keys, gallery_target,
                                  (configuratie_answers, does_not_bind,
                                   needs_an_unoffered_service)))
    assert (complete.verdict.value, complete.exit_code) == ("conformant", 0)


async def test_a_waived_must_is_never_plainly_conformant(suite_keys, gallery_target) -> None:
    options = _options(suite_keys, gallery_target, (configuratie_answers, always_fails),
                       expected_failures=("always_fails",))
    report = await run(options)
    assert report.verdict.value == "conformant_with_waivers"
    assert report.counts()["waived"] == 1


async def test_a_check_subset_runs_only_those_and_is_incomplete(suite_keys,
                                                                gallery_target) -> None:
    options = _options(suite_keys, gallery_target, (configuratie_answers, always_fails),
                       check_names=("configuratie_answers",))
    report = await run(options)
    assert [r.check for r in report.results] == ["configuratie_answers"]
    assert report.selection == ["configuratie_answers"]
    assert (report.verdict.value, report.exit_code) == ("incomplete", 4)
    from conformance.errors import UsageError

    with pytest.raises(UsageError, match="--check no_such_check"):
        await run(_options(suite_keys, gallery_target, (configuratie_answers,),
                           check_names=("no_such_check",)))


async def test_ctrl_c_keeps_a_partial_report(suite_keys, gallery_target) -> None:
    """Cancelling the run (what asyncio.run does on Ctrl-C) ends it at once with the rest
    reported as not run; the caller still gets the report."""
    import asyncio

    class CancelOnWait(Recorder):
        def handle(self, event) -> None:
            super().handle(event)
            if isinstance(event, CheckStarted) and event.meta.name == "waits_long":
                asyncio.get_running_loop().call_later(0.2, task.cancel)

    recorder = CancelOnWait()
    checks = (configuratie_answers, waits_long, always_fails)
    task = asyncio.ensure_future(run(_options(suite_keys, gallery_target, checks), [recorder]))
    report = await task
    assert report.interrupted and report.exit_code == 130
    assert report.verdict.value == "incomplete"
    assert [(r.check, r.outcome, r.skip) for r in report.results] == [
        ("configuratie_answers", Outcome.PASSED, ""),
        ("waits_long", Outcome.SKIPPED, "not_run"),
        ("always_fails", Outcome.SKIPPED, "not_run")]
    assert [type(e) for e in recorder.events].count(CheckFinished) == len(checks)
    assert isinstance(recorder.events[-1], RunFinished)


class MinimalActor:
    """The least an actor's context offers the runner (as an App Manager's would)."""

    def __init__(self, api_versie: str | None) -> None:
        self.exchanges: list = []
        self.api_versie = api_versie

    async def unmet_need(self, need: str) -> str | None:
        return None if need == "am:test-idp" else f"no {need}"


@check(rule="/test/am", area="test", needs=("am:test-idp",))
async def am_check(ctx) -> None:
    """Needs what the App Manager's context offers."""


@check(rule="/test/am-missing", area="test", needs=("am:beheersessie",))
async def am_check_unmet(ctx) -> None:
    """Needs what it does not."""


async def test_run_checks_is_generic_over_the_actor(suite_keys) -> None:
    from conformance.runner import new_report, run_checks

    options = RunOptions(base_url="http://127.0.0.1:1/am", key_dir=suite_keys.directory)
    report = new_report(options, actor="app-manager", target=options.base_url,
                        profiles=["app-manager"])
    recorder = Recorder()
    await run_checks(MinimalActor(None), (am_check, am_check_unmet), report=report,
                     reporters=[recorder], options=options)
    assert [(r.outcome, r.skip, r.message) for r in report.results] == [
        (Outcome.PASSED, "", ""), (Outcome.SKIPPED, "not_tested", "no am:beheersessie")]
    assert report.actor == "app-manager" and report.to_dict()["actor"] == "app-manager"
    assert report.finished_at and isinstance(recorder.events[-1], RunFinished)


def test_a_need_of_an_unknown_kind_is_refused_at_import() -> None:
    with pytest.raises(ValueError, match="unknown need"):
        check(rule="/test/x", area="test", needs=("burger",))


# --- preflight: one "could not run" line instead of tens of failures -----------------------

def _profile_options(suite_keys, target, **kw) -> RunOptions:
    return RunOptions(base_url=target.base_url, key_dir=suite_keys.directory,
                      transport=target.transport, **kw)


@pytest.mark.parametrize(("bsns", "message"), [
    (("999993654",), r"--test-bsn #1 \(\*\*\*\*\*\*\*54\) does not pass the elfproef"),
    (("999993653", "999980014"), r"--test-bsn #2 .* is a BSN the suite forges"),
])
async def test_a_test_bsn_the_run_cannot_use_is_a_usage_error(suite_keys, gallery_target,
                                                              bsns, message) -> None:
    from conformance.errors import UsageError

    with pytest.raises(UsageError, match=message):
        await run(_profile_options(suite_keys, gallery_target, test_bsns=bsns))


async def test_an_endpoint_that_does_not_trust_the_suite_could_not_run(
    suite_keys, gallery_target, tmp_path
) -> None:
    from conformance import jose

    other = keys.ensure_keys(tmp_path / "andere-sleutels")  # keys the endpoint never pinned
    keys.write_scheme(other, oin=gallery_target.oin, api_url=gallery_target.base_url,
                      bron_jwk=jose.SigningKey.generate().published_jwk())
    recorder = Recorder()
    report = await run(_profile_options(other, gallery_target,
                                        test_bsns=broken.DEFAULT_TEST_BSNS), [recorder])
    assert report.exit_code == 3 and report.results == []
    assert report.error.startswith("preflight: POST /sessies refused a valid session")
    assert "sleutels" in report.error
    assert [type(e) for e in recorder.events] == [RunStarted, RunFinished]


async def test_a_first_citizen_without_a_suitable_case_could_not_run(
    suite_keys, gallery_target
) -> None:
    citizen_without_claims = "999991012"
    report = await run(_profile_options(suite_keys, gallery_target,
                                        profiles=frozenset({"betalingsregelingen"}),
                                        test_bsns=(citizen_without_claims,)))
    assert report.exit_code == 3
    assert "has no open case with saldo > 0 whose acties include betalingsregeling" \
        in report.error
    assert "profile betalingsregelingen" in report.error and "999991012" not in report.error


class NeverAnswers(httpx.AsyncBaseTransport):
    """An endpoint that accepts the request and never answers."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def test_ctrl_c_while_connecting_still_ends_in_an_interrupted_report(
        suite_keys, gallery_target) -> None:
    """Ctrl-C before any check ran (the endpoint never answers /configuratie) still returns
    a report, marked interrupted, so the caller writes it over the previous run's badge."""
    recorder = Recorder()
    options = RunOptions(base_url=gallery_target.base_url, key_dir=suite_keys.directory,
                         transport=NeverAnswers())
    task = asyncio.ensure_future(run(options, [recorder]))
    asyncio.get_running_loop().call_later(0.2, task.cancel)
    report = await task
    assert report.interrupted and report.results == [] and report.exit_code == 130
    assert report.verdict.value != "conformant"
    assert isinstance(recorder.events[-1], RunFinished)


async def test_a_waiver_outside_a_check_subset_is_not_stale(suite_keys, gallery_target) -> None:
    options = _options(suite_keys, gallery_target, (configuratie_answers, always_fails),
                       check_names=("configuratie_answers",),
                       expected_failures=("always_fails",))
    report = await run(options)
    assert [r.check for r in report.results] == ["configuratie_answers"]
    assert (report.verdict.value, report.exit_code) == ("incomplete", 4)


class RateLimited(httpx.AsyncBaseTransport):
    """The gallery source behind a limit the suite has used up: every POST /sessies* is
    answered 429 (with `Retry-After`, or without: a malformed 429)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, retry_after: bool = True) -> None:
        self.inner, self.retry_after = inner, retry_after

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and request.url.path.rstrip("/").endswith(
                ("/sessies", "/sessies/uitdagingen")):
            headers = {"content-type": "application/problem+json", "api-version": "2.2.0"}
            if self.retry_after:
                headers["retry-after"] = "37"
            return httpx.Response(429, headers=headers, json={
                "type": "urn:nl-vorderingen:probleem:algemeen/te-veel-verzoeken",
                "title": "Te veel verzoeken", "status": 429,
                "code": "algemeen/te-veel-verzoeken"}, request=request)
        return await self.inner.handle_async_request(request)


@check(rule="/test/forged-refused", area="test")
async def forged_session_refused(ctx: CheckContext) -> None:
    """Judges the answer to a forged session: a 429 is no 401."""
    resp = await ctx.post("/sessies", json={"certificaat": "x", "bewijs": "y"})
    if resp.status_code != 401:
        fail(f"a forged session got {resp.status_code}, expected 401", resp)


@check(rule="/test/later", area="test")
async def fails_long_after_a_429(ctx: CheckContext) -> None:
    """Fails with evidence of its own after a 429 scrolled out of the exchange log."""
    await ctx.post("/sessies/uitdagingen")
    for _ in range(12):
        await ctx.get("/configuratie")
    fail("something looked wrong after the refused challenge")


@check(rule="/test/needs-session", area="test")
async def needs_a_session(ctx: CheckContext) -> None:
    await ctx.session(broken.DEFAULT_TEST_BSNS[0])


async def test_a_429_never_becomes_a_finding(suite_keys, gallery_target) -> None:
    """A source limiting the suite's rate says nothing about the rule under test: the check
    that met a 429 is an error (an untested MUST, the run incomplete), never failed — except
    the check whose subject is the 429 itself."""
    from conformance.checks.verzoeklimiet import rate_limit_answered_with_429

    checks = (forged_session_refused, fails_long_after_a_429, needs_a_session,
              always_fails, rate_limit_answered_with_429)
    options = RunOptions(base_url=gallery_target.base_url, key_dir=suite_keys.directory,
                         transport=RateLimited(gallery_target.transport), checks=checks)
    by_name = {r.check: r for r in (await run(options)).results}
    for name in ("forged_session_refused", "fails_long_after_a_429", "needs_a_session"):
        assert by_name[name].outcome is Outcome.ERROR, by_name[name].message
        assert "rate-limited" in by_name[name].message, by_name[name].message
    assert "Retry-After 37 s" in by_name["needs_a_session"].message
    assert by_name["forged_session_refused"].rule == "/test/forged-refused"
    assert by_name["always_fails"].outcome is Outcome.FAILED  # no 429 in it: a finding
    assert by_name["rate_limit_answered_with_429"].outcome is Outcome.PASSED

    options = RunOptions(base_url=gallery_target.base_url, key_dir=suite_keys.directory,
                         transport=RateLimited(gallery_target.transport, retry_after=False),
                         checks=(rate_limit_answered_with_429,))
    (result,) = (await run(options)).results
    assert result.outcome is Outcome.FAILED and "Retry-After" in result.message
