"""The pending group agreement on the device, so the app can finish it after a crash.

A two-phase agreement (agreement.py) writes this journal before every step that changes
something at a source, and removes it when the agreement has reached its end (everything
active, or nothing). It records the decision point: while `fase` is `reserveren` nothing is
decided and a resumed app cancels every reservation; once it is `bevestigen` every source
held a reservation, the decision to confirm was taken, and a resumed app confirms the rest
(confirmation is idempotent at the source); while it is `terugdraaien` a failure was
found and a resumed app finishes the rollback. Every request of the agreement is sent with an
`Idempotency-Key` kept here, so a repeat after a crash is the same request.

The file (`lopende-regeling.json` in the app's state directory, mode 0600, replaced
atomically) holds quotes, ids and keys — no BSN, no token, no private key. Without a state
directory (library use) the journal lives in memory only.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

from reference_impl.app.errors import AppError, file_problem
from reference_impl.app.files import WriteFailed, write_whole

JOURNAL_FILE = "lopende-regeling.json"
JOURNAL_KIND = "betalingsregeling-groep"
JOURNAL_FORMAT = 1
FILE_MODE = 0o600
RESERVING, CONFIRMING, UNDOING = "reserveren", "bevestigen", "terugdraaien"
PHASES = (RESERVING, CONFIRMING, UNDOING)


class JournalError(AppError):
    """The journal file cannot be read or is not a pending group agreement."""


class Journal:
    """One pending group agreement per state directory."""

    def __init__(self, state_dir: Path | None) -> None:
        self.path = state_dir / JOURNAL_FILE if state_dir is not None else None
        self._memory: dict[str, Any] | None = None

    def save(self, record: dict[str, Any]) -> None:
        """Write `record` (its `fase` one of PHASES) so that a crash leaves either the old
        or the new version, never half of one."""
        if record.get("fase") not in PHASES:
            raise ValueError(f"unknown phase {record.get('fase')!r}")
        data = {"soort": JOURNAL_KIND, "formaat": JOURNAL_FORMAT, **record}
        if self.path is None:
            self._memory = json.loads(json.dumps(data))
            return
        text = json.dumps(data, ensure_ascii=False, indent=1)
        try:
            write_whole([(self.path, text.encode("utf-8"))], FILE_MODE)
        except WriteFailed as failed:
            raise failed.cause from None  # as before: the caller sees the OSError itself

    def load(self) -> dict[str, Any] | None:
        """The pending agreement, or None when there is none."""
        if self.path is None:
            return json.loads(json.dumps(self._memory)) if self._memory else None
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise JournalError(f"kan {self.path} niet lezen: {file_problem(exc)}") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise JournalError(f"{self.path} is geen geldige JSON") from exc
        except RecursionError as exc:
            raise JournalError(f"{self.path} is geen geldige JSON (te diep genest)") from exc
        if not _is_record(data):
            raise JournalError(f"{self.path} is geen lopende regeling van deze app")
        return data

    def clear(self) -> None:
        """The agreement reached its end: forget it."""
        self._memory = None
        if self.path is not None:
            with contextlib.suppress(FileNotFoundError):
                self.path.unlink()


def _is(value: Any, kind: type | tuple[type, ...], *, optional: bool = False) -> bool:
    if optional and value is None:
        return True
    return isinstance(value, kind) and not (isinstance(value, bool) and kind is not bool)


# What `agreement._restore` and a resumed agreement read of each organisation, by type; the
# members of a quote, reservation or arrangement it reads are checked in `_is_part`.
PART_TYPES: dict[str, tuple[type | tuple[type, ...], bool]] = {
    "termijnbedrag": (int, False), "voorstel": (dict, True), "regeling": (dict, True),
    "status": (str, False), "code": (str, True), "rekenregel": (str, True),
    "rente_basispunten": (int, False), "in_groep": (bool, False), "sleutel": (str, False),
    "reservering": (dict, True),
}


def _is_part(entry: Any) -> bool:
    if not isinstance(entry, dict) or not _is(entry.get("oin"), str):
        return False
    if not _is(entry.get("totaal"), int) or not isinstance(entry.get("zaakkenmerken"), list) \
            or not all(isinstance(k, str) for k in entry["zaakkenmerken"]):
        return False
    for name, (kind, optional) in PART_TYPES.items():
        if name in entry and not _is(entry[name], kind, optional=optional):
            return False
    voorstel, reservering, regeling = (entry.get(n) for n in ("voorstel", "reservering",
                                                              "regeling"))
    return ((voorstel is None or (_is(voorstel.get("voorstel_id"), str)
                                  and _is(voorstel.get("aantal_termijnen"), int)))
            and (reservering is None or (_is(reservering.get("id"), str)
                                         and _is(reservering.get("vervalt_op"), str)))
            and (regeling is None or _is(regeling.get("id"), str)))


def _is_record(data: Any) -> bool:
    """True when `data` has the shape `Journal.save` writes (so resuming cannot crash on
    a hand-edited or damaged file)."""
    return (isinstance(data, dict) and data.get("soort") == JOURNAL_KIND
            and data.get("formaat") == JOURNAL_FORMAT and data.get("fase") in PHASES
            and _is(data.get("maandbedrag"), int) and _is(data.get("groep_id"), str, optional=True)
            and isinstance(data.get("organisaties"), list)
            and all(_is_part(entry) for entry in data["organisaties"]))
