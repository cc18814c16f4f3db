"""Each broken source differs from the baseline in exactly the documented way.

For every flaw: its probe gives the baseline's answer on the correct source and another answer
on the broken one (a direct behavioural test, without the suite's checks). The side-effect
test shows that a flaw switches on ONE defect: the main flow of every other family (one
sentinel probe each) still gets the baseline's answer, except for the few consequences
listed in `KNOWN_SIDE_EFFECTS`.
"""

from __future__ import annotations

import pytest
from conftest import Federation
from gallery_probes import PROBES

from conformance.broken import list_broken, rule_broken

pytestmark = pytest.mark.anyio

# document flaws that the JSON Schema catches as well (a pattern or an enum says so too)
SCHEMA_TOO = {
    "datumtijd-zonder-offset": ("/document/schema-open",),
    # the in_bezwaar of a case in beroep is renamed too (2.2: /document/rechtsmiddel-status)
    "onbekende-status": ("/document/schema-open", "/document/rechtsmiddel-status"),
}
# One probe of each family's main flow, run against every other flaw.
SENTINELS = (
    "nonce-herbruikbaar",  # opening (and replaying) a session
    "intrekking-genegeerd",  # certificate verification to its last step
    "verboden-header-geaccepteerd",  # the token header rules
    "verkeerde-sleutel",  # the envelope's signature
    "float-bedragen",  # every document invariant of both citizens
    "5xx-bij-fout-verzoek",  # a malformed body
    "trailing-slash-geaccepteerd",  # an unknown path
    "dienst-niet-vermeld",  # the configuration
    "niet-idempotent",  # quote, accept, retry, list
    "schema-regel-fout",  # the schedule rule
    "pauze-niet-in-document",  # pause and document
    "hulpvraag-zonder-verificatie",  # a help request with a tampered envelope
)
# (flaw, sentinel) pairs where the flaw legitimately changes that probe's answer.
KNOWN_SIDE_EFFECTS = {
    # the trailing-slash probe expects a 404 problem document for an unknown path
    ("geen-problem-json", "trailing-slash-geaccepteerd"),
    ("auth-voor-routering", "trailing-slash-geaccepteerd"),
    # the help-request probe starts from the source's own envelope, which then no longer
    # verifies, or breaks bundel.schema.json (a 400 before trust model §3.5 is reached)
    ("handtekening-niet-detached", "hulpvraag-zonder-verificatie"),
    ("datumtijd-zonder-offset", "hulpvraag-zonder-verificatie"),
    # a documentversie of the wrong form fails the schema, so the document probe and the
    # help request with the source's own envelope see it too
    ("documentversie-met-patch", "float-bedragen"),
    ("documentversie-met-patch", "hulpvraag-zonder-verificatie"),
    # the saldo is wrong in the back office, so the quote's schedule follows it
    ("saldo-klopt-niet", "schema-regel-fout"),
}


async def run(name: str | None, probe_of: str) -> object:
    federation = Federation()
    probe, _good = PROBES[probe_of]
    async with federation.client(name) as client:
        return await probe(federation, client)


def test_every_flaw_has_a_probe() -> None:
    assert sorted(PROBES) == list_broken()
    assert set(SENTINELS) <= set(PROBES)


@pytest.mark.parametrize("name", list_broken())
async def test_baseline_answers_the_probe_correctly(name: str) -> None:
    assert await run(None, name) == PROBES[name][1]


@pytest.mark.parametrize("name", list_broken())
async def test_flaw_changes_the_answer(name: str) -> None:
    answer = await run(name, name)
    assert answer != PROBES[name][1], f"{name} behaves like the baseline"
    if isinstance(answer, list) and all(str(a).startswith("/document/") for a in answer):
        # a document flaw breaks its own rule, and the schema only where it must
        assert rule_broken(name) in answer
        assert set(answer) <= {rule_broken(name), *SCHEMA_TOO.get(name, ())}


@pytest.mark.slow
@pytest.mark.parametrize("name", list_broken())
async def test_flaw_leaves_other_families_alone(name: str) -> None:
    changed = []
    for sentinel in SENTINELS:
        same_probe = PROBES[sentinel][0] is PROBES[name][0]  # one probe for all document rules
        if same_probe or rule_broken(sentinel) == rule_broken(name) or (
                (name, sentinel) in KNOWN_SIDE_EFFECTS):
            continue
        if await run(name, sentinel) != PROBES[sentinel][1]:
            changed.append(sentinel)
    assert changed == [], f"{name} also changes the behaviour probed for {changed}"
