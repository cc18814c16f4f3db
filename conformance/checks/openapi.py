"""The OpenAPI layer as checks: positive, negative and stateful generation from
spec/openapi/bron.yaml against the live endpoint (see `conformance.openapi_layer`).

Each check runs one schemathesis run over the operations of the selected profiles and fails
with one finding listing every distinct problem (operation, check, what) with the exchange
that shows it, including a curl line. Problems of the suite itself (a network error, data
that cannot be generated, a session the endpoint refuses) make the check an error, not a
failure — and an error rather than a pass, since part of the coverage is missing. Each run
restores the test citizen's state afterwards (withdraws arrangements and ends pauses that are
still active).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from conformance.checks.base import check, fail
from conformance.context import CheckContext
from conformance.errors import CheckError

if TYPE_CHECKING:
    from conformance.openapi_layer import Outcome, Problem

RULE_OPENAPI = "/http/openapi-conform"
RULE_INVALID_INPUT = "/http/ongeldige-invoer-geweigerd"
RULE_LINKS = "/http/openapi-links"
MESSAGE_LINES = 10
NEEDS = ("test_bsn",)  # authenticated operations need a real session of a test citizen


def _judge(outcome: Outcome, what: str) -> None:
    """Fail with one line per kind of problem (check and title), naming the operations."""
    if outcome.problems:
        groups: dict[tuple[str, str], list[Problem]] = {}
        for problem in outcome.problems:
            groups.setdefault((problem.check, problem.title), []).append(problem)
        lines = []
        for (check_name, title), problems in list(groups.items())[:MESSAGE_LINES]:
            operations = ", ".join(dict.fromkeys(p.operation for p in problems))
            detail = problems[0].message
            line = f"- [{check_name}] {title} — {operations}"
            lines.append(line if detail == title else f"{line}: {detail}")
        if len(groups) > MESSAGE_LINES:
            lines.append(f"- … and {len(groups) - MESSAGE_LINES} more kinds of problem")
        evidence = [ps[0].evidence for ps in groups.values() if ps[0].evidence is not None]
        fail(f"{len(groups)} kind(s) of problem in {what}:\n" + "\n".join(lines), *evidence)
    if outcome.errors:  # part of the run could not be made: no verdict on coverage we lack
        raise CheckError(
            f"{len(outcome.errors)} request(s) could not be made or generated, e.g. "
            + "; ".join(outcome.errors[:2])
        )
    if not outcome.exercised:
        raise CheckError("no operation could be exercised")


async def restore_state(ctx: CheckContext) -> None:
    """Withdraw arrangements and end pauses of the first test citizen that are active, so
    later behaviour checks find the citizen's cases as they were."""
    diensten = ctx.config.get("diensten") or []
    try:
        session = await ctx.session()
    except CheckError:
        return  # no session, so nothing of the citizen's can have changed either
    for dienst, path, member in (
        ("betalingsregelingen", "/betalingsregelingen", "betalingsregelingen"),
        ("pauzes", "/pauzes", "pauzes"),
    ):
        if dienst not in diensten:
            continue
        resp = await ctx.get(path, session)
        items = resp.json().get(member, []) if resp.status_code == 200 else []
        for item in items:
            if isinstance(item, dict) and item.get("status") == "actief" and "id" in item:
                await ctx.delete(f"{path}/{item['id']}", session)


async def _run(ctx: CheckContext, kind: str) -> Outcome:
    # Imported when the layer runs, not with the profiles: schemathesis, hypothesis and
    # openapi-core take ≈ 0.5 s of CPU to import, which a run then spends while it waits out
    # a session's lifetime instead of before its first check.
    from conformance.openapi_layer import run_layer

    try:
        return await run_layer(ctx, kind)
    finally:
        await restore_state(ctx)


@check(rule=RULE_OPENAPI, area="http", needs=NEEDS)
async def openapi_positive_conformant(ctx: CheckContext) -> None:
    """Every operation answers schema-valid requests as the OpenAPI document says: a
    documented status code, media type and headers, a body valid against its schema, and
    never a 5xx. openapi-core validates every response as a second oracle."""
    _judge(await _run(ctx, "positive"), "answers to valid requests")


@check(rule=RULE_INVALID_INPUT, area="http", needs=NEEDS)
async def openapi_negative_rejected(ctx: CheckContext) -> None:
    """Requests that break the OpenAPI document (wrong types, missing or extra members,
    invalid parameters) are refused with a documented 4xx problem document, never
    accepted and never a 5xx."""
    _judge(await _run(ctx, "negative"), "answers to invalid requests")


@check(rule=RULE_LINKS, area="http", needs=NEEDS)
async def openapi_stateful_links(ctx: CheckContext) -> None:
    """Following the OpenAPI links from a real session (overview → quote → arrangement →
    read and withdraw; overview → pause → end) every answer conforms to the document, and a
    created resource can be read."""
    _judge(await _run(ctx, "stateful"), "stateful scenarios along the links")


OPENAPI_CHECKS = (openapi_positive_conformant, openapi_negative_rejected, openapi_stateful_links)
