"""Help requests (`hulpvragen`): a citizen shares the signed overview with the municipality.

The body schema checks the bundle's structure (400 `verzoek/ongeldig`); every envelope is
then verified against the current scheme document (spec/trust-model.md §3.5, its shape
included) as a help request: the session citizen's own (`document.bsn`) and no older than
`HULPVRAAG_MAX_LEEFTIJD_S` by its signed `opgesteld_op`. One failure refuses the whole
request with 422 `hulpvraag/envelop-ongeldig`, listing per failing envelope its index and
code, and nothing is stored.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from reference_impl.common.db import Database
from reference_impl.common.envelope import HelpRequestContext, verify_envelope
from reference_impl.common.errors import TokenError
from reference_impl.common.problems import Problem
from reference_impl.common.scheme import Scheme
from reference_impl.source import tables
from reference_impl.source.clock import rfc3339

ENVELOPE_INVALID = "hulpvraag/envelop-ongeldig"


def invalid_envelopes(
    envelopes: list[Any], scheme: Scheme, bsn: str, now: int
) -> list[dict[str, Any]]:
    """`[{index, code}]` for every envelope that fails, in order; empty when all pass."""
    failures = []
    context = HelpRequestContext(bsn)
    for index, envelope in enumerate(envelopes):
        try:
            verify_envelope(envelope, scheme.payload, now=now, help_request=context)
        except TokenError as refused:  # envelop/..., envelop/bsn-onjuist for another citizen
            failures.append({"index": index, "code": refused.code})
    return failures


class HelpRequests:
    """Receives help requests for a municipality offering `hulpvragen`."""

    def __init__(self, database: Database) -> None:
        self.database = database

    async def create(
        self, bsn: str, body: dict[str, Any], scheme: Scheme, now: int
    ) -> dict[str, Any]:
        envelopes = body["bundel"]["enveloppen"]
        failures = invalid_envelopes(envelopes, scheme, bsn, now)
        if failures:
            raise Problem(422, ENVELOPE_INVALID,
                          "Een of meer enveloppen in de bundel zijn niet geldig.",
                          extensions={"ongeldige_enveloppen": failures})
        request_id = str(uuid.uuid4())
        async with self.database.engine.begin() as connection:
            await connection.execute(sa.insert(tables.hulpvragen).values(
                id=request_id, bsn=bsn, ontvangen_at=now, aantal_enveloppen=len(envelopes),
                bundel=body["bundel"], contact=body.get("contact"),
                toelichting=body.get("toelichting"),
            ))
        return {
            "id": request_id,
            "status": "ontvangen",
            "ontvangen_op": rfc3339(now),
            "aantal_enveloppen": len(envelopes),
        }
