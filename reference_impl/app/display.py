"""Readable output for the citizen (rich tables) — the CLI's default; `--json` skips this.

Amounts are shown as euros (`€ 1.234,56`), statuses in the words of spec/interface.md.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from reference_impl.app.arrangement import Plan
from reference_impl.app.bundle import BundleVerdict
from reference_impl.app.overview import Overview, SourceStatus
from reference_impl.app.pause import PauseLine

GROUP_TITLES = {"achterstand": "Achterstanden", "deze_maand": "Deze maand verwacht",
                "eenmalig": "Eenmalig te betalen", "langlopend": "Langlopende schulden"}
GROUP_ORDER = ("achterstand", "deze_maand", "eenmalig", "langlopend")
STATUS_WORDS = {"beantwoord": "beantwoord", "niets_te_melden": "niets te melden",
                "onbereikbaar": "onbereikbaar", "geweigerd": "geweigerd"}
STATUS_STYLES = {"beantwoord": "green", "niets_te_melden": "cyan",
                 "onbereikbaar": "yellow", "geweigerd": "red"}


def euro(cents: int) -> str:
    """`€ 1.234,56` (Dutch notation)."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}€ {whole:,}".replace(",", ".") + f",{rest:02d}"


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
                  f"{totals['aantal_zaken']} zaken, waarvan te laat betaald: "
                  f"{euro(totals['achterstand'])}.")
    sources = Table(title="Organisaties", title_justify="left")
    for column in ("organisatie", "status", "zaken", "code"):
        sources.add_column(column)
    for status in overview.bronnen:
        style = STATUS_STYLES[status.status]
        sources.add_row(status.naam, f"[{style}]{STATUS_WORDS[status.status]}[/{style}]",
                        str(status.aantal_zaken) if status.aantal_zaken else "",
                        status.code or "")
    console.print(sources)
    for group in GROUP_ORDER:
        cases = overview.groepen[group]
        per = totals["per_groep"][group]
        table = Table(title=f"{GROUP_TITLES[group]} — {euro(per['saldo'])}",
                      title_justify="left")
        for column in ("organisatie", "omschrijving", "saldo", "vervaldatum", "status",
                       "contact", "acties"):
            table.add_column(column, justify="right" if column == "saldo" else "left")
        for case in cases:
            table.add_row(case["organisatie"]["naam"], case["omschrijving"], euro(case["saldo"]),
                          case.get("volgende_vervaldatum") or "", case["status"],
                          contact_text(case.get("contact")), ", ".join(case.get("acties") or []))
        if not cases:
            table.add_row("", "geen", "", "", "", "", "")
        console.print(table)


def show_plan(console: Console, plan: Plan) -> None:
    data = plan.to_json()
    console.print(f"[bold]Betalingsregeling: {euro(plan.maandbedrag)} per maand[/bold] "
                  f"voor {euro(plan.totaal)} in totaal, {data['aantal_maanden']} maanden.")
    table = Table(title="Verdeling over de organisaties", title_justify="left")
    for column in ("organisatie", "zaken", "totaal", "per maand", "termijnen", "status", "code"):
        table.add_column(column)
    for part in data["organisaties"]:
        table.add_row(part["organisatie"]["naam"], ", ".join(part["zaakkenmerken"]),
                      euro(part["totaal"]), euro(part["termijnbedrag"]) if part["termijnbedrag"]
                      else "", str(part.get("aantal_termijnen", "")), part["status"],
                      part.get("code", ""))
        for reden in part.get("redenen", []):
            table.add_row("", "", "", "", "", f"  {reden.get('code')}",
                          reden.get("zaakkenmerk", ""))
    console.print(table)
    if plan.melding:
        console.print(plan.melding)


def show_pauses(console: Console, lines: list[PauseLine]) -> None:
    table = Table(title="Pauze", title_justify="left")
    for column in ("organisatie", "status", "tot en met", "zaken", "code"):
        table.add_column(column)
    for line in lines:
        table.add_row(line.naam, line.status.replace("_", " "), line.einddatum or "",
                      ", ".join(line.zaakkenmerken), line.code or "")
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
