"""Revocation by the citizen without an app key: the App Manager's pages for people
(spec/rules/intrekking.md), driven as a browser with the test identity provider."""

from __future__ import annotations

import asyncio
import re
from http.cookies import SimpleCookie
from urllib.parse import urljoin, urlsplit

import httpx

from conformance.app_manager.browser import Browser, Form, form_with, forms_of
from conformance.app_manager.context import AppManagerContext, Issued
from conformance.app_manager.inloggen import page_text
from conformance.checks.base import check, expect_problem, fail
from conformance.errors import CheckError

AREA = "intrekking"
COOKIE = "beheersessie"
BEHEERSESSIE_TTL_S = 600
SESSION_WAIT_S = BEHEERSESSIE_TTL_S + 1
SESSION_VALUE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def _login_form(page: httpx.Response) -> Form:
    for form in forms_of(page.text):
        if form.action.rstrip("/").endswith("/burger/inloggen"):
            return form
    raise CheckError(f"GET /burger has no form posting to /burger/inloggen "
                     f"(HTTP {page.status_code})")


async def citizen_login(ctx: AppManagerContext) -> tuple[Browser, httpx.Response]:
    """Log in at `/burger` as the run's citizen: the browser and the certificates page."""
    browser = ctx.browser()
    start = await browser.go("GET", "/burger")
    if start.status_code != 200:
        raise CheckError(f"GET /burger answered {start.status_code}, not 200")
    idp = await browser.submit(start, _login_form(start), {})
    page = await browser.submit(idp, form_with(idp, "bsn"), {
        "bsn": ctx.bsn, "niveau": "substantieel", "keuze": "inloggen"})
    if page.status_code == 200 and not forms_of(page.text):  # "Ga verder": follow the link
        link = re.search(r'<a href="([^"]+)"', page.text)
        if link:
            page = await browser.go("GET", link.group(1))
    if page.status_code != 200:
        raise CheckError(f"the /burger login ended at HTTP {page.status_code} "
                         f"({page.request.url}), not the certificates page")
    return browser, page


async def two_certificates(ctx: AppManagerContext) -> tuple[Issued, Issued]:
    return await ctx.certificate(), await ctx.certificate()


@check(rule="/intrekking/burger-overzicht", area=AREA)
async def citizen_sees_every_certificate(ctx: AppManagerContext) -> None:
    """After a login at `/burger`, `GET /burger/certificaten` lists every certificate of the
    BSN with its app and device name, level and status."""
    first, second = await two_certificates(ctx)
    _browser, page = await citizen_login(ctx)
    text = page_text(page.text)
    for issued in (first, second):
        reg = issued.registration
        if reg.apparaat_naam not in text or reg.app_naam not in text:
            fail(f"the certificates page does not list the certificate for device "
                 f"{reg.apparaat_naam!r} of app {reg.app_naam!r}", page)
    if first.niveau not in text or "geldig" not in text.lower():
        fail("the certificates page does not show the level and status 'geldig'", page)


@check(rule="/intrekking/burger-zonder-sleutel", area=AREA)
async def citizen_revokes_without_a_key(ctx: AppManagerContext) -> None:
    """The revoke form of `/burger/certificaten` revokes every certificate of the BSN (303
    back to the list, which shows them ingetrokken) and both are on `GET /intrekkingen`."""
    first, second = await two_certificates(ctx)
    browser, page = await citizen_login(ctx)
    form = form_with(page, "formulier_token")
    posted = await browser.submit(page, form, {}, follow=False)
    if posted.status_code != 303:
        fail(f"the revoke form answered {posted.status_code}, not 303", posted)
    after = await browser.go("GET", urljoin(str(posted.request.url),
                                            posted.headers.get("location", "certificaten")))
    if "ingetrokken" not in page_text(after.text).lower():
        fail("after revoking, the certificates page shows nothing ingetrokken", after)
    _resp, _header, claims = await ctx.revocation_list()
    listed = claims.get("ingetrokken") or []
    missing = [i.claims.get("jti") for i in (first, second) if i.claims.get("jti") not in listed]
    if missing:
        fail(f"{len(missing)} of the citizen's 2 certificates are not on the revocation list "
             "after revoking at /burger", posted, _resp)
    bare = ctx.client.build_request("GET", "/burger/certificaten")
    del bare.headers["cookie"]  # the same client, without the management session
    resp = await ctx.client.send(bare)
    if resp.status_code != 303:
        fail(f"GET /burger/certificaten without a management session answered "
             f"{resp.status_code}, not 303 to /burger", resp)


@check(rule="/intrekking/beheersessie", area=AREA)
async def management_session_is_a_strict_cookie(ctx: AppManagerContext) -> None:
    """The management session is a `beheersessie` cookie of 43 base64url characters,
    HttpOnly, SameSite=Strict, Path …/burger, Secure on https, living at most 600 s; the
    revoke form without or with a wrong `formulier_token` is 400 `verzoek/ongeldig`."""
    await ctx.certificate()
    browser, page = await citizen_login(ctx)
    headers = [h for r in browser.history for h in r.headers.get_list("set-cookie")
               if h.strip().lower().startswith(COOKIE + "=")]
    if not headers:
        fail("the /burger login set no beheersessie cookie", *browser.history[-3:])
    jar: SimpleCookie = SimpleCookie()
    jar.load(headers[0])
    morsel = jar[COOKIE]
    lowered = headers[0].lower()
    problems = []
    if not SESSION_VALUE.match(morsel.value):
        problems.append("its value is not 32 random bytes in base64url")
    if "httponly" not in lowered:
        problems.append("not HttpOnly")
    if str(morsel["samesite"]).lower() != "strict":
        problems.append(f"SameSite={morsel['samesite'] or '(none)'}")
    base_path = urlsplit(ctx.base_url).path.rstrip("/")
    if morsel["path"] != f"{base_path}/burger":
        problems.append(f"Path={morsel['path'] or '(none)'}, not {base_path}/burger")
    if ctx.base_url.startswith("https://") and "secure" not in lowered:
        problems.append("not Secure on https")
    max_age = str(morsel["max-age"])
    if not max_age.isdigit() or int(max_age) > BEHEERSESSIE_TTL_S:
        problems.append(f"Max-Age={max_age or '(none)'}, not at most {BEHEERSESSIE_TTL_S}")
    if problems:
        fail(f"the beheersessie cookie: {'; '.join(problems)}", *browser.history[-3:])
    form = form_with(page, "formulier_token")
    for token in ("", "A" * 43):
        resp = await browser.submit(page, form, {"formulier_token": token}, follow=False)
        if resp.status_code in (302, 303) and "ingetrokken" in resp.headers.get("location", ""):
            fail("the revoke form was accepted with a wrong formulier_token", resp)
        expect_problem(resp, 400, "verzoek/ongeldig")


@check(rule="/intrekking/beheersessie", area=AREA, needs=("am:slow",))
async def management_session_ends(ctx: AppManagerContext) -> None:
    """A management session lives at most BEHEERSESSIE_TTL_S: its cookie, sent 601 s after
    the login with the revoke form, is answered 303 to `/burger` and revokes nothing."""
    issued = await ctx.certificate()
    browser, page = await citizen_login(ctx)
    cookie = next((c for r in browser.history for c in r.headers.get_list("set-cookie")
                   if c.strip().lower().startswith(COOKIE + "=")), "")
    if not cookie:
        fail("the /burger login set no beheersessie cookie", *browser.history[-3:])
    form = form_with(page, "formulier_token")
    await asyncio.sleep(SESSION_WAIT_S)
    url = urljoin(str(page.request.url), form.action)
    late = ctx.client.build_request("POST", url, data=form.fields)
    late.headers["cookie"] = cookie.split(";", 1)[0].strip()  # sent even if the jar dropped it
    resp = await ctx.client.send(late)
    location = resp.headers.get("location", "")
    if resp.status_code != 303 or not location.rstrip("/").endswith("/burger"):
        fail(f"{SESSION_WAIT_S} s after the login, the revoke form with the session cookie "
             f"answered {resp.status_code} {location or ''}, not 303 to /burger", resp)
    _resp, _header, claims = await ctx.revocation_list()
    if issued.claims.get("jti") in (claims.get("ingetrokken") or []):
        fail("an expired management session still revoked the citizen's certificates", resp)


CHECKS = (
    citizen_sees_every_certificate,
    citizen_revokes_without_a_key,
    management_session_is_a_strict_cookie,
    management_session_ends,
)
