"""The identity provider interface: how the App Manager learns who logged in.

An `IdentityProvider` sends the citizen's browser away to log in and turns the code it
brings back into an `Identity` (BSN and DigiD level):

    url = await provider.authorization_url(state, redirect_uri)   # where to send the browser
    bsn, niveau = await provider.exchange(code, redirect_uri)     # after it came back

`exchange` raises `IdentityProviderError` when the code is refused (the App Manager sends
the app `error=access_denied`, or the citizen back to the start page). Two implementations
ship: `oidc.OidcIdentityProvider` (a real OpenID Connect provider) and
`simulator.TestIdentityProvider` (development only).
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

from reference_impl.app_manager.errors import IdentityProviderError
from reference_impl.common.document import elfproef

NIVEAUS = ("basis", "midden", "substantieel", "hoog")


class Identity(NamedTuple):
    """Who logged in: a BSN passing the elfproef and the DigiD level of the login."""

    bsn: str
    niveau: str


class IdentityProvider(Protocol):
    """Logs a citizen in; see the module docstring."""

    async def authorization_url(self, state: str, redirect_uri: str) -> str: ...

    async def exchange(self, code: str, redirect_uri: str) -> Identity: ...


def checked_identity(bsn: object, niveau: object) -> Identity:
    """An `Identity` if `bsn` passes the elfproef and `niveau` is a DigiD level."""
    if not isinstance(bsn, str) or not elfproef(bsn):
        raise IdentityProviderError("the identity provider returned no valid BSN")
    if niveau not in NIVEAUS:
        raise IdentityProviderError("the identity provider returned no known level")
    return Identity(bsn, str(niveau))
