"""The gallery's built-in test citizens: two BSNs with realistic cases.

Citizen 1 has a traffic fine in arrears with a partial payment (eligible for an arrangement
and a pause), a running monthly contribution due soon, and a long-running recovery in
instalments with a partial remission. Citizen 2 has a fine not yet due, a settled fine, a
corrected fine in beroep (2.2: `rechtsmiddel`), and the ledger of standard 2.2: a combined
municipal and water-board assessment with a creditor per line, a remission of one line, a
reversed direct debit (storno), a refund and a payment moved to another case; a water-board
case under garnishment (with the beslagvrije voet) paid by garnishment, by offsetting and by
that moved payment; and a tax debt frozen in a statutory debt scheme. Dates are relative to
the day the app is built, so the data stays realistic whenever it runs; totals are computed
from the events, so the invariants hold.
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
GEMEENTE = {"oin": "00000001001234567000", "naam": "Gemeente Voorbeeldstad"}
WATERSCHAP = {"naam": "Waterschap Voorbeeldrivier"}
BELASTINGDIENST = {"naam": "Belastingdienst"}
COMBINED = "GBK-2025-004242"  # the combined assessment a payment was moved out of
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
    # 2.2: nothing is in arrears, the open month is simply not due yet: nothing to arrange
    return _case(
        today, "CAK-WLZ-2024-118", events, regelbaar_bedrag=0,
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


def _combined_assessment(today: date) -> dict[str, Any]:
    """Municipal and water-board taxes on one assessment, collected in direct-debit
    instalments by a cooperative: a creditor per line, a remission of one line, a storno, a
    refund of an overpayment, and a payment moved to the water-board case it belonged to."""
    d = today - timedelta(days=150)
    events = [
        _event("G-1", IMPOSED, d, bedrag=31200, categorie="hoofdsom", schuldeiser=GEMEENTE,
               omschrijving="Onroerendezaakbelasting 2025"),
        _event("G-2", IMPOSED, d, bedrag=4300, categorie="hoofdsom", schuldeiser=GEMEENTE,
               omschrijving="Afvalstoffenheffing 2025"),
        _event("G-3", IMPOSED, d, bedrag=18400, categorie="hoofdsom", schuldeiser=WATERSCHAP,
               omschrijving="Watersysteemheffing 2025"),
        _event("G-4", REMITTED, d + timedelta(20), bedrag=4300, financiele_verplichting="G-2",
               schuldeiser=GEMEENTE, reden="Kwijtschelding afvalstoffenheffing"),
        _event("G-5", DEMANDED, d + timedelta(30), bedrag=5000, soort="termijn",
               vervaldatum=(d + timedelta(60)).isoformat(), betalingskenmerk="GBK0042000001"),
        _event("G-6", PAID, d + timedelta(60), bedrag=5000, betalingsverplichting="G-5",
               betaalwijze="automatische_incasso"),
        _event("G-7", IMPOSED, d + timedelta(64), bedrag=5000, categorie="hoofdsom",
               tegenboeking_van="G-6", tegenboeking_soort="storno",
               omschrijving="Storno: de automatische incasso is teruggeboekt"),
        _event("G-8", PAID, d + timedelta(70), bedrag=5000, betaalwijze="overboeking"),
        _event("G-9", PAID, d + timedelta(80), bedrag=2000, betaalwijze="overboeking"),
        _event("G-10", IMPOSED, d + timedelta(85), bedrag=2000, categorie="hoofdsom",
               tegenboeking_van="G-9", tegenboeking_soort="verkeerd_geboekt",
               omschrijving="Betaling hoorde bij aanslag WS-2024-7781"),
        _event("G-11", PAID, d + timedelta(90), bedrag=1500, betaalwijze="overboeking"),
        _event("G-12", IMPOSED, d + timedelta(95), bedrag=1500, categorie="hoofdsom",
               tegenboeking_van="G-11", tegenboeking_soort="terugbetaling",
               omschrijving="Terugbetaling: dubbel betaald"),
    ]
    return _case(
        today, COMBINED, events, achterstand=12000, regelbaar_bedrag=12000,
        omschrijving="Gecombineerde aanslag gemeentelijke belastingen en waterschapsbelasting",
        vorderingtype="gem_gecombineerde_aanslag", looptijd="termijnen",
        volgende_vervaldatum=(today + timedelta(days=20)).isoformat(),
        grondslag={"omschrijving": "Gemeentewet, artikel 220; Waterschapswet, artikel 117"},
        bezwaar={"mogelijk": False},
    )


def _garnished_water_board_tax(today: date) -> dict[str, Any]:
    """A water-board tax under wage garnishment, paid by garnishment, by offsetting against a
    tax refund and by the payment moved from the combined assessment."""
    d = today - timedelta(days=400)
    events = [
        _event("W-1", IMPOSED, d, bedrag=52000, categorie="hoofdsom",
               omschrijving="Zuiveringsheffing 2024"),
        _event("W-2", IMPOSED, d + timedelta(120), bedrag=3700, categorie="kosten",
               omschrijving="Kosten dwangbevel"),
        _event("W-3", PAID, d + timedelta(200), bedrag=8000, betaalwijze="beslag"),
        _event("W-4", PAID, d + timedelta(260), bedrag=3500, betaalwijze="verrekening",
               verrekend_met="Teruggave inkomstenbelasting 2024"),
        _event("W-5", PAID, today - timedelta(days=65), bedrag=2000, betaalwijze="herboeking",
               herboekt_van={"zaakkenmerk": COMBINED, "gebeurtenis_id": "G-9"}),
    ]
    garnishment = {
        "soort": "loonbeslag", "gelegd_op": (d + timedelta(180)).isoformat(),
        "derde": "Werkgever Voorbeeld B.V.", "beslagvrije_voet": 142000,
        "toelichting": "U mag ons vragen uw beslagvrije voet opnieuw te berekenen.",
        "contact": dict(CASE_CONTACT),
    }
    return _case(
        today, "WS-2024-7781", events, achterstand=20000, regelbaar_bedrag=20000,
        beslag=[garnishment], omschrijving="Zuiveringsheffing 2024 (loonbeslag)",
        vorderingtype="ws_zuiveringsheffing", schuldeiser=WATERSCHAP, looptijd="eenmalig",
        volgende_vervaldatum=None, grondslag={"omschrijving": "Waterschapswet, artikel 122d"},
        bezwaar={"mogelijk": False},
    )


def _frozen_tax_debt(today: date) -> dict[str, Any]:
    """A tax debt frozen in a statutory debt scheme (Wsnp): only objection and help remain."""
    d = today - timedelta(days=500)
    events = [
        _event("S-1", IMPOSED, d, bedrag=120000, categorie="hoofdsom",
               omschrijving="Inkomstenbelasting 2022"),
        _event("S-2", PAID, d + timedelta(60), bedrag=20000, betaalwijze="overboeking"),
    ]
    return _case(
        today, "IB-2022-5512", events, achterstand=100000,
        schuldregeling={"soort": "wsnp", "sinds": (today - timedelta(days=90)).isoformat(),
                        "behandelaar": "Bewindvoerder Voorbeeld"},
        omschrijving="Inkomstenbelasting 2022", vorderingtype="bd_inkomstenbelasting",
        schuldeiser=BELASTINGDIENST, looptijd="eenmalig", volgende_vervaldatum=None,
        grondslag={"omschrijving": "Invorderingswet 1990"}, bezwaar={"mogelijk": False},
    )


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
                  rechtsmiddel={"stadium": "beroep",
                                "ingediend_op": (today - timedelta(days=8)).isoformat(),
                                "uitstel_van_betaling": True,
                                "toelichting": "Uw beroep ligt bij de kantonrechter."},
                  bezwaar={"mogelijk": True, "toelichting": "Uw bezwaar is in behandeling."}),
            _combined_assessment(today),
            _garnished_water_board_tax(today),
            _frozen_tax_debt(today),
        ],
    }


def past_arrangements(today: date) -> list[dict[str, Any]]:
    """Arrangements made before the source was built: the second citizen's garnished
    water-board tax had one that lapsed after two missed instalments (standard 2.2)."""
    agreed = today - timedelta(days=130)
    firsts = [agreed + timedelta(days=d) for d in (25, 56, 86)]
    return [{
        "id": "6f0c2b1e-8d4a-4c3b-9e21-7a5d3c2b1f00",
        "bsn": DEFAULT_TEST_BSNS[1],
        "accepted": agreed,
        "body": {
            "zaakkenmerken": ["WS-2024-7781"],
            "totaalbedrag": 30000,
            "termijnbedrag": 10000,
            "aantal_termijnen": 3,
            "termijnen": [{"volgnummer": k, "vervaldatum": day.isoformat(), "bedrag": 10000}
                          for k, day in enumerate(firsts, start=1)],
        },
    }]
