"""Help requests and the envelope rules of standard 2.0.0: the bundle's own schema, key
windows, compromised keys, freshness and the document's major version.

The suite's test scheme lists the suite's own test source (`keys.SUITE_OIN`) with three key
entries whose private keys the suite holds: a valid one, a retired one (its `geldig_tot`
passed) and a compromised one (its `ingetrokken_op` passed). The checks take the citizen's
own document, name the suite's source as `bron`, set `opgesteld_op` where the check needs it
and sign it, so the municipality under test must verify the key window itself.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import httpx

from conformance import jose, keys
from conformance.checks.base import check, expect_problem, expect_status
from conformance.checks.hulpvragen import bundle, expect_refused, own_envelope, send
from conformance.context import CheckContext
from conformance.errors import CheckError

AREA = "hulpvragen"
NEEDS = ("test_bsn", "dienst:hulpvragen")
DAY_S = 86400
HULPVRAAG_MAX_LEEFTIJD_S = 14 * DAY_S
AGE_MARGIN_S = DAY_S  # far from the freshness limit on either side


def _key(ctx: CheckContext, name: str) -> jose.SigningKey:
    key = getattr(ctx.keys, name, None)
    listed = any(o.get("oin") == keys.SUITE_OIN for o in ctx.scheme.get("organisaties", []))
    if key is None or not listed:
        raise CheckError("the test scheme lists no suite test source: re-run "
                         "`vorderingen-conformance sleutels` with this suite version")
    return key


def _iso(moment: int) -> str:
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def suite_envelope(envelope: dict[str, Any], key: jose.SigningKey, *, signed_at: int,
                   **members: Any) -> dict[str, Any]:
    """The citizen's document as if the suite's test source had signed it at `signed_at`."""
    document = copy.deepcopy(envelope["document"])
    document["bron"] = {**document.get("bron", {}), "oin": keys.SUITE_OIN,
                        "naam": "Testbron van de conformance suite"}
    document["opgesteld_op"] = _iso(signed_at)
    document.update(members)
    return {"document": document, "handtekening": jose.sign_detached(document, key)}


def suite_signed(ctx: CheckContext, envelope: dict[str, Any], **members: Any) -> dict[str, Any]:
    """The citizen's document as the suite's test source signs it now, with `members`."""
    return suite_envelope(envelope, _key(ctx, "suite_source_key"), signed_at=ctx.now(),
                          **members)


async def _refused(ctx: CheckContext, key_name: str, code: str, *, age_s: int = 0,
                   **members: Any) -> None:
    session = await ctx.session()
    own = await own_envelope(ctx, session)
    forged = suite_envelope(own, _key(ctx, key_name), signed_at=ctx.now() - age_s, **members)
    expect_refused(await send(ctx, session, bundle(own, forged)), 1, code)


async def _accepted(ctx: CheckContext, key_name: str, *, age_s: int) -> None:
    session = await ctx.session()
    own = await own_envelope(ctx, session)
    valid = suite_envelope(own, _key(ctx, key_name), signed_at=ctx.now() - age_s)
    expect_status(await send(ctx, session, bundle(valid)), 201)


@check(rule="/envelop/sleutelvenster", area=AREA, needs=NEEDS)
async def envelope_after_key_window_refused(ctx: CheckContext) -> None:
    """An envelope signed now with a key whose ``geldig_tot`` passed long ago is refused with
    422 hulpvraag/envelop-ongeldig naming its index and envelop/sleutel-niet-geldig."""
    await _refused(ctx, "retired_source_key", "envelop/sleutel-niet-geldig")


@check(rule="/envelop/sleutel-ingetrokken", area=AREA, needs=NEEDS)
async def envelope_of_compromised_key_refused(ctx: CheckContext) -> None:
    """An envelope signed after its key's ``ingetrokken_op`` is refused with 422
    hulpvraag/envelop-ongeldig naming its index and envelop/sleutel-ingetrokken."""
    await _refused(ctx, "compromised_source_key", "envelop/sleutel-ingetrokken")


@check(rule="/envelop/sleutel-ingetrokken", area=AREA, needs=NEEDS)
async def envelope_signed_before_compromise_accepted(ctx: CheckContext) -> None:
    """An envelope signed before its key's ``ingetrokken_op`` stays valid: a help request
    carrying one signed two days back (the key was revoked a day back) is received (201)."""
    await _accepted(ctx, "compromised_source_key", age_s=2 * DAY_S)


@check(rule="/hulpvraag/versheid", area=AREA, needs=NEEDS)
async def stale_envelope_refused(ctx: CheckContext) -> None:
    """An envelope whose ``opgesteld_op`` is more than HULPVRAAG_MAX_LEEFTIJD_S (14 days)
    old is refused with 422 hulpvraag/envelop-ongeldig naming its index and
    envelop/verouderd; one of 13 days is received."""
    await _refused(ctx, "suite_source_key", "envelop/verouderd",
                   age_s=HULPVRAAG_MAX_LEEFTIJD_S + AGE_MARGIN_S)
    await _accepted(ctx, "suite_source_key", age_s=HULPVRAAG_MAX_LEEFTIJD_S - AGE_MARGIN_S)


@check(rule="/versie/andere-major-geweigerd", area=AREA, needs=NEEDS)
async def envelope_of_other_major_refused(ctx: CheckContext) -> None:
    """A validly signed envelope whose ``documentversie`` is of another major (3.0) is
    refused with 422 hulpvraag/envelop-ongeldig naming its index and
    envelop/versie-niet-ondersteund."""
    await _refused(ctx, "suite_source_key", "envelop/versie-niet-ondersteund",
                   documentversie="3.0")


@check(rule="/hulpvraag/bundel-schema", area=AREA, needs=NEEDS)
async def malformed_bundle_refused(ctx: CheckContext) -> None:
    """A bundle whose structure breaks bundel.schema.json (``bundelversie`` of another major,
    no envelopes, an envelope that is not an object) is refused with 400 verzoek/ongeldig;
    an envelope that is an object of the wrong shape is left to envelope verification: 422
    naming its index and envelop/ongeldig-formaat."""
    session = await ctx.session()
    own = await own_envelope(ctx, session)
    good = bundle(own)
    broken: list[dict[str, Any]] = [
        jose.merge(good, {"bundel": {**good["bundel"], "bundelversie": "3.0"}}),
        jose.merge(good, {"bundel": {**good["bundel"], "enveloppen": []}}),
        jose.merge(good, {"bundel": {**good["bundel"], "enveloppen": [own, "envelop"]}}),
    ]
    for body in broken:
        resp: httpx.Response = await send(ctx, session, body)
        expect_problem(resp, 400, "verzoek/ongeldig")
    shapeless = {"document": own["document"]}  # no handtekening
    expect_refused(await send(ctx, session, bundle(own, shapeless)), 1,
                   "envelop/ongeldig-formaat")


CHECKS = (
    malformed_bundle_refused,
    envelope_after_key_window_refused,
    envelope_of_compromised_key_refused,
    envelope_signed_before_compromise_accepted,
    stale_envelope_refused,
    envelope_of_other_major_refused,
)
