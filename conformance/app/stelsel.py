"""The scheme checks of profile `app`: the app is run again against one changed scheme
document each — rolled back, expired, signed by an unpinned key, of another environment — and
must refuse it: a non-zero exit, the problem code on stderr, no overview."""

from __future__ import annotations

from conformance.app.context import AppContext, app_check
from conformance.app.harness import AppRun
from conformance.checks.base import fail
from conformance.errors import CheckSkipped
from conformance.jose import SigningKey


def _expect_refused(run: AppRun, code: str, what: str) -> None:
    """The app refused to work with the scheme: a non-zero exit, the code on stderr and no
    case on stdout."""
    if not run.ended:
        fail(f"with {what} the app did not end: {run.summary()}")
    if run.returncode == 0:
        shown = run.overview and sum(len(g) for g in run.overview.get("groepen", {}).values()
                                     if isinstance(g, list))
        fail(f"with {what} the app exited 0 ({shown or 0} cases shown) instead of refusing "
             f"it with {code}")
    if code not in run.stderr:
        fail(f"with {what} the app exited {run.returncode} but did not name {code} on stderr: "
             f"{run.stderr_tail()}")


@app_check("/app/volgnummer-bewaard")
async def app_refuses_rolled_back_scheme(ctx: AppContext) -> None:
    """Started again with the state directory of a run that accepted volgnummer n, the app
    refuses a scheme document with volgnummer n − 1 (stelsel/volgnummer-teruggedraaid)."""
    first = await ctx.main_run()
    if first.returncode != 0 or ctx.main_state_dir is None:
        raise CheckSkipped("the app's first run did not accept the scheme")
    older = ctx.federation.scheme_variant(volgnummer=ctx.federation.volgnummer - 1)
    run = await ctx.run(scheme=older, state_dir=ctx.main_state_dir)
    _expect_refused(run, "stelsel/volgnummer-teruggedraaid", "an older volgnummer")


@app_check("/app/stelsel-geverifieerd")
async def app_refuses_expired_scheme(ctx: AppContext) -> None:
    """A scheme document whose exp lies more than the clock skew in the past is refused
    (stelsel/verlopen)."""
    run = await ctx.run(scheme=ctx.federation.scheme_variant(expired=True))
    _expect_refused(run, "stelsel/verlopen", "an expired scheme document")


@app_check("/app/stelsel-geverifieerd")
async def app_refuses_scheme_from_unpinned_key(ctx: AppContext) -> None:
    """A scheme document signed with a key outside the pinned set is refused
    (stelsel/sleutel-onbekend)."""
    token = ctx.federation.scheme_variant(signer=SigningKey.generate())
    run = await ctx.run(scheme=token)
    _expect_refused(run, "stelsel/sleutel-onbekend", "a scheme signed by an unpinned key")


@app_check("/app/stelsel-geverifieerd")
async def app_refuses_scheme_of_other_environment(ctx: AppContext) -> None:
    """A correctly signed scheme document of another environment (acceptatie instead of the
    pinned test) is refused (stelsel/verkeerde-omgeving)."""
    run = await ctx.run(scheme=ctx.federation.scheme_variant(omgeving="acceptatie"))
    _expect_refused(run, "stelsel/verkeerde-omgeving", "a scheme of another environment")
