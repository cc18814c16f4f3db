"""The extension and enum rules of standard 2.0.0 (spec/versioning.md) as a source meets them.

Requests stay closed (a member the operation's schema does not define is a typo: 400
`verzoek/ongeldig`), but the bundle inside a help request is data and open: a member of a
later minor there is ignored. Every enum is closed: a value the major does not list is
refused, never mapped or ignored — in a certificate (the DigiD level) as in a document a
help request carries.
"""

from __future__ import annotations

from typing import Any

import httpx

from conformance.checks.answers import json_body
from conformance.checks.base import check, expect_problem, expect_status, fail, problem_code
from conformance.checks.hulpvraag_enveloppen import suite_signed
from conformance.checks.hulpvragen import bundle, expect_refused, own_envelope, send
from conformance.checks.trust import FORGED_BSN, NEEDS, with_certificate
from conformance.context import CheckContext

AREA = "versie"
HELP_NEEDS = ("test_bsn", "dienst:hulpvragen")
NEXT_MINOR_MEMBER = "toelichting_2_1"  # what a later minor might add
UNKNOWN_LEVEL = "zeer-hoog"
UNKNOWN_STATUS = "kwijtgescholden"


@check(rule="/versie/verzoeken-gesloten", area=AREA)
async def unknown_request_members_refused(ctx: CheckContext) -> None:
    """A request body with a member its schema does not define (``POST /sessies`` with an
    extra member) is refused with 400 verzoek/ongeldig, however valid the rest."""
    key = ctx.actors.new_app_key()
    body: dict[str, Any] = {"certificaat": ctx.actors.certificate(FORGED_BSN, key),
                            "bewijs": ctx.actors.proof(key, "n" * 43), NEXT_MINOR_MEMBER: "x"}
    expect_problem(await ctx.post("/sessies", json=body), 400, "verzoek/ongeldig")


@check(rule="/versie/verzoeken-gesloten", area=AREA, needs=HELP_NEEDS)
async def bundle_data_stays_open(ctx: CheckContext) -> None:
    """The bundle of a help request is data: a member of a later minor in the bundle and in
    an envelope's wrapper is ignored, and the help request is received (201)."""
    session = await ctx.session()
    envelope = {**await own_envelope(ctx, session), NEXT_MINOR_MEMBER: {"sinds": "2.2"}}
    body = bundle(envelope)
    body["bundel"][NEXT_MINOR_MEMBER] = "ignored by a 2.0 reader"
    resp = await send(ctx, session, body)
    if resp.status_code == httpx.codes.BAD_REQUEST:
        fail("a bundle with a member of a later minor was refused as a closed request object",
             resp)
    expect_status(resp, 201)
    if json_body(resp).get("aantal_enveloppen") != 1:
        fail("the help request did not count its one envelope", resp)


@check(rule="/versie/enums-gesloten", area=AREA, needs=NEEDS)
async def unknown_enum_value_refused(ctx: CheckContext) -> None:
    """A value an enum of this major does not list is refused, not mapped: a certificate with
    ``betrouwbaarheidsniveau: zeer-hoog`` is 401 certificaat/claims-ongeldig."""
    resp = await with_certificate(ctx, claims={"betrouwbaarheidsniveau": UNKNOWN_LEVEL})
    if problem_code(resp) != "certificaat/claims-ongeldig":
        fail(f"a certificate with betrouwbaarheidsniveau {UNKNOWN_LEVEL!r} got "
             f"{resp.status_code} {problem_code(resp)!r}; expected 401 "
             "certificaat/claims-ongeldig", resp)
    expect_problem(resp, 401, "certificaat/claims-ongeldig")


@check(rule="/versie/enums-gesloten", area=AREA, needs=HELP_NEEDS)
async def unknown_enum_in_envelope_refused(ctx: CheckContext) -> None:
    """A validly signed envelope whose document has a case ``status`` this major does not list
    is refused in a help request: 422 naming its index with envelop/document-ongeldig."""
    session = await ctx.session()
    own = await own_envelope(ctx, session)
    cases = own["document"].get("financiele_zaken") or []
    if not cases:
        fail("the test citizen's document has no case to carry a status", *ctx.exchanges)
    changed = [{**cases[0], "status": UNKNOWN_STATUS}, *cases[1:]]
    forged = suite_signed(ctx, own, financiele_zaken=changed)
    expect_refused(await send(ctx, session, bundle(own, forged)), 1, "envelop/document-ongeldig")


CHECKS = (
    unknown_request_members_refused,
    bundle_data_stays_open,
    unknown_enum_value_refused,
    unknown_enum_in_envelope_refused,
)
