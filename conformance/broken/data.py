"""The gallery's built-in test citizens: two BSNs with realistic cases.

Citizen 1 has a traffic fine in arrears with a partial payment (eligible for an arrangement
and a pause), a running monthly contribution due soon, and a long-running recovery in
instalments with a partial remission. Citizen 2 has a fine not yet due, a settled fine and a
corrected fine under objection. Dates are relative to the day the app is built, so the data stays
realistic whenever it runs; totals are computed from the events, so the invariants hold.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

DEFAULT_TEST_BSNS = ("999993653", "999990019")  # both pass the elfproef
IMPOSED = "FinancieleVerplichtingOpgelegd"
DEMANDED = "BetalingsverplichtingOpgelegd"
PAID = "BetalingVerwerkt"
REMITTED = "FinancieleVerplichtingKwijtgescholden"
CJIB = {"oin": "00000001800017371000", "naam": "Centraal Justitieel Incassobureau"}
CAK = {"naam": "CAK"}
TOESLAGEN = {"naam": "Dienst Toeslagen"}
WAHV = {"omschrijving": "Wet administratiefrechtelijke handhaving verkeersvoorschriften",
        "url": "https://wetten.overheid.nl/BWBR0004581"}
CASE_CONTACT = {"telefoon": "+31 58 215 00 00", "url": "https://bron.example/zaken"}


def _at(day: date, hour: int = 9) -> str:
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


def _event(event_id: str, kind: str, day: date, **fields: Any) -> dict[str, Any]:
    return {"gebeurtenis_id": event_id, "gebeurtenistype": kind, "datumtijd": _at(day), **fields}


def _case(today: date, zaakkenmerk: str, events: list[dict[str, Any]], *, achterstand: int = 0,
          **fields: Any) -> dict[str, Any]:
    imposed = sum(e["bedrag"] for e in events if e["gebeurtenistype"] == IMPOSED)
    settled = sum(e["bedrag"] for e in events if e["gebeurtenistype"] in (PAID, REMITTED))
    case = {
        "zaakkenmerk": zaakkenmerk,
        "totaal_financieel_verplicht": imposed,
        "totaal_financieel_vereffend": settled,
        "saldo": imposed - settled,
        "saldo_datumtijd": _at(today, hour=6),
        "achterstand": achterstand,
        "status": "open",
        "contact": dict(CASE_CONTACT),
        "acties": [],
        "gebeurtenissen": events,
    }
    case.update(fields)
    return case


def _fine_in_arrears(today: date) -> dict[str, Any]:
    d = today - timedelta(days=120)
    events = [
        _event("A1-1", IMPOSED, d, bedrag=9800, categorie="hoofdsom",
               omschrijving="Boete: 23 km/u te snel op de A12"),
        _event("A1-2", IMPOSED, d, bedrag=900, categorie="administratiekosten",
               omschrijving="Administratiekosten"),
        _event("A1-3", DEMANDED, d, bedrag=10700, vervaldatum=(d + timedelta(56)).isoformat(),
               soort="aanschrijving", betalingskenmerk="5012345678901234"),
        _event("A1-4", IMPOSED, d + timedelta(60), bedrag=4900, categorie="verhoging",
               omschrijving="Eerste verhoging na het verstrijken van de betaaltermijn"),
        _event("A1-5", DEMANDED, d + timedelta(60), bedrag=15600,
               vervaldatum=(d + timedelta(88)).isoformat(), soort="aanmaning",
               betalingskenmerk="5012345678901242"),
        _event("A1-6", PAID, d + timedelta(75), bedrag=5000, betalingskenmerk="5012345678901242",
               betalingsverplichting="A1-5"),
    ]
    # the dunning schedule: a second surcharge falls due in 30 days unless a pause holds it
    planned = [_event("A1-7", IMPOSED, today + timedelta(30), bedrag=4900, categorie="verhoging",
                      omschrijving="Tweede verhoging")]
    return _case(
        today, "CJIB-2025-004711", events, achterstand=10600, gepland=planned,
        omschrijving="Verkeersboete snelheidsovertreding", vorderingtype="cjib_wahv_boete",
        schuldeiser=CJIB, looptijd="eenmalig", volgende_vervaldatum=None, grondslag=WAHV,
        bezwaar={"mogelijk": False, "toelichting": "De termijn voor beroep is verstreken."},
    )


def _monthly_contribution(today: date) -> dict[str, Any]:
    months = [today - timedelta(days=63), today - timedelta(days=33), today - timedelta(days=3)]
    events: list[dict[str, Any]] = []
    for n, day in enumerate(months, start=1):
        events.append(_event(f"A2-{n}-opgelegd", IMPOSED, day, bedrag=23450,
                             categorie="hoofdsom", omschrijving="Eigen bijdrage Wlz"))
        events.append(_event(f"A2-{n}-factuur", DEMANDED, day, bedrag=23450,
                             vervaldatum=(day + timedelta(28)).isoformat(), soort="termijn",
                             betalingskenmerk=f"77100044{n:02d}"))
        if n < len(months):
            events.append(_event(f"A2-{n}-betaald", PAID, day + timedelta(20), bedrag=23450,
                                 betalingsverplichting=f"A2-{n}-factuur"))
    return _case(
        today, "CAK-WLZ-2024-118", events,
        omschrijving="Eigen bijdrage voor zorg met verblijf (Wlz)",
        vorderingtype="cak_wlz_eigen_bijdrage", schuldeiser=CAK, looptijd="doorlopend",
        volgende_vervaldatum=(months[-1] + timedelta(28)).isoformat(),
        grondslag={"omschrijving": "Wet langdurige zorg, artikel 3.3.3"},
        bezwaar={"mogelijk": True, "uiterlijk": (months[-1] + timedelta(42)).isoformat()},
    )


def _recovery_in_instalments(today: date) -> dict[str, Any]:
    d = today - timedelta(days=200)
    events = [
        _event("A3-1", IMPOSED, d, bedrag=48713, categorie="hoofdsom",
               omschrijving="Terugvordering zorgtoeslag 2023"),
        _event("A3-2", REMITTED, d + timedelta(30), bedrag=10000, financiele_verplichting="A3-1",
               reden="Gedeeltelijke kwijtschelding na draagkrachtonderzoek"),
        _event("A3-3", DEMANDED, d + timedelta(31), bedrag=4000,
               vervaldatum=(d + timedelta(61)).isoformat(), soort="termijn",
               betalingskenmerk="TS2023000119001"),
        _event("A3-4", PAID, d + timedelta(55), bedrag=4000, betalingsverplichting="A3-3"),
        _event("A3-5", DEMANDED, d + timedelta(61), bedrag=4000,
               vervaldatum=(d + timedelta(91)).isoformat(), soort="termijn",
               betalingskenmerk="TS2023000119002"),
        _event("A3-6", PAID, d + timedelta(85), bedrag=4000, betalingsverplichting="A3-5"),
    ]
    return _case(
        today, "TS-2023-0119", events,
        omschrijving="Terugvordering zorgtoeslag over 2023", vorderingtype="bd_zorgtoeslag",
        schuldeiser=TOESLAGEN, looptijd="termijnen",
        volgende_vervaldatum=(today + timedelta(days=12)).isoformat(),
        grondslag={"omschrijving": "Algemene wet inkomensafhankelijke regelingen, artikel 26"},
        bezwaar={"mogelijk": False},
    )


def _fine(today: date, zaakkenmerk: str, prefix: str, amount: int, *, issued: date,
          paid: bool = False, corrected: int = 0, **fields: Any) -> dict[str, Any]:
    events = [
        _event(f"{prefix}-1", IMPOSED, issued, bedrag=amount, categorie="hoofdsom",
               omschrijving="Boete"),
        _event(f"{prefix}-2", IMPOSED, issued, bedrag=900, categorie="administratiekosten",
               omschrijving="Administratiekosten"),
        _event(f"{prefix}-3", DEMANDED, issued, bedrag=amount + 900,
               vervaldatum=(issued + timedelta(56)).isoformat(), soort="aanschrijving",
               betalingskenmerk=f"50{prefix}0000001"),
    ]
    if paid:
        events.append(_event(f"{prefix}-4", PAID, issued + timedelta(20), bedrag=amount + 900,
                             betalingsverplichting=f"{prefix}-3"))
    if corrected:
        events.append(_event(f"{prefix}-5", IMPOSED, issued + timedelta(5), bedrag=-corrected,
                             categorie="hoofdsom", correctie_van=f"{prefix}-1",
                             omschrijving="Correctie: boete verlaagd na herberekening"))
    return _case(today, zaakkenmerk, events, vorderingtype="cjib_wahv_boete", schuldeiser=CJIB,
                 looptijd="eenmalig", grondslag=WAHV, **fields)


def default_citizens(today: date) -> dict[str, list[dict[str, Any]]]:
    """BSN → cases (financiele_zaak form, base status, no arrangement/pause members)."""
    first, second = DEFAULT_TEST_BSNS
    recent = today - timedelta(days=10)
    return {
        first: [_fine_in_arrears(today), _monthly_contribution(today),
                _recovery_in_instalments(today)],
        second: [
            _fine(today, "CJIB-2025-009001", "B1", 6900, issued=recent,
                  omschrijving="Verkeersboete door rood licht",
                  volgende_vervaldatum=(recent + timedelta(56)).isoformat(),
                  bezwaar={"mogelijk": True, "uiterlijk": (recent + timedelta(42)).isoformat()}),
            _fine(today, "CJIB-2024-031337", "B2", 4500, issued=today - timedelta(days=300),
                  paid=True, status="afgelost", omschrijving="Boete fout parkeren",
                  volgende_vervaldatum=None, bezwaar={"mogelijk": False}),
            _fine(today, "CJIB-2025-007777", "B3", 39000, issued=today - timedelta(days=30),
                  corrected=4000, status="in_bezwaar", omschrijving="Boete mobiel telefoongebruik",
                  volgende_vervaldatum=None,
                  bezwaar={"mogelijk": True, "toelichting": "Uw bezwaar is in behandeling."}),
        ],
    }
