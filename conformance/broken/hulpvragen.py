"""Help requests: a referral to debt help carrying the citizen's signed overview bundle.

Every envelope is verified against the scheme (envelope verification steps 1–7, shape
included), then step 8: its `document.bsn` must be the session's BSN (`envelop/bsn-onjuist`)
and it may be at most HULPVRAAG_MAX_LEEFTIJD_S old (`envelop/verouderd`). Any failure: 422
`hulpvraag/envelop-ongeldig` listing each failing envelope by index, and nothing is stored.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from conformance.broken.errors import Problem, TrustFailure
from conformance.broken.source import Source
from conformance.broken.store import Session
from conformance.broken.trust import CLOCK_SKEW_S, HULPVRAAG_MAX_LEEFTIJD_S, verify_envelope

WRONG_BSN = "envelop/bsn-onjuist"
TOO_OLD = "envelop/verouderd"


def _problem_of(source: Source, envelope: Any, bsn: str) -> str | None:
    """The envelope's problem code, or None when it may be part of this help request."""
    now = source.clock.seconds()
    if source.flaws.on("hulpvraag-zonder-verificatie"):
        return None
    try:
        document = verify_envelope(envelope, source.scheme, source.flaws, now)
    except TrustFailure as exc:
        return exc.code
    if document.get("bsn") != bsn and not source.flaws.on("hulpvraag-bsn-niet-gecontroleerd"):
        return WRONG_BSN
    signed = datetime.fromisoformat(document["opgesteld_op"]).timestamp()
    oldest = now - HULPVRAAG_MAX_LEEFTIJD_S
    oldest -= CLOCK_SKEW_S if source.flaws.on("versheid-met-klokafwijking") else 0
    return TOO_OLD if signed < oldest else None


def receive(source: Source, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """`POST /hulpvragen`: the `Hulpvraag`, or 422 naming every invalid envelope."""
    envelopes = body["bundel"]["enveloppen"]
    invalid = [{"index": index, "code": code} for index, envelope in enumerate(envelopes)
               if (code := _problem_of(source, envelope, session.bsn)) is not None]
    if invalid:
        raise Problem(422, "hulpvraag/envelop-ongeldig",
                      "One or more envelopes of the bundle are not valid.",
                      ongeldige_enveloppen=invalid)
    answer = {
        "id": str(uuid.uuid4()),
        "status": "ontvangen",
        "ontvangen_op": source.clock.iso(),
        "aantal_enveloppen": len(envelopes),
    }
    source.store.help_requests[answer["id"]] = {"bsn": session.bsn, "verzoek": body,
                                                "hulpvraag": answer}
    return answer
