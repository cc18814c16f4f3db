"""One overview of every claim: verified envelopes from all sources, totals and four groups.

`collect_overview(clients, scheme, identity)` asks every source at once (`sources.fan_out`,
each under its own timeout), verifies every envelope (trust model §3.5: shape, header,
source in the scheme, key and signature, schema and invariants) and that it is this
citizen's document from the organisation that was asked, and gives every source exactly
one status:

- `beantwoord`: a verified envelope with at least one case;
- `niets_te_melden`: a verified envelope without cases;
- `onbereikbaar`: no connection, no answer within the timeout, or a server error (5xx);
- `geweigerd`: the app refused the answer (`envelop/...`: bad signature, unknown key,
  invalid document, another organisation's or citizen's document), or the source refused
  the app (a 4xx problem such as `certificaat/ingetrokken`); `code` says which.

Only verified documents contribute cases; a refused or missing answer never changes the
totals. For a source that is `onbereikbaar` or `geweigerd` the status carries the contact
the scheme lists for it (`uitbreidingen["2.2"].contact`, rule `/app/contact-bij-storing`),
so the citizen can still reach it. Every case row carries the 2.2 case members it has and
the net figures of ledger.py (`/app/netto-totalen`); the totals add them up, and
`saldo` = `opgelegd_netto` − `vereffend_netto` holds per case, per group and overall.

A case with `saldo > 0` goes to exactly one group, first match wins
(spec/interface.md, "The four groups"): `achterstand` (`achterstand > 0`), `deze_maand`
(`volgende_vervaldatum` in the current calendar month, Europe/Amsterdam), `eenmalig`
(`looptijd: eenmalig`), `langlopend` (otherwise).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from reference_impl.app.errors import TrustError, Unreachable
from reference_impl.app.identity import Identity
from reference_impl.app.ledger import ledger_members
from reference_impl.app.sources import SOURCE_TIMEOUT_S, Outcome, SourceClient, fan_out
from reference_impl.common.envelope import verify_envelope
from reference_impl.common.errors import TokenError
from reference_impl.common.scheme import Scheme
from reference_impl.common.versions import MAJOR

TIMEZONE = ZoneInfo("Europe/Amsterdam")
BEANTWOORD, NIETS_TE_MELDEN = "beantwoord", "niets_te_melden"
ONBEREIKBAAR, GEWEIGERD = "onbereikbaar", "geweigerd"
STATUSES = (BEANTWOORD, NIETS_TE_MELDEN, ONBEREIKBAAR, GEWEIGERD)
GROUPS = ("achterstand", "eenmalig", "deze_maand", "langlopend")
WRONG_SOURCE = "envelop/bron-onjuist"
WRONG_CITIZEN = "envelop/bsn-onjuist"
CASE_FIELDS = ("zaakkenmerk", "omschrijving", "vorderingtype", "looptijd", "saldo",
               "achterstand", "volgende_vervaldatum", "status", "contact", "acties")
OPTIONAL_CASE_FIELDS = ("schuldeiser", "betalingsregeling", "pauze",
                        # 2.2 (design §A.1): shown as the source sends them
                        "regelbaar_bedrag", "pauze_mogelijkheid", "rechtsmiddel",
                        "schuldregeling", "beslag", "overgenomen_van")
NET_FIGURES = ("opgelegd_netto", "tegengeboekt", "vereffend_netto")
CONTACT_VERSION = "2.2"  # the scheme's `uitbreidingen` key that carries an organisation's contact


def today(now: float | None = None) -> date:
    """The calendar date in Amsterdam."""
    return datetime.fromtimestamp(time.time() if now is None else now, TIMEZONE).date()


def now_rfc3339(now: float | None = None) -> str:
    return datetime.fromtimestamp(int(time.time() if now is None else now), TIMEZONE).isoformat()


def group_of(case: dict[str, Any], on: date) -> str | None:
    """The group of a case (first match wins), or None when nothing is owed."""
    if case["saldo"] <= 0:
        return None
    if case["achterstand"] > 0:
        return "achterstand"
    due = case.get("volgende_vervaldatum")
    if due is not None and date.fromisoformat(due).replace(day=1) == on.replace(day=1):
        return "deze_maand"
    if case["looptijd"] == "eenmalig":
        return "eenmalig"
    return "langlopend"


@dataclass
class SourceStatus:
    """One source's part in the overview."""

    oin: str
    naam: str
    soort: str
    status: str
    code: str | None = None
    detail: str = ""
    aantal_zaken: int = 0
    elapsed_s: float = 0.0
    contact: dict[str, str] | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"oin": self.oin, "naam": self.naam, "soort": self.soort,
                                "status": self.status, "aantal_zaken": self.aantal_zaken}
        if self.code is not None:
            data["code"] = self.code
        if self.detail:
            data["detail"] = self.detail
        if self.contact and self.status in (ONBEREIKBAAR, GEWEIGERD):
            data["contact"] = self.contact
        return data


@dataclass
class Overview:
    """The aggregated overview: per source a status, per group the cases, and totals."""

    opgesteld_op: str
    bronnen: list[SourceStatus]
    groepen: dict[str, list[dict[str, Any]]]
    envelopes: dict[str, dict[str, Any]] = field(default_factory=dict)  # oin → verified

    @property
    def cases(self) -> list[dict[str, Any]]:
        return [case for group in GROUPS for case in self.groepen[group]]

    def totalen(self) -> dict[str, Any]:
        per_group = {g: {"aantal": len(self.groepen[g]),
                         "saldo": sum(c["saldo"] for c in self.groepen[g])} for g in GROUPS}
        return {
            "saldo": sum(c["saldo"] for c in self.cases),
            "achterstand": sum(c["achterstand"] for c in self.cases),
            "aantal_zaken": len(self.cases),
            **{name: sum(c[name] for c in self.cases) for name in NET_FIGURES},
            "per_groep": per_group,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "opgesteld_op": self.opgesteld_op,
            "totalen": self.totalen(),
            "groepen": self.groepen,
            "bronnen": [s.to_json() for s in self.bronnen],
        }


def verify_answer(envelope: Any, scheme: Scheme, oin: str, bsn: str,
                  major: int = MAJOR) -> dict[str, Any]:
    """The document of a verified envelope from `oin` about `bsn`, answered at an endpoint
    of `major` (its `documentversie` is of that major); else `TrustError`."""
    try:
        if major == MAJOR:
            verify_envelope(envelope, scheme.payload, organisations=scheme.by_oin)
        else:  # a next major the app also speaks (the rollout): its documents say so
            verify_envelope(envelope, scheme.payload, major=major, organisations=scheme.by_oin)
    except TokenError as refused:
        raise TrustError(refused.code, refused.detail) from refused
    document = envelope["document"]
    if document["bron"]["oin"] != oin:
        raise TrustError(WRONG_SOURCE, "de envelop is ondertekend voor een andere organisatie")
    if document["bsn"] != bsn:
        raise TrustError(WRONG_CITIZEN, "het document gaat over een andere burger")
    return document


def case_row(case: dict[str, Any], organisation: SourceClient, group: str) -> dict[str, Any]:
    """What the overview shows of one case."""
    row: dict[str, Any] = {"organisatie": {"oin": organisation.oin, "naam": organisation.naam}}
    row.update({name: case.get(name) for name in CASE_FIELDS})
    row.update({name: case[name] for name in OPTIONAL_CASE_FIELDS if name in case})
    row.update(ledger_members(case))
    row["groep"] = group
    return row


def scheme_contact(organisation: dict[str, Any]) -> dict[str, str] | None:
    """The contact the scheme lists for an organisation (2.2 extension), if any."""
    extensions = organisation.get("uitbreidingen")
    extension = extensions.get(CONTACT_VERSION) if isinstance(extensions, dict) else None
    contact = extension.get("contact") if isinstance(extension, dict) else None
    if not isinstance(contact, dict):  # data is open: an unexpected shape is ignored
        return None
    shown = {k: contact[k] for k in ("telefoon", "email", "url")
             if isinstance(contact.get(k), str) and contact[k]}
    return shown or None


def status_of(outcome: Outcome[dict[str, Any]]) -> SourceStatus:
    source = outcome.source
    status = SourceStatus(source.oin, source.naam, source.soort, BEANTWOORD,
                          elapsed_s=outcome.elapsed_s,
                          contact=scheme_contact(source.organisation))
    error = outcome.error
    if error is None:
        count = len(outcome.value["financiele_zaken"]) if outcome.value else 0
        status.status = BEANTWOORD if count else NIETS_TE_MELDEN
        status.aantal_zaken = count
    elif isinstance(error, Unreachable):
        status.status, status.code, status.detail = ONBEREIKBAAR, error.code, error.detail
    else:
        status.status = GEWEIGERD
        status.code = getattr(error, "code", "app/fout")
        status.detail = getattr(error, "detail", "") or str(error)
    return status


def _sort_key(case: dict[str, Any]) -> tuple[str, int, str]:
    due = case.get("volgende_vervaldatum") or "9999-12-31"
    return due, -case["saldo"], case["zaakkenmerk"]


async def collect_overview(
    clients: Sequence[SourceClient],
    scheme: Scheme,
    identity: Identity,
    *,
    timeout_s: float = SOURCE_TIMEOUT_S,
    on_done: Callable[[SourceStatus], None] | None = None,
    now: float | None = None,
) -> Overview:
    """Ask every source concurrently and aggregate what verifies."""
    bsn = identity.bsn
    envelopes: dict[str, dict[str, Any]] = {}

    async def fetch(client: SourceClient) -> dict[str, Any]:
        envelope = await client.envelope()
        document = verify_answer(envelope, scheme, client.oin, bsn, client.major)
        envelopes[client.oin] = envelope
        return document

    def report(outcome: Outcome[dict[str, Any]]) -> None:
        if on_done is not None:
            on_done(status_of(outcome))

    outcomes = await fan_out(clients, fetch, timeout_s=timeout_s, on_done=report)
    on = today(now)
    groups: dict[str, list[dict[str, Any]]] = {g: [] for g in GROUPS}
    statuses = []
    for outcome in outcomes:
        statuses.append(status_of(outcome))
        if outcome.error is not None or outcome.value is None:
            envelopes.pop(outcome.source.oin, None)  # a late timeout must not leave data
            continue
        for case in outcome.value["financiele_zaken"]:
            group = group_of(case, on)
            if group is not None:
                groups[group].append(case_row(case, outcome.source, group))
    for group in GROUPS:
        groups[group].sort(key=_sort_key)
    return Overview(now_rfc3339(now), statuses, groups, envelopes)
