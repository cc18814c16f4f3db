"""Pause everything: one action, every organisation offering `pauzes` (spec: "Pauses").

`pause_everything(clients, days=30)` asks every organisation of the scheme that offers the
service `pauzes`, concurrently, to pause every case that can be paused until an end date.
The end date is the citizen's (today + `days`, or a date), shortened per organisation to
its own `configuratie.pauze.maximum_duur_dagen`, so one action works everywhere. The
report has one line per organisation of the scheme:

- `gepauzeerd`: a pause is active (its id, end date and cases);
- `niets_te_pauzeren`: the organisation has no case that can (still) be paused;
- `geen_pauzedienst`: the organisation does not offer pauses;
- `niet_toegestaan`: refused by the source's limits (2.2 `pauze/niet-toegestaan`: the
  maximum number of pauses, the waiting time, or a case that cannot be paused); `redenen`
  say why and from when a pause is possible (`mogelijk_vanaf`);
- `mislukt` (a refusal, with its code and reasons) or `onbereikbaar`.

Given the overview, an organisation whose verified document lists the action `pauze` for
none of its cases is not asked: the app offers an action only where `acties` lists it
(`/app/acties-volgen`), and a 2.2 source pauses exactly those cases. Its line is
`niet_toegestaan` with the reasons its cases give (`pauze_mogelijkheid`: the maximum
reached, a waiting time, statutory interest, … and from when), else `niets_te_pauzeren`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from reference_impl.app.errors import AnswerError, AppError, Unreachable
from reference_impl.app.overview import Overview
from reference_impl.app.overview import today as local_today
from reference_impl.app.sources import SOURCE_TIMEOUT_S, SourceClient, fan_out

SERVICE = "pauzes"
DEFAULT_DAYS = 30
NOT_POSSIBLE = "pauze/niet-mogelijk"
NOT_ALLOWED = "pauze/niet-toegestaan"  # 2.2: refused by the source's pause limits
ACTION = "pauze"
NOTHING_TO_PAUSE = frozenset({"zaak-onbekend", "zaak-afgelost", "zaak-al-gepauzeerd"})


@dataclass
class PauseLine:
    oin: str
    naam: str
    status: str
    einddatum: str | None = None
    pauze_id: str | None = None
    zaakkenmerken: list[str] = field(default_factory=list)
    code: str | None = None
    detail: str = ""
    redenen: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"organisatie": {"oin": self.oin, "naam": self.naam},
                                "status": self.status}
        for name in ("einddatum", "pauze_id", "code"):
            if getattr(self, name):
                data[name] = getattr(self, name)
        if self.zaakkenmerken:
            data["zaakkenmerken"] = self.zaakkenmerken
        if self.detail:
            data["detail"] = self.detail
        if self.redenen:
            data["redenen"] = self.redenen
        return data


async def pause_everything(
    clients: Sequence[SourceClient],
    *,
    days: int = DEFAULT_DAYS,
    until: date | None = None,
    timeout_s: float = SOURCE_TIMEOUT_S,
    now: float | None = None,
    overview: Overview | None = None,
) -> list[PauseLine]:
    """Pause at every organisation offering pauses; one line per organisation."""
    today = local_today(now)
    wanted = until or today + timedelta(days=days)
    if wanted <= today:
        raise AppError("de einddatum van een pauze moet na vandaag liggen")
    nothing = _nothing_to_pause(overview)
    offering = [c for c in clients if c.offers(SERVICE) and c.oin not in nothing]

    async def pause(source: SourceClient) -> tuple[str, dict[str, Any]]:
        configuratie = await source.configuratie()
        longest = configuratie.get("pauze", {}).get("maximum_duur_dagen")
        einddatum = min(wanted, today + timedelta(days=longest)) if longest else wanted
        return einddatum.isoformat(), await source.pause(einddatum.isoformat())

    outcomes = {id(o.source): o for o in await fan_out(offering, pause, timeout_s=timeout_s)}
    lines = []
    for client in clients:
        line = PauseLine(client.oin, client.naam, "geen_pauzedienst")
        if client.offers(SERVICE) and client.oin in nothing:
            line.redenen = nothing[client.oin]
            line.status = "niet_toegestaan" if line.redenen else "niets_te_pauzeren"
        outcome = outcomes.get(id(client))
        if outcome is not None:
            _fill(line, outcome.value, outcome.error)
        lines.append(line)
    return lines


def _nothing_to_pause(overview: Overview | None) -> dict[str, list[dict[str, Any]]]:
    """Per OIN whose verified document lists `pauze` for none of its cases, why not: the
    `pauze_mogelijkheid` of its open cases that say a pause is not possible (2.2), in the
    shape of a `pauze/niet-toegestaan` answer's `redenen`."""
    found: dict[str, list[dict[str, Any]]] = {}
    for oin, envelope in (overview.envelopes if overview else {}).items():
        cases = envelope["document"]["financiele_zaken"]
        if any(ACTION in (case.get("acties") or []) for case in cases):
            continue
        found[oin] = [{"reden": case["pauze_mogelijkheid"]["reden"],
                       "zaakkenmerk": case["zaakkenmerk"],
                       **({"mogelijk_vanaf": case["pauze_mogelijkheid"]["mogelijk_vanaf"]}
                          if "mogelijk_vanaf" in case["pauze_mogelijkheid"] else {})}
                      for case in cases if case["saldo"] > 0
                      and (case.get("pauze_mogelijkheid") or {}).get("mogelijk") is False
                      and "reden" in case["pauze_mogelijkheid"]]
    return found


def _fill(
    line: PauseLine, value: tuple[str, dict[str, Any]] | None, error: AppError | None
) -> None:
    if error is None and value is not None:
        einddatum, pauze = value
        line.status, line.einddatum = "gepauzeerd", pauze["einddatum"] or einddatum
        line.pauze_id, line.zaakkenmerken = pauze["id"], list(pauze["zaakkenmerken"])
        return
    if isinstance(error, AnswerError) and error.code == NOT_POSSIBLE and error.redenen and all(
            r.get("code") in NOTHING_TO_PAUSE for r in error.redenen):
        line.status = "niets_te_pauzeren"
        return
    if isinstance(error, AnswerError) and error.code == NOT_ALLOWED:
        line.status = "niet_toegestaan"
    else:
        line.status = "onbereikbaar" if isinstance(error, Unreachable) else "mislukt"
    line.code = getattr(error, "code", None) or "app/fout"
    line.detail = getattr(error, "detail", "") or str(error)
    line.redenen = list(getattr(error, "redenen", []) or [])
