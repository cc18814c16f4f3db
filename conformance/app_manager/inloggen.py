"""The login as a browser does it (trust model §5.2–§5.3): the consent page, the test
identity provider (spec/testomgeving.md) and the return redirect to the app."""

from __future__ import annotations

import html
import re
import secrets
import uuid
from urllib.parse import urljoin

from conformance.app_manager.browser import form_with
from conformance.app_manager.context import AppManagerContext, random_bsn
from conformance.checks.base import check, expect_problem, fail, media_type, problem_code
from conformance.errors import CheckError

AREA = "app-manager"
WARNING = ("Ga alleen verder als u zelf zojuist op dit apparaat in deze app op Inloggen "
           "heeft gedrukt")
LOOPBACK_LABEL = "(naam opgegeven door de app)"
NIVEAUS = ("basis", "midden", "substantieel", "hoog")
LOGIN_CODE = re.compile(r"^[A-Za-z0-9_-]{43}$")
_TAG = re.compile(r"<[^>]*>")


def page_text(body: str) -> str:
    """What a person reads: tags removed, entities decoded, whitespace collapsed."""
    return " ".join(html.unescape(_TAG.sub(" ", body)).split())


@check(rule="/app-manager/toestemmingspagina", area=AREA)
async def consent_page_names_app_and_device(ctx: AppManagerContext) -> None:
    """The `inlog_url` is a 200 HTML page naming the app «app_naam» (naam opgegeven door de
    app) and the device, with the warning, and a form with `keuze` and `formulier_token`."""
    reg = await ctx.registration()
    resp = await ctx.client.get(reg.inlog_url)
    if resp.status_code != 200 or media_type(resp) != "text/html":
        fail(f"the consent page answered {resp.status_code} {media_type(resp) or '-'}, "
             "not 200 text/html", resp)
    text = page_text(resp.text)
    for label, wanted in (("the app's name", f"«{reg.app_naam}» {LOOPBACK_LABEL}"),
                          ("the device's name", reg.apparaat_naam), ("the warning", WARNING)):
        if wanted not in text:
            fail(f"the consent page does not show {label}: {wanted!r}", resp)
    form = form_with(resp, "keuze")
    if "formulier_token" not in form.fields or \
            {v for n, v in form.buttons if n == "keuze"} != {"doorgaan", "annuleren"}:
        fail("the consent form lacks a hidden formulier_token or the keuze buttons "
             "doorgaan and annuleren", resp)


@check(rule="/app-manager/toestemmingspagina", area=AREA)
async def consent_form_needs_its_token(ctx: AppManagerContext) -> None:
    """`keuze=doorgaan` without or with a wrong `formulier_token` is 400 `verzoek/ongeldig`;
    with it, 302 to the identity provider; the spent registration's page is then 404."""
    reg = await ctx.registration()
    browser = ctx.browser(reg)
    page = await browser.go("GET", reg.inlog_url)
    form = form_with(page, "keuze")
    for label, token in (("without", None), ("with a wrong", secrets.token_urlsafe(32))):
        fields = {"keuze": "doorgaan", **({"formulier_token": token} if token else {})}
        resp = await ctx.client.post(urljoin(reg.inlog_url, form.action or reg.inlog_url),
                                     data=fields)
        if resp.status_code in (302, 303):
            fail(f"keuze=doorgaan {label} formulier_token was followed (a redirect)", resp)
        expect_problem(resp, 400, "verzoek/ongeldig")
    resp = await browser.submit(page, form, {"keuze": "doorgaan"}, follow=False)
    location = resp.headers.get("location", "")
    if resp.status_code != 302 or not location or location.startswith(reg.redirect_uri):
        fail(f"keuze=doorgaan with the token answered {resp.status_code} "
             f"{location or '(no Location)'}, not 302 to the identity provider", resp)
    again = await ctx.client.get(reg.inlog_url)
    if again.status_code != 404:
        fail(f"the consent page of a registration already consented to answered "
             f"{again.status_code}, not 404", again)


@check(rule="/app-manager/toestemmingspagina", area=AREA)
async def consent_cancel_and_unknown_registration(ctx: AppManagerContext) -> None:
    """`keuze=annuleren` is 302 to the `redirect_uri` with `error=access_denied`, the app's
    `state` and `iss`; an unknown registration's page is 404 `algemeen/niet-gevonden`."""
    reg = await ctx.registration()
    result = await ctx.login(reg, consent="annuleren")
    if result.get("error") != "access_denied" or result.get("state") != reg.state or \
            not result.get("iss") or "code" in result:
        fail(f"annuleren redirected with {sorted(result.items())}, not error=access_denied "
             "with the app's state and iss", *ctx.exchanges)
    resp = await ctx.client.get(f"/registraties/{uuid.uuid4()}/inloggen")
    if resp.status_code != 404:
        fail(f"an unknown registration's consent page answered {resp.status_code}, not 404",
             resp)
    if media_type(resp) == "application/problem+json" and \
            problem_code(resp) != "algemeen/niet-gevonden":
        fail(f"an unknown registration is {problem_code(resp)!r}, not algemeen/niet-gevonden",
             resp)


@check(rule="/app-manager/terugkeer-redirect", area=AREA)
async def login_returns_code_state_and_iss(ctx: AppManagerContext) -> None:
    """A completed login ends in 302 to the `redirect_uri` with `code` (43 base64url
    characters), the app's `state` and `iss`; the App Manager's id when the scheme lists it."""
    reg = await ctx.registration()
    result = await ctx.login(reg)
    if not LOGIN_CODE.match(result.get("code", "")) or result.get("state") != reg.state \
            or not result.get("iss") or "error" in result:
        fail("the login redirect carries " + ", ".join(
            f"{k}={'<43 chars>' if k == 'code' and LOGIN_CODE.match(v) else v!r}"
            for k, v in sorted(result.items())) + "; expected code (43 base64url characters), "
            "the app's state and iss", *ctx.exchanges)
    entry = ctx.manager_entry()
    if entry is not None and result["iss"] != entry.get("id"):
        fail(f"iss {result['iss']!r} is not the App Manager's scheme id {entry.get('id')!r}",
             *ctx.exchanges)


@check(rule="/app-manager/terugkeer-redirect", area=AREA)
async def refused_login_returns_access_denied(ctx: AppManagerContext) -> None:
    """A login the citizen cancels at the identity provider ends in 302 to the
    `redirect_uri` with `error=access_denied`, `state` and `iss`, and no code."""
    reg = await ctx.registration()
    result = await ctx.login(reg, idp="annuleren")
    if result.get("error") != "access_denied" or result.get("state") != reg.state or \
            not result.get("iss") or "code" in result:
        fail(f"a login refused at the identity provider redirected with {sorted(result)}, "
             "not error=access_denied with state and iss", *ctx.exchanges)


@check(rule="/app-manager/terugkeer-redirect", area=AREA)
async def bad_returns_refused(ctx: AppManagerContext) -> None:
    """A return without `state` or `code` is 400 `verzoek/ongeldig`; a `state` the App
    Manager did not issue is 404 `algemeen/niet-gevonden`."""
    resp = await ctx.client.get("/inloggen/terugkeer")
    expect_problem(resp, 400, "verzoek/ongeldig")
    resp = await ctx.client.get("/inloggen/terugkeer", params={"state": secrets.token_urlsafe(24)})
    expect_problem(resp, 400, "verzoek/ongeldig")
    resp = await ctx.client.get("/inloggen/terugkeer", params={
        "state": secrets.token_urlsafe(24), "code": secrets.token_urlsafe(24)})
    if resp.status_code in (302, 303):
        fail("a return with a state the App Manager never issued was redirected", resp)
    expect_problem(resp, 404, "algemeen/niet-gevonden")


@check(rule="/testomgeving/test-idp-bestuurbaar", area="testomgeving")
async def test_identity_provider_is_drivable(ctx: AppManagerContext) -> None:
    """The test identity provider's page has the form of spec/testomgeving.md (`bsn`,
    `niveau` with the four levels, `keuze` inloggen/annuleren) and logs in any elfproef BSN
    at the chosen level."""
    reg = await ctx.registration()
    browser = ctx.browser(reg)
    page = await browser.go("GET", reg.inlog_url)
    resp = await browser.submit(page, form_with(page, "keuze"), {"keuze": "doorgaan"})
    form = form_with(resp, "bsn")
    options = set(re.findall(r'<option[^>]*value="([a-z]+)"', resp.text))
    buttons = {v for n, v in form.buttons if n == "keuze"}
    if form.method != "post" or "niveau" not in form.names or not set(NIVEAUS) <= options or \
            buttons != {"inloggen", "annuleren"}:
        fail("the test identity provider's form is not the one of spec/testomgeving.md "
             f"(method {form.method}, fields {sorted(form.names)}, levels {sorted(options)}, "
             f"keuze {sorted(buttons)})", resp)
    resp = await browser.submit(resp, form, {"bsn": random_bsn(), "niveau": "basis",
                                             "keuze": "inloggen"})
    try:
        landed = ctx.landed(resp, reg)
    except CheckError as exc:
        fail(f"a login with a fresh elfproef BSN at level basis failed: {exc}", resp)
    if "code" not in landed:
        fail("a login with a fresh elfproef BSN at level basis did not end with a code", resp)


CHECKS = (
    consent_page_names_app_and_device,
    consent_form_needs_its_token,
    consent_cancel_and_unknown_registration,
    login_returns_code_state_and_iss,
    refused_login_returns_access_denied,
    bad_returns_refused,
    test_identity_provider_is_drivable,
)
