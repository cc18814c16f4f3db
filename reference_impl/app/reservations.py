"""The 2.2 arrangement operations at one source (spec/openapi/bron.yaml, design §B.2–B.3).

A quote with `rekenregel: "2.2"` (the arrangeable amount, the source's due day and lead
time, interest), and the two-phase agreement: reserve a quote under a group id, read a
reservation, confirm it (→ an arrangement with `groep`), cancel it. A 2.2 request member is
sent only to a source announcing `api_versie` 2.2 or later (spec/versioning.md); a source
offers reservations when its configuration has `betalingsregeling.reservering_geldigheid_s`.
Every call carries the session headers of `SourceClient` and is checked against the
OpenAPI component schema of its answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reference_impl.app.errors import Unreachable
from reference_impl.app.http import TIMEOUT, call, checked_json
from reference_impl.app.sources import SourceClient

RULE_2_2 = "2.2"  # the name of the quote computation rule, not a wire version
RESERVATIONS = "/betalingsregelingen/reserveringen"


def minor_of(configuratie: dict[str, Any]) -> tuple[int, int]:
    """`api_versie` "2.2" → (2, 2); (0, 0) when it cannot be read."""
    try:
        major, minor = str(configuratie.get("api_versie", "")).split(".")
        return int(major), int(minor)
    except ValueError:
        return 0, 0


def speaks(configuratie: dict[str, Any], minor: tuple[int, int] = (2, 2)) -> bool:
    """True when the source announces `minor` of the same major or a later minor."""
    announced = minor_of(configuratie)
    return announced[0] == minor[0] and announced[1] >= minor[1]


def offers_reservations(configuratie: dict[str, Any]) -> bool:
    """True when the source offers the two-phase agreement (design §B.3)."""
    limits = configuratie.get("betalingsregeling") or {}
    return speaks(configuratie) and "reservering_geldigheid_s" in limits


async def _session_call(
    source: SourceClient, method: str, path: str, *, expect: int | tuple[int, ...],
    json_body: Any = None, headers: dict[str, str] | None = None,
) -> Any:
    token = await source.open_session()
    sent = {**(headers or {}), **source.session_headers(method, path, token)}
    return await call(source.client, method, f"{source.base}{path}", expect=expect,
                      json_body=json_body, headers=sent)


async def quote(
    source: SourceClient, zaakkenmerken: Sequence[str], termijnbedrag: int,
    *, rekenregel: str | None = None,
) -> dict[str, Any]:
    """`POST /betalingsregelingen/voorstellen` by monthly amount (principal per month)."""
    body: dict[str, Any] = {"zaakkenmerken": list(zaakkenmerken), "termijnbedrag": termijnbedrag}
    if rekenregel is not None:
        body["rekenregel"] = rekenregel
    response = await _session_call(source, "POST", "/betalingsregelingen/voorstellen",
                                   expect=201, json_body=body)
    return checked_json(response, "bron", "Voorstel")


async def reserve(
    source: SourceClient, voorstel_id: str, groep_id: str, groep_omvang: int, key: str
) -> dict[str, Any]:
    """`POST /betalingsregelingen/reserveringen`; a lost answer is retried once with the
    same `Idempotency-Key` (a replay answers with the same reservation)."""
    body = {"voorstel_id": voorstel_id, "groep_id": groep_id, "groep_omvang": groep_omvang}
    for attempt in range(2):
        try:
            response = await _session_call(source, "POST", RESERVATIONS, expect=(200, 201),
                                           headers={"Idempotency-Key": key}, json_body=body)
            return checked_json(response, "bron", "Reservering")
        except Unreachable as lost:
            if attempt == 1 or lost.code != TIMEOUT:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def reservation(source: SourceClient, reservering_id: str) -> dict[str, Any]:
    """`GET /betalingsregelingen/reserveringen/{id}`."""
    response = await _session_call(source, "GET", f"{RESERVATIONS}/{reservering_id}", expect=200)
    return checked_json(response, "bron", "Reservering")


async def confirm(source: SourceClient, reservering_id: str) -> dict[str, Any]:
    """`POST …/{id}/bevestiging` → the arrangement; tried twice when no answer comes (a
    confirmation is idempotent: again answers 200 with the same arrangement)."""
    path = f"{RESERVATIONS}/{reservering_id}/bevestiging"
    for attempt in range(2):
        try:
            response = await _session_call(source, "POST", path, expect=(200, 201))
            return checked_json(response, "bron", "Betalingsregeling")
        except Unreachable:
            if attempt == 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


async def cancel(source: SourceClient, reservering_id: str) -> None:
    """`DELETE /betalingsregelingen/reserveringen/{id}` (204, also when already cancelled
    or lapsed)."""
    await _session_call(source, "DELETE", f"{RESERVATIONS}/{reservering_id}", expect=204)
