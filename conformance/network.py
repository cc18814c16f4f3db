"""How the suite reaches an endpoint inside an organisation's network: a CA bundle, extra
headers (an API gateway's key), a proxy and a client certificate (mTLS).

One `NetworkOptions` drives EVERY HTTP stack of the suite — httpx (`httpx_transport`) and
the requests session schemathesis uses (`requests_kwargs`) — so the two never trust, route
or identify differently. `validate()` checks everything up front (UsageError, one line);
`summary()` is what report.json records: never a header value (gateway keys are secrets)
and never proxy credentials.
"""

from __future__ import annotations

import ipaddress
import re
import ssl
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import certifi
import httpx

from conformance.errors import UsageError

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
# a container network's service name (`http://bron:8000`): one DNS label, no dot
_SINGLE_LABEL = re.compile(r"^[a-z][a-z0-9-]{0,62}$")
PRIVATE_NETWORK_OPTION = "--prive-netwerk"


def is_private_host(host: str) -> bool:
    """A host of a private test network (spec/testomgeving.md §1): an IP literal in
    10/8, 172.16/12, 192.168/16 or fc00::/7, or a single-label name. Loopback is not."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return bool(_SINGLE_LABEL.match(host)) and host != "localhost"
    networks = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
    return any(address in ipaddress.ip_network(n) for n in networks)


def url_problem(url: str) -> str | None:
    """What makes `url` unusable as an endpoint's base URL, or None: an http(s) URL with a
    host, a port in 1-65535 when given, no whitespace, no query and no fragment (the suite
    appends paths to it)."""
    if not re.match(r"^https?://", url):
        return "not an http(s) URL"
    if any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        return "holds whitespace or a control character"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # an unclosed [IPv6], a port that is no number or too large
        return str(exc)
    if not parts.hostname:
        return "no host"
    if port == 0 or parts.netloc.endswith(":"):
        return "the port must be 1-65535"
    if parts.query or parts.fragment or "?" in url or "#" in url:
        return "a base URL has no ?query or #fragment"
    return None


def check_plain_http(url: str, option: str, *, private_network: bool) -> None:
    """Refuse plain http off loopback unless the run allows a private test network and the
    host is on one ([/transport/http-alleen-loopback], [/testomgeving/prive-netwerk])."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "http" or host in LOOPBACK_HOSTS:
        return
    if not is_private_host(host):
        raise UsageError(f"{option} {url}: plain http only on loopback or, with "
                         f"{PRIVATE_NETWORK_OPTION}, on a private test network; use https")
    if not private_network:
        raise UsageError(f"{option} {url}: plain http on a private test network needs "
                         f"{PRIVATE_NETWORK_OPTION} (spec/testomgeving.md §1)")


# RFC 9110 token characters of a field name
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
# RFC 9110 field value without obs-text: visible ASCII, spaces and tabs between
_HEADER_VALUE = re.compile(r"^[\x21-\x7e]([\x20-\x7e\t]*[\x21-\x7e])?$|^$")
# headers the suite sets itself, per request: a fixed value would break the checks
OWNED_HEADERS = frozenset(
    {"authorization", "verzoek-bewijs", "host", "content-length", "transfer-encoding",
     "content-type", "connection", "idempotency-key"}
)


def parse_header(text: str) -> tuple[str, str]:
    """``"Name: value"`` (or ``Name:value``) as (name, value); UsageError naming the problem."""
    name, sep, value = text.partition(":")
    name, value = name.strip(), value.strip()
    if not sep or not _HEADER_NAME.match(name):
        raise UsageError(f"--header {name or text!r}: expected \"Name: value\"")
    if not _HEADER_VALUE.match(value):  # httpx sends ASCII only: anything else breaks mid-run
        raise UsageError(f"--header {name}: the value must be visible ASCII characters "
                         "(spaces and tabs inside)")
    if name.lower() in OWNED_HEADERS:
        raise UsageError(f"--header {name}: the suite sets this header itself on every request")
    return name, value


@dataclass(frozen=True)
class NetworkOptions:
    """The network side of a run; the empty default is a direct connection with the
    system's trust store."""

    ca_bundle: Path | None = None
    headers: tuple[tuple[str, str], ...] = ()
    proxy: str | None = None
    client_cert: Path | None = None
    client_key: Path | None = None
    private_network: bool = False  # plain http to a private test network allowed (--prive-netwerk)

    def validate(self) -> NetworkOptions:
        """Check every option before anything runs; returns self. UsageError names the
        option and the problem."""
        if self.client_key and not self.client_cert:
            raise UsageError("--client-key needs --client-cert")
        for option, path in (("--ca-bundle", self.ca_bundle), ("--client-cert", self.client_cert),
                             ("--client-key", self.client_key)):
            if path is not None and not path.is_file():
                raise UsageError(f"{option} {path}: no such file")
        self.ssl_context()  # a bundle or key pair that does not load fails here, not mid-run
        if self.proxy is not None:
            parts = urlsplit(self.proxy)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise UsageError(f"--proxy {_without_credentials(self.proxy)!r}: expected "
                                 "http://host:port or https://host:port")
            try:
                parts.port  # noqa: B018 - raises on a port that is not a number
            except ValueError as exc:
                raise UsageError(f"--proxy: {exc}") from None
        names = [n.lower() for n, _v in self.headers]
        if len(set(names)) != len(names):
            raise UsageError("--header: a header name is given twice")
        return self

    def ssl_context(self) -> ssl.SSLContext:
        """The client TLS context: the CA bundle instead of the system store when given,
        and the client certificate for mTLS."""
        try:
            if self.ca_bundle is not None:
                context = ssl.create_default_context(cafile=str(self.ca_bundle))
            else:  # the system's store and certifi's, as requests and httpx would use
                context = ssl.create_default_context()
                context.load_verify_locations(certifi.where())
        except (ssl.SSLError, OSError, ValueError) as exc:
            raise UsageError(f"--ca-bundle {self.ca_bundle}: not a PEM CA bundle ({exc})") from None
        if self.client_cert is not None:
            try:
                context.load_cert_chain(str(self.client_cert),
                                        str(self.client_key) if self.client_key else None)
            except (ssl.SSLError, OSError, ValueError) as exc:
                raise UsageError(f"--client-cert {self.client_cert}: cannot load the certificate "
                                 f"and its private key ({exc})") from None
        return context

    def proxy_for(self, url: str) -> str | None:
        """The proxy to use for `url`: --proxy, else the environment's (HTTPS_PROXY …,
        honouring NO_PROXY)."""
        if self.proxy:
            return self.proxy
        parts = urlsplit(url)
        if parts.hostname and urllib.request.proxy_bypass(parts.hostname):
            return None
        return urllib.request.getproxies().get(parts.scheme)

    def httpx_transport(self, base_url: str) -> httpx.AsyncHTTPTransport:
        """The httpx transport reaching `base_url` with these options."""
        return httpx.AsyncHTTPTransport(verify=self.ssl_context(), proxy=self.proxy_for(base_url))

    def requests_kwargs(self, base_url: str) -> dict[str, Any]:
        """`verify`, `cert` and `proxies` for requests: given explicitly on every call, so
        neither REQUESTS_CA_BUNDLE nor a schemathesis default overrides them."""
        cert: Any = None
        if self.client_cert is not None:
            cert = (str(self.client_cert), str(self.client_key)) if self.client_key \
                else str(self.client_cert)
        proxy = self.proxy_for(base_url)
        return {
            "verify": str(self.ca_bundle) if self.ca_bundle is not None else True,
            "cert": cert,
            "proxies": {"http": proxy, "https": proxy} if proxy else {},
        }

    def summary(self) -> dict[str, Any]:
        """What report.json records: header NAMES only, the proxy without credentials."""
        return {
            "ca_bundle": str(self.ca_bundle) if self.ca_bundle else None,
            "header_names": [name for name, _value in self.headers],
            "proxy": _without_credentials(self.proxy) if self.proxy else None,
            "client_certificate": str(self.client_cert) if self.client_cert else None,
            "prive_netwerk": self.private_network,
        }


def _without_credentials(url: str) -> str:
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]).geturl()
