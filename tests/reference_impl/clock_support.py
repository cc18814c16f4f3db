"""`FakeClock`: time that moves only when a test says so, from a fixed `START`.

Importable from every folder below tests/reference_impl (its conftest puts this folder on
`sys.path`).
"""

from __future__ import annotations

START = 1_767_225_600 + 10 * 3600  # 2026-01-01 11:00 Amsterdam: a fixed "now"


class FakeClock:
    def __init__(self, start: float = START) -> None:
        self.now = float(start)

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
