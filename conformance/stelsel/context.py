"""What every scheme-service check gets: the document URL, an HTTP client that records
evidence, the pinned scheme-operator keys (when given) and fetching the document.

    ctx.client, ctx.exchanges, ctx.api_versie, await ctx.unmet_need(need)   (runner interface)
    await ctx.fetch(**headers) -> Fetched      GET the document; its header and claims
    ctx.verified(fetched) -> dict              the claims, verified with the pinned keys

Needs: ``stelsel:sleutels`` — the pinned keys were given (`--stelsel-sleutels`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from conformance import jose
from conformance.errors import CheckError, JoseError
from conformance.recording import RecordingContext
from conformance.stelsel.document import MEDIA_TYPE, PREFIX, verify_document


@dataclass(frozen=True)
class Fetched:
    response: httpx.Response
    token: str
    header: dict[str, Any]
    claims: dict[str, Any]


class StelselContext(RecordingContext):
    """Shared state of one scheme-service run; `async with` closes the client."""

    def __init__(self, document_url: str, *, timeout_s: float,
                 transport: httpx.AsyncBaseTransport,
                 pinned: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None, slow: bool = False) -> None:
        self.url = document_url
        self.pinned = pinned
        self.slow = slow
        self.open_client(timeout_s=timeout_s, transport=transport, headers=headers)

    async def unmet_need(self, need: str) -> str | None:
        if need == "stelsel:sleutels" and not self.pinned:
            return "needs the pinned scheme-operator keys (--stelsel-sleutels)"
        return None

    async def fetch(self, **headers: str) -> Fetched:
        """GET the scheme document; CheckError when it is not a readable JWS."""
        resp = await self.client.get(self.url, headers={"Accept": MEDIA_TYPE, **headers})
        if resp.status_code != 200:
            raise CheckError(f"GET {self.url} answered {resp.status_code}")
        token = resp.text.strip()
        try:
            header, claims = jose.decode_unverified(token, PREFIX)
        except JoseError as exc:
            raise CheckError(f"the scheme document is no compact JWS: {exc}") from None
        return Fetched(resp, token, header, claims)

    def verified(self, fetched: Fetched) -> dict[str, Any]:
        """The claims when the document verifies with a pinned key; CheckError otherwise
        (the check proving the signature reports it)."""
        try:
            return verify_document(fetched.token, self.pinned or [])
        except JoseError as exc:
            raise CheckError(f"the scheme document does not verify: {exc.code}") from None
