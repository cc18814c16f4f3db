"""Asking for debt help: the bundle goes to the citizen's municipality (`POST /hulpvragen`).

The municipality is a source of the scheme offering `hulpvragen`. `choose_municipality`
takes the one the citizen names (`--gemeente OIN`); otherwise the only municipality
(`soort: gemeente`) offering the service; when there are several, the one that has cases
of this citizen in the overview; else it asks the citizen to choose. The request carries
the bundle of signed envelopes and the citizen's explicit consent (`toestemming: true`),
optionally how to be reached and a note. The municipality verifies every envelope itself
and refuses one signed more than `HULPVRAAG_MAX_LEEFTIJD_S` ago (`envelop/verouderd`), so
`check_fresh` refuses such a bundle before it is sent: export a fresh one.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from reference_impl.app.errors import BundleError, SetupError
from reference_impl.app.overview import BEANTWOORD, Overview
from reference_impl.app.sources import SourceClient
from reference_impl.common.constants import HULPVRAAG_MAX_LEEFTIJD_S

SERVICE = "hulpvragen"
MAX_NOTE_CHARS = 2000


def choose_municipality(
    clients: Sequence[SourceClient], *, oin: str | None = None, overview: Overview | None = None
) -> SourceClient:
    """The organisation that receives the help request."""
    offering = [c for c in clients if c.offers(SERVICE)]
    if oin is not None:
        for client in offering:
            if client.oin == oin:
                return client
        raise SetupError(f"organisatie {oin} biedt volgens het stelsel geen {SERVICE} aan")
    municipalities = [c for c in offering if c.soort == "gemeente"] or offering
    if len(municipalities) == 1:
        return municipalities[0]
    if overview is not None:
        answered = {s.oin for s in overview.bronnen if s.status == BEANTWOORD}
        known = [c for c in municipalities if c.oin in answered]
        if len(known) == 1:
            return known[0]
    if not municipalities:
        raise SetupError(f"geen organisatie in het stelsel biedt {SERVICE} aan")
    names = ", ".join(f"{c.naam} ({c.oin})" for c in municipalities)
    raise SetupError(f"kies uw gemeente met --gemeente: {names}")


def help_request_body(
    bundle: dict[str, Any],
    *,
    telefoon: str | None = None,
    email: str | None = None,
    toelichting: str | None = None,
) -> dict[str, Any]:
    """The body of `POST /hulpvragen` (consent is given by calling this at all)."""
    body: dict[str, Any] = {"bundel": bundle, "toestemming": True}
    contact = {k: v for k, v in (("telefoon", telefoon), ("email", email)) if v}
    if contact:
        body["contact"] = contact
    if toelichting:
        if len(toelichting) > MAX_NOTE_CHARS:
            raise SetupError(f"de toelichting is langer dan {MAX_NOTE_CHARS} tekens")
        body["toelichting"] = toelichting
    return body


def check_fresh(bundle: dict[str, Any], *, now: float | None = None) -> None:
    """`BundleError` when an envelope of `bundle` is older than the help-request limit."""
    moment = time.time() if now is None else now
    stale = []
    for index, envelope in enumerate(bundle.get("enveloppen") or []):
        try:
            signed = datetime.fromisoformat(envelope["document"]["opgesteld_op"]).timestamp()
        except (TypeError, KeyError, ValueError):
            continue  # not this check's business: the municipality names the failing step
        if signed < moment - HULPVRAAG_MAX_LEEFTIJD_S:
            stale.append(str(index))
    if stale:
        raise BundleError(f"overzicht(en) {', '.join(stale)} in de bundel zijn ouder dan "
                          f"{HULPVRAAG_MAX_LEEFTIJD_S // 86400} dagen; een gemeente weigert die: "
                          "maak een nieuwe bundel")


async def send_help_request(source: SourceClient, body: dict[str, Any]) -> dict[str, Any]:
    """Send it; the municipality's `Hulpvraag` answer (`id`, `status: ontvangen`, ...)."""
    return await source.help_request(body)
