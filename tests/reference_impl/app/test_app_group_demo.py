"""Issue 12's demonstration: a two-phase agreement across three demo sources where the third
refuses leaves no arrangement active anywhere — with a 0-day cooling-off period, where a
plain acceptance could no longer be taken back (`/app/groep-alles-of-niets`,
`/betalingsregeling/groep-intrekbaar`).

The demo federation runs with every source's `bedenktijd_dagen` set to 0; the refusal is
injected on the wire in front of the municipality (the third source in scheme order), once
at the reservation and once at the confirmation, after the other two have confirmed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from federation_support import Fault, active_arrangements, app_for, login_as, proxy_for

from reference_impl.demo.data import DEMO_DATA
from reference_impl.demo.launcher import BackgroundFederation, Federation

RESERVE = r"/betalingsregelingen/reserveringen$"
CONFIRM = r"/betalingsregelingen/reserveringen/[0-9a-f-]{36}/bevestiging$"
MONTHLY = 50_000
SANNE = "999993653"
CJIB, DUO, GEMEENTE = "00000001001234001000", "00000001001234002000", "00000001001234567000"


async def _active_arrangements(federation: Any) -> dict[str, list[str]]:
    return await active_arrangements(federation, SANNE, (CJIB, DUO, GEMEENTE))


def _statuses(plan: Any) -> dict[str, str]:
    return {p.source.oin: p.status for p in plan.parts}


@pytest.fixture(scope="module")
def no_cooling_off(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    text = Path(DEMO_DATA).read_text(encoding="utf-8")
    assert text.count("bedenktijd_dagen: 14") >= 3  # the demo's own setting, replaced here
    data = tmp_path_factory.mktemp("demo") / "data.yaml"
    data.write_text(text.replace("bedenktijd_dagen: 14", "bedenktijd_dagen: 0"),
                    encoding="utf-8")
    with BackgroundFederation(data_path=data) as running:
        yield running


async def _agree(federation: Any, *proxies: Any) -> Any:
    app, _ = app_for(federation, *proxies)
    async with app:
        await login_as(app, SANNE)
        plan = await app.plan_arrangement(MONTHLY)
        assert plan.status == "voorgesteld", plan.melding
        assert [p.in_groep for p in plan.parts] == [True, True, True]
        return await app.conclude(plan)


@pytest.mark.anyio
async def test_the_third_refusing_to_reserve_leaves_nothing(no_cooling_off: Any) -> None:
    third = proxy_for(no_cooling_off, GEMEENTE, Fault("POST", RESERVE, status=409,
                                                      code="betalingsregeling/zaak-gewijzigd"))
    plan = await _agree(no_cooling_off, third)
    assert plan.status == "teruggedraaid", plan.melding
    assert _statuses(plan) == {CJIB: "geannuleerd", DUO: "geannuleerd", GEMEENTE: "mislukt"}
    assert await _active_arrangements(no_cooling_off) == {CJIB: [], DUO: [], GEMEENTE: []}


@pytest.mark.anyio
async def test_the_third_refusing_to_confirm_leaves_nothing(no_cooling_off: Any) -> None:
    third = proxy_for(no_cooling_off, GEMEENTE, Fault(
        "POST", CONFIRM, status=409, code="betalingsregeling/reservering-vervallen"))
    plan = await _agree(no_cooling_off, third)
    # the other two were confirmed and had no cooling-off left; withdrawn all the same
    assert plan.status == "teruggedraaid", plan.melding
    assert _statuses(plan) == {CJIB: "ingetrokken", DUO: "ingetrokken", GEMEENTE: "mislukt"}
    assert await _active_arrangements(no_cooling_off) == {CJIB: [], DUO: [], GEMEENTE: []}
