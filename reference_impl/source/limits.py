"""The arrangement and pause limits of a source's configuration (`betalingsregeling:` and
`pauze:`), announced in `/configuratie`: the 2.0 members, required, and the optional 2.2
ones (design §B.1) with their defaults. Checked like every key of config.py: an unknown
member, a wrong type or a value out of range is a `ConfigError` naming key and value.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from reference_impl.common.errors import ConfigError
from reference_impl.common.settings import require_integer


@dataclass(frozen=True)
class ArrangementLimits:
    """`configuratie.betalingsregeling`: what a quote may ask, and (2.2) the source's own
    due day, lead time, interest, lapse rule, grace days and two-phase agreement."""

    minimum_termijnbedrag: int
    maximum_aantal_termijnen: int
    bedenktijd_dagen: int
    voorstel_geldigheid_s: int
    vervaldag: int = 1
    minimale_aanlooptijd_dagen: int = 0
    rente_basispunten: int = 0
    maximaal_gemiste_termijnen: int | None = None  # None: never lapses
    respijt_dagen: int = 0
    reservering_geldigheid_s: int | None = None  # None: no two-phase agreement

    def announced(self) -> dict[str, int]:
        """The members `/configuratie` announces (an absent optional one is not sent)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(frozen=True)
class PauseLimits:
    """`configuratie.pauze`: how far ahead a pause may end and (2.2) how many pauses a
    citizen may have in a period and how long to wait after one."""

    maximum_duur_dagen: int
    maximum_aantal: int | None = None  # with periode_dagen: both or neither
    periode_dagen: int | None = None
    wachttijd_dagen: int | None = None

    def announced(self) -> dict[str, int]:
        return {k: v for k, v in asdict(self).items() if v is not None}


def checked_limits(key: str, value: Any, bounds: dict[str, tuple[int, int]],
                   optional: dict[str, tuple[int, int]] | None = None) -> dict[str, int]:
    """Exactly the keys of `bounds`, plus any of `optional`, each an integer in its range."""
    optional = optional or {}
    if (not isinstance(value, dict) or not set(bounds) <= set(value)
            or not set(value) <= set(bounds) | set(optional)):
        allowed = ", ".join(bounds) + (f" (en mogelijk {', '.join(optional)})" if optional else "")
        raise ConfigError(key, value, f"moet een mapping met {allowed} zijn")
    every = bounds | optional
    return {name: require_integer(f"{key}.{name}", value[name], *every[name])
            for name in every if name in value}


ARRANGEMENT_BOUNDS = {
    "minimum_termijnbedrag": (1, 10**11),
    "maximum_aantal_termijnen": (1, 1200),
    "bedenktijd_dagen": (0, 365),
    "voorstel_geldigheid_s": (1, 86_400),
}
# 2.2 (design §B.1): optional, with the defaults of ArrangementLimits.
ARRANGEMENT_OPTIONAL_BOUNDS = {
    "vervaldag": (1, 28),  # every month has it
    "minimale_aanlooptijd_dagen": (0, 60),
    "rente_basispunten": (0, 2000),
    "maximaal_gemiste_termijnen": (1, 12),
    "respijt_dagen": (0, 31),
    "reservering_geldigheid_s": (60, 3600),
}
PAUSE_OPTIONAL_BOUNDS = {
    "maximum_aantal": (1, 10),
    "periode_dagen": (30, 3660),
    "wachttijd_dagen": (0, 365),
}


def arrangement_limits(value: Any, diensten: tuple[str, ...]) -> ArrangementLimits | None:
    if "betalingsregelingen" not in diensten:
        return None
    return ArrangementLimits(**checked_limits("betalingsregeling", value, ARRANGEMENT_BOUNDS,
                                              ARRANGEMENT_OPTIONAL_BOUNDS))


def pause_limits(value: Any, diensten: tuple[str, ...]) -> PauseLimits | None:
    if "pauzes" not in diensten:
        return None
    limits = checked_limits("pauze", value, {"maximum_duur_dagen": (1, 3660)},
                            PAUSE_OPTIONAL_BOUNDS)
    if ("maximum_aantal" in limits) != ("periode_dagen" in limits):
        raise ConfigError("pauze", value, "geef maximum_aantal en periode_dagen allebei, "
                          "of geen van beide")
    return PauseLimits(**limits)
