"""Broken App Managers: the reference App Manager with one planted mistake each (patched
into the running code, as a careless implementer would write it). The profile must turn
red on the check of the broken rule; the unbroken App Manager is green on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from am_support import manager_app, outcomes, run_against

from reference_impl.app_manager import login
from reference_impl.app_manager.ledger import CertificateLedger
from reference_impl.app_manager.registrations import PresentedCode, RegistrationStore

pytestmark = pytest.mark.anyio


class AnyRegistration(str):
    """A registration id that matches every registration: the code's binding is lost."""

    __slots__ = ()

    def __ne__(self, other: object) -> bool:
        return False

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


def code_of_any_registration(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forwarded login: a code is redeemed by whichever registration presents it."""
    real = RegistrationStore.present_code

    async def present_code(self: Any, code: str, now: int) -> PresentedCode | None:
        presented = await real(self, code, now)
        return None if presented is None else PresentedCode(
            AnyRegistration(presented.registratie_id), presented.resultaat)

    monkeypatch.setattr(RegistrationStore, "present_code", present_code)


def any_verifier(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forwarded login: the PKCE verifier is not compared."""
    monkeypatch.setattr(login, "verifier_matches", lambda _verifier, _challenge: True)


def key_never_proven(monkeypatch: pytest.MonkeyPatch) -> None:
    """The certificate request is not verified: a certificate for a key never proven."""
    monkeypatch.setattr(login, "verify_request", lambda *_args, **_kwargs: {})


def revocations_unpublished(monkeypatch: pytest.MonkeyPatch) -> None:
    """Revocations are recorded but never published on the signed list."""

    async def revoked_jtis(self: Any, now: int) -> list[str]:
        return []

    monkeypatch.setattr(CertificateLedger, "revoked_jtis", revoked_jtis)


BROKEN = [
    (code_of_any_registration, "login_code_bound_to_its_registration",
     "/app-manager/inlogcode-eenmalig"),
    (any_verifier, "wrong_code_verifier_refused", "/app-manager/code-verifier"),
    (key_never_proven, "certificate_request_proves_possession", "/app-manager/aanvraag-bezit"),
    (revocations_unpublished, "revocation_listed_at_once", "/intrekking/lijst-direct"),
]


@pytest.mark.parametrize(("flaw", "check", "rule"), BROKEN,
                         ids=[flaw.__name__ for flaw, _c, _r in BROKEN])
async def test_a_broken_app_manager_is_caught_with_its_rule(
        flaw: Any, check: str, rule: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    app = manager_app(tmp_path)
    async with app.router.lifespan_context(app):
        correct = outcomes(await run_against(app, tmp_path, check))
        flaw(monkeypatch)
        report = await run_against(app, tmp_path, check)
    assert correct[check] == ("passed", rule)
    assert outcomes(report)[check] == ("failed", rule)
    assert report.verdict.value == "not_conformant"
