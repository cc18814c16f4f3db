"""Asking for debt help: the bundle goes to the citizen's municipality (`POST /hulpvragen`).

The municipality is a source of the scheme offering `hulpvragen`. `choose_municipality`
takes the one the citizen names (`--gemeente OIN`); otherwise the only municipality
(`soort: gemeente`) offering the service; when there are several, the one that has cases
of this citizen in the overview; else it asks the citizen to choose. The request carries
the bundle of signed envelopes and the citizen's explicit consent (`toestemming: true`),
optionally how to be reached and a note. The municipality verifies every envelope itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from reference_impl.app.errors import SetupError
from reference_impl.app.overview import BEANTWOORD, Overview
from reference_impl.app.sources import SourceClient

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
        raise SetupError(f"organisation {oin} does not offer {SERVICE} in the scheme")
    municipalities = [c for c in offering if c.soort == "gemeente"] or offering
    if len(municipalities) == 1:
        return municipalities[0]
    if overview is not None:
        answered = {s.oin for s in overview.bronnen if s.status == BEANTWOORD}
        known = [c for c in municipalities if c.oin in answered]
        if len(known) == 1:
            return known[0]
    if not municipalities:
        raise SetupError(f"no organisation in the scheme offers {SERVICE}")
    names = ", ".join(f"{c.naam} ({c.oin})" for c in municipalities)
    raise SetupError(f"choose your municipality with --gemeente: {names}")


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
            raise SetupError(f"the note is longer than {MAX_NOTE_CHARS} characters")
        body["toelichting"] = toelichting
    return body


async def send_help_request(source: SourceClient, body: dict[str, Any]) -> dict[str, Any]:
    """Send it; the municipality's `Hulpvraag` answer (`id`, `status: ontvangen`, ...)."""
    return await source.help_request(body)
