"""Where a login result may be delivered: the `redirect_uri` rules of design §4.

A registration's `redirect_uri` is either

- a loopback URI `http://127.0.0.1:{port}{path}` or `http://[::1]:{port}{path}` (RFC 8252
  §7.3): any port, no `localhost` (its resolution is not ours to trust), no query,
  fragment or user info — the result lands on the device whose browser logged in; or
- an `https` URI exactly equal to one of an admitted app's `redirect_uris` (RFC 8252 §7.2,
  configuration `toegelaten_apps`).

`redirect_to(uri, params)` appends the result parameters to it.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from reference_impl.app_manager.config import AdmittedApp, AppManagerConfig
from reference_impl.common.problems import Problem

MAX_URI_CHARS = 2048
# RFC 3986 path characters (pchar and "/"); nothing that could start a query or fragment.
_PATH = r"(/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*)?"
LOOPBACK = re.compile(r"^http://(127\.0\.0\.1|\[::1\]):([0-9]{1,5})" + _PATH + r"$")
INVALID_CODE = "registratie/redirect-uri-ongeldig"


class RedirectUriRefused(Problem):
    def __init__(self, reason: str) -> None:
        super().__init__(400, INVALID_CODE,
                         f"Deze redirect_uri is niet toegestaan: {reason}",
                         title="Redirect-URI ongeldig",
                         extensions={"invalid_params": [{"name": "/redirect_uri",
                                                         "reason": reason}]})


def admitted(redirect_uri: str, config: AppManagerConfig) -> AdmittedApp | None:
    """The admitted app of an allowed `redirect_uri` (None for a loopback URI); else
    `RedirectUriRefused` (400 `registratie/redirect-uri-ongeldig`)."""
    if len(redirect_uri) > MAX_URI_CHARS:
        raise RedirectUriRefused(f"langer dan {MAX_URI_CHARS} tekens")
    if redirect_uri.startswith("https://"):
        app = config.admitted_app(redirect_uri)
        if app is None:
            raise RedirectUriRefused("geen https-adres van een toegelaten app")
        return app
    match = LOOPBACK.fullmatch(redirect_uri)
    if match is None:
        raise RedirectUriRefused(
            "alleen http://127.0.0.1:{poort}{pad}, http://[::1]:{poort}{pad} of het "
            "https-adres van een toegelaten app, zonder query of fragment")
    if not 1 <= int(match.group(2)) <= 65535:
        raise RedirectUriRefused("geen geldig poortnummer")
    return None


def redirect_to(redirect_uri: str, params: dict[str, str]) -> str:
    """`redirect_uri` with `params` as its query (it never has one of its own)."""
    return f"{redirect_uri}?{urlencode(params)}"
