"""The gallery's test clock (spec/testomgeving.md, "Test clock").

Each citizen's administrative time — what has fallen due, which pause is active, a quote's
validity, `opgesteld_op` — runs `store.clock_shifts[bsn]` seconds ahead of the source's clock.
Trust time (nonces, sessions, request proofs) is the source's clock, never shifted.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from conformance.broken.clock import Clock, shifted
from conformance.broken.source import Source

PATH = "/testklok"
MAX_SHIFT_S = 366 * 86_400
FIELD = "verschuiving_s"
BODY = Draft202012Validator({
    "type": "object", "required": [FIELD], "additionalProperties": False,
    "properties": {FIELD: {"type": "integer", "minimum": 0, "maximum": MAX_SHIFT_S}},
})


EVERYONE = "*"  # the flaw `testklok-voor-iedereen` keeps one shift for all citizens


def _key(source: Source, bsn: str) -> str:
    return EVERYONE if source.flaws.on("testklok-voor-iedereen") else bsn


def citizen_clock(source: Source, bsn: str) -> Clock:
    """The administrative clock of `bsn`."""
    return shifted(source.clock, source.store.clock_shifts.get(_key(source, bsn), 0))


def state(source: Source, bsn: str) -> dict[str, Any]:
    """`GET /testklok`."""
    return {FIELD: source.store.clock_shifts.get(_key(source, bsn), 0),
            "nu": citizen_clock(source, bsn).iso()}


def move(source: Source, bsn: str, body: dict[str, Any]) -> dict[str, Any]:
    """`PUT /testklok` with a body valid against `BODY`: set the shift."""
    value = body[FIELD]
    if value:
        source.store.clock_shifts[_key(source, bsn)] = value
    else:
        source.store.clock_shifts.pop(_key(source, bsn), None)
    return state(source, bsn)
