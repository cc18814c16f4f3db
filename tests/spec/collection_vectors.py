"""Claims-document vectors of standard 2.2 (issue 12: collection as it really is).

Written by generate_vectors.py into spec/vectors/ as three files of their own, so the vectors of
2.0 stay byte-for-byte as they were (append-only within a major):

- `document/invarianten-2.2.json`: one case per invariant of spec/rules/document.md that is
  `Since 2.2.0`; every invalid test breaks exactly that rule and passes the schema;
- `document/geldig-2.2.json`: complete valid documents, among them a 2.1 document that a 2.2
  invariant does not judge (those rules bind documents of 2.2 and later);
- `schema/vorderingendocument-2.2.json`: the shape of the 2.2 members (closed enums, required
  members inside the new objects, bounds, open objects);
- `schema/app-overzicht-2.2.json`: an app's overview under test with the figures of 2.2.

Data first, like generate_vectors.py; it shares no code with the verifier the tests use. It
imports nothing from the generator (the generator imports this one, and takes `edit` and
`OMIT` from here); its other small builders are its own for that reason.
"""

from __future__ import annotations

import copy
import json
from typing import Any

VERSION = "2.2"  # the documentversie of a source announcing 2.2, the minor of these rules
EARLIER_MINOR = "2.1"  # a document of it is not judged by the rules of 2.2
LATER_MINOR = "2.3"  # a document of it is
OIN_A = "00000001000000000001"
OIN_GEMEENTE = "00000002000000000002"
OIN_WATERSCHAP = "00000005000000000005"
BSN = "999993653"
DOCUMENT_INVALID = "envelop/document-ongeldig"
SCHEMA = "vorderingendocument.schema.json"
OMIT = object()

REGELING_VERVALLEN = "4b7e1c2d-3a4f-4e5d-8c6b-7a8f9e0d1c21"
REGELING_OUD = "5c8f2d3e-4b5a-4f6e-9d7c-8b9a0f1e2d22"
REGELING_NIEUW = "6d9a3e4f-5c6b-4a7f-8e8d-9c0b1a2f3e23"
GROEP = "7e0b4f5a-6d7c-4b8a-9f9e-0d1c2b3a4f24"
PAUZE = "8f1c5a6b-7e8d-4c9b-8a0f-1e2d3c4b5a25"

GEMEENTE = {"naam": "Gemeente Voorbeeldstad (test)", "oin": OIN_GEMEENTE}
WATERSCHAP = {"naam": "Waterschap Voorbeeldrivier (test)", "oin": OIN_WATERSCHAP}


# --- builders ------------------------------------------------------------------------------


def test(description: str, valid: bool, data: Any, **fields: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"description": description, "data": data, **fields, "valid": valid}
    if not valid:
        entry["code"] = DOCUMENT_INVALID
    return entry


def good(description: str, data: Any) -> dict[str, Any]:
    return test(description, True, data)


def bad(description: str, data: Any) -> dict[str, Any]:
    return test(description, False, data)


def case(description: str, rule: str, tests: list[dict], **fields: Any) -> dict[str, Any]:
    return {"description": description, "rule": rule, **fields, "tests": tests}


def event(kenmerk: str, number: int, kind: str, when: str, **fields: Any) -> dict[str, Any]:
    return {"gebeurtenis_id": f"{kenmerk}:{number}", "gebeurtenistype": kind, "datumtijd": when,
            **fields}


def imposed(kenmerk: str, number: int, when: str, bedrag: int, omschrijving: str,
            **fields: Any) -> dict[str, Any]:
    return event(kenmerk, number, "FinancieleVerplichtingOpgelegd", when, bedrag=bedrag,
                 categorie=fields.pop("categorie", "hoofdsom"), omschrijving=omschrijving,
                 **fields)


def paid(kenmerk: str, number: int, when: str, bedrag: int, **fields: Any) -> dict[str, Any]:
    return event(kenmerk, number, "BetalingVerwerkt", when, bedrag=bedrag, **fields)


def totals(zaak: dict[str, Any]) -> dict[str, Any]:
    """`zaak` with its three totals recomputed from its events (a vector that changes an amount
    keeps the 2.0 sums right, so it breaks only the rule it is about)."""
    events = zaak["gebeurtenissen"]
    verplicht = sum(e["bedrag"] for e in events
                    if e["gebeurtenistype"] == "FinancieleVerplichtingOpgelegd")
    vereffend = sum(e["bedrag"] for e in events if e["gebeurtenistype"] in
                    ("BetalingVerwerkt", "FinancieleVerplichtingKwijtgescholden"))
    return {**zaak, "totaal_financieel_verplicht": verplicht,
            "totaal_financieel_vereffend": vereffend, "saldo": verplicht - vereffend}


def zaak(kenmerk: str, events: list[dict], **fields: Any) -> dict[str, Any]:
    base = {
        "zaakkenmerk": kenmerk,
        "omschrijving": "Vordering (testgegevens)",
        "vorderingtype": "cjib_wahv_boete",
        "looptijd": "eenmalig",
        "saldo_datumtijd": "2025-12-31T06:00:00+01:00",
        "achterstand": 0,
        "volgende_vervaldatum": None,
        "status": "open",
        "grondslag": {"omschrijving": "Wettelijke grondslag (testgegevens)"},
        "bezwaar": {"mogelijk": False},
        "contact": {"telefoon": "+31 58 000 0000"},
        "acties": ["betalen", "betalingsregeling"],
        "gebeurtenissen": events,
    }
    return totals({**base, **fields})


def document(*zaken: dict[str, Any], versie: str = VERSION) -> dict[str, Any]:
    """A claims document; a JSON round trip unshares objects (one creditor on two lines), so
    that an edit of one line's member never changes another's."""
    return json.loads(json.dumps({
        "documentversie": versie,
        "bron": {"oin": OIN_A, "naam": "Centraal Incassobureau (test)"},
        "bsn": BSN,
        "opgesteld_op": "2025-12-31T12:00:00+01:00",
        "financiele_zaken": list(zaken),
    }))


def edit(doc: Any, path: str, value: Any = OMIT) -> Any:
    """A deep copy of `doc` with the member at JSON pointer `path` set, appended (`-`) or
    removed (no value)."""
    result = copy.deepcopy(doc)
    *parents, last = path.strip("/").split("/")
    target: Any = result
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        if last == "-":
            target.append(value)
        else:
            target[int(last)] = value
    elif value is OMIT:
        del target[last]
    else:
        target[last] = value
    return result


def change(doc: dict[str, Any], changes: dict[str, Any], recompute: int | None = None) -> Any:
    """`edit` for every (pointer, value) pair; `recompute` names a case whose totals follow."""
    for path, value in changes.items():
        doc = edit(doc, path, value)
    if recompute is not None:
        doc = edit(doc, f"/financiele_zaken/{recompute}",
                   totals(doc["financiele_zaken"][recompute]))
    return doc


# --- the cases of 2.2 ----------------------------------------------------------------------


def zaak_storno() -> dict[str, Any]:
    """A municipal assessment paid by direct debit; the bank reversed the April instalment."""
    k = "GEM-2025-010001"
    return zaak(k, [
        imposed(k, 1, "2025-02-28T09:00:00+01:00", 60000, "Gemeentelijke belastingen 2025"),
        paid(k, 2, "2025-03-28T06:00:00+01:00", 6000, betaalwijze="automatische_incasso"),
        paid(k, 3, "2025-04-28T06:00:00+02:00", 6000, betaalwijze="automatische_incasso"),
        imposed(k, 4, "2025-05-06T09:00:00+02:00", 6000,
                "Storno: de incasso van april is door de bank teruggeboekt",
                tegenboeking_van=f"{k}:3", tegenboeking_soort="storno"),
    ], omschrijving="Gemeentelijke belastingen 2025 (testgegevens)", vorderingtype="gem_belasting",
        looptijd="termijnen", achterstand=6000, regelbaar_bedrag=6000)


def zaak_terugbetaling() -> dict[str, Any]:
    """A fine paid twice in part; the second payment was refunded."""
    k = "WAHV-2025-020001"
    return zaak(k, [
        imposed(k, 1, "2025-08-01T09:00:00+02:00", 10000, "Snelheidsovertreding"),
        paid(k, 2, "2025-08-20T10:00:00+02:00", 10000, betaalwijze="overboeking"),
        paid(k, 3, "2025-08-21T10:00:00+02:00", 2500, betaalwijze="overboeking"),
        imposed(k, 4, "2025-09-02T09:00:00+02:00", 2500,
                "Terugbetaling: u had te veel betaald", tegenboeking_van=f"{k}:3",
                tegenboeking_soort="terugbetaling"),
    ], status="afgelost", acties=[])


K_VERKEERD, K_HERBOEKT = "WAHV-2025-030001", "WAHV-2025-030002"


def zaak_verkeerd_geboekt() -> dict[str, Any]:
    """Received a payment meant for another case; reversed here, booked there."""
    k = K_VERKEERD
    return zaak(k, [
        imposed(k, 1, "2025-09-01T09:00:00+02:00", 9000, "Parkeerovertreding"),
        paid(k, 2, "2025-10-01T10:00:00+02:00", 5000, betaalwijze="overboeking"),
        imposed(k, 3, "2025-10-15T09:00:00+02:00", 5000,
                "Tegenboeking: deze betaling hoorde bij WAHV-2025-030002",
                tegenboeking_van=f"{k}:2", tegenboeking_soort="verkeerd_geboekt"),
    ])


def zaak_herboekt() -> dict[str, Any]:
    k = K_HERBOEKT
    return zaak(k, [
        imposed(k, 1, "2025-09-01T09:00:00+02:00", 5000, "Door rood licht gereden"),
        paid(k, 2, "2025-10-15T09:00:00+02:00", 5000, betaalwijze="herboeking",
             herboekt_van={"zaakkenmerk": K_VERKEERD, "gebeurtenis_id": f"{K_VERKEERD}:2"}),
    ], status="afgelost", acties=[])


def zaak_verrekening() -> dict[str, Any]:
    """An allowance recovered by offsetting it against later allowances; a pause not yet."""
    k = "TSL-2024-000042"
    return zaak(k, [
        imposed(k, 1, "2025-05-01T09:00:00+02:00", 120000, "Terugvordering zorgtoeslag 2024"),
        paid(k, 2, "2025-06-20T09:00:00+02:00", 9000, betaalwijze="verrekening",
             verrekend_met="zorgtoeslag juni 2025"),
        paid(k, 3, "2025-07-20T09:00:00+02:00", 9000, betaalwijze="verrekening",
             verrekend_met="zorgtoeslag juli 2025"),
    ], omschrijving="Terugvordering zorgtoeslag 2024 (testgegevens)",
        vorderingtype="tsl_terugvordering", looptijd="doorlopend",
        acties=["betalen", "betalingsregeling", "hulp"],
        pauze_mogelijkheid={"mogelijk": False, "reden": "wachttijd",
                            "mogelijk_vanaf": "2026-02-01",
                            "toelichting": "Uw vorige pauze is op 1 november geëindigd."})


def zaak_beslag() -> dict[str, Any]:
    """At the bailiff with a wage garnishment; a pause cannot stop the bailiff."""
    k = "CJIB-2025-040001"
    return zaak(k, [
        imposed(k, 1, "2025-03-01T09:00:00+01:00", 50000, "Strafbeschikking"),
        imposed(k, 2, "2025-07-01T09:00:00+02:00", 1500, "Kosten van de beslaglegging",
                categorie="kosten"),
        paid(k, 3, "2025-09-25T09:00:00+02:00", 20000, betaalwijze="beslag"),
    ], status="overgedragen_aan_deurwaarder", achterstand=31500, acties=["betalen", "hulp"],
        beslag=[{"soort": "loonbeslag", "gelegd_op": "2025-08-01",
                 "derde": "Voorbeeld Werkgever B.V. (test)", "beslagvrije_voet": 142000,
                 "toelichting": "Klopt de beslagvrije voet niet? Vraag de deurwaarder om het "
                                "te controleren.",
                 "contact": {"telefoon": "+31 20 000 0000"}}],
        pauze_mogelijkheid={"mogelijk": False, "reden": "bij-deurwaarder"})


def zaak_gecombineerd() -> dict[str, Any]:
    """A combined municipal and water-board assessment: a creditor on every line."""
    k = "BSD-2025-050001"
    return zaak(k, [
        imposed(k, 1, "2025-03-01T09:00:00+01:00", 30000, "Onroerendezaakbelasting 2025",
                schuldeiser=GEMEENTE),
        imposed(k, 2, "2025-03-01T09:00:00+01:00", 20000, "Watersysteemheffing 2025",
                schuldeiser=WATERSCHAP),
        imposed(k, 3, "2025-04-01T09:00:00+02:00", -1000, "Correctie na verlaging WOZ-waarde",
                correctie_van=f"{k}:1", schuldeiser=GEMEENTE),
        event(k, 4, "FinancieleVerplichtingKwijtgescholden", "2025-05-01T09:00:00+02:00",
              bedrag=5000, financiele_verplichting=f"{k}:2", schuldeiser=WATERSCHAP,
              reden="Kwijtschelding watersysteemheffing"),
        paid(k, 5, "2025-06-01T09:00:00+02:00", 10000, betaalwijze="overboeking"),
    ], omschrijving="Aanslag gemeente- en waterschapsbelastingen 2025 (testgegevens)",
        vorderingtype="bsd_aanslag", looptijd="termijnen")


def zaak_vervallen() -> dict[str, Any]:
    """An arrangement that lapsed after two missed instalments; the arrears are back."""
    k = "CJIB-2025-060001"
    termijnen = [
        {"volgnummer": 1, "vervaldatum": "2025-08-01", "bedrag": 10000, "status": "betaald",
         "betaald": 10000},
        {"volgnummer": 2, "vervaldatum": "2025-09-01", "bedrag": 10000, "status": "gemist",
         "betaald": 4000},
        {"volgnummer": 3, "vervaldatum": "2025-10-01", "bedrag": 10000, "status": "gemist",
         "betaald": 0},
    ]
    return zaak(k, [
        imposed(k, 1, "2025-06-01T09:00:00+02:00", 30000, "Verkeersboete"),
        paid(k, 2, "2025-07-30T09:00:00+02:00", 10000, betaalwijze="overboeking"),
        paid(k, 3, "2025-09-03T09:00:00+02:00", 4000, betaalwijze="overboeking"),
    ], achterstand=16000, regelbaar_bedrag=16000, betalingsregeling={
        "id": REGELING_VERVALLEN, "status": "beeindigd", "termijnbedrag": 10000,
        "aantal_termijnen": 3, "termijnen": termijnen, "gemiste_termijnen": 2,
        "beeindiging": {"reden": "vervallen", "datum": "2025-10-15",
                        "toelichting": "Twee termijnen zijn niet betaald."}})


def zaak_gewijzigd() -> dict[str, Any]:
    """An amended arrangement, made by a two-phase agreement across three sources."""
    k = "CJIB-2025-070001"
    termijnen = [
        {"volgnummer": 1, "vervaldatum": "2025-11-01", "bedrag": 6000, "status": "betaald",
         "betaald": 6000},
        {"volgnummer": 2, "vervaldatum": "2025-12-01", "bedrag": 6000, "status": "betaald",
         "betaald": 6000},
        {"volgnummer": 3, "vervaldatum": "2026-01-01", "bedrag": 6000, "status": "open",
         "betaald": 0},
        {"volgnummer": 4, "vervaldatum": "2026-02-01", "bedrag": 6000, "status": "open"},
    ]
    return zaak(k, [
        imposed(k, 1, "2025-06-01T09:00:00+02:00", 24000, "Verkeersboete"),
        paid(k, 2, "2025-10-30T09:00:00+01:00", 6000, betaalwijze="overboeking"),
        paid(k, 3, "2025-11-28T09:00:00+01:00", 6000, betaalwijze="overboeking"),
    ], status="in_regeling", looptijd="termijnen", volgende_vervaldatum="2026-01-01",
        acties=["betalen"], betalingsregeling={
        "id": REGELING_NIEUW, "status": "actief", "termijnbedrag": 6000, "aantal_termijnen": 4,
        "termijnen": termijnen, "gemiste_termijnen": 0, "vervangt": REGELING_OUD,
        "groep": {"id": GROEP, "omvang": 3, "bevestigd_op": "2025-10-20T10:00:00+02:00",
                  "annuleerbaar_tot": "2025-10-20T10:15:00+02:00"}})


def zaak_beroep() -> dict[str, Any]:
    """A fine in appeal at the court; collection is suspended meanwhile."""
    k = "CJIB-2025-080001"
    return zaak(k, [imposed(k, 1, "2025-04-01T09:00:00+02:00", 38000, "Verkeersboete")],
                status="in_bezwaar", acties=["hulp"],
                bezwaar={"mogelijk": False, "toelichting": "Het bezwaar is afgewezen."},
                rechtsmiddel={"stadium": "beroep", "ingediend_op": "2025-11-10",
                              "uitstel_van_betaling": True,
                              "toelichting": "U hoeft niet te betalen tot de uitspraak."},
                pauze_mogelijkheid={"mogelijk": False, "reden": "niet-voor-deze-zaak"})


def zaak_schuldregeling() -> dict[str, Any]:
    """Frozen in a statutory debt scheme: no payment, arrangement or pause here."""
    k = "GEM-2024-090001"
    return zaak(k, [imposed(k, 1, "2024-03-01T09:00:00+01:00", 45000, "Afvalstoffenheffing")],
                vorderingtype="gem_afval", acties=["hulp"],
                schuldregeling={"soort": "wsnp", "sinds": "2025-09-01",
                                "behandelaar": "Bewindvoerder Voorbeeld (test)"},
                pauze_mogelijkheid={"mogelijk": False, "reden": "in-schuldregeling"})


def zaak_overgenomen() -> dict[str, Any]:
    """Transferred in from a municipality; can be paused."""
    k = "CJIB-2025-100001"
    return zaak(k, [imposed(k, 1, "2025-07-01T09:00:00+02:00", 7500, "Parkeerbelasting")],
                acties=["betalen", "betalingsregeling", "pauze"],
                pauze_mogelijkheid={"mogelijk": True},
                overgenomen_van={"naam": GEMEENTE["naam"], "oin": OIN_GEMEENTE,
                                 "zaakkenmerk": "PARK-2024-777", "datum": "2025-07-01"})


def all_cases() -> list[dict[str, Any]]:
    return [zaak_storno(), zaak_terugbetaling(), zaak_verkeerd_geboekt(), zaak_herboekt(),
            zaak_verrekening(), zaak_beslag(), zaak_gecombineerd(), zaak_vervallen(),
            zaak_gewijzigd(), zaak_beroep(), zaak_schuldregeling(), zaak_overgenomen()]


Z0, Z1 = "/financiele_zaken/0", "/financiele_zaken/1"
E0, E1 = Z0 + "/gebeurtenissen", Z1 + "/gebeurtenissen"
R = Z0 + "/betalingsregeling"


# --- document/invarianten-2.2.json ---------------------------------------------------------


def invariant_cases() -> list[dict[str, Any]]:
    storno, terug = document(zaak_storno()), document(zaak_terugbetaling())
    herboeking = document(zaak_verkeerd_geboekt(), zaak_herboekt())
    verrekening, beslag = document(zaak_verrekening()), document(zaak_beslag())
    gecombineerd = document(zaak_gecombineerd())
    vervallen, gewijzigd = document(zaak_vervallen()), document(zaak_gewijzigd())
    beroep, schuldregeling = document(zaak_beroep()), document(zaak_schuldregeling())
    overgenomen = document(zaak_overgenomen())
    ks, kt, kc = "GEM-2025-010001", "WAHV-2025-020001", "BSD-2025-050001"
    kv = K_VERKEERD
    bare = "GEM-2025-110001"
    remitted_without_creditor = document(zaak(bare, [
        imposed(bare, 1, "2025-03-01T09:00:00+01:00", 1000, "Hondenbelasting 2025"),
        event(bare, 2, "FinancieleVerplichtingKwijtgescholden", "2025-04-01T09:00:00+02:00",
              bedrag=200, financiele_verplichting=f"{bare}:1", schuldeiser=GEMEENTE),
    ], vorderingtype="gem_hond"))
    return [
        case("0 ≤ regelbaar_bedrag ≤ max(saldo, 0)", "/document/regelbaar-bedrag-begrensd", [
            bad("regelbaar_bedrag one cent above saldo",
                edit(storno, Z0 + "/regelbaar_bedrag", 54001)),
            bad("negative regelbaar_bedrag (on a case that offers no arrangement)",
                change(storno, {Z0 + "/regelbaar_bedrag": -1, Z0 + "/acties": ["betalen"]})),
            bad("regelbaar_bedrag on a case with saldo 0",
                edit(terug, Z0 + "/regelbaar_bedrag", 100)),
            bad(f"above saldo in a document of a later minor ({LATER_MINOR}): still judged",
                change(storno, {"/documentversie": LATER_MINOR,
                                Z0 + "/regelbaar_bedrag": 54001})),
            good("regelbaar_bedrag equal to saldo", edit(storno, Z0 + "/regelbaar_bedrag", 54000)),
            good("regelbaar_bedrag 0 on a case that does not offer an arrangement",
                 change(storno, {Z0 + "/regelbaar_bedrag": 0, Z0 + "/acties": ["betalen"]})),
            good("arrears within a running assessment: 6000 of 54000", storno),
        ], kind="document"),
        case("a counter-entry reverses a payment or remission of its own case, dated no later, "
             "by at most its amount", "/document/tegenboeking", [
            bad("tegenboeking_van without tegenboeking_soort",
                edit(storno, E0 + "/3/tegenboeking_soort")),
            bad("tegenboeking_soort without tegenboeking_van",
                edit(storno, E0 + "/3/tegenboeking_van")),
            bad("a counter-entry that is also a correction (correctie_van)",
                edit(storno, E0 + "/3/correctie_van", f"{ks}:1")),
            bad("a counter-entry in category kosten",
                edit(storno, E0 + "/3/categorie", "kosten")),
            bad("reversing an imposed line instead of a settlement",
                edit(storno, E0 + "/3/tegenboeking_van", f"{ks}:1")),
            bad("reversing an unknown event", edit(storno, E0 + "/3/tegenboeking_van", f"{ks}:9")),
            bad("reversing a payment of another case",
                edit(document(zaak_storno(), zaak_terugbetaling()), E0 + "/3/tegenboeking_van",
                     f"{kt}:2")),
            bad("reversing a payment made after the counter-entry",
                edit(storno, E0 + "/3/datumtijd", "2025-04-20T09:00:00+02:00")),
            bad("a counter-entry above the payment it reverses (6001 of 6000)",
                change(storno, {E0 + "/3/bedrag": 6001}, recompute=0)),
            bad("two counter-entries of one payment summing above it (6000 + 1)",
                change(storno, {E0 + "/-": imposed(
                    ks, 5, "2025-05-07T09:00:00+02:00", 1, "Storno: kosten",
                    tegenboeking_van=f"{ks}:3", tegenboeking_soort="storno")}, recompute=0)),
            good("a storno of a direct debit", storno),
            good("a refund of an overpayment", terug),
            good("a partial reversal (3000 of 6000)",
                 change(storno, {E0 + "/3/bedrag": 3000, Z0 + "/achterstand": 3000,
                                 Z0 + "/regelbaar_bedrag": 3000}, recompute=0)),
            good("a correction of a remission booked too high", change(gecombineerd, {
                E0 + "/-": imposed(kc, 6, "2025-06-15T09:00:00+02:00", 1000,
                                   "Correctie: de kwijtschelding was te hoog",
                                   tegenboeking_van=f"{kc}:4",
                                   tegenboeking_soort="correctie")}, recompute=0)),
        ], kind="document"),
        case("a payment moved between cases: herboekt_van ⇔ betaalwijze herboeking, the other "
             "case reverses the same amount as verkeerd_geboekt", "/document/herboeking", [
            bad("herboekt_van with betaalwijze overboeking",
                edit(herboeking, E1 + "/1/betaalwijze", "overboeking")),
            bad("betaalwijze herboeking without herboekt_van",
                edit(herboeking, E1 + "/1/herboekt_van")),
            bad("herboekt_van naming its own case",
                edit(herboeking, E1 + "/1/herboekt_van/zaakkenmerk", K_HERBOEKT)),
            bad("herboekt_van naming a case the document does not have",
                edit(herboeking, E1 + "/1/herboekt_van/zaakkenmerk", "WAHV-2025-039999")),
            bad("herboekt_van naming an imposed line of the other case",
                edit(herboeking, E1 + "/1/herboekt_van/gebeurtenis_id", f"{kv}:1")),
            bad("the other case reversed the payment as a storno, not verkeerd_geboekt",
                edit(herboeking, E0 + "/2/tegenboeking_soort", "storno")),
            bad("the other case reversed 4000, 5000 was booked here",
                change(herboeking, {E0 + "/2/bedrag": 4000}, recompute=0)),
            good("reversed in one case, booked in the other", herboeking),
        ], kind="document"),
        case("verrekend_met ⇔ betaalwijze verrekening", "/document/verrekening", [
            bad("verrekend_met without betaalwijze", edit(verrekening, E0 + "/1/betaalwijze")),
            bad("verrekend_met with betaalwijze overboeking",
                edit(verrekening, E0 + "/1/betaalwijze", "overboeking")),
            bad("betaalwijze verrekening without verrekend_met",
                edit(verrekening, E0 + "/1/verrekend_met")),
            good("two offsets against an allowance", verrekening),
        ], kind="document"),
        case("a payment by garnishment belongs to a case with beslag", "/document/beslag", [
            bad("betaalwijze beslag on a case without beslag", edit(beslag, Z0 + "/beslag")),
            bad("betaalwijze beslag on an offset case", change(verrekening, {
                E0 + "/1/betaalwijze": "beslag", E0 + "/1/verrekend_met": OMIT})),
            good("a wage garnishment with its protected income", beslag),
            good("a garnishment without a payment from it yet",
                 edit(beslag, E0 + "/2/betaalwijze", "overboeking")),
        ], kind="document"),
        case("a creditor on every imposed line or on none; corrections and remissions carry "
             "their line's", "/document/schuldeiser-per-regel", [
            bad("a third imposed line without a creditor", change(gecombineerd, {
                E0 + "/-": imposed(kc, 6, "2025-06-15T09:00:00+02:00", 500, "Rioolheffing")},
                recompute=0)),
            bad("a correction naming another creditor than its line",
                edit(gecombineerd, E0 + "/2/schuldeiser", WATERSCHAP)),
            bad("a correction without the creditor of its line",
                edit(gecombineerd, E0 + "/2/schuldeiser")),
            bad("a remission naming another creditor than its line",
                edit(gecombineerd, E0 + "/3/schuldeiser", GEMEENTE)),
            bad("a remission without the creditor of its line",
                edit(gecombineerd, E0 + "/3/schuldeiser")),
            bad("a remission with the same creditor name but another oin",
                edit(gecombineerd, E0 + "/3/schuldeiser/oin", OIN_GEMEENTE)),
            bad("a remission naming a creditor when its line has none", remitted_without_creditor),
            good("a combined assessment: two creditors, a correction and a remission",
                 gecombineerd),
            good("a counter-entry without a creditor among lines that carry one",
                 change(gecombineerd, {E0 + "/-": imposed(
                     kc, 6, "2025-06-15T09:00:00+02:00", 1000, "Terugbetaling",
                     tegenboeking_van=f"{kc}:5", tegenboeking_soort="terugbetaling")},
                     recompute=0)),
            good("no line carries a creditor", storno),
        ], kind="document"),
        case("the arrangement's lifecycle is consistent", "/document/regeling-levenscyclus", [
            bad("status beeindigd without beeindiging", edit(vervallen, R + "/beeindiging")),
            bad("beeindiging on an active arrangement", edit(gewijzigd, R + "/beeindiging", {
                "reden": "door_bron", "datum": "2025-12-01"})),
            bad("beeindiging without status", edit(vervallen, R + "/status")),
            bad("gemiste_termijnen 1 while two termijnen are gemist",
                edit(vervallen, R + "/gemiste_termijnen", 1)),
            bad("betaald above bedrag", edit(vervallen, R + "/termijnen/0/betaald", 10001)),
            bad("negative betaald", edit(vervallen, R + "/termijnen/2/betaald", -1)),
            bad("status betaald while 1 cent is missing",
                edit(vervallen, R + "/termijnen/0/betaald", 9999)),
            bad("betaald equal to bedrag but status gemist", change(vervallen, {
                R + "/termijnen/1/betaald": 10000})),
            bad("partly paid but status open", change(vervallen, {
                R + "/termijnen/1/status": "open", R + "/gemiste_termijnen": 1})),
            bad("status deels_betaald with nothing paid", change(vervallen, {
                R + "/termijnen/2/status": "deels_betaald", R + "/gemiste_termijnen": 1})),
            bad("vervangen_door on an active arrangement",
                edit(gewijzigd, R + "/vervangen_door", REGELING_VERVALLEN)),
            bad("vervangen_door on an arrangement that lapsed (reden vervallen)",
                edit(vervallen, R + "/vervangen_door", REGELING_NIEUW)),
            good("lapsed after two missed instalments", vervallen),
            good("amended, confirmed in a group of three, instalments paid and open", gewijzigd),
            good("partly paid and not yet missed (deels_betaald)", change(vervallen, {
                R + "/termijnen/1/status": "deels_betaald", R + "/gemiste_termijnen": 1})),
            good("ended by an amendment (gewijzigd, vervangen_door)", change(vervallen, {
                R + "/beeindiging/reden": "gewijzigd", R + "/vervangen_door": REGELING_NIEUW})),
            good("instalments without betaald", change(vervallen, {
                R + f"/termijnen/{i}/betaald": OMIT for i in range(3)})),
        ], kind="document"),
        case("an active arrangement and the case status agree", "/document/regeling-en-zaakstatus",
             [
            bad("status in_regeling with an arrangement that lapsed",
                edit(vervallen, Z0 + "/status", "in_regeling")),
            bad("status in_regeling with a withdrawn arrangement",
                edit(gewijzigd, R + "/status", "ingetrokken")),
            bad("an active arrangement on an open case", edit(gewijzigd, Z0 + "/status", "open")),
            good("an active arrangement on a paused case", change(gewijzigd, {
                Z0 + "/status": "gepauzeerd",
                Z0 + "/pauze": {"id": PAUZE, "einddatum": "2026-03-31"}})),
            good("in_regeling with the 2.0 arrangement {id} only",
                 edit(gewijzigd, R, {"id": REGELING_NIEUW})),
            good("a lapsed arrangement on an open case", vervallen),
            good("an active arrangement on a case in a remedy lodged afterwards",
                 change(gewijzigd, {
                Z0 + "/status": "in_bezwaar", Z0 + "/acties": ["hulp"],
                Z0 + "/rechtsmiddel": {"stadium": "bezwaar", "ingediend_op": "2025-12-01",
                                       "uitstel_van_betaling": True}})),
            bad("an active arrangement on a case in_bezwaar without rechtsmiddel",
                edit(gewijzigd, Z0 + "/status", "in_bezwaar")),
        ], kind="document"),
        case("a legal remedy only on a case in_bezwaar", "/document/rechtsmiddel-status", [
            bad("rechtsmiddel on an open case", edit(beroep, Z0 + "/status", "open")),
            bad("rechtsmiddel on a case in an arrangement", change(gewijzigd, {
                Z0 + "/rechtsmiddel": {"stadium": "bezwaar", "ingediend_op": "2025-12-01",
                                       "uitstel_van_betaling": False}})),
            good("beroep, collection suspended", beroep),
            good("hoger_beroep", edit(beroep, Z0 + "/rechtsmiddel/stadium", "hoger_beroep")),
        ], kind="document"),
        case("a case in a debt scheme offers only bezwaar and hulp, and no pause",
             "/document/schuldregeling-bevroren", [
            bad("betalen offered in a debt scheme",
                edit(schuldregeling, Z0 + "/acties", ["betalen", "hulp"])),
            bad("betalingsregeling offered in a debt scheme",
                edit(schuldregeling, Z0 + "/acties", ["betalingsregeling"])),
            bad("a pause said to be possible in a debt scheme",
                edit(schuldregeling, Z0 + "/pauze_mogelijkheid", {"mogelijk": True})),
            good("frozen in the Wsnp: only hulp", schuldregeling),
            good("bezwaar and hulp, no pauze_mogelijkheid", change(schuldregeling, {
                Z0 + "/acties": ["bezwaar", "hulp"], Z0 + "/pauze_mogelijkheid": OMIT,
                Z0 + "/bezwaar": {"mogelijk": True, "uiterlijk": "2026-01-15"}})),
        ], kind="document"),
        case("reden ⇔ not mogelijk; no pauze action on a case that cannot be paused",
             "/document/pauze-mogelijkheid", [
            bad("mogelijk false without reden", edit(beslag, Z0 + "/pauze_mogelijkheid/reden")),
            bad("mogelijk true with a reden",
                edit(overgenomen, Z0 + "/pauze_mogelijkheid/reden", "wachttijd")),
            bad("pauze offered while mogelijk is false",
                edit(beslag, Z0 + "/acties", ["betalen", "pauze", "hulp"])),
            good("not possible during a waiting time, with the first possible day", verrekening),
            good("pauze offered and possible", overgenomen),
        ], kind="document"),
        case("acties: betalen ⇒ saldo > 0, bezwaar ⇒ bezwaar.mogelijk, betalingsregeling ⇒ "
             "regelbaar_bedrag > 0 when present", "/document/acties-betekenis", [
            bad("bezwaar offered while bezwaar.mogelijk is false",
                edit(storno, Z0 + "/acties", ["betalen", "betalingsregeling", "bezwaar"])),
            bad("betalen offered on a case with saldo 0", edit(terug, Z0 + "/acties", ["betalen"])),
            bad("betalingsregeling offered with regelbaar_bedrag 0",
                edit(storno, Z0 + "/regelbaar_bedrag", 0)),
            good("betalingsregeling without regelbaar_bedrag (the whole saldo)",
                 document(zaak_gecombineerd())),
            good("bezwaar offered while possible", change(storno, {
                Z0 + "/acties": ["betalen", "bezwaar"],
                Z0 + "/bezwaar": {"mogelijk": True, "uiterlijk": "2026-01-15"}})),
        ], kind="document"),
    ]


# --- document/geldig-2.2.json --------------------------------------------------------------


def valid_cases() -> list[dict[str, Any]]:
    later = change(document(*all_cases()), {
        "/documentversie": LATER_MINOR, "/taal": "nl",
        Z0 + "/beslag_historie": [], E0 + "/1/kanaal": "sepa"})
    earlier = change(document(zaak_storno(), zaak_terugbetaling(), versie=EARLIER_MINOR), {
        Z0 + "/regelbaar_bedrag": 99999999, Z1 + "/acties": ["betalen"]})
    return [case("complete 2.2 documents that meet every invariant", "/document/schema-open", [
        good("every member of 2.2: a storno, a refund, a payment booked to the wrong case, "
             "offsetting, a garnishment, two creditors, a lapsed and an amended arrangement, "
             "beroep, a debt scheme, a transfer", document(*all_cases())),
        good("a 2.2 document without any member of 2.2", document(zaak("WAHV-2025-120001", [
            imposed("WAHV-2025-120001", 1, "2025-10-01T09:00:00+02:00", 9500,
                    "Snelheidsovertreding")]))),
        good(f"a document of a later minor ({LATER_MINOR}) with members 2.2 does not define",
             later),
        good(f"a {EARLIER_MINOR} document is not judged by the rules of 2.2 (its "
             "regelbaar_bedrag above saldo and betalen on saldo 0 are unknown meaning there)",
             earlier),
    ], kind="document")]


# --- schema/vorderingendocument-2.2.json ---------------------------------------------------


def schema_cases() -> list[dict[str, Any]]:
    full = document(*all_cases())
    # pointers into `full` (all_cases order)
    storno, herboekt, verrekening, beslag = 0, 3, 4, 5
    vervallen, gewijzigd, beroep, schuld, overgenomen = 7, 8, 9, 10, 11

    def z(index: int, path: str = "") -> str:
        return f"/financiele_zaken/{index}{path}"

    def shape(description: str, rule: str, tests: list[dict]) -> dict[str, Any]:
        return {"description": description, "rule": rule, "schema": SCHEMA, "tests": tests}

    return [
        shape("the members of 2.2 are valid in a claims document", "/document/schema-open", [
            good("every member of 2.2", full),
            good("a member 2.2 does not define inside a 2.2 object (open)", change(full, {
                z(beslag, "/beslag/0/registratienummer"): "B-1",
                z(vervallen, "/betalingsregeling/termijnen/0/kanaal"): "ideal",
                z(beroep, "/rechtsmiddel/zaaknummer"): "AWB 25/1234"})),
        ]),
        shape("the enums of 2.2 are closed", "/document/enums-gesloten", [
            bad("unknown tegenboeking_soort",
                edit(full, z(storno, "/gebeurtenissen/3/tegenboeking_soort"), "chargeback")),
            bad("unknown betaalwijze",
                edit(full, z(storno, "/gebeurtenissen/1/betaalwijze"), "ideal")),
            bad("unknown pauze_mogelijkheid.reden",
                edit(full, z(beslag, "/pauze_mogelijkheid/reden"), "anders")),
            bad("unknown rechtsmiddel.stadium",
                edit(full, z(beroep, "/rechtsmiddel/stadium"), "cassatie")),
            bad("unknown schuldregeling.soort",
                edit(full, z(schuld, "/schuldregeling/soort"), "faillissement")),
            bad("unknown beslag.soort", edit(full, z(beslag, "/beslag/0/soort"), "derdenbeslag")),
            bad("unknown beeindiging.reden",
                edit(full, z(vervallen, "/betalingsregeling/beeindiging/reden"), "onbekend")),
            bad("unknown termijn status",
                edit(full, z(vervallen, "/betalingsregeling/termijnen/1/status"), "te_laat")),
            bad("an arrangement status 2.0 does not have (vervallen is a reden, not a status)",
                edit(full, z(vervallen, "/betalingsregeling/status"), "vervallen")),
        ]),
        shape("required members inside the objects of 2.2", "/document/schema-open", [
            bad("rechtsmiddel without uitstel_van_betaling",
                edit(full, z(beroep, "/rechtsmiddel/uitstel_van_betaling"))),
            bad("beslag without gelegd_op", edit(full, z(beslag, "/beslag/0/gelegd_op"))),
            bad("herboekt_van without gebeurtenis_id",
                edit(full, z(herboekt, "/gebeurtenissen/1/herboekt_van/gebeurtenis_id"))),
            bad("pauze_mogelijkheid without mogelijk",
                edit(full, z(overgenomen, "/pauze_mogelijkheid/mogelijk"))),
            bad("groep without annuleerbaar_tot",
                edit(full, z(gewijzigd, "/betalingsregeling/groep/annuleerbaar_tot"))),
            bad("a termijn without status",
                edit(full, z(vervallen, "/betalingsregeling/termijnen/0/status"))),
            bad("overgenomen_van without datum",
                edit(full, z(overgenomen, "/overgenomen_van/datum"))),
            bad("beeindiging without datum",
                edit(full, z(vervallen, "/betalingsregeling/beeindiging/datum"))),
            bad("schuldregeling without sinds", edit(full, z(schuld, "/schuldregeling/sinds"))),
        ]),
        shape("types and bounds of the members of 2.2", "/document/schema-open", [
            bad("regelbaar_bedrag with a fraction",
                edit(full, z(storno, "/regelbaar_bedrag"), 6000.5)),
            bad("beslagvrije_voet negative",
                edit(full, z(beslag, "/beslag/0/beslagvrije_voet"), -1)),
            bad("beslag as an empty list", edit(full, z(beslag, "/beslag"), [])),
            bad("eleven garnishments", edit(full, z(beslag, "/beslag"),
                                            [zaak_beslag()["beslag"][0]] * 11)),
            bad("groep.omvang 0", edit(full, z(gewijzigd, "/betalingsregeling/groep/omvang"), 0)),
            bad("groep.omvang 101",
                edit(full, z(gewijzigd, "/betalingsregeling/groep/omvang"), 101)),
            bad("betaald with a fraction",
                edit(full, z(vervallen, "/betalingsregeling/termijnen/1/betaald"), 4000.5)),
            bad("mogelijk as a string",
                edit(full, z(overgenomen, "/pauze_mogelijkheid/mogelijk"), "ja")),
            bad("ingediend_op with a time", edit(full, z(beroep, "/rechtsmiddel/ingediend_op"),
                                                 "2025-11-10T09:00:00Z")),
            bad("vervangt not a uuid",
                edit(full, z(gewijzigd, "/betalingsregeling/vervangt"), "regeling-1")),
            bad("verrekend_met empty",
                edit(full, z(verrekening, "/gebeurtenissen/1/verrekend_met"), "")),
            bad("a counter-entry of zero (it is not a correction)",
                edit(full, z(storno, "/gebeurtenissen/3/bedrag"), 0)),
            bad("a line's schuldeiser without naam",
                edit(full, "/financiele_zaken/6/gebeurtenissen/0/schuldeiser/naam")),
        ]),
    ]


APP_OVERVIEW: dict[str, Any] = {  # an app's overview under test with the figures of 2.2
    "opgesteld_op": "2026-01-05T10:00:00+01:00",
    "totalen": {"saldo": 88000, "achterstand": 6000, "aantal_zaken": 2,
                "opgelegd_netto": 110000, "tegengeboekt": 6000, "vereffend_netto": 22000},
    "groepen": {
        "achterstand": [{
            "organisatie": {"oin": OIN_GEMEENTE}, "zaakkenmerk": "GEM-2025-010001",
            "saldo": 54000, "achterstand": 6000, "opgelegd_netto": 60000, "tegengeboekt": 6000,
            "vereffend_netto": 6000, "regelbaar_bedrag": 6000,
            "tegenboekingen": [{"gebeurtenis_id": "GEM-2025-010001:4", "datum": "2025-05-06",
                                "bedrag": 6000, "soort": "storno",
                                "tegenboeking_van": "GEM-2025-010001:3",
                                "omschrijving": "De incasso van april is teruggeboekt"}]}],
        "deze_maand": [],
        "eenmalig": [],
        "langlopend": [{
            "organisatie": {"oin": OIN_A}, "zaakkenmerk": "BSD-2025-050001", "saldo": 34000,
            "achterstand": 0, "opgelegd_netto": 50000, "tegengeboekt": 0,
            "vereffend_netto": 16000, "per_schuldeiser": [
                {"schuldeiser": GEMEENTE, "opgelegd": 29000, "kwijtgescholden": 0,
                 "netto": 29000},
                {"schuldeiser": WATERSCHAP, "opgelegd": 20000, "kwijtgescholden": 5000,
                 "netto": 15000}]}]},
    "bronnen": [
        {"oin": OIN_GEMEENTE, "naam": GEMEENTE["naam"], "status": "beantwoord",
         "aantal_zaken": 1},
        {"oin": OIN_A, "naam": "Belastingsamenwerking (test)", "status": "beantwoord",
         "aantal_zaken": 1},
        {"oin": OIN_WATERSCHAP, "naam": WATERSCHAP["naam"], "status": "onbereikbaar",
         "code": "app/time-out",
         "contact": {"telefoon": "+31 88 000 0000", "url": "https://waterschap.example/contact"}}],
}


def app_overview_cases() -> list[dict[str, Any]]:
    def shape(description: str, valid: bool, data: Any) -> dict[str, Any]:
        return {"description": description, "data": data, "valid": valid}

    view, schema = APP_OVERVIEW, "app-overzicht.schema.json"
    return [
        {"description": "net figures, reversals and figures per creditor in an app's overview",
         "rule": "/app/netto-totalen", "schema": schema, "tests": [
             shape("a storno shown as a reversal, a combined assessment per creditor", True,
                   view),
             shape("an unknown kind of reversal", False, edit(
                 view, "/groepen/achterstand/0/tegenboekingen/0/soort", "chargeback")),
             shape("a negative tegengeboekt", False,
                   edit(view, "/groepen/achterstand/0/tegengeboekt", -6000)),
             shape("a reversal without the settlement it reverses", False, edit(
                 view, "/groepen/achterstand/0/tegenboekingen/0/tegenboeking_van")),
             shape("a creditor line without netto", False,
                   edit(view, "/groepen/langlopend/0/per_schuldeiser/1/netto")),
             shape("net totals in euros", False, edit(view, "/totalen/vereffend_netto", 220.5)),
         ]},
        {"description": "the scheme's contact of a source that does not answer",
         "rule": "/app/contact-bij-storing", "schema": schema, "tests": [
             shape("an unreachable source with the scheme's contact", True, view),
             shape("a contact with an e-mail address that is none", False,
                   edit(view, "/bronnen/2/contact/email", "geen-adres")),
             shape("a contact with a plain-http web address", False,
                   edit(view, "/bronnen/2/contact/url", "http://waterschap.example/contact")),
         ]},
    ]


def files() -> dict[str, Any]:
    """The vector files of 2.2: relative path -> content."""
    return {
        "document/invarianten-2.2.json": invariant_cases(),
        "document/geldig-2.2.json": valid_cases(),
        "schema/vorderingendocument-2.2.json": schema_cases(),
        "schema/app-overzicht-2.2.json": app_overview_cases(),
    }
