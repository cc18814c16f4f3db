"""Key windows and freshness of envelopes in a help request, to the second
(spec/trust-model.md §4.2 and §8 step 7–8; rules `/envelop/sleutelvenster`,
`/envelop/sleutel-ingetrokken`, `/hulpvraag/versheid`).

`hulpvraag_enveloppen` shows that an envelope signed far outside a window is refused. These
checks put ``opgesteld_op`` exactly on each edge and one second beyond it, with the suite's
test source (`keys.SUITE_OIN`) and the key entries the test scheme lists for it:

- retired key: signed at ``geldig_tot + CLOCK_SKEW_S`` accepted, one second later refused;
- rotated-in key: signed at ``geldig_vanaf − CLOCK_SKEW_S`` accepted, one second earlier
  refused (envelop/sleutel-niet-geldig both);
- compromised key: signed one second before ``ingetrokken_op`` accepted, at it refused
  (envelop/sleutel-ingetrokken);
- freshness: signed exactly HULPVRAAG_MAX_LEEFTIJD_S ago accepted, one second more refused
  (envelop/verouderd) — relative to "now", so sent mid-second (`grenzen`).

The window edges come from the scheme document itself and lie within the last few days, so
every accepted envelope is fresh.
"""

from __future__ import annotations

from typing import Any

import httpx

from conformance import keys
from conformance.checks import grenzen
from conformance.checks.answers import json_body
from conformance.checks.base import check, fail
from conformance.checks.hulpvraag_enveloppen import suite_envelope
from conformance.checks.hulpvragen import bundle, expect_refused, own_envelope, send
from conformance.checks.trust import CLOCK_SKEW_S
from conformance.context import CheckContext
from conformance.errors import CheckError
from conformance.jose import SigningKey

AREA = "hulpvragen"
NEEDS = ("test_bsn", "dienst:hulpvragen")
HULPVRAAG_MAX_LEEFTIJD_S = 1209600
FORGED_INDEX = 1  # the bundle is (own envelope, the suite source's envelope)


def _entry(ctx: CheckContext, role: str) -> tuple[SigningKey, dict[str, Any]]:
    """The suite's key `role` and its key entry in the test scheme's suite source."""
    key = getattr(ctx.keys, role, None)
    source = next((o for o in ctx.scheme.get("organisaties", [])
                   if o.get("oin") == keys.SUITE_OIN), {})
    entry = next((e for e in source.get("sleutels", [])
                  if key is not None and e.get("jwk", {}).get("kid") == key.kid), None)
    if key is None or entry is None:
        raise CheckError(f"the test scheme lists no {role.replace('_', ' ')} for the suite's "
                         "test source: re-run `vorderingen-conformance sleutels` with this "
                         "suite version")
    return key, entry


async def _edges(ctx: CheckContext, key: SigningKey, inside: int, outside: int,
                 code: str, what: str) -> None:
    """A help request with an envelope signed at `inside` is received (201); one signed at
    `outside` is refused naming that envelope with `code`."""
    session = await ctx.session()
    own = await own_envelope(ctx, session)
    resp = await send(ctx, session, bundle(own, suite_envelope(own, key, signed_at=inside)))
    if resp.status_code != httpx.codes.CREATED:
        fail(f"an envelope signed {what} (inside the window, to the second) was refused: "
             f"{resp.status_code} {_envelope_code(resp)!r}", resp)
    resp = await send(ctx, session, bundle(own, suite_envelope(own, key, signed_at=outside)))
    expect_refused(resp, FORGED_INDEX, code)


def _envelope_code(resp: httpx.Response) -> str | None:
    """The code of the suite source's envelope in a 422 answer (else the problem code)."""
    listed = json_body(resp).get("ongeldige_enveloppen")
    for entry in listed if isinstance(listed, list) else []:
        if isinstance(entry, dict) and entry.get("index") == FORGED_INDEX:
            return entry.get("code")
    return json_body(resp).get("code")


@check(rule="/envelop/sleutelvenster", area=AREA, needs=NEEDS)
async def key_window_end_exact(ctx: CheckContext) -> None:
    """An envelope the retired key signed exactly CLOCK_SKEW_S (60 s) after its
    ``geldig_tot`` is received; one signed 61 s after it is refused with
    envelop/sleutel-niet-geldig."""
    key, entry = _entry(ctx, "retired_source_key")
    if not isinstance(entry.get("geldig_tot"), int):
        raise CheckError("the retired key's entry has no geldig_tot: re-run `sleutels`")
    end = entry["geldig_tot"] + CLOCK_SKEW_S
    await _edges(ctx, key, end, end + 1, "envelop/sleutel-niet-geldig",
                 f"{CLOCK_SKEW_S} s after geldig_tot")


@check(rule="/envelop/sleutelvenster", area=AREA, needs=NEEDS)
async def key_window_start_exact(ctx: CheckContext) -> None:
    """An envelope a rotated-in key signed exactly CLOCK_SKEW_S (60 s) before its
    ``geldig_vanaf`` is received; one signed 61 s before it is refused with
    envelop/sleutel-niet-geldig."""
    key, entry = _entry(ctx, "next_source_key")
    start = entry["geldig_vanaf"] - CLOCK_SKEW_S
    await _edges(ctx, key, start, start - 1, "envelop/sleutel-niet-geldig",
                 f"{CLOCK_SKEW_S} s before geldig_vanaf")


@check(rule="/envelop/sleutel-ingetrokken", area=AREA, needs=NEEDS)
async def key_revocation_exact(ctx: CheckContext) -> None:
    """An envelope the compromised key signed one second before its ``ingetrokken_op`` is
    received; one signed exactly at ``ingetrokken_op`` is refused with
    envelop/sleutel-ingetrokken."""
    key, entry = _entry(ctx, "compromised_source_key")
    if not isinstance(entry.get("ingetrokken_op"), int):
        raise CheckError("the compromised key's entry has no ingetrokken_op: re-run `sleutels`")
    revoked = entry["ingetrokken_op"]
    await _edges(ctx, key, revoked - 1, revoked, "envelop/sleutel-ingetrokken",
                 "1 s before ingetrokken_op")


@check(rule="/hulpvraag/versheid", area=AREA, needs=NEEDS)
async def freshness_exact(ctx: CheckContext) -> None:
    """An envelope signed exactly HULPVRAAG_MAX_LEEFTIJD_S (14 days) ago is received; one
    signed 14 days and 1 s ago is refused with envelop/verouderd (sent mid-second)."""
    key, _ = _entry(ctx, "suite_source_key")

    async def prepare() -> tuple[Any, dict[str, Any]]:
        session = await ctx.session()
        return session, await own_envelope(ctx, session)

    def probe(label: str, expect: str | None, age_s: int) -> grenzen.Probe:
        async def send_at(now: int, prepared: tuple[Any, dict[str, Any]]) -> httpx.Response:
            session, own = prepared
            forged = suite_envelope(own, key, signed_at=now - age_s)
            return await send(ctx, session, bundle(own, forged))
        return grenzen.Probe(label, expect, send_at, prepare=prepare,
                             refused_status=httpx.codes.UNPROCESSABLE_ENTITY,
                             code_of=_envelope_code)

    limit = HULPVRAAG_MAX_LEEFTIJD_S
    await grenzen.at_the_second(ctx, [
        probe(f"an envelope signed exactly {limit} s ago", None, limit),
        probe(f"an envelope signed {limit + 1} s ago", "envelop/verouderd", limit + 1),
    ])


PROFILE_CHECKS = {
    "hulpvragen": (key_window_end_exact, key_window_start_exact, key_revocation_exact,
                   freshness_exact),
}
