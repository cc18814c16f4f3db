"""The checks of profile `app`: the suite plays the scheme, an App Manager and the sources
(correct, broken and hostile; conformance/app/federation.py) and watches what the app under
test prints and sends.

Most checks read the one main overview run; when the app printed no overview there, they
are not tested (`CheckSkipped`) and `app_prints_overview_json` fails with the reason. The
checks of what the app sends are in bewijzen.py; the scheme checks (stelsel.py) run the app
again against one changed scheme document each.
"""

from __future__ import annotations

from typing import Any

from conformance.app.bewijzen import (
    app_registers_public_key_only,
    app_signs_fresh_request_proof_per_request,
    app_takes_audience_from_scheme,
)
from conformance.app.context import END_BOUND_S, AppContext, app_check
from conformance.app.federation import SOURCES, Bron
from conformance.app.harness import AppRun
from conformance.app.stelsel import (
    app_refuses_expired_scheme,
    app_refuses_rolled_back_scheme,
    app_refuses_scheme_from_unpinned_key,
    app_refuses_scheme_of_other_environment,
)
from conformance.checks.base import fail
from conformance.errors import CheckSkipped

HARNESS_RULE = "/testomgeving/app-onder-test"
REFUSAL_CODES = {
    "gewijzigd": "envelop/handtekening-ongeldig",
    "ander-bsn": "envelop/bsn-onjuist",
    "verkeerde-sleutel": "envelop/sleutel-onbekend",
    "ingetrokken-sleutel": "envelop/sleutel-ingetrokken",
    "andere-oin": "envelop/",  # bron-onbekend or sleutel-onbekend, by what the OIN names
    "uitgefaseerde-sleutel": "envelop/sleutel-niet-geldig",
    "ongetekend": "envelop/algoritme-niet-toegestaan",
    "som-klopt-niet": "envelop/document-ongeldig",
    "uit-de-toekomst": "envelop/nog-niet-geldig",
    "volgende-major": "envelop/versie-niet-ondersteund",
}
SHOWN = {"ok": ("beantwoord",), "leeg": ("niets_te_melden",), "weigeren": ("geweigerd",),
         "onbereikbaar": ("onbereikbaar",), "niet-tonen": ("onbereikbaar", "geweigerd")}


def _bron(slug: str) -> Bron:
    return next(b for b in SOURCES if b.slug == slug)


async def _overview(ctx: AppContext) -> AppRun:
    run = await ctx.main_run()
    if run.overview is None or run.schema_errors:
        raise CheckSkipped("the app printed no valid overview (see app_prints_overview_json)")
    return run


def _status(run: AppRun, ctx: AppContext, slug: str) -> dict[str, Any]:
    entries = run.source(ctx.federation.oins[slug])
    if len(entries) != 1:
        fail(HARNESS_RULE, f"source {slug!r}: {len(entries)} status entries, expected 1")
    return entries[0]


def _expect(ctx: AppContext, run: AppRun, slug: str) -> None:
    """The source's status is what a correct app reports, and nothing of a refused or
    unreachable source is shown."""
    bron = _bron(slug)
    entry = _status(run, ctx, slug)
    allowed = SHOWN[bron.expect]
    if entry.get("status") not in allowed:
        fail(f"source {slug!r} ({bron.naam}): status {entry.get('status')!r}, expected "
             f"{' or '.join(allowed)} (code {entry.get('code')!r})")
    shown = run.cases_of(ctx.federation.oins[slug])
    if bron.expect not in ("ok",) and shown:
        fail(f"source {slug!r} ({bron.naam}): {len(shown)} of its cases are shown although "
             f"its answer was {entry.get('status')}")
    wanted = REFUSAL_CODES.get(slug)
    code = str(entry.get("code") or "")
    if wanted and not (code == wanted or (wanted.endswith("/") and code.startswith(wanted))):
        fail(f"source {slug!r} ({bron.naam}): refused with code {code!r}, expected {wanted!r}")


# --- the harness ------------------------------------------------------------------------


@app_check(HARNESS_RULE)
async def app_prints_overview_json(ctx: AppContext) -> None:
    """Started with the documented environment and the suite's login driver as BROWSER, the
    app logs in, prints one overview as JSON valid against app-overzicht.schema.json with
    exactly one status per source of the scheme, and exits 0."""
    run = await ctx.main_run()
    if not run.ended:
        fail(f"the app did not end within {ctx.hard_limit_s:g} s and was killed; "
             f"{run.summary()}")
    if run.returncode != 0:
        fail(f"the app did not print an overview: {run.summary()}; the suite's App Manager "
             f"refused: {ctx.federation.app_manager.refusals or 'nothing'}")
    if run.schema_errors:
        fail("the overview is not valid against app-overzicht.schema.json: "
             + "; ".join(run.schema_errors))
    for bron in ctx.federation.sources:
        _status(run, ctx, bron.slug)


# --- envelopes and statuses --------------------------------------------------------------


@app_check("/app/status-per-bron")
async def app_shows_verified_claims_with_totals(ctx: AppContext) -> None:
    """A correct source's cases are shown (beantwoord), a source without claims says
    niets_te_melden, and the totals are the sums over exactly the shown cases, all of which
    come from sources whose envelope verified."""
    run = await _overview(ctx)
    for slug in ("goed", "leeg"):
        _expect(ctx, run, slug)
    good = ctx.federation.oins["goed"]
    if not run.cases_of(good):
        fail("the correct source answered with cases, but none is shown")
    trusted = {ctx.federation.oins[b.slug] for b in ctx.federation.sources if b.expect == "ok"}
    cases = [c for g in run.overview["groepen"].values() for c in g]  # type: ignore[index]
    strangers = sorted({c["organisatie"]["oin"] for c in cases} - trusted)
    if strangers:
        fail(f"cases are shown from sources whose answer did not verify: {strangers}")
    totals = run.overview["totalen"]  # type: ignore[index]
    for name in ("saldo", "achterstand"):
        if totals[name] != sum(c[name] for c in cases):
            fail(f"totalen.{name} {totals[name]} is not the sum over the shown cases "
                 f"({sum(c[name] for c in cases)})")
    if totals["aantal_zaken"] != len(cases):
        fail(f"totalen.aantal_zaken {totals['aantal_zaken']} but {len(cases)} cases shown")


@app_check("/app/verifieer-voor-tonen")
async def app_refuses_tampered_envelope(ctx: AppContext) -> None:
    """An envelope changed after signing is refused (geweigerd,
    envelop/handtekening-ongeldig) and none of its cases is shown."""
    _expect(ctx, await _overview(ctx), "gewijzigd")


@app_check("/app/verifieer-voor-tonen")
async def app_refuses_other_citizens_document(ctx: AppContext) -> None:
    """A validly signed document about another citizen is refused
    (envelop/bsn-onjuist) and none of its cases is shown."""
    _expect(ctx, await _overview(ctx), "ander-bsn")


@app_check("/app/verifieer-voor-tonen")
async def app_refuses_unknown_signing_key(ctx: AppContext) -> None:
    """An envelope signed with a key the scheme does not list is refused
    (envelop/sleutel-onbekend) and none of its cases is shown."""
    _expect(ctx, await _overview(ctx), "verkeerde-sleutel")


@app_check("/app/verifieer-voor-tonen")
async def app_refuses_other_organisations_document(ctx: AppContext) -> None:
    """A document naming another organisation than the one asked is
    refused (an envelop/ code) and none of its cases is shown."""
    _expect(ctx, await _overview(ctx), "andere-oin")


@app_check("/app/verifieer-voor-tonen")
async def app_refuses_revoked_signing_key(ctx: AppContext) -> None:
    """An envelope signed with a key the scheme lists as revoked
    (ingetrokken_op passed) is refused (envelop/sleutel-ingetrokken); nothing of it is shown."""
    _expect(ctx, await _overview(ctx), "ingetrokken-sleutel")


@app_check("/app/verifieer-voor-tonen")
async def app_refuses_retired_signing_key(ctx: AppContext) -> None:
    """An envelope signed after its key's geldig_tot (a successor took over) is refused
    (envelop/sleutel-niet-geldig); nothing of it is shown."""
    _expect(ctx, await _overview(ctx), "uitgefaseerde-sleutel")


@app_check("/app/verifieer-voor-tonen")
async def app_refuses_unsigned_envelope(ctx: AppContext) -> None:
    """An envelope whose handtekening says alg none (an empty signature) is refused
    (envelop/algoritme-niet-toegestaan); nothing of it is shown."""
    _expect(ctx, await _overview(ctx), "ongetekend")


@app_check("/app/verifieer-voor-tonen")
async def app_refuses_document_breaking_its_rules(ctx: AppContext) -> None:
    """A validly signed document whose saldo is not verplicht minus vereffend is refused
    (envelop/document-ongeldig): the app checks the document rules, not only the
    signature."""
    _expect(ctx, await _overview(ctx), "som-klopt-niet")


@app_check("/app/verifieer-voor-tonen")
async def app_refuses_document_from_the_future(ctx: AppContext) -> None:
    """A validly signed document whose opgesteld_op lies two days ahead is refused
    (envelop/nog-niet-geldig)."""
    _expect(ctx, await _overview(ctx), "uit-de-toekomst")


@app_check("/app/verifieer-voor-tonen")
async def app_refuses_document_of_another_major(ctx: AppContext) -> None:
    """A validly signed document of documentversie 3.0, served at a major-2 endpoint, is
    refused (envelop/versie-niet-ondersteund)."""
    _expect(ctx, await _overview(ctx), "volgende-major")


@app_check("/app/status-per-bron")
async def app_reports_unreachable_sources(ctx: AppContext) -> None:
    """A source that refuses connections, one answering 503 and one answering too late are
    each reported onbereikbaar with a code, and none of them holds back the others."""
    run = await _overview(ctx)
    for slug in ("onbereikbaar", "storing", "traag"):
        _expect(ctx, run, slug)


@app_check("/app/status-per-bron")
async def app_survives_hostile_answers(ctx: AppContext) -> None:
    """An answer that trickles forever, one of 32 MiB and one nested 100 000 levels deep are
    reported onbereikbaar or geweigerd; the app neither crashes nor shows anything of them."""
    run = await _overview(ctx)
    for slug in ("eindeloos", "enorm", "genest"):
        _expect(ctx, run, slug)


@app_check("/app/bronnen-gelijktijdig")
async def app_asks_sources_concurrently(ctx: AppContext) -> None:
    """The app contacts every source within one timeout of the first (not one after the
    other) and ends its overview within two timeouts plus 20 s, whatever the sources do."""
    run = await ctx.main_run()
    if not run.ended or run.elapsed_s > END_BOUND_S:
        fail(f"the overview took {run.elapsed_s:.1f} s with sources that never answer "
             f"(bound {END_BOUND_S:g} s with a per-source timeout of {ctx.timeout_s:g} s)")
    firsts = {slug: seen[0].at for slug, seen in ctx.federation.recorder.requests.items()
              if seen}
    missing = sorted(b.slug for b in ctx.federation.sources
                     if not b.unreachable and b.slug not in firsts)
    if missing:
        fail(f"the app never contacted {missing}")
    spread = max(firsts.values()) - min(firsts.values())
    if spread >= ctx.timeout_s:
        last = max(firsts, key=firsts.__getitem__)
        fail(f"the app first contacted {last!r} {spread:.1f} s after the first source: "
             f"sources are asked one after another, not concurrently")


APP_CHECKS = (
    app_prints_overview_json,
    app_registers_public_key_only,
    app_shows_verified_claims_with_totals,
    app_refuses_tampered_envelope,
    app_refuses_other_citizens_document,
    app_refuses_unknown_signing_key,
    app_refuses_other_organisations_document,
    app_refuses_revoked_signing_key,
    app_refuses_retired_signing_key,
    app_refuses_unsigned_envelope,
    app_refuses_document_breaking_its_rules,
    app_refuses_document_from_the_future,
    app_refuses_document_of_another_major,
    app_reports_unreachable_sources,
    app_survives_hostile_answers,
    app_asks_sources_concurrently,
    app_takes_audience_from_scheme,
    app_signs_fresh_request_proof_per_request,
    app_refuses_rolled_back_scheme,
    app_refuses_expired_scheme,
    app_refuses_scheme_from_unpinned_key,
    app_refuses_scheme_of_other_environment,
)
