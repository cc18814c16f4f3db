"""All or nothing across organisations (`/app/groep-alles-of-niets`, agreement.py).

Three in-process sources keep the state the agreement is about (two_phase_support.py); each
test checks what the app reports and what the sources hold afterwards: no arrangement is
active anywhere unless all are — also with a 0-day cooling-off period, also when the app
crashes half-way and resumes from its journal.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest
from two_phase_support import (
    ACCEPT,
    CANCEL,
    CONFIRM,
    RESERVE,
    WITHDRAW,
    Crash,
    TwoPhaseSource,
    clients,
)

from reference_impl.app import agreement
from reference_impl.app.arrangement import Part, Plan
from reference_impl.app.journal import JOURNAL_FILE, Journal

pytestmark = pytest.mark.anyio


def three(**options: Any) -> list[TwoPhaseSource]:
    return [TwoPhaseSource(f"0000000100000000{n}000", f"Organisatie {n}", **options)
            for n in (1, 2, 3)]


def plan_for(sources: list[TwoPhaseSource], source_clients: list[Any]) -> Plan:
    parts = []
    for source, client in zip(sources, source_clients, strict=True):
        quote = source.voorstel()
        parts.append(Part(client, quote["zaakkenmerken"], quote["totaalbedrag"],
                          quote["termijnbedrag"], voorstel=quote, in_groep=source.reservations))
    return Plan(15_000, parts)


async def conclude(sources: list[TwoPhaseSource], journal: Journal | None = None) -> Plan:
    source_clients, http = clients(*sources)
    async with http:
        return await agreement.conclude(plan_for(sources, source_clients), journal)


def statuses(plan: Plan) -> list[str]:
    return [p.status for p in plan.parts]


def active(sources: list[TwoPhaseSource]) -> list[int]:
    return [len(s.active()) for s in sources]


def held(sources: list[TwoPhaseSource]) -> list[list[str]]:
    return [sorted(r["status"] for r in s.held.values()) for s in sources]


async def test_every_organisation_confirms_under_one_group() -> None:
    sources = three()
    plan = await conclude(sources)
    assert plan.status == "afgesloten" and statuses(plan) == ["aangegaan"] * 3
    assert active(sources) == [1, 1, 1]
    groups = {r["groep_id"] for s in sources for r in s.held.values()}
    assert groups == {plan.groep_id} and {r["groep_omvang"] for s in sources
                                          for r in s.held.values()} == {3}
    assert plan.to_json()["groep"] == {"id": plan.groep_id, "omvang": 3}


@pytest.mark.parametrize("bedenktijd", [14, 0])
async def test_a_refused_reservation_leaves_nothing_anywhere(bedenktijd: int) -> None:
    sources = three(bedenktijd_dagen=bedenktijd)
    sources[2].refuse[RESERVE] = "betalingsregeling/zaak-gewijzigd"
    plan = await conclude(sources)
    assert plan.status == "teruggedraaid"
    assert statuses(plan) == ["geannuleerd", "geannuleerd", "mislukt"]
    assert active(sources) == [0, 0, 0] and held(sources) == [["geannuleerd"]] * 2 + [[]]
    assert CONFIRM not in sources[0].calls + sources[1].calls  # nothing was confirmed
    assert "Organisatie 3" in plan.melding


@pytest.mark.parametrize("bedenktijd", [14, 0])
async def test_a_refused_confirmation_withdraws_the_confirmed_ones(bedenktijd: int) -> None:
    sources = three(bedenktijd_dagen=bedenktijd)
    sources[2].refuse[CONFIRM] = "betalingsregeling/reservering-vervallen"
    plan = await conclude(sources)
    # with a 0-day cooling-off a group arrangement can still be withdrawn (annuleerbaar_tot)
    assert plan.status == "teruggedraaid", plan.melding
    assert statuses(plan) == ["ingetrokken", "ingetrokken", "mislukt"]
    assert active(sources) == [0, 0, 0] and held(sources)[2] == ["geannuleerd"]


async def test_a_lost_confirmation_is_repeated_and_counted_once() -> None:
    sources = three()
    sources[1].lose[CONFIRM] = 1  # confirmed at the source, the answer never came
    plan = await conclude(sources)
    assert plan.status == "afgesloten" and active(sources) == [1, 1, 1]
    assert sources[1].calls.count(CONFIRM) == 2


async def test_a_confirmation_never_answered_is_read_back() -> None:
    sources = three()
    sources[1].lose[CONFIRM] = 2
    plan = await conclude(sources)
    assert plan.status == "afgesloten" and active(sources) == [1, 1, 1]
    assert "GET reserve" in sources[1].calls


async def test_a_separate_source_that_refuses_undoes_the_group() -> None:
    sources = three(bedenktijd_dagen=0)
    sources[2].reservations = False  # a 2.0 source: a separate arrangement, accepted last
    sources[2].refuse[ACCEPT] = "betalingsregeling/voorstel-verlopen"
    plan = await conclude(sources)
    assert [p.in_groep for p in plan.parts] == [True, True, False]
    assert plan.status == "teruggedraaid"
    assert statuses(plan) == ["ingetrokken", "ingetrokken", "mislukt"]
    assert active(sources) == [0, 0, 0]


async def test_a_withdrawal_that_fails_is_named() -> None:
    sources = three(bedenktijd_dagen=0)
    sources[0].reservations = False  # separate, no cooling-off: cannot be taken back
    sources[1].reservations = False
    sources[1].refuse[ACCEPT] = "betalingsregeling/zaak-gewijzigd"
    sources[2].reservations = False
    plan = await conclude(sources)
    assert plan.status == "deels_actief"
    assert statuses(plan) == ["intrekken_mislukt", "mislukt", "niet_geprobeerd"]
    assert "Organisatie 1" in plan.melding and active(sources) == [1, 0, 0]


async def test_a_crash_after_the_decision_is_finished_forward(tmp_path: Path) -> None:
    sources = three()
    sources[1].crash.add(CONFIRM)
    journal = Journal(tmp_path)
    with pytest.raises(Crash):
        await conclude(sources, journal)
    record = json.loads((tmp_path / JOURNAL_FILE).read_text())
    assert record["fase"] == "bevestigen"
    assert stat.S_IMODE((tmp_path / JOURNAL_FILE).stat().st_mode) == 0o600
    source_clients, http = clients(*sources)  # a new run of the app
    async with http:
        plan = await agreement.resume(Journal(tmp_path), source_clients)
    assert plan is not None and plan.status == "afgesloten"
    assert active(sources) == [1, 1, 1] and not (tmp_path / JOURNAL_FILE).exists()


async def test_a_crash_before_the_decision_is_rolled_back(tmp_path: Path) -> None:
    sources = three()
    sources[2].crash.add(RESERVE)
    with pytest.raises(Crash):
        await conclude(sources, Journal(tmp_path))
    assert json.loads((tmp_path / JOURNAL_FILE).read_text())["fase"] == "reserveren"
    source_clients, http = clients(*sources)
    async with http:
        plan = await agreement.resume(Journal(tmp_path), source_clients)
    assert plan is not None and plan.status == "teruggedraaid"
    assert active(sources) == [0, 0, 0]
    assert all(status == "geannuleerd" for s in held(sources) for status in s)
    assert CANCEL in sources[0].calls and not (tmp_path / JOURNAL_FILE).exists()


async def test_an_interrupted_agreement_blocks_a_new_one(tmp_path: Path) -> None:
    sources = three()
    sources[0].crash.add(CONFIRM)
    with pytest.raises(Crash):
        await conclude(sources, Journal(tmp_path))
    with pytest.raises(agreement.PendingAgreement, match="hervatten"):
        await conclude(three(), Journal(tmp_path))
    text = (tmp_path / JOURNAL_FILE).read_text()
    assert "999993653" not in text and "certificaat" not in text  # no BSN, no credentials


async def test_an_undo_without_answer_is_kept_and_finished_later(tmp_path: Path) -> None:
    sources = three()
    sources[2].refuse[CONFIRM] = "betalingsregeling/reservering-vervallen"
    sources[0].down.add(WITHDRAW)  # its confirmed arrangement cannot be withdrawn now
    plan = await conclude(sources, Journal(tmp_path))
    assert plan.status == "deels_actief" and statuses(plan)[0] == "intrekken_mislukt"
    assert "hervatten" in plan.melding and active(sources) == [1, 0, 0]
    assert json.loads((tmp_path / JOURNAL_FILE).read_text())["fase"] == "terugdraaien"
    sources[0].down.clear()  # the source answers again
    source_clients, http = clients(*sources)
    async with http:
        plan = await agreement.resume(Journal(tmp_path), source_clients)
    assert plan is not None and plan.status == "teruggedraaid"
    assert active(sources) == [0, 0, 0] and not (tmp_path / JOURNAL_FILE).exists()


JOURNAL_PART = {"oin": "00000001001234567000", "zaakkenmerken": ["Z-1"], "totaal": 10_000,
                "termijnbedrag": 1_000, "status": "gereserveerd", "in_groep": True,
                "sleutel": "k", "voorstel": {"voorstel_id": "v", "aantal_termijnen": 10},
                "reservering": {"id": "r", "vervalt_op": "2026-01-01T00:00:00Z"}}


@pytest.mark.parametrize("spoil", [
    {"organisaties": [1]},
    {"maandbedrag": None},
    {"maandbedrag": True},
    {"groep_id": 7},
    {"organisaties": [{**JOURNAL_PART, "totaal": "veel"}]},
    {"organisaties": [{k: v for k, v in JOURNAL_PART.items() if k != "zaakkenmerken"}]},
    {"organisaties": [{**JOURNAL_PART, "voorstel": {"aantal_termijnen": 10}}]},
    {"organisaties": [{**JOURNAL_PART, "reservering": []}]},
    {"organisaties": [{**JOURNAL_PART, "in_groep": "ja"}]},
])
async def test_a_journal_of_the_wrong_shape_is_named_not_resumed(
        tmp_path: Path, spoil: dict[str, Any]) -> None:
    """A damaged or hand-edited journal is one JournalError naming the file (no
    AttributeError/KeyError half-way through resuming); the file is left for the citizen."""
    record = {"soort": "betalingsregeling-groep", "formaat": 1, "fase": "bevestigen",
              "groep_id": "g", "maandbedrag": 1_000, "organisaties": [JOURNAL_PART]}
    good = Journal(tmp_path)
    (tmp_path / JOURNAL_FILE).write_text(json.dumps(record))
    assert good.load() == record
    record.update(spoil)
    if spoil.get("maandbedrag", 0) is None:
        del record["maandbedrag"]
    (tmp_path / JOURNAL_FILE).write_text(json.dumps(record))
    with pytest.raises(agreement.AppError, match="lopende regeling") as refused:
        await agreement.resume(Journal(tmp_path), [])
    assert str(tmp_path / JOURNAL_FILE) in str(refused.value)
    assert json.loads((tmp_path / JOURNAL_FILE).read_text()) == record


async def test_a_journal_that_is_not_utf8_or_too_deep_is_named(tmp_path: Path) -> None:
    for content in (b"\xff\xfe{}", b"[" * 100_000):
        (tmp_path / JOURNAL_FILE).write_bytes(content)
        with pytest.raises(agreement.AppError, match="geen geldige JSON"):
            Journal(tmp_path).load()
