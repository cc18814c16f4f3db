"""One source organisation of the gallery: identity, keys, limits, cases and state together.

`Source` is what every request handler works with. The limits are realistic and fixed
(`/configuratie` states them); the quote validity is short on purpose so that a test can see
a quote expire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

from conformance.broken import lifecycle
from conformance.broken.clock import Clock
from conformance.broken.flaws import Flaws
from conformance.broken.store import Store
from conformance.broken.trust import Scheme

API_VERSION = "2.2.0"  # the API-Version header: the full release
WIRE_VERSION = "2.2"  # api_versie and documentversie: MAJOR.MINOR
DOCUMENT_VERSION = WIRE_VERSION
LEVELS = ("basis", "midden", "substantieel", "hoog")
ALL_DIENSTEN = ("vorderingenoverzicht", "betalingsregelingen", "pauzes", "hulpvragen")
MINIMUM_LEVEL = {
    "vorderingenoverzicht": "midden",
    "betalingsregelingen": "substantieel",
    "pauzes": "substantieel",
    "hulpvragen": "substantieel",
}
MINIMUM_TERMIJNBEDRAG_CENTS = 2500
MAXIMUM_AANTAL_TERMIJNEN = 24
BEDENKTIJD_DAGEN = 14
VOORSTEL_GELDIGHEID_S = 5
PAUZE_MAXIMUM_DUUR_DAGEN = 120
# standard 2.2: the source's own due day, lead time and interest for calculation rule 2.2, when
# an arrangement lapses, and the two-phase agreement; pauses bounded in number
VERVALDAG = 15
MINIMALE_AANLOOPTIJD_DAGEN = 10
RENTE_BASISPUNTEN = 400
MAXIMAAL_GEMISTE_TERMIJNEN = 2
RESPIJT_DAGEN = 5
RESERVERING_GELDIGHEID_S = 120
PAUZE_MAXIMUM_AANTAL = 8
PAUZE_PERIODE_DAGEN = 90
PAUZE_WACHTTIJD_DAGEN = 3
DEFAULT_NAAM = "Voorbeeldbron (galerij)"
DEFAULT_SOORT = "overig"
CONTACT = {
    "telefoon": "+31 70 123 45 67",
    "email": "vorderingen@bron.example",
    "url": "https://bron.example/contact",
}
SETTLED, OBJECTED, TRANSFERRED = "afgelost", "in_bezwaar", "overgedragen_aan_deurwaarder"


@dataclass
class Source:
    """Everything one gallery app knows. `cases` maps BSN → zaakkenmerk → the case as the
    organisation's own system holds it (base status, no arrangement/pause members)."""

    oin: str
    naam: str
    soort: str
    diensten: tuple[str, ...]
    signing_key: ec.EllipticCurvePrivateKey
    scheme: Scheme
    clock: Clock
    flaws: Flaws
    cases: dict[str, dict[str, dict[str, Any]]]
    store: Store = field(default_factory=Store)
    bedenktijd_dagen: int = BEDENKTIJD_DAGEN  # 0: only a confirmed group can be undone
    reserveringen: bool = True  # False: no two-phase agreement (2.2's reservations)
    # a key listed nowhere: the flaw `verkeerde-sleutel` signs envelopes with it
    stray_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

    def __post_init__(self) -> None:
        self.store.lapse_of = self.lapse

    def instalment_states(self, arrangement: Any) -> tuple[list[dict[str, Any]], list[date]]:
        """The arrangement's instalments with status and betaald, and the days missed."""
        bsn, zaken = arrangement.bsn, arrangement.body["zaakkenmerken"]
        today = datetime.fromtimestamp(self.admin_now(bsn), UTC).date()
        cases = [c for zk in zaken if (c := self.case(bsn, zk)) is not None]
        ignore_pauses = self.flaws.on("pauze-telt-termijn-als-gemist")
        return lifecycle.instalments(
            arrangement, cases, today,
            grace_days=0 if self.flaws.on("respijt-genegeerd") else RESPIJT_DAGEN,
            paused_until=lambda day: None if ignore_pauses
            else self.store.pause_end_on(bsn, zaken, day))

    def lapse(self, arrangement: Any) -> dict[str, Any] | None:
        """How the arrangement lapsed by now (missed instalments), or None."""
        if self.flaws.on("regeling-vervalt-niet"):  # the lapse is a manual step nobody takes
            return None
        _items, missed = self.instalment_states(arrangement)
        return lifecycle.lapse(missed, MAXIMAAL_GEMISTE_TERMIJNEN)

    def configuratie(self) -> dict[str, Any]:
        listed = self.diensten
        if self.flaws.on("dienst-niet-vermeld"):  # served, but forgotten in the configuration
            listed = tuple(d for d in listed if d != "hulpvragen")
        body: dict[str, Any] = {
            "oin": self.oin,
            "naam": self.naam,
            "soort": self.soort,
            # `api-versie-met-patch`: the release number where the wire version belongs
            "api_versie": API_VERSION if self.flaws.on("api-versie-met-patch") else WIRE_VERSION,
            "documentversie": DOCUMENT_VERSION,
            "diensten": list(listed),
            "minimaal_betrouwbaarheidsniveau": {d: MINIMUM_LEVEL[d] for d in listed},
            "contact": dict(CONTACT),
            # a member of a later minor: /configuratie is open data, readers ignore it
            "voorbeeld_uitbreiding": {"sinds": "2.2"},
        }
        if self.flaws.on("korte-levensduur-niet-gehouden"):  # announced, never applied
            body["testomgeving"] = {"nonce_geldigheid_s": 5, "sessie_geldigheid_s": 20}
        if "betalingsregelingen" in self.diensten:
            body["betalingsregeling"] = {
                "minimum_termijnbedrag": MINIMUM_TERMIJNBEDRAG_CENTS,
                "maximum_aantal_termijnen": MAXIMUM_AANTAL_TERMIJNEN,
                "bedenktijd_dagen": self.bedenktijd_dagen,
                "voorstel_geldigheid_s": VOORSTEL_GELDIGHEID_S,
                "vervaldag": VERVALDAG,
                "minimale_aanlooptijd_dagen": MINIMALE_AANLOOPTIJD_DAGEN,
                "maximaal_gemiste_termijnen": MAXIMAAL_GEMISTE_TERMIJNEN,
                "respijt_dagen": RESPIJT_DAGEN,
            }
            # `reserveringen-niet-aangekondigd`: served (reservations.py) but never announced
            if self.reserveringen and not self.flaws.on("reserveringen-niet-aangekondigd"):
                body["betalingsregeling"]["reservering_geldigheid_s"] = RESERVERING_GELDIGHEID_S
            if not self.flaws.on("rente-niet-gepubliceerd"):  # set in the back office only
                body["betalingsregeling"]["rente_basispunten"] = RENTE_BASISPUNTEN
        if "pauzes" in self.diensten:
            body["pauze"] = {"maximum_duur_dagen": PAUZE_MAXIMUM_DUUR_DAGEN,
                             "maximum_aantal": PAUZE_MAXIMUM_AANTAL,
                             "periode_dagen": PAUZE_PERIODE_DAGEN,
                             "wachttijd_dagen": PAUZE_WACHTTIJD_DAGEN}
        return body

    def cases_of(self, bsn: str) -> list[dict[str, Any]]:
        return list(self.cases.get(bsn, {}).values())

    def case(self, bsn: str, zaakkenmerk: str) -> dict[str, Any] | None:
        return self.cases.get(bsn, {}).get(zaakkenmerk)

    def quote_refusal(self, bsn: str, zaakkenmerk: str,
                      replacing: str | None = None) -> str | None:
        """Why the case cannot be in a new arrangement (a reason code), or None; the cases of
        the arrangement `replacing` (an amendment) are free for it."""
        case = self.case(bsn, zaakkenmerk)
        if case is None:
            return "zaak-onbekend"
        if case["saldo"] <= 0 or case["status"] == SETTLED:
            return "zaak-afgelost"
        if case["status"] == OBJECTED:
            return "zaak-in-bezwaar"
        if case["status"] == TRANSFERRED or "schuldregeling" in case:
            return "zaak-overgedragen"  # a debt scheme's administrator collects it now
        if case.get("regelbaar_bedrag", case["saldo"]) <= 0:
            return "zaak-afgelost"  # a balance, but nothing arrangeable (detail niets-regelbaar)
        covering = self.store.arrangement_covering(bsn, zaakkenmerk)
        if (covering is not None and covering.id != replacing) \
                or self.holding_reservation(bsn, zaakkenmerk) is not None:
            return "zaak-al-in-regeling"
        return None

    def admin_now(self, bsn: str) -> float:
        """The citizen's administrative now (the test clock's shift included)."""
        shifts = self.store.clock_shifts
        return self.clock.now() + shifts.get(bsn, shifts.get("*", 0))

    def reservations_lapse(self) -> bool:
        # the flaw: lapsing was left to a nightly job that never runs in this environment
        return not self.flaws.on("reservering-vervalt-niet")

    def holding_reservation(self, bsn: str, zaakkenmerk: str) -> Any:
        """The unconfirmed reservation holding the case now, or None (the flaw
        `reservering-houdt-zaken-niet-vast`: a reservation is only a note, it holds nothing)."""
        if self.flaws.on("reservering-houdt-zaken-niet-vast"):
            return None
        return self.store.reservation_holding(bsn, zaakkenmerk, self.admin_now(bsn),
                                              lapses=self.reservations_lapse())

    def arrangeable(self, bsn: str, zaakkenmerk: str) -> int:
        """What calculation rule 2.2 arranges of the case: `regelbaar_bedrag`, else `saldo`."""
        case = self.case(bsn, zaakkenmerk) or {}
        return int(case.get("regelbaar_bedrag", case.get("saldo", 0)))

    def pause_refusal(self, bsn: str, zaakkenmerk: str, today: date) -> str | None:
        """Why the case cannot be paused now (a reason code), or None."""
        case = self.case(bsn, zaakkenmerk)
        if case is None:
            return "zaak-onbekend"
        if case["saldo"] <= 0 or case["status"] == SETTLED:
            return "zaak-afgelost"
        if self.store.pause_covering(bsn, zaakkenmerk, today) is not None:
            return "zaak-al-gepauzeerd"
        return None

    def pause_bar(self, bsn: str, zaakkenmerk: str) -> str | None:
        """Why this case can never be paused now (a `pauze_mogelijkheid.reden`), or None."""
        case = self.case(bsn, zaakkenmerk) or {}
        if "schuldregeling" in case:
            return "in-schuldregeling"
        if case.get("status") == TRANSFERRED:
            return "bij-deurwaarder"  # this source cannot stop its bailiff
        return None


def level_at_least(level: str, minimum: str) -> bool:
    return LEVELS.index(level) >= LEVELS.index(minimum)
