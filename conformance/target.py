"""What a run is about: the endpoint under test (`Target`), the profiles a /configuratie
announces, where the scheme says the endpoint lives, and a working session (`Session`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from conformance.actors import AppKey
from conformance.network import NetworkOptions

REQUEST_TIMEOUT_S = 10.0  # the deadline of one whole exchange: connect, head and body
SUPPORTED_MAJOR = 2
PROFILE_OF_DIENST = {
    "vorderingenoverzicht": "basis",
    "betalingsregelingen": "betalingsregelingen",
    "pauzes": "pauzes",
    "hulpvragen": "hulpvragen",
}
PROFILES = tuple(PROFILE_OF_DIENST.values())


@dataclass(frozen=True)
class Target:
    """The endpoint under test and the run's parameters."""

    base_url: str
    oin: str
    test_bsns: list[str] = field(default_factory=list)
    profile: frozenset[str] = frozenset({"basis"})
    seed: int = 0
    max_examples: int = 10
    timeout_s: float = REQUEST_TIMEOUT_S
    slow: bool = False  # allow checks that wait out a lifetime (minutes)
    network: NetworkOptions = field(default_factory=NetworkOptions)


@dataclass(frozen=True)
class Session:
    """A working session: the session token and what it was opened with.

    `app_key` holds the certificate's key (it signs every request proof), `certificate` is
    the certificate token, `certificate_claims` its claims, `expires_at` the session's end
    (unix s; from ``verloopt_op``, else the certificate's ``exp``)."""

    token: str
    bsn: str
    app_key: AppKey
    certificate: str
    niveau: str
    verloopt_op: str = ""
    certificate_claims: dict[str, Any] = field(default_factory=dict)
    expires_at: int = 0


def scheme_api_url(scheme: dict[str, Any], oin: str, major: int = SUPPORTED_MAJOR) -> str | None:
    """The `api_url` of the endpoint of `major` that the scheme lists for organisation `oin`."""
    for org in scheme.get("organisaties") or []:
        if not isinstance(org, dict) or org.get("oin") != oin:
            continue
        for endpoint in org.get("eindpunten") or []:
            if isinstance(endpoint, dict) and endpoint.get("major") == major:
                return str(endpoint.get("api_url", "")).rstrip("/") or None
    return None


def unix_time(moment: Any) -> int | None:
    """An RFC 3339 date-time as unix seconds; None when it is not one."""
    try:
        return int(datetime.fromisoformat(str(moment)).timestamp())
    except ValueError:
        return None


def profiles_of(config: dict[str, Any]) -> frozenset[str]:
    """The profiles /configuratie announces through its `diensten`."""
    diensten = config.get("diensten") if isinstance(config, dict) else None
    if not isinstance(diensten, list):
        return frozenset({"basis"})
    return frozenset(PROFILE_OF_DIENST[d] for d in diensten if d in PROFILE_OF_DIENST)


