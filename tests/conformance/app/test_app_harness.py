"""The parts of profile `app` that need no app: the harness that starts the command, the
suite's App Manager and its login driver, the federation's scheme variants."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

from conformance import jose
from conformance.app import browser
from conformance.app.app_manager import BASE_PATH, SuiteAppManager, private_members
from conformance.app.context import severity_of
from conformance.app.federation import SOURCES, Federation
from conformance.app.harness import cannot_start, login_driver, run_app
from conformance.errors import CheckError, JoseError
from conformance.jose import SigningKey
from conformance.scheme import verify_scheme

pytestmark = pytest.mark.anyio

PY = sys.executable


async def test_a_command_that_never_ends_is_killed_at_the_hard_limit(tmp_path: Path) -> None:
    run = await run_app((PY, "-c", "import time; print('begonnen', flush=True); time.sleep(60)"),
                        {}, hard_limit_s=1.0, cwd=tmp_path)
    assert run.returncode is None and not run.ended
    assert run.stdout.strip() == "begonnen" and run.overview is None
    assert "killed" in run.summary()


async def test_a_command_that_closes_its_output_but_keeps_running_is_killed(
        tmp_path: Path) -> None:
    script = "import os, time; os.close(1); os.close(2); time.sleep(60)"
    run = await run_app((PY, "-c", script), {}, hard_limit_s=1.0, cwd=tmp_path)
    assert run.returncode is None


def test_a_check_weighs_what_its_rule_says() -> None:
    assert severity_of("/app/ontvanger-uit-stelsel") == "must"
    assert severity_of("/app/status-per-bron") == "should"
    with pytest.raises(ValueError, match="no rule"):
        severity_of("/app/bestaat-niet")


async def test_the_app_gets_the_documented_environment_and_the_login_driver(
        tmp_path: Path) -> None:
    script = ("import json, os; print(json.dumps({k: v for k, v in os.environ.items() "
              "if k.startswith(('VORDERINGEN_', 'BROWSER', 'HTTP_PROXY'))}))")
    run = await run_app((PY, "-c", script), {"VORDERINGEN_OMGEVING": "test"},
                        hard_limit_s=30, cwd=tmp_path)
    seen = json.loads(run.stdout)
    assert seen["VORDERINGEN_OMGEVING"] == "test" and seen["BROWSER"] == login_driver()
    assert "HTTP_PROXY" not in seen  # the app reaches the suite's federation only
    # stdout was JSON but no overview: the schema says what is missing
    assert run.returncode == 0 and any("totalen" in e for e in run.schema_errors)


async def test_output_that_is_not_json_is_reported(tmp_path: Path) -> None:
    run = await run_app((PY, "-c", "print('Uw overzicht: alles betaald')"), {},
                        hard_limit_s=30, cwd=tmp_path)
    assert run.schema_errors and run.schema_errors[0].startswith("stdout is not JSON")


async def test_a_command_that_cannot_start_is_an_error_never_the_apps_failure(
        tmp_path: Path) -> None:
    with pytest.raises(CheckError, match=r"^cannot start .*bestaat-niet: No such file"):
        await run_app((str(tmp_path / "bestaat-niet"),), {}, hard_limit_s=5, cwd=tmp_path)


def test_why_a_command_cannot_start(tmp_path: Path) -> None:
    script = tmp_path / "app.sh"
    script.write_text("#!/bin/sh\n")
    assert cannot_start((str(script),)) == f"{script}: not an executable file"
    script.chmod(0o755)
    assert cannot_start((str(script), "--json")) is None
    assert cannot_start((str(tmp_path / "nope"),)) == f"{tmp_path / 'nope'}: no such file"
    assert cannot_start((str(tmp_path),)) == f"{tmp_path}: not an executable file"
    assert cannot_start(("sh", "-c", "true")) is None
    assert cannot_start(("geen-app-met-deze-naam",)) == "geen-app-met-deze-naam: not found on PATH"


def _manager() -> tuple[SuiteAppManager, httpx.AsyncClient]:
    manager = SuiteAppManager("am", SigningKey.generate(), bsn="999993653", niveau="midden")
    manager.base_url = "http://am.test"
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=manager.asgi()),
                               base_url="http://am.test")
    return manager, client


async def test_the_app_manager_refuses_what_a_real_one_refuses() -> None:
    manager, client = _manager()
    key = SigningKey.generate()
    good = {"publieke_sleutel": key.public_jwk, "redirect_uri": "http://127.0.0.1:5000/t",
            "code_challenge": "x" * 43, "code_challenge_method": "S256", "state": "s"}
    async with client:
        for body, code in (({**good, "redirect_uri": "https://elders.example/t"},
                            "registratie/redirect-uri-ongeldig"),
                           ({**good, "code_challenge_method": "plain"}, "registratie/pkce-vereist"),
                           ({**good, "publieke_sleutel": {"kty": "RSA"}},
                            "registratie/sleutel-ongeldig")):
            answer = await client.post(f"{BASE_PATH}/registraties", json=body)
            assert answer.status_code == 400 and answer.json()["code"] == code
        made = await client.post(f"{BASE_PATH}/registraties", json=good)
        login = await client.get(made.json()["inlog_url"])
        assert login.status_code == 303
        assert login.headers["location"].startswith("http://127.0.0.1:5000/t?code=")
        assert "iss=am" in login.headers["location"]
        wrong = await client.post(f"{BASE_PATH}/certificaten", json={
            "registratie_id": made.json()["registratie_id"], "inlogcode": "geraden",
            "code_verifier": "v", "aanvraag": "x"})
        assert wrong.json()["code"] == "inloggen/code-ongeldig"
    assert len(manager.refusals) == 4


def test_a_private_key_member_is_named() -> None:
    key = SigningKey.generate()
    assert private_members(key.published_jwk()) == []
    assert private_members(key.private_jwk()) == ["d"]


def test_the_login_driver_follows_redirects_and_refuses_other_schemes(tmp_path: Path) -> None:
    assert browser.main([]) == 2
    assert browser.main(["file:///etc/passwd"]) == 1
    assert browser.main(["https://elders.example/inloggen"]) == 1  # only loopback
    assert browser.main(["http://127.0.0.1:9/"]) == 1  # nothing listens on the discard port


def test_scheme_variants_are_what_their_names_say(tmp_path: Path) -> None:
    chosen = tuple(b for b in SOURCES if b.slug in ("goed", "ingetrokken-sleutel"))
    federation = Federation(tmp_path, sources=chosen)
    pinned = federation.pinned_key_set()
    assert verify_scheme(federation.scheme_token, pinned, omgeving="test")["volgnummer"] == \
        federation.volgnummer
    older = federation.scheme_variant(volgnummer=federation.volgnummer - 1)
    with pytest.raises(JoseError) as caught:
        verify_scheme(older, pinned, last_volgnummer=federation.volgnummer)
    assert caught.value.code == "stelsel/volgnummer-teruggedraaid"
    for token, code in ((federation.scheme_variant(expired=True), "stelsel/verlopen"),
                        (federation.scheme_variant(signer=SigningKey.generate()),
                         "stelsel/sleutel-onbekend"),
                        (federation.scheme_variant(omgeving="acceptatie"),
                         "stelsel/verkeerde-omgeving")):
        with pytest.raises(JoseError) as caught:
            verify_scheme(token, pinned, omgeving="test")
        assert caught.value.code == code
    # the revoked source's key entry really is revoked, the others are not
    revoked = [o["naam"] for o in jose.decode_unverified(federation.scheme_token, "stelsel")[1]
               ["organisaties"] if any("ingetrokken_op" in k for k in o["sleutels"])]
    assert revoked == ["Ondertekend met een ingetrokken sleutel"]
