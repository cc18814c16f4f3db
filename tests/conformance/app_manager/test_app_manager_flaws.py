"""More broken App Managers: one planted mistake per check of the profile, each patched into
the running reference App Manager in turn (one App Manager, so the whole table takes a few
seconds). Each flaw must turn its check red with the check's rule; without flaws every
check listed here passes (test_app_manager_profile.py)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from am_support import manager_app, run_against

from conformance.app_manager import burger, certificaat
from reference_impl.app_manager import app as app_module
from reference_impl.app_manager import (
    citizen,
    login,
    logins,
    pages,
    registrations,
    simulator,
    tables,
)
from reference_impl.app_manager.errors import IdentityProviderError
from reference_impl.app_manager.ledger import CertificateLedger
from reference_impl.app_manager.protection import token_hash
from reference_impl.app_manager.registrations import RegistrationStore
from reference_impl.app_manager.revocation import SignedList
from reference_impl.common.jose import b64url_decode
from reference_impl.common.problems import Problem

pytestmark = pytest.mark.anyio
Flaw = Callable[[pytest.MonkeyPatch, Any], None]


def lenient_body(mp: pytest.MonkeyPatch, _app: Any) -> None:
    """The registration body is read without its schema: a private key member passes."""

    async def json_body(request: Any, _path: str) -> Any:
        return await request.json()

    mp.setattr(login, "json_body", json_body)


def any_redirect_uri(mp: pytest.MonkeyPatch, _app: Any) -> None:
    mp.setattr(login, "admitted", lambda _uri, _config: None)


def pkce_plain_allowed(mp: pytest.MonkeyPatch, app: Any) -> None:
    """Neither the schema nor the code checks the PKCE members."""
    lenient_body(mp, app)
    mp.setattr(login, "_checked_registration", lambda _body: None)


def consent_without_device(mp: pytest.MonkeyPatch, _app: Any) -> None:
    real = pages.consent
    mp.setattr(pages, "consent", lambda **kw: real(**{**kw, "apparaat_naam": "uw apparaat"}))


def redirect_without_iss(mp: pytest.MonkeyPatch, _app: Any) -> None:
    real = login.redirect_to
    mp.setattr(login, "redirect_to", lambda uri, params: real(
        uri, {k: v for k, v in params.items() if k != "iss"}))


def only_listed_citizens(mp: pytest.MonkeyPatch, _app: Any) -> None:
    """The test identity provider logs in only the citizens on its page."""
    real = simulator.checked_identity

    def checked(bsn: Any, niveau: Any) -> Any:
        if bsn not in {"999993653", "999990019"}:
            raise IdentityProviderError("not a listed citizen")
        return real(bsn, niveau)

    mp.setattr(simulator, "checked_identity", checked)


def level_ignored(mp: pytest.MonkeyPatch, _app: Any) -> None:
    real = login.issue
    mp.setattr(login, "issue", lambda result, *a, **k: real(
        dataclasses.replace(result, niveau="substantieel"), *a, **k))


def asks_to_poll(mp: pytest.MonkeyPatch, _app: Any) -> None:
    mp.setattr(login, "_code_refused", lambda _detail: Problem(
        409, "registratie/niet-ingelogd", "Nog niet ingelogd; probeer het zo opnieuw."))


def revocation_request_unchecked(mp: pytest.MonkeyPatch, _app: Any) -> None:
    import json

    def verify(certificate: str, _request: Any, **_kw: Any) -> dict[str, Any]:
        return json.loads(b64url_decode(certificate.split(".")[1]))

    mp.setattr(app_module, "verify_revocation", verify)


def weak_list_etag(mp: pytest.MonkeyPatch, _app: Any) -> None:
    mp.setattr(SignedList, "etag", property(lambda _self: 'W/"lijst"'))


def list_cached_an_hour(mp: pytest.MonkeyPatch, _app: Any) -> None:
    mp.setattr(app_module, "LIST_CACHE_CONTROL", "public, max-age=3600")


def overview_without_devices(mp: pytest.MonkeyPatch, _app: Any) -> None:
    real = pages.certificates
    mp.setattr(pages, "certificates", lambda rows, **kw: real(
        [dataclasses.replace(r, apparaat_naam="") for r in rows], **kw))


def citizen_revocation_ignored(mp: pytest.MonkeyPatch, _app: Any) -> None:
    async def revoke_all(self: Any, bsn_sleutel: str, now: int) -> int:
        return 0

    mp.setattr(CertificateLedger, "revoke_all", revoke_all)


def day_long_management_session(mp: pytest.MonkeyPatch, _app: Any) -> None:
    mp.setattr(citizen, "BEHEERSESSIE_TTL_S", 86400)


def registration_lives_an_hour(mp: pytest.MonkeyPatch, _app: Any) -> None:
    mp.setattr(registrations, "REGISTRATION_TTL_S", 3600)


def consent_token_unchecked(mp: pytest.MonkeyPatch, _app: Any) -> None:
    async def consent(self: Any, registration_id: str, _token: str, *, proceed: bool,
                      now: int) -> bool:
        r = tables.registraties.c
        values = {"consent_at": now, "formulier_token_hash": None,
                  **({} if proceed else {"used_at": now})}
        async with self.database.engine.begin() as connection:
            result = await connection.execute(sa.update(tables.registraties).where(
                r.id == registration_id, r.consent_at.is_(None)).values(**values))
        return bool(result.rowcount == 1)

    mp.setattr(RegistrationStore, "consent", consent)


def unknown_state_is_a_bad_request(mp: pytest.MonkeyPatch, _app: Any) -> None:
    mp.setattr(login, "not_found", lambda detail: Problem(400, "verzoek/ongeldig", detail))


def code_never_spent(mp: pytest.MonkeyPatch, _app: Any) -> None:
    """Presenting a code does not spend it when the exchange fails afterwards."""
    real = RegistrationStore.present_code

    async def present_code(self: Any, code: str, now: int) -> Any:
        r = tables.registraties.c
        where = r.inlogcode_hash == token_hash(code)
        async with self.database.engine.begin() as connection:
            before = (await connection.execute(
                sa.select(r.inlogcode_used_at, r.inlogresultaat).where(where))).first()
        presented = await real(self, code, now)
        if before is not None:
            async with self.database.engine.begin() as connection:
                await connection.execute(sa.update(tables.registraties).where(where).values(
                    inlogcode_used_at=before.inlogcode_used_at,
                    inlogresultaat=before.inlogresultaat))
        return presented

    mp.setattr(RegistrationStore, "present_code", present_code)


def revocation_answer_without_jti(mp: pytest.MonkeyPatch, _app: Any) -> None:
    real = app_module.json_response
    mp.setattr(app_module, "json_response", lambda data, status=200: real(
        {k: v for k, v in data.items() if k != "certificaat_jti"}, status))


FLAWS: list[tuple[Flaw, str, str]] = [
    (registration_lives_an_hour, "registration_answers_its_challenge",
     "/app-manager/alleen-publieke-sleutel"),
    (consent_token_unchecked, "consent_form_needs_its_token", "/app-manager/toestemmingspagina"),
    (unknown_state_is_a_bad_request, "bad_returns_refused", "/app-manager/terugkeer-redirect"),
    (code_never_spent, "login_code_is_spent_once", "/app-manager/inlogcode-eenmalig"),
    (revocation_answer_without_jti, "revocation_by_the_key_holder", "/app-manager/intrekking"),
    (lenient_body, "registration_refuses_private_or_foreign_keys",
     "/app-manager/alleen-publieke-sleutel"),
    (any_redirect_uri, "only_loopback_or_admitted_redirect_uris",
     "/app-manager/redirect-uri-toegestaan"),
    (pkce_plain_allowed, "registration_requires_pkce_s256", "/app-manager/pkce-s256"),
    (consent_without_device, "consent_page_names_app_and_device",
     "/app-manager/toestemmingspagina"),
    (redirect_without_iss, "consent_cancel_and_unknown_registration",
     "/app-manager/toestemmingspagina"),
    (redirect_without_iss, "login_returns_code_state_and_iss", "/app-manager/terugkeer-redirect"),
    (redirect_without_iss, "refused_login_returns_access_denied",
     "/app-manager/terugkeer-redirect"),
    (only_listed_citizens, "test_identity_provider_is_drivable",
     "/testomgeving/test-idp-bestuurbaar"),
    (level_ignored, "certificate_states_the_login", "/app-manager/certificaat-inhoud"),
    (asks_to_poll, "no_certificate_before_login", "/app-manager/geen-polling"),
    (revocation_request_unchecked, "revocation_needs_the_certificate_key",
     "/app-manager/intrekking"),
    (weak_list_etag, "revocation_list_served", "/app-manager/intrekkingenlijst"),
    (list_cached_an_hour, "revocation_listed_at_once", "/intrekking/lijst-direct"),
    (overview_without_devices, "citizen_sees_every_certificate", "/intrekking/burger-overzicht"),
    (citizen_revocation_ignored, "citizen_revokes_without_a_key",
     "/intrekking/burger-zonder-sleutel"),
    (day_long_management_session, "management_session_is_a_strict_cookie",
     "/intrekking/beheersessie"),
]


async def test_every_planted_flaw_fails_its_check_with_its_rule(tmp_path: Path) -> None:
    app = manager_app(tmp_path)
    missed = []
    async with app.router.lifespan_context(app):
        for flaw, check, rule in FLAWS:
            with pytest.MonkeyPatch.context() as mp:
                flaw(mp, app)
                result = (await run_against(app, tmp_path, check)).results[0]
            if (result.outcome.value, result.rule) != ("failed", rule):
                missed.append((flaw.__name__, check, result.outcome.value, result.message))
    assert missed == []


@pytest.mark.parametrize(("lifetime_s", "outcome"), [(1, "passed"), (3600, "failed")])
async def test_a_management_session_outliving_its_bound_is_caught(
        lifetime_s: int, outcome: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`management_session_ends` (--slow) with its 601-s wait scaled down to 2 s: a session
    that lives 1 s passes, one that lives an hour is caught."""
    monkeypatch.setattr(burger, "SESSION_WAIT_S", 2)
    monkeypatch.setattr(logins, "BEHEERSESSIE_TTL_S", lifetime_s)
    app = manager_app(tmp_path)
    async with app.router.lifespan_context(app):
        report = await run_against(app, tmp_path, "management_session_ends", slow=True)
    result = report.results[0]
    assert (result.outcome.value, result.rule) == (outcome, "/intrekking/beheersessie"), \
        result.message


@pytest.mark.parametrize(("lifetime_s", "outcome"), [(1, "passed"), (3600, "failed")])
async def test_a_login_code_outliving_its_bound_is_caught(
        lifetime_s: int, outcome: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`expired_login_code_refused` (--slow) with its 61-s wait scaled down to 2 s."""
    monkeypatch.setattr(certificaat, "LOGIN_CODE_TTL_S", 1)
    monkeypatch.setattr(registrations, "LOGIN_CODE_TTL_S", lifetime_s)
    app = manager_app(tmp_path)
    async with app.router.lifespan_context(app):
        report = await run_against(app, tmp_path, "expired_login_code_refused", slow=True)
    result = report.results[0]
    assert (result.outcome.value, result.rule) == (outcome, "/app-manager/inlogcode-eenmalig"), \
        result.message
