"""One source organisation of the gallery: identity, keys, limits, cases and state together.

`Source` is what every request handler works with. The limits are realistic and fixed
(`/configuratie` states them); the quote validity is short on purpose so that a test can see
a quote expire.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec

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
    # a key listed nowhere: the flaw `verkeerde-sleutel` signs envelopes with it
    stray_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )

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
                "bedenktijd_dagen": BEDENKTIJD_DAGEN,
                "voorstel_geldigheid_s": VOORSTEL_GELDIGHEID_S,
            }
        if "pauzes" in self.diensten:
            body["pauze"] = {"maximum_duur_dagen": PAUZE_MAXIMUM_DUUR_DAGEN}
        return body

    def cases_of(self, bsn: str) -> list[dict[str, Any]]:
        return list(self.cases.get(bsn, {}).values())

    def case(self, bsn: str, zaakkenmerk: str) -> dict[str, Any] | None:
        return self.cases.get(bsn, {}).get(zaakkenmerk)

    def quote_refusal(self, bsn: str, zaakkenmerk: str) -> str | None:
        """Why the case cannot be in a new arrangement (a reason code), or None."""
        case = self.case(bsn, zaakkenmerk)
        if case is None:
            return "zaak-onbekend"
        if case["saldo"] <= 0 or case["status"] == SETTLED:
            return "zaak-afgelost"
        if case["status"] == OBJECTED:
            return "zaak-in-bezwaar"
        if case["status"] == TRANSFERRED:
            return "zaak-overgedragen"
        if self.store.arrangement_covering(bsn, zaakkenmerk) is not None:
            return "zaak-al-in-regeling"
        return None

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


def level_at_least(level: str, minimum: str) -> bool:
    return LEVELS.index(level) >= LEVELS.index(minimum)
