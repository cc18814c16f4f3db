"""The demo federation: in-process through `Federation`, and `vorderingen demo --json` as a
real subprocess a separate program would talk to."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx
import pytest

from reference_impl.app.loopback import LoopbackReceiver, s256
from reference_impl.common.jose import generate_key, load_public_jwks, public_jwk, sign
from reference_impl.common.request_proof import session_headers
from reference_impl.common.scheme import SchemeVerifier
from reference_impl.common.versions import WIRE_VERSION
from reference_impl.demo.announce import _print_summary
from reference_impl.demo.data import load_demo
from reference_impl.demo.launcher import (
    BackgroundFederation,
    Federation,
    FederationError,
    read_discovery,
)
from reference_impl.demo.test_citizen import TestCitizenBrowser

pytestmark = pytest.mark.live
STARTUP_TIMEOUT_S = 90
HTTP_TIMEOUT_S = 10


def _check_scheme(token: str, key_file: Path, sources: list[dict[str, Any]]) -> dict[str, Any]:
    claims = SchemeVerifier(load_public_jwks(key_file), "test").verify(token)
    assert claims["versie"] == WIRE_VERSION
    listed = {o["oin"]: o for o in claims["organisaties"]}
    assert set(listed) == {s["oin"] for s in sources}
    for source in sources:
        assert listed[source["oin"]]["eindpunten"] == [{"api_url": source["url"], "major": 2}]
        assert [set(e) >= {"jwk", "geldig_vanaf"} for e in listed[source["oin"]]["sleutels"]
                ] == [True]
    return claims


@pytest.mark.anyio
async def test_federation_runs_every_demo_organisation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo = load_demo()
    discovery = tmp_path / "demo.json"
    async with Federation(discovery_file=discovery) as federation:
        roles = [s.rol for s in federation.services]
        assert roles[:2] == ["stelsel", "app-manager"]
        assert roles[2:] == ["bron"] * len(demo.organisations)
        assert [c.bsn for c in federation.citizens] == [c.bsn for c in demo.citizens]
        sources = [s.json_line() for s in federation.sources]
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as client:
            token = (await client.get(federation.scheme_url)).text
            claims = _check_scheme(token, federation.scheme_key_path, sources)
            assert claims["app_managers"][0]["id"] == federation.app_manager_id
            assert claims["app_managers"][0]["api_url"] == federation.app_manager_url
            for source in federation.sources:
                configuratie = (await client.get(f"{source.url}/configuratie")).json()
                assert configuratie["oin"] == source.oin
                listed = next(o for o in claims["organisaties"] if o["oin"] == source.oin)
                assert configuratie["diensten"] == listed["diensten"]
                # 2.2: the scheme lists how to reach each organisation, from its own contact
                contact = demo.organisation(source.oin).settings["contact"]
                assert listed["uitbreidingen"]["2.2"]["contact"] == contact
        assert read_discovery(discovery)["bronnen"] == sources
        _print_summary(federation)  # what `vorderingen demo` shows without --json
        summary = capsys.readouterr().out
        for service in federation.services:
            assert service.url in summary and (service.oin or "") in summary
        assert all(c.bsn in summary for c in federation.citizens)
        assert str(federation.scheme_key_path) in summary
        state_dir = federation.state_dir
    assert not discovery.exists() and not state_dir.exists()


@pytest.mark.anyio
async def test_an_app_can_log_in_open_a_session_and_revoke(tmp_path: Path) -> None:
    """What a separate app does against the demo, end to end over the wire (design §4–§6):
    PKCE login with a loopback redirect completed in the citizen's browser, a session whose
    proof names the scheme entry, a request with a proof, and revocation that reaches the
    scheme document."""
    async with Federation(state_dir=tmp_path / "staat") as federation:
        key = generate_key()
        manager, citizen = federation.app_manager_url, federation.citizens[0]
        verifier, state = "v" * 43, "mijn-state"
        async with httpx.AsyncClient(timeout=HTTP_TIMEOUT_S) as client, \
                LoopbackReceiver() as receiver:
            registration = (await client.post(f"{manager}/registraties", json={
                "publieke_sleutel": {k: v for k, v in public_jwk(key).items() if k != "kid"},
                "redirect_uri": receiver.redirect_uri, "code_challenge": s256(verifier),
                "code_challenge_method": "S256", "state": state, "app_naam": "Losse app",
                "apparaat_naam": "testmachine"})).json()
            async with TestCitizenBrowser(citizen.bsn, omgeving="test") as browser:
                await browser.open(registration["inlog_url"])
            result = await receiver.wait(5)
            assert (result["state"], result["iss"]) == (state, federation.app_manager_id)
            now = int(time.time())
            answer = await client.post(f"{manager}/certificaten", json={
                "registratie_id": registration["registratie_id"], "inlogcode": result["code"],
                "code_verifier": verifier,
                "aanvraag": sign({"aud": federation.app_manager_id,
                                  "nonce": registration["uitdaging"], "iat": now,
                                  "jti": str(uuid.uuid4())}, key,
                                 typ="certificaat-aanvraag+jwt")})
            assert answer.status_code == 201, answer.text
            certificate = answer.json()["certificaat"]
            source = federation.sources[0]
            nonce = (await client.post(f"{source.url}/sessies/uitdagingen")).json()["nonce"]
            session = await client.post(f"{source.url}/sessies", json={
                "certificaat": certificate,
                "bewijs": sign({"nonce": nonce, "aud": source.oin, "api_url": source.url,
                                "iat": now, "jti": str(uuid.uuid4())}, key,
                               typ="sessie-bewijs+jwt")})
            assert session.status_code == 201, session.text
            url = f"{source.url}/vorderingenoverzicht"
            overview = await client.get(url, headers=session_headers(
                key, "GET", url, session.json()["sessietoken"]))
            assert overview.json()["document"]["bsn"] == citizen.bsn

            jti = json.loads(_b64(certificate.split(".")[1]))["jti"]
            revoked = await client.post(f"{manager}/intrekkingen", json={
                "certificaat": certificate,
                "verzoek": sign({"aud": federation.app_manager_id, "certificaat_jti": jti,
                                 "iat": now, "jti": str(uuid.uuid4())}, key,
                                typ="intrekking-verzoek+jwt")})
            assert revoked.status_code == 201
            await federation.scheme_service.refresh()
            token = (await client.get(federation.scheme_url)).text
        claims = SchemeVerifier(load_public_jwks(federation.scheme_key_path), "test").verify(token)
        assert jti in claims["ingetrokken_certificaten"]
    assert (tmp_path / "staat" / "stelsel" / "stelsel-sleutel.pem").exists()  # kept: given dir


def _b64(part: str) -> bytes:
    import base64

    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_background_federation_for_synchronous_callers() -> None:
    with BackgroundFederation() as federation:
        document = httpx.get(federation.scheme_url, timeout=HTTP_TIMEOUT_S)
        assert document.status_code == 200
        state_dir = federation.state_dir
    assert not state_dir.exists()


@pytest.mark.anyio
async def test_a_port_in_use_is_a_clear_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        federation = Federation(port_base=port)
        with pytest.raises(FederationError, match=str(port)):
            await federation.start()


# --- `vorderingen demo --json` as a subprocess -----------------------------------------------


class LineReader:
    """Reads a process's stdout in a thread, so waiting for a line can time out."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.thread = threading.Thread(target=self._pump, args=(process,), daemon=True)
        self.thread.start()

    def _pump(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def next(self, deadline: float) -> str:
        try:
            line = self.lines.get(timeout=max(deadline - time.monotonic(), 0.01))
        except queue.Empty:
            raise AssertionError("vorderingen demo did not announce itself in time") from None
        if line is None:
            raise AssertionError("vorderingen demo stopped before it was ready")
        return line


@pytest.mark.slow
def test_demo_json_announces_every_service_then_runs_until_terminated(tmp_path: Path) -> None:
    discovery = tmp_path / "ontdekking.json"
    env = {**os.environ, "VORDERINGEN_DEMO_FILE": str(discovery)}
    process = subprocess.Popen(
        [sys.executable, "-m", "reference_impl.cli", "demo", "--json", "--interval", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        reader, lines = LineReader(process), []
        while True:
            line = json.loads(reader.next(deadline))  # every line is one JSON object
            lines.append(line)
            if line == {"klaar": True}:
                break
        services = [x for x in lines if "rol" in x]
        citizens = [x["testburger"] for x in lines if "testburger" in x]
        assert lines[-1] == {"klaar": True} and len(services) + len(citizens) + 1 == len(lines)
        assert lines.index(services[-1]) < lines.index({"testburger": citizens[0]})

        stelsel = next(x for x in services if x["rol"] == "stelsel")
        manager = next(x for x in services if x["rol"] == "app-manager")
        sources = [x for x in services if x["rol"] == "bron"]
        demo = load_demo()
        assert {s["oin"] for s in sources} == {o.oin for o in demo.organisations}
        assert [c["bsn"] for c in citizens] == [c.bsn for c in demo.citizens]
        assert all(c["omschrijving"] for c in citizens)
        assert stelsel["omgeving"] == "test" and Path(stelsel["sleutel_bestand"]).is_file()
        assert manager["app_manager_id"] and manager["url"].endswith("/app-manager/v2")
        for service in services:
            assert urlparse(service["url"]).hostname == "127.0.0.1" and service["naam"]

        with httpx.Client(timeout=HTTP_TIMEOUT_S) as client:
            for source in sources:
                configuratie = client.get(f"{source['url']}/configuratie")
                assert configuratie.status_code == 200
                assert configuratie.json()["oin"] == source["oin"]
            document = client.get(stelsel["stelseldocument_url"])
            assert document.headers["content-type"] == "application/jose"
            assert stelsel["stelseldocument_url"] == f"{stelsel['url']}/stelseldocument"
            _check_scheme(document.text, Path(stelsel["sleutel_bestand"]), sources)
            assert client.get(f"{manager['url']}/intrekkingen").status_code == 200
        assert json.loads(discovery.read_text())["app_manager"] == manager

        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, process.stderr.read()
        assert not discovery.exists()
        assert not Path(stelsel["sleutel_bestand"]).exists()  # its temporary state is gone
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()


# --- one source for the conformance suite's demo ---------------------------------------------


class SuiteMaterial:
    """Stands in for the suite: it publishes its scheme key set and plays App Manager."""

    def __init__(self, directory: Path) -> None:
        self.scheme_key, self.manager_key = generate_key(), generate_key()
        self.backup_key = generate_key()
        self.scheme_document_path = directory / "stelseldocument.jwt"

    @property
    def scheme_keys(self) -> list[dict[str, Any]]:
        """The pinned set: the key that signs and a backup that does not."""
        return [public_jwk(self.scheme_key), public_jwk(self.backup_key)]

    def write_scheme(self, *, oin: str, api_url: str, bron_jwk: dict[str, Any],
                     diensten: tuple[str, ...]) -> str:
        now = int(time.time())
        token = sign({
            "versie": "2.0", "iss": "suite", "iat": now, "exp": now + 3600, "volgnummer": 1,
            "omgeving": "test",
            "organisaties": [{"oin": oin, "naam": "Bron", "soort": "gemeente",
                              "eindpunten": [{"api_url": api_url, "major": 2}],
                              "sleutels": [{"jwk": bron_jwk, "geldig_vanaf": 0}],
                              "diensten": list(diensten), "status": "actief"}],
            "app_managers": [{"id": "suite-app-manager", "naam": "Suite",
                              "sleutels": [{"jwk": public_jwk(self.manager_key),
                                            "geldig_vanaf": 0}],
                              "status": "actief"}],
            "ingetrokken_certificaten": []}, self.scheme_key, typ="stelsel-v2+jwt")
        self.scheme_document_path.write_text(token, encoding="ascii")
        return token


def test_source_launcher_trusts_the_scheme_it_is_given(tmp_path: Path) -> None:
    from reference_impl.demo.single_source import SourceLauncher

    material, launcher = SuiteMaterial(tmp_path), SourceLauncher("voorbeeldstad")
    started = launcher.start(material)
    try:
        assert started.test_bsns and started.signing_jwk["kid"]
        key, now = generate_key(), int(time.time())
        certificate = sign({
            "iss": "suite-app-manager", "jti": str(uuid.uuid4()), "iat": now, "nbf": now,
            "exp": now + 600, "bsn": started.test_bsns[0],
            "cnf": {"jwk": {k: v for k, v in public_jwk(key).items() if k != "kid"}},
            "betrouwbaarheidsniveau": "substantieel", "inlogmoment": now - 10,
            "identiteitsdienst": "test-idp"}, material.manager_key, typ="app-certificaat+jwt")
        with httpx.Client(timeout=HTTP_TIMEOUT_S, base_url=started.base_url) as client:
            assert client.get("/configuratie").json()["oin"] == started.oin
            nonce = client.post("/sessies/uitdagingen").json()["nonce"]
            session = client.post("/sessies", json={"certificaat": certificate, "bewijs": sign(
                {"nonce": nonce, "aud": started.oin, "api_url": started.base_url, "iat": now,
                 "jti": str(uuid.uuid4())}, key, typ="sessie-bewijs+jwt")})
            assert session.status_code == 201, session.text
            url = f"{started.base_url}/vorderingenoverzicht"
            overview = client.get(url, headers=session_headers(
                key, "GET", url, session.json()["sessietoken"]))
            assert overview.json()["document"]["bsn"] == started.test_bsns[0]
    finally:
        launcher.stop()
