"""Readable output for the citizen (rich tables) — the CLI's default; `--json` skips this.

Amounts are shown as euros (`€ 1.234,56`), dates as `23 december 2026`, statuses in the
words of spec/interface.md with a plain explanation beside them, actions in words. One
arrears figure: the part of what is owed that is past due (`totalen.achterstand`).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from reference_impl.app.arrangement import Plan
from reference_impl.app.bundle import BundleVerdict
from reference_impl.app.notes import PAUSE_REASONS, case_notes, dutch_date, euro
from reference_impl.app.overview import Overview, SourceStatus
from reference_impl.app.pause import PauseLine

GROUP_TITLES = {"achterstand": "Achterstanden", "deze_maand": "Deze maand verwacht",
                "eenmalig": "Eenmalig te betalen", "langlopend": "Langlopende schulden"}
AMOUNT_COLUMNS = ("nog te betalen", "waarvan te laat")
GROUP_ORDER = ("achterstand", "deze_maand", "eenmalig", "langlopend")
STATUS_WORDS = {"beantwoord": "beantwoord", "niets_te_melden": "niets te melden",
                "onbereikbaar": "onbereikbaar", "geweigerd": "geweigerd"}
STATUS_EXPLAINED = {"beantwoord": "", "niets_te_melden": "u heeft hier niets openstaan",
                    "onbereikbaar": "kon niet worden bereikt — probeer het later opnieuw",
                    "geweigerd": "antwoord niet te controleren, daarom niet getoond"}
CASE_STATUS = {"open": "open", "in_regeling": "in een betalingsregeling",
               "gepauzeerd": "gepauzeerd", "in_bezwaar": "bezwaar in behandeling",
               "overgedragen_aan_deurwaarder": "bij de deurwaarder", "afgelost": "betaald"}
ACTION_WORDS = {"betalen": "betalen", "betalingsregeling": "betalingsregeling treffen",
                "pauze": "pauze aanvragen", "bezwaar": "bezwaar maken", "hulp": "hulp vragen"}
PAUSE_WORDS = {"gepauzeerd": "gepauzeerd", "geen_pauzedienst": "biedt geen pauze aan",
               "niets_te_pauzeren": "niets te pauzeren",
               "onbereikbaar": "kon niet worden bereikt — probeer het later opnieuw",
               "niet_toegestaan": "nu niet toegestaan",
               "mislukt": "niet gelukt — neem contact op met de organisatie"}
PART_WORDS = {"voorgesteld": "voorstel", "aangegaan": "afgesloten", "mislukt": "niet gelukt",
              "gereserveerd": "gereserveerd, nog niet bevestigd",
              "geannuleerd": "reservering geannuleerd",
              "vervalt_vanzelf": "reservering vervalt vanzelf",
              "niet_geprobeerd": "niet aangevraagd", "ingetrokken": "weer ingetrokken",
              "onzeker": "onbekend of het gelukt is — neem contact op",
              "intrekken_mislukt": "intrekken niet gelukt — neem contact op"}
STATUS_STYLES = {"beantwoord": "green", "niets_te_melden": "cyan",
                 "onbereikbaar": "yellow", "geweigerd": "red"}


def plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def contact_text(contact: dict[str, str] | None) -> str:
    if not contact:
        return ""
    return " · ".join(contact[k] for k in ("telefoon", "email", "url") if contact.get(k))


def progress_line(status: SourceStatus) -> str:
    """One stderr line while sources answer."""
    code = f" ({status.code})" if status.code else ""
    return (f"  {status.naam}: {STATUS_WORDS[status.status]}{code} "
            f"[{status.elapsed_s:.1f} s]")


def show_overview(console: Console, overview: Overview) -> None:
    totals = overview.totalen()
    console.print(f"[bold]Totaal openstaand: {euro(totals['saldo'])}[/bold] in "
                  f"{plural(totals['aantal_zaken'], 'zaak', 'zaken')}.")
    console.print(f"Daarvan had u {euro(totals['achterstand'])} al moeten betalen (achterstand)."
                  if totals["achterstand"] else "U heeft geen achterstand.")
    sources = Table(title="Organisaties", title_justify="left")
    for column in ("organisatie", "status", "zaken", "toelichting", "contact", "foutcode"):
        sources.add_column(column)
    for status in overview.bronnen:
        style = STATUS_STYLES[status.status]
        reach = status.to_json().get("contact")  # only for a source that did not answer
        sources.add_row(status.naam, f"[{style}]{STATUS_WORDS[status.status]}[/{style}]",
                        str(status.aantal_zaken) if status.aantal_zaken else "",
                        STATUS_EXPLAINED[status.status], contact_text(reach), status.code or "")
    console.print(sources)
    for group in GROUP_ORDER:
        cases = overview.groepen[group]
        per = totals["per_groep"][group]
        title = (f"{GROUP_TITLES[group]}: {plural(per['aantal'], 'zaak', 'zaken')}, samen "
                 f"{euro(per['saldo'])} nog te betalen" if cases else
                 f"{GROUP_TITLES[group]}: geen zaken")
        table = Table(title=title, title_justify="left")
        for column in ("organisatie", "omschrijving", "nog te betalen", "waarvan te laat",
                       "volgende betaaldatum", "stand van zaken", "contact", "wat kunt u doen"):
            table.add_column(column, justify="right" if column in AMOUNT_COLUMNS else "left")
        for case in cases:
            table.add_row(case["organisatie"]["naam"], case["omschrijving"], euro(case["saldo"]),
                          euro(case["achterstand"]) if case["achterstand"] else "",
                          dutch_date(case.get("volgende_vervaldatum")),
                          CASE_STATUS.get(case["status"], case["status"]),
                          contact_text(case.get("contact")),
                          ", ".join(ACTION_WORDS.get(a, a) for a in case.get("acties") or []))
        console.print(table)
    show_notes(console, overview)


def show_notes(console: Console, overview: Overview) -> None:
    """What the citizen should know beyond the amounts (notes.py), one line per fact."""
    table = Table(title="Goed om te weten", title_justify="left")
    for column in ("organisatie", "omschrijving", "bijzonderheid"):
        table.add_column(column)
    for case in overview.cases:
        for note in case_notes(case):
            table.add_row(case["organisatie"]["naam"], case["omschrijving"], note)
    if table.row_count:
        console.print(table)


def show_plan(console: Console, plan: Plan) -> None:
    data = plan.to_json()
    interest = (f" plus {euro(data['rente_totaal'])} rente" if data.get("rente_totaal") else "")
    console.print(f"[bold]Betalingsregeling: {euro(plan.maandbedrag)} per maand[/bold] "
                  f"voor {euro(plan.totaal)} in totaal{interest}, {data['aantal_maanden']} "
                  "maanden.")
    if plan.groep_id:
        console.print(f"Alles of niets: {len(plan.group)} organisaties leggen de regeling eerst "
                      "voorlopig vast en bevestigen pas als iedereen ja zegt.")
    table = Table(title="Verdeling over de organisaties", title_justify="left")
    for column in ("organisatie", "zaken", "totaal", "per maand", "termijnen", "status",
                   "foutcode"):
        table.add_column(column)
    for part in data["organisaties"]:
        table.add_row(part["organisatie"]["naam"], ", ".join(part["zaakkenmerken"]),
                      euro(part["totaal"]), euro(part["termijnbedrag"]) if part["termijnbedrag"]
                      else "", str(part.get("aantal_termijnen", "")),
                      PART_WORDS.get(part["status"], part["status"]), part.get("code", ""))
        for reden in part.get("redenen", []):
            table.add_row("", "", "", "", "", f"  {reden.get('code')}",
                          reden.get("zaakkenmerk", ""))
        if part["status"] in ("intrekken_mislukt", "onzeker") and part.get("contact"):
            table.add_row("", "", "", "", "", "  contact", contact_text(part["contact"]))
    console.print(table)
    if plan.melding:
        console.print(plan.melding)


def show_pauses(console: Console, lines: list[PauseLine]) -> None:
    table = Table(title="Pauze", title_justify="left")
    for column in ("organisatie", "status", "tot en met", "zaken", "foutcode"):
        table.add_column(column)
    for line in lines:
        table.add_row(line.naam, PAUSE_WORDS.get(line.status, line.status),
                      dutch_date(line.einddatum), ", ".join(line.zaakkenmerken), line.code or "")
        if line.status == "niet_toegestaan":
            for reden in line.redenen:
                since = (f", weer mogelijk vanaf {dutch_date(reden['mogelijk_vanaf'])}"
                         if reden.get("mogelijk_vanaf") else "")
                table.add_row("", f"  {PAUSE_REASONS.get(reden.get('reden'), reden.get('reden'))}"
                              f"{since}", "", reden.get("zaakkenmerk", ""), "")
    console.print(table)


def show_verdict(console: Console, verdict: BundleVerdict) -> None:
    if verdict.code is not None:
        console.print(f"[red]bundel: ongeldig bij stap 0 versie: {verdict.code}[/red]")
    for pointer, reason in verdict.shape_errors:
        console.print(f"[red]bundel {pointer}: {reason}[/red]")
    for check in verdict.envelopes:
        if check.ok:
            console.print(f"[green]envelop {check.index} ({check.naam}): geldig[/green]")
        else:
            console.print(f"[red]envelop {check.index} ({check.naam}): ongeldig bij stap "
                          f"{check.step}: {check.code}[/red] {check.detail}")
    console.print("[bold green]De bundel is geldig.[/bold green]" if verdict.ok
                  else "[bold red]De bundel is NIET geldig.[/bold red]")


def show_json(console: Console, data: Any) -> None:
    console.print_json(data=data)
