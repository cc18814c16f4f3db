"""One deliberate defect of the gallery (the registry is `flaws.py`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Flaw:
    """One deliberate defect: its name, the rule it breaks, what a user of it would notice."""

    name: str
    rule: str
    description: str
