"""The contact of each organisation in the scheme document (spec/rules/stelsel.md,
`/stelsel/contact-uitbreiding`, standard 2.2): an app shows it for a source that does not
answer, so the scheme operator publishes it valid in `uitbreidingen["2.2"]` and as the
organisation registered it (compared with the organisation's own `/configuratie` where that
answers)."""

from __future__ import annotations

from functools import cache
from typing import Any

import httpx
from jsonschema import Draft202012Validator

from conformance import specfiles
from conformance.checks.base import check, fail
from conformance.errors import CheckSkipped
from conformance.stelsel.context import StelselContext

AREA = "stelsel"
MINOR = "2.2"
DEFINITION = "organisatie_uitbreiding_2_2"
CONTACT_KEYS = ("telefoon", "email", "url")
CONFIGURATION_TIMEOUT_S = 5.0


@cache
def extension_validator() -> Draft202012Validator:
    schema_id = specfiles.schema("stelseldocument")["$id"]
    return Draft202012Validator({"$ref": f"{schema_id}#/$defs/{DEFINITION}"},
                                registry=specfiles.registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


async def _own_contact(ctx: StelselContext, organisation: dict[str, Any]) -> dict[str, Any]:
    """The contact the organisation's first answering endpoint publishes ({} when none does)."""
    for endpoint in organisation.get("eindpunten") or []:
        url = endpoint.get("api_url") if isinstance(endpoint, dict) else None
        if not isinstance(url, str):
            continue
        try:
            resp = await ctx.client.get(url.rstrip("/") + "/configuratie",
                                        timeout=CONFIGURATION_TIMEOUT_S)
            body = resp.json() if resp.status_code == httpx.codes.OK else {}
        except (httpx.HTTPError, ValueError):
            continue
        contact = body.get("contact") if isinstance(body, dict) else None
        if isinstance(contact, dict):
            return {k: contact[k] for k in CONTACT_KEYS if k in contact}
    return {}


@check(rule="/stelsel/contact-uitbreiding", area=AREA, needs=("stelsel:sleutels",))
async def organisation_contacts_listed(ctx: StelselContext) -> None:
    """Every organisation's ``uitbreidingen["2.2"]`` is valid against the scheme schema's
    definition (``contact`` with at least one of telefoon, email, url), and where the
    organisation's ``/configuratie`` answers with a contact, the scheme lists it with the
    same values."""
    fetched = await ctx.fetch()
    claims = ctx.verified(fetched)
    problems, compared = [], 0
    for organisation in claims.get("organisaties") or []:
        if not isinstance(organisation, dict):
            continue
        name = f"organisatie {organisation.get('oin')}"
        extension = (organisation.get("uitbreidingen") or {}).get(MINOR)
        if extension is not None:
            errors = list(extension_validator().iter_errors(extension))
            problems += [f"{name}: uitbreidingen[\"{MINOR}\"] {e.message[:120]}"
                         for e in errors[:1]]
        listed = (extension or {}).get("contact") if isinstance(extension, dict) else None
        own = await _own_contact(ctx, organisation)
        if own:
            compared += 1
            if not isinstance(listed, dict):
                problems.append(f"{name}: /configuratie publishes a contact, the scheme lists "
                                "none")
            else:
                problems += [f"{name}: contact.{k} is {listed[k]!r}, /configuratie says "
                             f"{own[k]!r}" for k in CONTACT_KEYS if k in listed and k in own
                             and listed[k] != own[k]]
        elif listed is not None:
            compared += 1
    if problems:
        fail("; ".join(problems[:5]), fetched.response)
    if not compared:
        raise CheckSkipped("no organisation of the scheme document lists a contact and none "
                           "answers /configuratie with one, so nothing could be compared")


CHECKS = (organisation_contacts_listed,)
