"""Problem documents (RFC 9457) with the standard's stable codes.

Raise `Problem(status, code, detail)` anywhere in a request handler; the exception handler
of `reference_impl.common.http` turns it into `application/problem+json` with
`type = urn:nl-vorderingen:probleem:<code>`. Clients branch on `code`, never on `title` or
`detail`, which are for people (and never contain a BSN or a token).
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

from reference_impl.common.errors import TokenError, VorderingenError

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:nl-vorderingen:probleem:"
WWW_AUTHENTICATE = 'Sessie realm="vorderingen"'

# A constant human title per code family; the code itself carries the meaning.
TITLES = {
    "algemeen/niet-gevonden": "Niet gevonden",
    "algemeen/methode-niet-toegestaan": "Methode niet toegestaan",
    "algemeen/interne-fout": "Interne fout",
    "algemeen/dienst-niet-aangeboden": "Dienst niet aangeboden",
    "algemeen/stelsel-niet-beschikbaar": "Stelseldocument niet beschikbaar",
    "algemeen/te-veel-verzoeken": "Te veel verzoeken",
    "verzoek/ongeldig": "Ongeldig verzoek",
    "verzoek/mediatype-niet-ondersteund": "Mediatype niet ondersteund",
    "verzoek/te-groot": "Verzoek te groot",
    "sessie/token-ontbreekt": "Sessietoken ontbreekt",
    "sessie/token-ongeldig": "Sessietoken ongeldig",
    "sessie/niveau-te-laag": "Betrouwbaarheidsniveau te laag",
    "idempotentie/sleutel-ontbreekt": "Idempotency-Key ontbreekt",
    "idempotentie/sleutel-hergebruikt": "Idempotency-Key hergebruikt",
    "betalingsregeling/niet-mogelijk": "Betalingsregeling niet mogelijk",
    "pauze/niet-mogelijk": "Pauze niet mogelijk",
    "betalingsregeling/voorstel-onbekend": "Voorstel onbekend",
    "betalingsregeling/voorstel-verlopen": "Voorstel verlopen",
    "betalingsregeling/voorstel-gebruikt": "Voorstel al gebruikt",
    "betalingsregeling/zaak-gewijzigd": "Zaak gewijzigd",
    "betalingsregeling/bedenktijd-verstreken": "Bedenktijd verstreken",
    "hulpvraag/envelop-ongeldig": "Envelop ongeldig",
}
FAMILY_TITLES = {
    "certificaat": "Certificaat geweigerd",
    "bewijs": "Sessiebewijs geweigerd",
    "verzoekbewijs": "Verzoekbewijs geweigerd",
    "inloggen": "Inloggen mislukt",
    "aanvraag": "Certificaataanvraag geweigerd",
    "intrekking": "Intrekkingsverzoek geweigerd",
    "registratie": "Registratie",
    "betalingsregeling": "Betalingsregeling",
    "pauze": "Pauze",
}


def title_for(code: str, status: int) -> str:
    """The constant title of `code` (falling back to its family, then the HTTP phrase)."""
    if code in TITLES:
        return TITLES[code]
    family = code.split("/", 1)[0]
    return FAMILY_TITLES.get(family, HTTPStatus(status).phrase)


class Problem(VorderingenError):
    """An HTTP error answer; `extensions` become extra top-level members of the document."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str = "",
        *,
        title: str | None = None,
        extensions: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail or title_for(code, status)
        self.title = title or title_for(code, status)
        self.extensions = extensions or {}
        self.headers = dict(headers or {})

    @classmethod
    def from_token_error(cls, error: TokenError, status: int = 401) -> Problem:
        """The problem for a refused token: its trust-model code, 401 by default."""
        return cls(status, error.code, error.detail or error.code)

    def document(self) -> dict[str, Any]:
        """The RFC 9457 body."""
        return {
            "type": f"{TYPE_PREFIX}{self.code}",
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "code": self.code,
            **self.extensions,
        }

    def response(self) -> Response:
        """`application/problem+json` with the status and any extra headers."""
        body = json.dumps(self.document(), ensure_ascii=False, separators=(",", ":"))
        return Response(body, status_code=self.status, headers=self.headers, media_type=MEDIA_TYPE)


def unauthorized(code: str, detail: str) -> Problem:
    """A 401 with `WWW-Authenticate: Sessie realm="vorderingen"` (trust model §4)."""
    return Problem(401, code, detail, headers={"WWW-Authenticate": WWW_AUTHENTICATE})


def invalid_request(params: list[tuple[str, str]], detail: str = "") -> Problem:
    """400 `verzoek/ongeldig` with `invalid_params: [{name, reason}]`."""
    return Problem(
        400,
        "verzoek/ongeldig",
        detail or "Het verzoek voldoet niet aan het schema.",
        extensions={"invalid_params": [{"name": n, "reason": r} for n, r in params]},
    )
