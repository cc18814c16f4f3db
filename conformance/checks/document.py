"""The signed claims document (spec/trust-model.md §3.5, spec/rules/document.md).

Every test citizen's envelope is fetched once per run (cached per `CheckContext`) and
checked: the detached signature with the organisation's key from the scheme, the schema,
and every invariant of `conformance.document_rules`, each invariant its own check. Event-id
stability compares two fetches of the same document.
"""

from __future__ import annotations

import json
import random
import weakref
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

import httpx

from conformance import document_rules, jose, specfiles
from conformance.checks.answers import json_body, parse_instant
from conformance.checks.base import check, fail
from conformance.context import CheckContext, Session
from conformance.envelope import verify_envelope
from conformance.errors import CheckError, CheckSkipped
from conformance.scheme import key_entries

AREA = "document"
NEEDS = ("test_bsn",)
OVERVIEW = "/vorderingenoverzicht"
MAX_REPORTED = 5  # violations quoted in one finding
NO_CLAIMS_FIRST_DIGITS = range(1, 9)  # never 9: test data sets use the 999… test range
SIGNATURE_PASSES = (None, "envelop/document-ongeldig")  # the invariants are checked apart
SIGNATURE = "/envelop/handtekening"
DETACHED_JCS = "/envelop/detached-jcs"
SCHEMA = "/document/schema-open"


@dataclass(frozen=True)
class Fetched:
    """One citizen's envelope as fetched, with the exchange that carried it."""

    bsn: str
    envelope: dict[str, Any]
    response: httpx.Response

    @property
    def document(self) -> Any:
        return self.envelope.get("document")


_FETCHED: weakref.WeakKeyDictionary[CheckContext, list[Fetched]] = weakref.WeakKeyDictionary()


async def fetch(ctx: CheckContext, bsn: str) -> Fetched:
    """GET /vorderingenoverzicht in a fresh session of `bsn`: 200 JSON, else CheckError for a
    test citizen and a finding for a citizen without claims (who must get one too)."""
    session = await ctx.session(bsn)
    resp = await ctx.get(OVERVIEW, session)
    body = json_body(resp)
    if resp.status_code != httpx.codes.OK or not body:
        message = f"GET {OVERVIEW} answered {resp.status_code} without a JSON envelope"
        if bsn in ctx.target.test_bsns:
            raise CheckError(message)
        fail("/envelop/ook-zonder-vorderingen", message, resp)
    return Fetched(bsn, body, resp)


async def envelopes(ctx: CheckContext) -> list[Fetched]:
    """Every test citizen's envelope, fetched once per run."""
    if ctx not in _FETCHED:
        _FETCHED[ctx] = [await fetch(ctx, bsn) for bsn in ctx.target.test_bsns]
    return _FETCHED[ctx]


def cases(envelope: dict[str, Any]) -> list[dict[str, Any]]:
    document = envelope.get("document")
    found = document.get("financiele_zaken") if isinstance(document, dict) else None
    return [c for c in found if isinstance(c, dict)] if isinstance(found, list) else []


def case_by_id(envelope: dict[str, Any], zaakkenmerk: str) -> dict[str, Any] | None:
    """The case with this zaakkenmerk in an envelope's document, or None."""
    return next((c for c in cases(envelope) if c.get("zaakkenmerk") == zaakkenmerk), None)


async def other_citizens_case(ctx: CheckContext, owner: Session,
                              action: str) -> tuple[Session, str]:
    """A session of the second test citizen and the zaakkenmerk of one of their cases that
    is not the owner's (one offering `action` first); CheckSkipped when they have none."""
    other = await ctx.session(ctx.other_bsn(owner.bsn))
    mine = {c.get("zaakkenmerk") for c in cases(await ctx.overview(owner))}
    theirs = [c for c in cases(await ctx.overview(other))
              if isinstance(c.get("zaakkenmerk"), str) and c["zaakkenmerk"] not in mine]
    theirs.sort(key=lambda c: action not in (c.get("acties") or []))
    if not theirs:
        raise CheckSkipped("the second test citizen has no case of their own at this source; "
                           "give them one to test that it is kept from the first")
    return other, theirs[0]["zaakkenmerk"]


def random_bsn(avoid: Collection[str] = ()) -> str:
    """A fresh BSN that passes the elfproef, drawn anew each run (a source cannot recognise
    it), outside the 999… range of test data sets and not in `avoid`."""
    draw = random.SystemRandom()
    while True:
        digits = [draw.choice(NO_CLAIMS_FIRST_DIGITS)] + [draw.randrange(10) for _ in range(7)]
        check_digit = sum(d * (9 - i) for i, d in enumerate(digits)) % 11
        bsn = "".join(map(str, digits)) + str(check_digit)
        if check_digit < 10 and bsn not in avoid and document_rules.passes_elfproef(bsn):
            return bsn


def eligible_case(envelope: dict[str, Any], action: str) -> dict[str, Any] | None:
    """The open case with the largest positive saldo whose `acties` include `action`."""
    found = [
        c for c in cases(envelope)
        if c.get("status") == "open" and isinstance(c.get("saldo"), int) and c["saldo"] > 0
        and isinstance(c.get("zaakkenmerk"), str) and action in (c.get("acties") or [])
    ]
    return max(found, key=lambda c: c["saldo"], default=None)


def _report(fetched: list[tuple[Fetched, list[document_rules.Violation]]]) -> None:
    broken = [(f, v) for f, found in fetched for v in found]
    if not broken:
        return
    lines = [f"{v.pointer}: {v.message}" for _f, v in broken[:MAX_REPORTED]]
    more = f" (and {len(broken) - MAX_REPORTED} more)" if len(broken) > MAX_REPORTED else ""
    responses = list({id(f.response): f.response for f, _v in broken}.values())
    fail(broken[0][1].rule, "; ".join(lines) + more, *responses)


async def invariant_holds(ctx: CheckContext, rule: str) -> None:
    """Fail with every violation of `rule` in the test citizens' documents; not tested
    when none of them holds a case (documents without cases would pass any invariant)."""
    fetched = await envelopes(ctx)
    if not any(cases(item.envelope) for item in fetched):
        raise CheckSkipped("no test citizen's document holds a case, so the invariants of "
                           "the claims document cannot be tested: seed --test-bsn citizens "
                           "with cases")
    results = []
    for item in fetched:
        found = document_rules.violations(item.document, bsn=item.bsn)
        results.append((item, [v for v in found if v.rule == rule]))
    _report(results)


# --- the envelope -------------------------------------------------------------------------------


def _serialisations(item: Fetched) -> list[bytes]:
    """The document as sent, and as common JSON serialisers write it (not JCS)."""
    found = [raw] if (raw := _raw_document(item.response)) is not None else []
    for compact in (False, True):
        for ascii_only in (False, True):
            separators = (",", ":") if compact else None
            found.append(json.dumps(item.document, separators=separators,
                                    ensure_ascii=ascii_only).encode())
    return found


def _signs_other_serialisation(ctx: CheckContext, item: Fetched, parts: list[str]) -> bool:
    """True when the signature verifies over a non-JCS serialisation of the document (only
    to name the cause of a failure; never makes a check pass)."""
    org = next((o for o in ctx.scheme.get("organisaties", [])
                if o.get("oin") == ctx.target.oin), {})
    keys = [e.get("jwk", {}) for e in key_entries(org)]
    try:
        signature = jose.b64d(parts[2])
    except ValueError:
        return False
    return any(
        jose.verify_signature(k, f"{parts[0]}.{jose.b64e(data)}".encode(), signature)
        for data in _serialisations(item) for k in keys
    )


def signature_finding(ctx: CheckContext, item: Fetched) -> tuple[str, str] | None:
    """What is wrong with an envelope's signature, as (rule, message); None when it verifies
    (the document's own validity is left to the document checks)."""
    signature = item.envelope.get("handtekening")
    parts = signature.split(".") if isinstance(signature, str) else []
    if len(parts) != 3 or parts[1] != "":
        return DETACHED_JCS, ("handtekening is not a compact JWS with a detached (empty) "
                              "payload part")
    code = verify_envelope(item.envelope, ctx.scheme)
    if code in SIGNATURE_PASSES:
        return None
    if code == "envelop/ongeldig-formaat":
        return DETACHED_JCS, f"the envelope's shape is wrong ({code})"
    if code == "envelop/bron-onbekend":
        return "/envelop/bron-in-stelsel", f"the envelope's source is not in the scheme ({code})"
    if code == "envelop/handtekening-ongeldig" and _signs_other_serialisation(ctx, item, parts):
        return DETACHED_JCS, ("the signature covers a serialisation of the document (as sent "
                              "or as a JSON library writes it), not its JCS canonical form")
    if code == "envelop/handtekening-ongeldig":
        return SIGNATURE, ("the signature does not verify over the JCS canonical form of "
                           "document with the organisation's key")
    return SIGNATURE, f"the envelope does not verify against the scheme: {code}"


@check(rule="/envelop/handtekening", area=AREA, needs=NEEDS)
async def envelope_signature_valid(ctx: CheckContext) -> None:
    """The envelope's ``handtekening`` verifies with a key the scheme lists for the
    organisation (ES256, ``typ: vorderingen-document+jws``, kid = thumbprint)."""
    for item in await envelopes(ctx):
        if (found := signature_finding(ctx, item)) is not None:
            fail(found[0], found[1], item.response)


@check(rule="/envelop/bron-in-stelsel", area=AREA, needs=NEEDS)
async def envelope_source_in_scheme(ctx: CheckContext) -> None:
    """The document's ``bron.oin`` is the organisation's own OIN, as listed in the scheme."""
    listed = {o.get("oin") for o in ctx.scheme.get("organisaties", [])}
    for item in await envelopes(ctx):
        bron = item.document.get("bron") if isinstance(item.document, dict) else None
        oin = bron.get("oin") if isinstance(bron, dict) else None
        if oin != ctx.target.oin or oin not in listed:
            fail(f"document.bron.oin is {oin!r}; expected the organisation's OIN "
                 f"{ctx.target.oin!r} from the scheme", item.response)


def _raw_document(resp: httpx.Response) -> bytes | None:
    """The `document` member's bytes exactly as sent (to name a non-JCS signature)."""
    text = resp.text
    start = text.find('"document"')
    colon = text.find(":", start)
    if start < 0 or colon < 0:
        return None
    offset = colon + 1 + (len(text[colon + 1:]) - len(text[colon + 1:].lstrip()))
    try:
        _value, end = json.JSONDecoder().raw_decode(text, offset)
    except ValueError:
        return None
    return text[offset:end].encode()


@check(rule="/envelop/detached-jcs", area=AREA, needs=NEEDS)
async def envelope_detached_over_jcs(ctx: CheckContext) -> None:
    """``handtekening`` is a compact JWS with an empty middle part, and its signing input is
    the base64url of the RFC 8785 (JCS) canonical form of ``document``."""
    for item in await envelopes(ctx):
        found = signature_finding(ctx, item)
        if found is not None and found[0] == DETACHED_JCS:
            fail(found[1], item.response)


@check(rule="/envelop/opgesteld-op", area=AREA, needs=NEEDS)
async def document_dated_when_signed(ctx: CheckContext) -> None:
    """A document's ``opgesteld_op`` is the moment it was signed: within CLOCK_SKEW_S of the
    request that fetched it, and inside the window of the key that signed it."""
    session = await ctx.session()
    before = ctx.now()
    resp = await ctx.get(OVERVIEW, session)
    after = ctx.now()
    envelope = json_body(resp)
    document = envelope.get("document") if isinstance(envelope.get("document"), dict) else {}
    moment = parse_instant(document.get("opgesteld_op"))
    if moment is None:
        fail("opgesteld_op is not an RFC 3339 date-time with offset", resp)
    if not before - jose.CLOCK_SKEW_S <= moment.timestamp() <= after + jose.CLOCK_SKEW_S:
        fail(f"opgesteld_op {document['opgesteld_op']!r} is not the moment of signing (the "
             f"request was answered at {after}, unix time)", resp)
    code = verify_envelope(envelope, ctx.scheme, now=after)
    if code in ("envelop/sleutel-niet-geldig", "envelop/sleutel-ingetrokken",
                "envelop/nog-niet-geldig"):
        fail(f"the signing key's window does not contain opgesteld_op ({code})", resp)


# --- the document -------------------------------------------------------------------------------


def schema_rule(error: Any) -> str:
    """The rule a schema error is about: the datetime and cents definitions of
    common.schema.json and the closed enums carry rules of their own; everything else is
    /document/schema-open."""
    common = specfiles.schema("common")["$defs"]
    if error.schema == common["datetime"]:
        return "/document/datumtijd-met-offset"
    if error.validator == "type" and error.schema == common["cents"]:
        return "/document/bedragen-in-centen"
    if error.validator == "enum":
        return "/document/enums-gesloten"
    return SCHEMA


@check(rule="/document/schema-open", area=AREA, needs=NEEDS)
async def document_matches_schema(ctx: CheckContext) -> None:
    """The envelope and its document are valid against envelop.schema.json and
    vorderingendocument.schema.json (open objects: unknown members are ignored; closed
    enums, formats).

    A violation of the envelope's own shape is reported under /envelop/detached-jcs, one of
    the datetime or cents definitions under that definition's rule."""
    validator = specfiles.validator("envelop")
    for item in await envelopes(ctx):
        errors = sorted(validator.iter_errors(item.envelope), key=lambda e: list(e.path))
        if errors:
            lines = [f"/{'/'.join(map(str, e.path))}: {e.message}" for e in errors[:MAX_REPORTED]]
            first = errors[0]
            rule = schema_rule(first) if list(first.path)[:1] == ["document"] else DETACHED_JCS
            fail(rule, "; ".join(lines), item.response)


@check(rule="/document/bedragen-in-centen", area=AREA, needs=NEEDS)
async def amounts_in_cents(ctx: CheckContext) -> None:
    """Every amount in the document is an integer number of euro cents."""
    await invariant_holds(ctx, "/document/bedragen-in-centen")


@check(rule="/document/datumtijd-met-offset", area=AREA, needs=NEEDS)
async def datetimes_with_offset(ctx: CheckContext) -> None:
    """Every date-time in the document is RFC 3339 with an explicit offset."""
    await invariant_holds(ctx, "/document/datumtijd-met-offset")


@check(rule="/document/gebeurtenis-id-uniek", area=AREA, needs=NEEDS)
async def event_ids_unique(ctx: CheckContext) -> None:
    """No two events in the document share a ``gebeurtenis_id``."""
    await invariant_holds(ctx, "/document/gebeurtenis-id-uniek")


@check(rule="/document/zaakkenmerk-uniek", area=AREA, needs=NEEDS)
async def case_ids_unique(ctx: CheckContext) -> None:
    """No two cases in the document share a ``zaakkenmerk``."""
    await invariant_holds(ctx, "/document/zaakkenmerk-uniek")


@check(rule="/document/referenties-kloppen", area=AREA, needs=NEEDS)
async def references_resolve(ctx: CheckContext) -> None:
    """Every reference between events names an event of the right type in the same case,
    dated no later than the event that refers to it."""
    await invariant_holds(ctx, "/document/referenties-kloppen")


@check(rule="/document/verplicht-is-som", area=AREA, needs=NEEDS)
async def verplicht_is_sum(ctx: CheckContext) -> None:
    """``totaal_financieel_verplicht`` is the sum of the case's
    FinancieleVerplichtingOpgelegd amounts."""
    await invariant_holds(ctx, "/document/verplicht-is-som")


@check(rule="/document/vereffend-is-som", area=AREA, needs=NEEDS)
async def vereffend_is_sum(ctx: CheckContext) -> None:
    """``totaal_financieel_vereffend`` is the sum of the case's payments plus remissions."""
    await invariant_holds(ctx, "/document/vereffend-is-som")


@check(rule="/document/saldo-klopt", area=AREA, needs=NEEDS)
async def saldo_adds_up(ctx: CheckContext) -> None:
    """``saldo`` is ``totaal_financieel_verplicht`` minus ``totaal_financieel_vereffend``."""
    await invariant_holds(ctx, "/document/saldo-klopt")


@check(rule="/document/achterstand-begrensd", area=AREA, needs=NEEDS)
async def arrears_bounded(ctx: CheckContext) -> None:
    """0 ≤ ``achterstand`` ≤ max(``saldo``, 0)."""
    await invariant_holds(ctx, "/document/achterstand-begrensd")


@check(rule="/document/saldo-datumtijd", area=AREA, needs=NEEDS)
async def balance_time_after_events(ctx: CheckContext) -> None:
    """``saldo_datumtijd`` is not earlier than any event of the case."""
    await invariant_holds(ctx, "/document/saldo-datumtijd")


@check(rule="/document/bsn-elfproef", area=AREA, needs=NEEDS)
async def bsn_passes_elfproef(ctx: CheckContext) -> None:
    """The document's ``bsn`` is 9 digits and passes the elfproef."""
    await invariant_holds(ctx, "/document/bsn-elfproef")


@check(rule="/document/bsn-van-certificaat", area=AREA, needs=NEEDS)
async def bsn_is_certificates(ctx: CheckContext) -> None:
    """The document's ``bsn`` is the BSN of the certificate the session was opened with."""
    await invariant_holds(ctx, "/document/bsn-van-certificaat")


@check(rule="/document/afgelost-zonder-saldo", area=AREA, needs=NEEDS)
async def settled_without_balance(ctx: CheckContext) -> None:
    """A case with ``status: afgelost`` has ``saldo`` ≤ 0."""
    await invariant_holds(ctx, "/document/afgelost-zonder-saldo")


@check(rule="/document/enums-gesloten", area=AREA, needs=NEEDS)
async def enums_closed(ctx: CheckContext) -> None:
    """Enumerated fields hold only the values the standard lists."""
    await invariant_holds(ctx, "/document/enums-gesloten")


async def _two_fetches_agree(ctx: CheckContext, compare: Any) -> None:
    for bsn in ctx.target.test_bsns:
        first, second = await fetch(ctx, bsn), await fetch(ctx, bsn)
        found = compare(first.document, second.document)
        if found:
            lines = [f"{v.pointer}: {v.message}" for v in found[:MAX_REPORTED]]
            fail("; ".join(lines), first.response, second.response)


@check(rule="/document/gebeurtenis-id-stabiel", area=AREA, needs=NEEDS)
async def event_ids_stable(ctx: CheckContext) -> None:
    """Events are immutable facts: fetched twice, every event keeps its gebeurtenis_id and
    its content (a later fetch may only add events)."""
    await _two_fetches_agree(ctx, document_rules.unstable_event_ids)


@check(rule="/document/zaakkenmerk-stabiel", area=AREA, needs=NEEDS)
async def case_ids_stable(ctx: CheckContext) -> None:
    """A case keeps its zaakkenmerk: fetched twice, every case of the first document is in the
    second under the same zaakkenmerk."""
    await _two_fetches_agree(ctx, document_rules.unstable_case_ids)


@check(rule="/envelop/ook-zonder-vorderingen", area=AREA, needs=NEEDS)
async def citizen_without_claims_gets_signed_document(ctx: CheckContext) -> None:
    """A citizen the source has no claims for gets 200 and a valid, signed envelope whose
    ``financiele_zaken`` is empty, never 404 or an unsigned answer. The citizen is a BSN
    drawn anew each run, so a source cannot special-case the suite's probe."""
    bsn = random_bsn(avoid=ctx.target.test_bsns)
    item = await fetch(ctx, bsn)
    if (found := signature_finding(ctx, item)) is not None:
        fail(found[0], f"the envelope for a citizen without claims: {found[1]}", item.response)
    document = item.document if isinstance(item.document, dict) else {}
    if document.get("bsn") != bsn or document.get("financiele_zaken") != []:
        fail("the document for a citizen without claims is not theirs with an empty "
             "financiele_zaken", item.response)
