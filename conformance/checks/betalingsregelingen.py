"""Accepting and withdrawing payment arrangements (spec/interface.md, "Arrangements").

Acceptance must be idempotent, checked (an unknown, used or outdated quote is refused) and
safe under concurrency; withdrawal within the cooling-off period must work and show in the
claims document. Every check that accepts a quote withdraws what it created (`cleanup`),
so runs are repeatable; when the organisation's cooling-off period is 0 days nothing
accepted could be withdrawn, and those checks skip with that reason. Quotes themselves are
`checks.voorstellen`.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from datetime import timedelta

import httpx

from conformance import testklok
from conformance.checks import answers
from conformance.checks.answers import json_body, parse_instant
from conformance.checks.base import check, expect_problem, expect_status, fail, problem_code
from conformance.checks.document import case_by_id
from conformance.checks.voorstellen import (
    AREA,
    NEEDS,
    QUICK_EXPIRY_MAX_S,
    arrangement_case,
    last_exchange,
    limits,
    valid_quote,
)
from conformance.context import CheckContext, Session
from conformance.errors import CheckSkipped

PATH = "/betalingsregelingen"
WITHDRAWAL_RULE = "/betalingsregeling/intrekken-bedenktijd"
ACCEPTANCE_RULE = "/betalingsregeling/acceptatie-gecontroleerd"
EXPIRY_MARGIN_S = 2  # past verloopt_op by more than whole-second rounding
EARLY_MARGIN_MAX_S = 30  # how long before verloopt_op a quote is accepted on the test clock
BOUNDARY_MARGIN_S = 120  # either side of bedenktijd_tot: clock skew plus request time


IDEMPOTENCY_KEY_MAX = 255  # characters (/betalingsregeling/idempotent)


async def accept(ctx: CheckContext, session: Session, voorstel_id: str, key: str | None):
    headers = {"Idempotency-Key": key} if key is not None else {}
    return await ctx.post(PATH, session, json={"voorstel_id": voorstel_id}, headers=headers)


async def withdraw(ctx: CheckContext, session: Session, regeling_id: str) -> httpx.Response:
    return await ctx.delete(f"{PATH}/{regeling_id}", session)

def require_cooling_off(ctx: CheckContext) -> None:
    if limits(ctx)["bedenktijd_dagen"] < 1:
        raise CheckSkipped("bedenktijd_dagen is 0: an accepted arrangement could not be "
                           "withdrawn, so the suite does not create one")

@asynccontextmanager
async def cleanup(ctx: CheckContext, session: Session) -> AsyncIterator[set[str]]:
    """Collects ids of arrangements a check created and withdraws them all at the end.

    A withdrawal that fails after the check itself succeeded is a finding of its own
    (/betalingsregeling/intrekken-bedenktijd): the arrangement is well within its cooling-off
    period, and a run must not silently leave the citizen's case in an arrangement."""
    created: set[str] = set()
    try:
        yield created
    except BaseException:
        for regeling_id in sorted(created):
            with suppress(httpx.HTTPError):
                await withdraw(ctx, session, regeling_id)
        raise
    for regeling_id in sorted(created):
        resp = await withdraw(ctx, session, regeling_id)
        if resp.status_code != httpx.codes.NO_CONTENT:
            fail(WITHDRAWAL_RULE, f"withdrawing arrangement {regeling_id}, accepted moments ago "
                 f"by this check, answered {resp.status_code} instead of 204", resp)


def created_id(resp: httpx.Response) -> str | None:
    if resp.status_code != httpx.codes.CREATED:
        return None
    regeling_id = json_body(resp).get("id")
    return regeling_id if isinstance(regeling_id, str) else None

@check(rule="/betalingsregeling/voorstel-verloopt", area=AREA, needs=NEEDS)
async def expired_quote_refused(ctx: CheckContext) -> None:
    """Accepting a quote after its ``verloopt_op`` is refused with 409
    betalingsregeling/voorstel-verlopen.

    With the source's test clock the citizen's clock is moved just before ``verloopt_op``
    (a quote is accepted there) and just past it; without one the suite waits the validity
    out, only when it is at most 30 s."""
    validity = limits(ctx)["voorstel_geldigheid_s"]
    clocked = await testklok.offered(ctx)
    if not clocked and validity > QUICK_EXPIRY_MAX_S:
        raise CheckSkipped(f"voorstel_geldigheid_s is {validity} s; the suite waits out at most "
                           f"{QUICK_EXPIRY_MAX_S} s and the endpoint offers no test clock")
    session = await ctx.session()
    body = await valid_quote(ctx, session, await arrangement_case(ctx, session))
    if clocked:
        before = min(EARLY_MARGIN_MAX_S, validity // 2)  # latency between quote and accept
        if before >= 1:
            async with testklok.moved(ctx, validity - before, session), \
                    cleanup(ctx, session) as created:
                resp = await accept(ctx, session, body["voorstel_id"], str(uuid.uuid4()))
                if (regeling_id := created_id(resp)) is not None:
                    created.add(regeling_id)
                if resp.status_code != httpx.codes.CREATED:
                    fail(f"{before} s before its verloopt_op a quote was refused: "
                         f"{resp.status_code} {problem_code(resp)!r}", resp)
            body = await valid_quote(ctx, session, await arrangement_case(ctx, session))
        async with testklok.moved(ctx, validity + EXPIRY_MARGIN_S, session):
            await _accept_expired(ctx, session, body)
        return
    expires = parse_instant(body.get("verloopt_op"))
    remaining = validity if expires is None else expires.timestamp() - ctx.now()
    await answers.wait(min(max(remaining, 0), validity) + 1.5)
    await _accept_expired(ctx, session, body)


async def _accept_expired(ctx: CheckContext, session: Session, body: dict) -> None:
    async with cleanup(ctx, session) as created:
        resp = await accept(ctx, session, body["voorstel_id"], str(uuid.uuid4()))
        if (regeling_id := created_id(resp)) is not None:
            created.add(regeling_id)
        expect_problem(resp, 409, "betalingsregeling/voorstel-verlopen")

# --- acceptance -------------------------------------------------------------------------------


@check(rule="/betalingsregeling/idempotent", area=AREA, needs=NEEDS)
async def missing_idempotency_key_refused(ctx: CheckContext) -> None:
    """Accepting a quote without an Idempotency-Key is refused with 400
    idempotentie/sleutel-ontbreekt."""
    session = await ctx.session()
    body = await valid_quote(ctx, session, await arrangement_case(ctx, session))
    async with cleanup(ctx, session) as created:
        resp = await accept(ctx, session, body["voorstel_id"], None)
        if (regeling_id := created_id(resp)) is not None:
            created.add(regeling_id)
        expect_problem(resp, 400, "idempotentie/sleutel-ontbreekt")


@check(rule="/betalingsregeling/idempotent", area=AREA, needs=NEEDS)
async def malformed_idempotency_key_refused(ctx: CheckContext) -> None:
    """An Idempotency-Key longer than 255 characters is malformed: 400 verzoek/ongeldig,
    and nothing is accepted."""
    session = await ctx.session()
    body = await valid_quote(ctx, session, await arrangement_case(ctx, session))
    async with cleanup(ctx, session) as created:
        resp = await accept(ctx, session, body["voorstel_id"], "k" * (IDEMPOTENCY_KEY_MAX + 1))
        if (regeling_id := created_id(resp)) is not None:
            created.add(regeling_id)
        expect_problem(resp, 400, "verzoek/ongeldig")


@check(rule="/betalingsregeling/idempotent", area=AREA, needs=NEEDS)
async def acceptance_is_idempotent(ctx: CheckContext) -> None:
    """Repeating an acceptance with the same Idempotency-Key and body returns the same
    arrangement (201, same body, ``Idempotent-Replayed: true``) and creates no second one."""
    require_cooling_off(ctx)
    session = await ctx.session()
    body = await valid_quote(ctx, session, await arrangement_case(ctx, session))
    key = str(uuid.uuid4())
    async with cleanup(ctx, session) as created:
        first = await accept(ctx, session, body["voorstel_id"], key)
        second = await accept(ctx, session, body["voorstel_id"], key)
        created.update(i for i in (created_id(first), created_id(second)) if i)
        expect_status(first, 201)
        expect_status(second, 201)
        if json_body(first) != json_body(second):
            fail("the repeated acceptance answered another body (a second arrangement?)",
                 first, second)
        if second.headers.get("idempotent-replayed", "").lower() != "true":
            fail("the repeated acceptance lacks `Idempotent-Replayed: true`", second)


@check(rule="/betalingsregeling/idempotent", area=AREA, needs=NEEDS)
async def reused_idempotency_key_refused(ctx: CheckContext) -> None:
    """An Idempotency-Key used once cannot accept another quote: 422
    idempotentie/sleutel-hergebruikt."""
    require_cooling_off(ctx)
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    first_quote = await valid_quote(ctx, session, case)
    other_quote = await valid_quote(ctx, session, case)
    key = str(uuid.uuid4())
    async with cleanup(ctx, session) as created:
        first = await accept(ctx, session, first_quote["voorstel_id"], key)
        second = await accept(ctx, session, other_quote["voorstel_id"], key)
        created.update(i for i in (created_id(first), created_id(second)) if i)
        expect_status(first, 201)
        expect_problem(second, 422, "idempotentie/sleutel-hergebruikt")


@check(rule="/betalingsregeling/idempotent", area=AREA, needs=(*NEEDS, "second_bsn"))
async def idempotency_key_scoped_to_citizen(ctx: CheckContext) -> None:
    """A key is scoped to the citizen: the second citizen sending the first citizen's key
    with the very same body is not answered the first citizen's arrangement (a replay
    across citizens would hand it over); their request is judged as their own, and the
    quote is not theirs: 422 betalingsregeling/voorstel-onbekend."""
    require_cooling_off(ctx)
    first = await ctx.session()
    second = await ctx.session(ctx.other_bsn(first.bsn))
    quote = await valid_quote(ctx, first, await arrangement_case(ctx, first))
    key = str(uuid.uuid4())
    async with cleanup(ctx, first) as created:
        made = await accept(ctx, first, quote["voorstel_id"], key)
        created.update(i for i in (created_id(made),) if i)
        expect_status(made, 201)
        other = await accept(ctx, second, quote["voorstel_id"], key)
        if other.status_code == httpx.codes.CREATED:
            fail("the second citizen, sending the first citizen's Idempotency-Key and body, "
                 "was answered the first citizen's arrangement", made, other)
        expect_problem(other, 422, "betalingsregeling/voorstel-onbekend")


@check(rule="/betalingsregeling/gelijktijdig", area=AREA, needs=NEEDS)
async def concurrent_acceptances_create_one(ctx: CheckContext) -> None:
    """Two simultaneous acceptances with one Idempotency-Key create one arrangement."""
    require_cooling_off(ctx)
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    body = await valid_quote(ctx, session, case)
    key = str(uuid.uuid4())
    async with cleanup(ctx, session) as created:
        results = await asyncio.gather(*(accept(ctx, session, body["voorstel_id"], key)
                                         for _ in range(2)))
        created.update(i for i in map(created_id, results) if i)
        listing = await ctx.get(PATH, session)
        active = [r.get("id") for r in json_body(listing).get("betalingsregelingen") or []
                  if isinstance(r, dict) and r.get("status") == "actief"
                  and case["zaakkenmerk"] in (r.get("zaakkenmerken") or [])]
        created.update(i for i in active if isinstance(i, str))
        if not any(a.status_code == httpx.codes.CREATED for a in results):
            fail("neither of two concurrent acceptances succeeded", *results)
        if len(created) != 1:
            fail(f"two concurrent acceptances with one key created {len(created)} "
                 "arrangements", *results, listing)


@check(rule="/betalingsregeling/intrekken-bedenktijd", area=AREA, needs=NEEDS)
async def withdrawal_within_cooling_off(ctx: CheckContext) -> None:
    """Within the cooling-off period DELETE withdraws an arrangement (204, status ingetrokken
    with ingetrokken_op; 204 again when repeated); bedenktijd_tot is aangegaan_op plus
    bedenktijd_dagen."""
    require_cooling_off(ctx)
    session = await ctx.session()
    body = await valid_quote(ctx, session, await arrangement_case(ctx, session))
    async with cleanup(ctx, session) as created:
        resp = await accept(ctx, session, body["voorstel_id"], str(uuid.uuid4()))
        expect_status(resp, 201)
        regeling = json_body(resp)
        regeling_id = created_id(resp)
        if regeling_id is None:
            fail("the accepted arrangement has no id", resp)
        created.add(regeling_id)
        start, until = parse_instant(regeling.get("aangegaan_op")), \
            parse_instant(regeling.get("bedenktijd_tot"))
        if not start or not until or \
                until - start != timedelta(days=limits(ctx)["bedenktijd_dagen"]):
            fail("bedenktijd_tot is not aangegaan_op + bedenktijd_dagen", resp)
        expect_status(await withdraw(ctx, session, regeling_id), 204)
        after = await ctx.get(f"{PATH}/{regeling_id}", session)
        state = json_body(after)
        if state.get("status") != "ingetrokken" or "ingetrokken_op" not in state:
            fail(f"after withdrawal the arrangement has status {state.get('status')!r} "
                 f"(expected ingetrokken, with ingetrokken_op)", after)
        expect_status(await withdraw(ctx, session, regeling_id), 204)


async def _withdrawn_at(ctx: CheckContext, session: Session, offset_s: int) -> httpx.Response:
    """Accept a fresh quote, move the citizen's clock to `offset_s` from its bedenktijd_tot,
    and withdraw it there; the answer (the arrangement is withdrawn at real time afterwards
    if it still stands)."""
    body = await valid_quote(ctx, session, await arrangement_case(ctx, session))
    async with cleanup(ctx, session) as created:
        resp = await accept(ctx, session, body["voorstel_id"], str(uuid.uuid4()))
        expect_status(resp, 201)
        regeling_id, until = created_id(resp), parse_instant(json_body(resp).get("bedenktijd_tot"))
        if regeling_id is None or until is None:
            fail("the accepted arrangement has no id or bedenktijd_tot", resp)
        shift = max(int(until.timestamp()) - ctx.now() + offset_s, 0)
        async with testklok.moved(ctx, shift, session):
            answer = await withdraw(ctx, session, regeling_id)
        if answer.status_code != httpx.codes.NO_CONTENT:
            created.add(regeling_id)
    return answer


@check(rule=WITHDRAWAL_RULE, area=AREA, needs=NEEDS)
async def withdrawal_bounded_by_cooling_off(ctx: CheckContext) -> None:
    """On the test clock: two minutes before bedenktijd_tot an arrangement is withdrawn (204);
    two minutes after it, withdrawal is refused with 409
    betalingsregeling/bedenktijd-verstreken."""
    require_cooling_off(ctx)
    if not await testklok.offered(ctx):
        raise CheckSkipped("the end of the cooling-off period (days away) can only be reached "
                           "with the endpoint's test clock, which it does not offer")
    session = await ctx.session()
    inside = await _withdrawn_at(ctx, session, -BOUNDARY_MARGIN_S)
    expect_status(inside, 204)
    after = await _withdrawn_at(ctx, session, BOUNDARY_MARGIN_S)
    expect_problem(after, 409, "betalingsregeling/bedenktijd-verstreken")


@check(rule="/betalingsregeling/status-in-document", area=AREA, needs=NEEDS)
async def arrangement_shown_in_document(ctx: CheckContext) -> None:
    """While an arrangement is active its cases show ``status: in_regeling`` and
    ``betalingsregeling: {id}`` in the claims document; after withdrawal they return to their
    earlier status."""
    require_cooling_off(ctx)
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    body = await valid_quote(ctx, session, case)
    async with cleanup(ctx, session) as created:
        resp = await accept(ctx, session, body["voorstel_id"], str(uuid.uuid4()))
        expect_status(resp, 201)
        regeling_id = created_id(resp)
        if regeling_id is None:
            fail("the accepted arrangement has no id", resp)
        created.add(regeling_id)
        during = case_by_id(await ctx.overview(session), case["zaakkenmerk"]) or {}
        if during.get("status") != "in_regeling" or \
                (during.get("betalingsregeling") or {}).get("id") != regeling_id:
            fail(f"with arrangement {regeling_id} active the case shows status "
                 f"{during.get('status')!r}, betalingsregeling {during.get('betalingsregeling')!r}",
                 *last_exchange(ctx))
        expect_status(await withdraw(ctx, session, regeling_id), 204, rule=WITHDRAWAL_RULE)
        after = case_by_id(await ctx.overview(session), case["zaakkenmerk"]) or {}
        # since 2.2 an arrangement that no longer holds may stay on the case, marked so
        stale = (after.get("betalingsregeling") or {}).get("status") not in (None, "actief")
        if after.get("status") != case["status"] or ("betalingsregeling" in after
                                                    and not stale):
            fail(f"after withdrawal the case shows status {after.get('status')!r} (expected "
                 f"{case['status']!r}) and betalingsregeling {after.get('betalingsregeling')!r}",
                 *last_exchange(ctx))


# --- what may be accepted -----------------------------------------------------------------------


@check(rule=ACCEPTANCE_RULE, area=AREA, needs=("test_bsn", "dienst:betalingsregelingen"))
async def unknown_quote_refused(ctx: CheckContext) -> None:
    """Accepting a quote the source never gave is refused with 422
    betalingsregeling/voorstel-onbekend."""
    session = await ctx.session()
    async with cleanup(ctx, session) as created:
        resp = await accept(ctx, session, str(uuid.uuid4()), str(uuid.uuid4()))
        if (regeling_id := created_id(resp)) is not None:
            created.add(regeling_id)
        expect_problem(resp, 422, "betalingsregeling/voorstel-onbekend")


@check(rule=ACCEPTANCE_RULE, area=AREA, needs=(*NEEDS, "second_bsn"))
async def other_citizens_quote_refused(ctx: CheckContext) -> None:
    """Accepting another citizen's quote is refused with 422
    betalingsregeling/voorstel-onbekend, exactly as an unknown quote."""
    owner = await ctx.session()
    other = await ctx.session(ctx.other_bsn(owner.bsn))
    body = await valid_quote(ctx, owner, await arrangement_case(ctx, owner))
    async with cleanup(ctx, other) as created:
        resp = await accept(ctx, other, body["voorstel_id"], str(uuid.uuid4()))
        if (regeling_id := created_id(resp)) is not None:
            created.add(regeling_id)
        expect_problem(resp, 422, "betalingsregeling/voorstel-onbekend")


@check(rule=ACCEPTANCE_RULE, area=AREA, needs=NEEDS)
async def used_quote_refused(ctx: CheckContext) -> None:
    """A quote accepted once cannot be accepted again under another Idempotency-Key: 409
    betalingsregeling/voorstel-gebruikt."""
    require_cooling_off(ctx)
    session = await ctx.session()
    body = await valid_quote(ctx, session, await arrangement_case(ctx, session))
    async with cleanup(ctx, session) as created:
        first = await accept(ctx, session, body["voorstel_id"], str(uuid.uuid4()))
        second = await accept(ctx, session, body["voorstel_id"], str(uuid.uuid4()))
        created.update(i for i in (created_id(first), created_id(second)) if i)
        expect_status(first, 201)
        expect_problem(second, 409, "betalingsregeling/voorstel-gebruikt")


@check(rule=ACCEPTANCE_RULE, area=AREA, needs=NEEDS)
async def changed_case_refused(ctx: CheckContext) -> None:
    """A quote whose case changed since quoting (it is now in another arrangement) is refused
    with 409 betalingsregeling/zaak-gewijzigd."""
    require_cooling_off(ctx)
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    first_quote = await valid_quote(ctx, session, case)
    second_quote = await valid_quote(ctx, session, case)
    async with cleanup(ctx, session) as created:
        first = await accept(ctx, session, first_quote["voorstel_id"], str(uuid.uuid4()))
        second = await accept(ctx, session, second_quote["voorstel_id"], str(uuid.uuid4()))
        created.update(i for i in (created_id(first), created_id(second)) if i)
        expect_status(first, 201)
        expect_problem(second, 409, "betalingsregeling/zaak-gewijzigd")


@check(rule="/betalingsregeling/gelijktijdig", area=AREA, needs=NEEDS)
async def concurrent_overlapping_quotes_accept_once(ctx: CheckContext) -> None:
    """Two different quotes of one case, accepted at the same moment under their own
    Idempotency-Keys, put the case in one arrangement: one 201, the other 409
    betalingsregeling/zaak-gewijzigd (a lock on the quote alone lets both through)."""
    require_cooling_off(ctx)
    session = await ctx.session()
    case = await arrangement_case(ctx, session)
    quotes = [await valid_quote(ctx, session, case) for _ in range(2)]
    if quotes[0]["voorstel_id"] == quotes[1]["voorstel_id"]:
        fail("/betalingsregeling/acceptatie-gecontroleerd", "two quotes asked one after the "
             f"other got one voorstel_id {quotes[0]['voorstel_id']!r}", *list(ctx.exchanges)[-2:])
    async with cleanup(ctx, session) as created:
        results = await asyncio.gather(*(accept(ctx, session, q["voorstel_id"],
                                                str(uuid.uuid4())) for q in quotes))
        created.update(i for i in map(created_id, results) if i)
        listing = await ctx.get(PATH, session)
        active = {r.get("id") for r in json_body(listing).get("betalingsregelingen") or []
                  if isinstance(r, dict) and r.get("status") == "actief"
                  and case["zaakkenmerk"] in (r.get("zaakkenmerken") or [])}
        created.update(i for i in active if isinstance(i, str))
        if len(active) > 1 or len(created) > 1:
            fail(f"two quotes of case {case['zaakkenmerk']!r} accepted concurrently put it in "
                 f"{max(len(active), len(created))} active arrangements", *results, listing)
        if len(created) != 1:
            fail("neither of two concurrent acceptances of different quotes succeeded",
                 *results)
        refused = next(r for r in results if created_id(r) is None)
        if refused.status_code != httpx.codes.CONFLICT or \
                problem_code(refused) != "betalingsregeling/zaak-gewijzigd":
            fail(f"the losing acceptance answered {refused.status_code} "
                 f"{problem_code(refused)!r}, expected 409 betalingsregeling/zaak-gewijzigd",
                 refused)


@check(rule="/betalingsregeling/gelijktijdig", area=AREA, needs=NEEDS)
async def concurrent_keys_accept_quote_once(ctx: CheckContext) -> None:
    """Two simultaneous acceptances of one quote under different Idempotency-Keys accept it
    once: one 201, the other 409 betalingsregeling/voorstel-gebruikt or zaak-gewijzigd."""
    require_cooling_off(ctx)
    session = await ctx.session()
    body = await valid_quote(ctx, session, await arrangement_case(ctx, session))
    async with cleanup(ctx, session) as created:
        results = await asyncio.gather(*(accept(ctx, session, body["voorstel_id"],
                                                str(uuid.uuid4())) for _ in range(2)))
        created.update(i for i in map(created_id, results) if i)
        if len(created) != 1:
            fail(f"one quote accepted concurrently under two keys created {len(created)} "
                 "arrangements", *results)
        refused = next(r for r in results if created_id(r) is None)
        if refused.status_code != httpx.codes.CONFLICT or problem_code(refused) not in (
                "betalingsregeling/voorstel-gebruikt", "betalingsregeling/zaak-gewijzigd"):
            fail(f"the second acceptance answered {refused.status_code} "
                 f"{problem_code(refused)!r}, expected 409 voorstel-gebruikt", refused)
