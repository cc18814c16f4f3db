"""The suite's browser for pages of people: plain HTTP, no JavaScript.

It does what a person's browser does on the App Manager's pages and its test identity
provider (spec/testomgeving.md, "Test identity provider"): follow redirects (a 303, or a
302 after a POST, becomes a GET), read the forms of an HTML page with the values a browser
would submit, and post one. It never follows a redirect to the app's own `redirect_uri`:
that `Location` is where the login result lands, and the suite reads it there as its own
loopback listener would.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import httpx

from conformance.errors import CheckError

MAX_REDIRECTS = 10
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"
REDIRECTS = (301, 302, 303, 307, 308)


@dataclass
class Form:
    """One `<form>`: where it posts, its fields as a browser submits them, its buttons."""

    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # every named control, checked or not


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._select: str | None = None
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(Form(a.get("action", ""), a.get("method", "get").lower()))
            self._open = True
            return
        if not self._open:
            return
        form, name = self.forms[-1], a.get("name", "")
        if name:
            form.names.add(name)
        kind = a.get("type", "submit" if tag == "button" else "text").lower()
        if tag == "button" or (tag == "input" and kind == "submit"):
            if kind == "submit":
                form.buttons.append((name, a.get("value", "")))
        elif tag == "input" and name and kind not in ("button", "image", "reset"):
            if kind not in ("radio", "checkbox") or "checked" in a:
                form.fields[name] = a.get("value", "")
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select is not None and (
                self._select not in form.fields or "selected" in a):
            form.fields[self._select] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._open = False


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form_with(resp: httpx.Response, field_name: str) -> Form:
    """The page's form that has a control named `field_name`; CheckError when none."""
    for form in forms_of(resp.text):
        if field_name in form.names:
            return form
    raise CheckError(f"{resp.request.method} {resp.request.url}: no form with a "
                     f"`{field_name}` field on the page (HTTP {resp.status_code})")


class Browser:
    """Follows redirects and posts forms through `client` (which keeps cookies)."""

    def __init__(self, client: httpx.AsyncClient, *, stop_at: str = "") -> None:
        self.client = client
        self.stop_at = stop_at
        self.history: list[httpx.Response] = []  # every answer, in order (cookies, evidence)

    def stops(self, location: str) -> bool:
        return bool(self.stop_at) and location.startswith(self.stop_at)

    async def go(self, method: str, url: str, **kwargs: object) -> httpx.Response:
        """The request, then its redirects, up to a page or a redirect to `stop_at`."""
        resp = await self.client.request(method, url, **kwargs)  # type: ignore[arg-type]
        self.history.append(resp)
        for _ in range(MAX_REDIRECTS):
            location = resp.headers.get("location")
            if resp.status_code not in REDIRECTS or not location:
                return resp
            target = urljoin(str(resp.request.url), location)
            if self.stops(target):
                return resp
            if resp.status_code in (307, 308) and resp.request.method == "POST":
                raise CheckError(f"{resp.request.url}: a {resp.status_code} repeats a form post")
            resp = await self.client.get(target)
            self.history.append(resp)
        raise CheckError(f"more than {MAX_REDIRECTS} redirects from {url}")

    async def submit(self, page: httpx.Response, form: Form, values: dict[str, str],
                     *, follow: bool = True) -> httpx.Response:
        """Post `form` of `page` with its own fields overridden by `values`."""
        if form.method != "post":
            raise CheckError(f"{page.request.url}: the form posts with {form.method!r}, not post")
        url = urljoin(str(page.request.url), form.action or str(page.request.url))
        data = {**form.fields, **values}
        # What a browser says about a form post: where it comes from (CSRF defences read it).
        here, there = _origin(str(page.request.url)), _origin(url)
        headers = {"Content-Type": FORM_MEDIA_TYPE, "Origin": here,
                   "Sec-Fetch-Site": "same-origin" if here == there else "cross-site"}
        if not follow:
            resp = await self.client.post(url, data=data, headers=headers)
            self.history.append(resp)
            return resp
        return await self.go("POST", url, data=data, headers=headers)
