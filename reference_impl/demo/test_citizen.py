"""A test citizen's browser: what a person with a browser does, for demos and tests only.

`TestCitizenBrowser(bsn, omgeving=...)` is an httpx client with cookies that behaves as a
browser would: it follows redirects (a 303, or a 302 after a POST, becomes a GET), and on
an HTML page whose form is part of logging in it submits that form as a person would
click it:

- the App Manager's consent page (a form with a `keuze` button): `keuze=doorgaan` (or
  `annuleren` when constructed with `keuze="annuleren"`) plus the hidden fields;
- the test identity provider's page (a form with a `bsn` field, spec/testomgeving.md): its
  button `keuze=inloggen` with this citizen's BSN and,
  when given, the DigiD level (`niveau`);
- the App Manager's citizen start page (a form posting to `…/burger/inloggen`);
- a page with no form and exactly one link ("Ga verder …"): the person clicks it.

Any other page ends the visit and is returned (`Page`); the caller can submit one of its
forms explicitly (`submit(page, action_suffix=...)`), e.g. the revoke form of
`/burger/certificaten`. A login therefore ends where a real browser ends: at the app's
loopback `redirect_uri`, which the browser requests like any other redirect (and which
fails with `BrowserError` when nothing listens there, as a browser shows an error).

Used as the app's `open_browser(url)` for `--test-bsn` (reference_impl/cli.py wires it;
the app itself never parses HTML). It refuses to run against a `productie` scheme.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx

from reference_impl.common.errors import VorderingenError

MAX_STEPS = 16
TIMEOUT_S = 10.0
PRODUCTION = "productie"
LOGIN_FORM_ACTIONS = ("/burger/inloggen",)


class BrowserError(VorderingenError):
    """The test citizen's browser could not go on (refused, unreachable, stuck)."""


@dataclass
class Form:
    action: str
    method: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)  # (name, value) submitters

    def names(self) -> set[str]:
        return {name for name, _ in self.fields} | {name for name, _ in self.buttons}


@dataclass
class Page:
    """A page the browser shows: its URL, status, text and forms."""

    url: str
    status: int
    text: str
    forms: list[Form]
    history: list[str]
    links: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.links: list[str] = []
        self._select: str | None = None
        self._in_form = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])
        if tag == "form":
            self.forms.append(Form(attributes.get("action", ""),
                                   attributes.get("method", "get").lower()))
            self._in_form = True
            return
        if not self._in_form:
            return
        form, name = self.forms[-1], attributes.get("name", "")
        if tag == "button" and attributes.get("type", "submit").lower() == "submit":
            form.buttons.append((name, attributes.get("value", "")))
        elif tag == "input":
            kind = attributes.get("type", "text").lower()
            unchecked = kind in ("radio", "checkbox") and "checked" not in attributes
            if kind == "submit":
                form.buttons.append((name, attributes.get("value", "")))
            elif name and kind not in ("button", "image", "reset") and not unchecked:
                form.fields.append((name, attributes.get("value", "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select is not None:
            listed = [n for n, _ in form.fields]
            if self._select not in listed or "selected" in attributes:
                form.fields = [f for f in form.fields if f[0] != self._select]
                form.fields.append((self._select, attributes.get("value", "")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._in_form = False


def parse_forms(html: str) -> list[Form]:
    """The forms of an HTML page with the fields a browser would submit."""
    return _parsed(html).forms


def _parsed(html: str) -> _FormParser:
    parser = _FormParser()
    parser.feed(html)
    return parser


class TestCitizenBrowser:
    """A test citizen at a browser; see the module docstring."""

    __test__ = False  # not a pytest test class

    def __init__(self, bsn: str, *, omgeving: str, niveau: str | None = None,
                 keuze: str = "doorgaan", transport: httpx.AsyncBaseTransport | None = None,
                 ) -> None:
        if omgeving == PRODUCTION:
            raise BrowserError("the test citizen's browser refuses a productie scheme")
        self.bsn = bsn
        self.niveau = niveau
        self.keuze = keuze
        self.client = httpx.AsyncClient(transport=transport, timeout=TIMEOUT_S,
                                        follow_redirects=False,
                                        headers={"Accept": "text/html,*/*;q=0.8"})
        self.pages: list[Page] = []

    async def __aenter__(self) -> TestCitizenBrowser:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __call__(self, url: str) -> None:
        """The app's `open_browser(url)`: log in, ending wherever the login redirects to."""
        await self.open(url)

    async def open(self, url: str) -> Page:
        """Visit `url`, following redirects and submitting login forms; the page it ends at."""
        return await self._go("GET", url, None, [])

    async def submit(self, page: Page, *, action_suffix: str = "",
                     button: tuple[str, str] | None = None) -> Page:
        """Submit the first form of `page` whose action ends with `action_suffix`."""
        form = next((f for f in page.forms if f.action.endswith(action_suffix)), None)
        if form is None:
            raise BrowserError(f"no form posting to …{action_suffix} on {page.url}")
        return await self._submit(page, form, button, [])

    # --- the browsing --------------------------------------------------------------------

    async def _go(self, method: str, url: str, data: list[tuple[str, str]] | None,
                  history: list[str]) -> Page:
        for _ in range(MAX_STEPS):
            history.append(f"{method} {url}")
            try:
                response = await self.client.request(method, url, data=_form(data))
            except httpx.HTTPError as exc:
                raise BrowserError(f"the browser cannot open {url}: {type(exc).__name__}") from exc
            if response.is_redirect:
                url = urljoin(url, response.headers["location"])
                if response.status_code in (301, 302, 303):
                    method, data = "GET", None
                continue
            parsed = _parsed(response.text if _is_html(response) else "")
            page = Page(url, response.status_code, response.text, parsed.forms, list(history),
                        parsed.links)
            self.pages.append(page)
            form = self._login_form(page)
            if form is not None:
                return await self._submit(page, form, None, history)
            if page.status == 200 and not page.forms and len(page.links) == 1:
                method, url, data = "GET", urljoin(url, page.links[0]), None
                continue
            return page
        raise BrowserError(f"more than {MAX_STEPS} steps without reaching a page")

    def _login_form(self, page: Page) -> Form | None:
        if page.status != 200:
            return None
        for form in page.forms:  # a consent page may give each choice a form of its own
            if ("keuze", self.keuze) in form.fields:
                return form
        for form in page.forms:
            names = form.names()
            if "keuze" in names or "bsn" in names or form.action.endswith(LOGIN_FORM_ACTIONS):
                return form
        return None

    async def _submit(self, page: Page, form: Form, button: tuple[str, str] | None,
                      history: list[str]) -> Page:
        fields = list(form.fields)
        names = {name for name, _ in fields}
        if "bsn" in names:
            fields = [(n, self.bsn if n == "bsn" else v) for n, v in fields]
        if self.niveau is not None and "niveau" in names:
            fields = [(n, self.niveau if n == "niveau" else v) for n, v in fields]
        clicked = button or self._button(form)
        if clicked is not None and clicked[0]:
            fields.append(clicked)
        target = urljoin(page.url, form.action or page.url)
        if form.method == "get":
            return await self._go("GET", str(httpx.URL(target, params=fields)), None, history)
        return await self._go("POST", target, fields, history)

    def _button(self, form: Form) -> tuple[str, str] | None:
        for name, value in form.buttons:
            if name == "keuze" and value == self.keuze:
                return name, value
        return form.buttons[0] if form.buttons else None


def _form(fields: list[tuple[str, str]] | None) -> dict[str, list[str]] | None:
    """Form fields in httpx's shape (a name may repeat)."""
    if fields is None:
        return None
    form: dict[str, list[str]] = {}
    for name, value in fields:
        form.setdefault(name, []).append(value)
    return form


def _is_html(response: httpx.Response) -> bool:
    return response.headers.get("content-type", "").lower().startswith("text/html")
