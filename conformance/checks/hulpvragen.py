"""Help requests to a municipality (spec/interface.md, "Help requests"; trust model §3.5, §5).

The municipality verifies every envelope of the bundle against the scheme and checks that
each document is the session citizen's. The checks send the citizen's own envelope (must be
accepted), a tampered copy, an envelope of an organisation outside the scheme and another
citizen's envelope (each must be refused, naming the envelope's index). A received help
request cannot be withdrawn through the API; the accepted one is the only state a run
leaves behind.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import httpx

from conformance import jose
from conformance.checks.answers import json_body
from conformance.checks.base import check, expect_problem, expect_status, fail
from conformance.checks.trust import FOREIGN_OIN
from conformance.context import CheckContext, Session
from conformance.envelope import verify_envelope
from conformance.errors import CheckError

AREA = "hulpvragen"
NEEDS = ("test_bsn", "dienst:hulpvragen")
PATH = "/hulpvragen"
ENVELOPE_REFUSED = "hulpvraag/envelop-ongeldig"
WRONG_CITIZEN = "envelop/bsn-onjuist"  # spec/openapi/bron.yaml, POST /hulpvragen 422


def bundle(*envelopes: dict[str, Any]) -> dict[str, Any]:
    """A request body carrying `envelopes` as the citizen's consented bundle."""
    return {
        "bundel": {
            "bundelversie": "2.1",
            "aangemaakt_op": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "enveloppen": list(envelopes),
        },
        "toestemming": True,
    }


def tampered(envelope: dict[str, Any]) -> dict[str, Any]:
    """The envelope with its document changed after signing (the source's name)."""
    changed = copy.deepcopy(envelope)
    changed["document"]["bron"]["naam"] = "Gewijzigd na ondertekening"
    return changed


def from_unknown_source(envelope: dict[str, Any]) -> dict[str, Any]:
    """A validly signed envelope of an organisation that is not in the scheme."""
    document = copy.deepcopy(envelope["document"])
    document["bron"]["oin"] = FOREIGN_OIN
    return {"document": document,
            "handtekening": jose.sign_detached(document, jose.SigningKey.generate())}


async def own_envelope(ctx: CheckContext, session: Session) -> dict[str, Any]:
    """The citizen's envelope from this source; CheckError unless it verifies (the document
    checks report why), since a help request with it must then be refused."""
    envelope = await ctx.overview(session)
    code = verify_envelope(envelope, ctx.scheme)
    if code is not None:
        raise CheckError(f"the source's own envelope does not verify ({code}); the help-request "
                         "checks need a valid one (see the document checks)")
    return envelope


async def send(ctx: CheckContext, session: Session, body: dict[str, Any]) -> httpx.Response:
    return await ctx.post(PATH, session, json=body)


def expect_refused(resp: httpx.Response, index: int, code: str) -> None:
    """422 hulpvraag/envelop-ongeldig listing exactly envelope `index`, with `code`."""
    expect_problem(resp, 422, ENVELOPE_REFUSED)
    listed = json_body(resp).get("ongeldige_enveloppen")
    entries = [e for e in listed if isinstance(e, dict)] if isinstance(listed, list) else []
    if [e.get("index") for e in entries] != [index]:
        fail(f"ongeldige_enveloppen is {listed!r}; expected only index {index}", resp)
    if entries[0].get("code") != code:
        fail(f"envelope {index} is refused with {entries[0].get('code')!r}, expected {code!r}",
             resp)


@check(rule="/hulpvraag/enveloppen-geverifieerd", area=AREA, needs=NEEDS)
async def own_envelope_accepted(ctx: CheckContext) -> None:
    """A help request carrying the citizen's own, valid envelope is received: 201 with
    ``status: ontvangen`` and ``aantal_enveloppen``."""
    session = await ctx.session()
    resp = await send(ctx, session, bundle(await own_envelope(ctx, session)))
    expect_status(resp, 201)
    body = json_body(resp)
    if body.get("status") != "ontvangen" or body.get("aantal_enveloppen") != 1:
        fail(f"the help request answered status {body.get('status')!r} and aantal_enveloppen "
             f"{body.get('aantal_enveloppen')!r} (expected ontvangen and 1)", resp)


@check(rule="/hulpvraag/enveloppen-geverifieerd", area=AREA, needs=NEEDS)
async def tampered_envelope_refused(ctx: CheckContext) -> None:
    """A bundle with one envelope changed after signing is refused with 422
    hulpvraag/envelop-ongeldig naming that envelope's index and envelop/handtekening-ongeldig."""
    session = await ctx.session()
    envelope = await own_envelope(ctx, session)
    resp = await send(ctx, session, bundle(envelope, tampered(envelope)))
    expect_refused(resp, 1, "envelop/handtekening-ongeldig")


@check(rule="/hulpvraag/enveloppen-geverifieerd", area=AREA, needs=NEEDS)
async def unknown_source_envelope_refused(ctx: CheckContext) -> None:
    """A validly signed envelope of an organisation that is not in the scheme is refused with
    422 hulpvraag/envelop-ongeldig naming its index and envelop/bron-onbekend."""
    session = await ctx.session()
    envelope = await own_envelope(ctx, session)
    resp = await send(ctx, session, bundle(from_unknown_source(envelope), envelope))
    expect_refused(resp, 0, "envelop/bron-onbekend")


@check(rule="/hulpvraag/zelfde-burger", area=AREA, needs=(*NEEDS, "second_bsn"))
async def other_citizens_envelope_refused(ctx: CheckContext) -> None:
    """A bundle carrying another citizen's (validly signed) envelope is refused with 422
    hulpvraag/envelop-ongeldig naming that envelope's index and envelop/bsn-onjuist."""
    session = await ctx.session()
    other = await ctx.session(ctx.other_bsn(session.bsn))
    resp = await send(ctx, session, bundle(await own_envelope(ctx, session),
                                           await own_envelope(ctx, other)))
    expect_refused(resp, 1, WRONG_CITIZEN)


@check(rule="/hulpvraag/toestemming", area=AREA, needs=NEEDS)
async def consent_required(ctx: CheckContext) -> None:
    """A help request without ``toestemming: true`` (false, the string "true", or absent) is
    refused with 400 verzoek/ongeldig."""
    session = await ctx.session()
    body = bundle(await own_envelope(ctx, session))
    for consent in (False, "true", jose.OMIT):
        resp = await send(ctx, session, jose.merge(body, {"toestemming": consent}))
        expect_problem(resp, 400, "verzoek/ongeldig")
