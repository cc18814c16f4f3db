"""Which rules apply to an endpoint: the rule lifecycle of spec/rules.yaml.

Every rule has `status` (`in-force` or `withdrawn`), `since` (the release that introduced
it) and optionally `changed` and `withdrawn_in`. The suite selects by the version the
endpoint announces in /configuratie `api_versie` (MAJOR.MINOR): a rule introduced in a
later minor than announced is not applicable (its check is skipped with that reason), and a
withdrawn rule has no check at all (a test keeps it so).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from conformance import specfiles

IN_FORCE = "in-force"
WITHDRAWN = "withdrawn"


@cache
def rule_index() -> dict[str, dict[str, Any]]:
    """Rule id → its entry in spec/rules.yaml (empty without a rules index)."""
    rules = specfiles.rules().get("rules") or []
    return {r["id"]: r for r in rules if isinstance(r, dict) and isinstance(r.get("id"), str)}


def major_minor(version: Any) -> tuple[int, int] | None:
    """(MAJOR, MINOR) of ``MAJOR.MINOR`` or ``MAJOR.MINOR.PATCH``; None for anything else."""
    if not isinstance(version, str):
        return None
    parts = version.split(".")
    if len(parts) not in (2, 3) or not all(p.isdigit() for p in parts):
        return None
    return int(parts[0]), int(parts[1])


def not_applicable(rule_id: str, announced: Any) -> str | None:
    """Why the rule `rule_id` does not apply to an endpoint announcing `announced` as its
    `api_versie` (a skip reason), or None when it applies. Unknown rules and unreadable
    versions apply: the suite never skips on missing information."""
    entry = rule_index().get(rule_id)
    if entry is None:
        return None
    if entry.get("status") == WITHDRAWN:
        return f"not applicable: rule {rule_id} was withdrawn in {entry.get('withdrawn_in')}"
    since, endpoint = major_minor(entry.get("since")), major_minor(announced)
    if since is None or endpoint is None or since <= endpoint:
        return None
    return (f"not applicable: rule {rule_id} applies since {entry['since']}; the endpoint "
            f"announces api_versie {announced}")
