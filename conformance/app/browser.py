"""The suite's login driver: the `BROWSER` an app under test is given.

    python -m conformance.app.browser URL

It plays the citizen's browser for the suite's own App Manager: it opens the login URL and
follows its redirects (at most `MAX_HOPS`, http(s) on loopback only: the suite's federation
and the app's redirect_uri live there, and the driver reaches nothing else) until the app's
loopback `redirect_uri` has answered, then exits 0. The suite's App Manager needs no form to
be filled in: it chose the test citizen and level itself. Any failure is one line on stderr
and exit 1, so the app sees a browser that could not be opened.
"""

from __future__ import annotations

import sys
from urllib.parse import urljoin, urlsplit

import httpx

MAX_HOPS = 5
TIMEOUT_S = 10.0
REDIRECTS = (301, 302, 303, 307, 308)
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def browse(url: str) -> None:
    """Follow `url` and its redirects; ValueError when it leaves loopback http(s) or loops."""
    with httpx.Client(timeout=TIMEOUT_S, follow_redirects=False, trust_env=False) as client:
        for _hop in range(MAX_HOPS + 1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or parts.hostname not in LOOPBACK:
                raise ValueError(f"not an http(s) URL on loopback: {url[:200]}")
            response = client.get(url)
            if response.status_code not in REDIRECTS:
                return
            url = urljoin(url, response.headers.get("location", ""))
    raise ValueError(f"more than {MAX_HOPS} redirects")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m conformance.app.browser URL", file=sys.stderr)
        return 2
    try:
        browse(argv[0])
    except (ValueError, httpx.HTTPError) as exc:
        print(f"login driver: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
