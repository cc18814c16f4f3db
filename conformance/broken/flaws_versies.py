"""Flaws of versions and discovery (standard 2.0.0): wire versions, API-Version, the published
OpenAPI document, CORS for the request proof, a readable pause and the order of failures.

Each name is consulted with ``source.flaws.on(name)`` where an implementer would have made the
mistake (`source.py`, `documents.py`, `http.py`, `app.py`). The checks that
catch them are `conformance/checks/versies.py` (proven in
tests/conformance/test_checks_versies.py).
"""

from __future__ import annotations

from conformance.broken.flaw import Flaw

VERSIES_FLAWS: tuple[Flaw, ...] = (
    Flaw("api-versie-met-patch", "/versie/wire-major-minor",
         "configuratie.api_versie is the full release 2.0.0 instead of MAJOR.MINOR 2.0"),
    Flaw("documentversie-met-patch", "/versie/wire-major-minor",
         "the claims document's documentversie is the full release 2.0.0"),
    Flaw("api-version-zonder-patch", "/http/api-version-header",
         "the API-Version header is the wire version 2.0 instead of the release 2.0.0"),
    Flaw("geen-openapi-json", "/http/openapi-gepubliceerd",
         "GET <base>/openapi.json is not served (404)"),
    Flaw("cors-zonder-verzoekbewijs", "/http/cors",
         "the CORS preflight still allows only the 1.0 request headers, not Verzoek-Bewijs"),
    Flaw("pauze-niet-leesbaar", "/pauze/leesbaar",
         "GET /pauzes/{pauze_id} is not served: the Location of a created pause is a 405"),
    Flaw("body-voor-sessie", "/http/foutvolgorde",
         "a quote request's body is validated before the session: 400 before 401"),
)
