"""What the citizen should know about a case beyond its amounts, in plain Dutch (2.2).

`case_notes(row)` turns the 2.2 members of an overview row (overview.case_row: the
document's case members plus ledger.py's figures) into short sentences: reversals and the
net figures (`/app/netto-totalen`), creditors per line, garnishment with the protected
amount and the right to have it checked (`/app/beslagvrije-voet`), the remedy stage, a debt
scheme, a transfer, the arrangement's life (instalments paid, missed, lapsed, amended) and
why a pause is not possible. The CLI table, the Markdown bundle and the tests read these;
the web page has the same words in web/static/notes.js.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
          "september", "oktober", "november", "december")
REVERSAL_WORDS = {"storno": "storno (afgeschreven bedrag teruggeboekt)",
                  "terugbetaling": "terugbetaling aan u",
                  "verkeerd_geboekt": "betaling hoorde bij een andere zaak",
                  "correctie": "correctie van een eerdere boeking"}
REMEDY_WORDS = {"bezwaar": "Bezwaar", "beroep": "Beroep", "hoger_beroep": "Hoger beroep"}
SCHEME_WORDS = {"minnelijk": "minnelijke schuldregeling", "wsnp": "wettelijke schuldsanering "
                "(Wsnp)", "moratorium": "moratorium (afkoelingsperiode)"}
GARNISHMENT_WORDS = {"loonbeslag": "loonbeslag", "uitkeringsbeslag": "beslag op uw uitkering",
                     "bankbeslag": "beslag op uw bankrekening",
                     "beslag_roerende_zaken": "beslag op spullen"}
PAUSE_REASONS = {"maximum-bereikt": "u heeft het maximum aantal pauzes gehad",
                 "wachttijd": "de wachttijd na uw vorige pauze loopt nog",
                 "wettelijke-rente": "over deze zaak loopt wettelijke rente door",
                 "in-schuldregeling": "de zaak valt onder een schuldregeling",
                 "bij-deurwaarder": "de zaak ligt bij de deurwaarder",
                 "afgelost": "de zaak is betaald",
                 "niet-voor-deze-zaak": "niet voor deze zaak"}
END_WORDS = {"afgelost": "helemaal betaald", "vervallen": "vervallen door gemiste termijnen",
             "gewijzigd": "vervangen door een nieuwe regeling", "door_bron": "beëindigd door "
             "de organisatie", "door_burger": "door u beëindigd",
             "schuldregeling": "beëindigd door een schuldregeling"}
INSTALMENT_WORDS = (("betaald", "betaald"), ("deels_betaald", "deels betaald"),
                    ("gemist", "gemist"), ("open", "nog te betalen"))
PAYMENT_WORDS = {"verrekening": "verrekend", "beslag": "ingehouden via beslag",
                 "automatische_incasso": "automatisch afgeschreven", "herboeking":
                 "overgeboekt van een andere zaak"}


def euro(cents: int) -> str:
    """`€ 1.234,56` (Dutch notation)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}€ {whole:,}".replace(",", ".") + f",{rest:02d}"


def dutch_date(iso: str | None) -> str:
    """`23 december 2026` for `2026-12-23` or a datetime on that day (empty for none)."""
    if not iso:
        return ""
    moment = date.fromisoformat(iso[:10])
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def _arrangement(regeling: dict[str, Any]) -> list[str]:
    if "status" not in regeling and "termijnen" not in regeling:
        return []
    text = "Betalingsregeling"
    ending = regeling.get("beeindiging")
    if ending:
        text += (f": {END_WORDS.get(ending.get('reden'), 'beëindigd')} op "
                 f"{dutch_date(ending.get('datum'))}")
    elif regeling.get("status") == "actief":
        text += ": loopt"
    counts = Counter(t.get("status") for t in regeling.get("termijnen") or [] if t.get("status"))
    parts = [f"{counts[key]} {words}" for key, words in INSTALMENT_WORDS if counts[key]]
    if parts:
        text += "; termijnen: " + ", ".join(parts)
    notes = [text + "."]
    if regeling.get("vervangt"):
        notes.append("Deze regeling vervangt een eerdere regeling.")
    return notes


def case_notes(row: dict[str, Any]) -> list[str]:
    """Sentences for the citizen about one case (empty when there is nothing special)."""
    notes: list[str] = []
    for reversal in row.get("tegenboekingen") or []:
        notes.append(f"Tegenboeking {euro(reversal['bedrag'])} op "
                     f"{dutch_date(reversal.get('datum'))}: "
                     f"{REVERSAL_WORDS.get(reversal['soort'], reversal['soort'])}.")
    if row.get("tegengeboekt"):
        notes.append(f"Opgelegd {euro(row['opgelegd_netto'])}, betaald of kwijtgescholden "
                     f"{euro(row['vereffend_netto'])} (na tegenboekingen), nog te betalen "
                     f"{euro(row['saldo'])}.")
    for line in row.get("per_schuldeiser") or []:
        remitted = (f" (na {euro(line['kwijtgescholden'])} kwijtschelding)"
                    if line["kwijtgescholden"] else "")
        notes.append(f"Voor {line['schuldeiser']['naam']}: {euro(line['netto'])}{remitted}.")
    for payment in row.get("betalingen") or []:
        way = payment.get("betaalwijze")
        if way in ("verrekening", "beslag", "herboeking"):
            what = f" met {payment['verrekend_met']}" if payment.get("verrekend_met") else ""
            notes.append(f"{euro(payment['bedrag'])} {PAYMENT_WORDS[way]}{what} op "
                         f"{dutch_date(payment['datum'])}.")
    for garnishment in row.get("beslag") or []:
        text = (f"{GARNISHMENT_WORDS.get(garnishment['soort'], garnishment['soort']).capitalize()}"
                f" sinds {dutch_date(garnishment.get('gelegd_op'))}")
        if garnishment.get("derde"):
            text += f" (bij {garnishment['derde']})"
        if "beslagvrije_voet" in garnishment:
            text += (f". Beslagvrije voet: {euro(garnishment['beslagvrije_voet'])} per maand — "
                     "dat deel van uw inkomen blijft voor u; u mag de organisatie vragen dit "
                     "bedrag te controleren")
        notes.append(text + ".")
    remedy = row.get("rechtsmiddel")
    if remedy:
        delay = ("u hoeft voorlopig niet te betalen" if remedy.get("uitstel_van_betaling")
                 else "u moet wel betalen zolang het loopt")
        notes.append(f"{REMEDY_WORDS.get(remedy.get('stadium'), 'Bezwaar')} ingediend op "
                     f"{dutch_date(remedy.get('ingediend_op'))}; {delay}.")
    scheme = row.get("schuldregeling")
    if scheme:
        text = f"In {SCHEME_WORDS.get(scheme.get('soort'), 'een schuldregeling')} sinds " \
               f"{dutch_date(scheme.get('sinds'))}"
        if scheme.get("behandelaar"):
            text += f", behandelaar {scheme['behandelaar']}"
        notes.append(text + "; de organisatie int nu niet zelf.")
    transfer = row.get("overgenomen_van")
    if transfer:
        notes.append(f"Overgenomen van {transfer.get('naam')} op "
                     f"{dutch_date(transfer.get('datum'))}.")
    notes.extend(_arrangement(row.get("betalingsregeling") or {}))
    possible = row.get("pauze_mogelijkheid")
    if possible and possible.get("mogelijk") is False:
        text = f"Pauze niet mogelijk: {PAUSE_REASONS.get(possible.get('reden'), 'zie organisatie')}"
        if possible.get("mogelijk_vanaf"):
            text += f" (weer mogelijk vanaf {dutch_date(possible['mogelijk_vanaf'])})"
        notes.append(text + ".")
    arrangeable = row.get("regelbaar_bedrag")
    if arrangeable is not None and arrangeable != row.get("saldo"):
        notes.append(f"Voor een betalingsregeling: {euro(arrangeable)} (de rest loopt al "
                     "volgens afspraak).")
    return notes
