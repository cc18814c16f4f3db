"""Behavioural probes of the token flaws (`conformance/broken/flaws_tokens.py`): each sends
the one thing its flaw gets wrong — a token exactly at or one second beyond a bound, an alg or
header member beyond the classic ones, a key of another party, a suspended App Manager, a
low-level write — to the gallery directly, without the suite's checks.

The federation's clock is fixed (`fed.now`) and read by the source at every request, so the
bounds are probed to the second, and moving `fed.now` ages a nonce or a session at once.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from conftest import Federation, b64
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from joserfc.jwk import ECKey

from conformance import keys
from conformance.broken import DEFAULT_TEST_BSNS

FIRST = DEFAULT_TEST_BSNS[0]
SKEW, PROOF_LIMIT, NONCE_TTL, SESSION_TTL, CERT_LIFETIME = 60, 120, 120, 900, 43200
Probe = Callable[[Federation, httpx.AsyncClient], Awaitable[Any]]


def outcome(response: httpx.Response) -> tuple[int, str | None]:
    is_problem = response.headers.get("content-type", "").startswith("application/problem+json")
    return response.status_code, response.json().get("code") if is_problem else None


def es256(key: ECKey, header: dict[str, Any], claims: dict[str, Any]) -> str:
    """A compact JWS with exactly `header` (whatever its alg says), signed ES256 by `key`."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    der = key.private_key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    return f"{signing_input}.{b64(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def certificate_header(header: dict[str, Any], key: ECKey | None = None) -> Probe:
    """Open a session with a certificate whose header is the usual one updated by `header`,
    signed by `key` (default the App Manager's)."""
    async def probe(fed: Federation, client: httpx.AsyncClient) -> Any:
        signer = key or fed.am_key
        app_key = ECKey.generate_key("P-256")
        claims = json.loads(_payload(fed.certificate(FIRST, app_key)))
        head = {"alg": "ES256", "typ": "app-certificaat+jwt", "kid": signer.thumbprint(),
                **header}
        body = {"certificaat": es256(signer, head, claims),
                "bewijs": fed.proof(app_key, await fed.nonce(client))}
        return outcome(await client.post("/sessies", json=body))
    return probe


def _payload(token: str) -> bytes:
    part = token.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


async def key_of_the_source(fed: Federation, client: httpx.AsyncClient) -> Any:
    """A certificate naming the App Manager but signed by the organisation's own key."""
    return await certificate_header({}, key=fed.source_key)(fed, client)


async def suspended_app_manager(fed: Federation, client: httpx.AsyncClient) -> Any:
    """The scheme the source trusts lists its App Manager as suspended (set in the source's
    verified scheme, as a newer scheme document would): a certificate it signed."""
    for manager in _source(client).scheme.payload["app_managers"]:
        manager["status"] = keys.suspended_status()
    return outcome(await fed.open(client))


async def revoked_app_manager_key(fed: Federation, client: httpx.AsyncClient) -> Any:
    """The scheme the source trusts says the App Manager's only key was revoked a second ago
    (set in the source's verified scheme, as a newer scheme document would): a certificate
    that key signed now."""
    for manager in _source(client).scheme.payload["app_managers"]:
        for entry in manager["sleutels"]:
            entry["ingetrokken_op"] = int(fed.now) - 1
    return outcome(await fed.open(client))


def certificate_times(iat: int, exp: int) -> Probe:
    """Open a session with a certificate issued at fed.now + `iat` expiring at fed.now + `exp`."""
    async def probe(fed: Federation, client: httpx.AsyncClient) -> Any:
        now = int(fed.now)
        claims = {"iat": now + iat, "nbf": now + iat, "exp": now + exp,
                  "inlogmoment": now + iat - 10}
        return outcome(await fed.open(client, cert={"claims": claims}))
    return probe


async def valid_only_later(fed: Federation, client: httpx.AsyncClient) -> Any:
    """A certificate issued now whose nbf lies 10 minutes ahead."""
    return outcome(await fed.open(client, cert={"claims": {"nbf": int(fed.now) + 600}}))


def proof_aged(seconds: int) -> Probe:
    async def probe(fed: Federation, client: httpx.AsyncClient) -> Any:
        return outcome(await fed.open(client, proof={"claims": {"iat": int(fed.now) - seconds}}))
    return probe


async def request_proof_aged_to_the_limit(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    token = headers["Authorization"].removeprefix("Sessie ")
    proof = fed.request_proof(fed.app_keys[token], token, "GET", "/vorderingenoverzicht",
                              claims={"iat": int(fed.now) - PROOF_LIMIT})
    return outcome(await client.get("/vorderingenoverzicht",
                                    headers={**headers, "Verzoek-Bewijs": proof}))


async def nonce_just_expired(fed: Federation, client: httpx.AsyncClient) -> Any:
    app_key = ECKey.generate_key("P-256")
    nonce = await fed.nonce(client)
    fed.now += NONCE_TTL + 1
    body = {"certificaat": fed.certificate(FIRST, app_key), "bewijs": fed.proof(app_key, nonce)}
    return outcome(await client.post("/sessies", json=body))


async def session_just_expired(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    fed.now += SESSION_TTL + 1
    return outcome(await client.get("/vorderingenoverzicht", headers=headers))


async def low_level_pause(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client, level="midden")  # pauzes needs substantieel
    end = fed.now + timedelta(days=30).total_seconds()
    einddatum = datetime.fromtimestamp(end, UTC).date().isoformat()
    return outcome(await client.post("/pauzes", json={"einddatum": einddatum}, headers=headers))


def _source(client: httpx.AsyncClient) -> Any:
    """The gallery `Source` behind the client (its verified scheme is changed in place, as a
    newer scheme document would change it)."""
    app = client._transport.app  # type: ignore[attr-defined]  # the gallery app under test
    while not hasattr(getattr(app, "state", None), "source"):
        app = app.app
    return app.state.source


def own_envelope_with_window(change: Callable[[dict[str, Any], int], None]) -> Probe:
    """A help request with the citizen's own envelope after `change(key entry, signed at)`
    edited the source's key entry in the scheme the source trusts."""
    async def probe(fed: Federation, client: httpx.AsyncClient) -> Any:
        headers = await fed.session(client)
        own = (await client.get("/vorderingenoverzicht", headers=headers)).json()
        signed = int(datetime.fromisoformat(own["document"]["opgesteld_op"]).timestamp())
        organisation = _source(client).scheme.organisation(own["document"]["bron"]["oin"])
        change(organisation["sleutels"][0], signed)
        return await _help_request(client, headers, own)
    return probe


async def _help_request(client: httpx.AsyncClient, headers: dict[str, str],
                        envelope: dict[str, Any]) -> Any:
    bundle = {"bundelversie": "2.0", "aangemaakt_op": "2026-01-01T10:00:00Z",
              "enveloppen": [envelope]}
    response = await client.post("/hulpvragen", json={"bundel": bundle, "toestemming": True},
                                 headers=headers)
    body = response.json()
    return response.status_code, [e.get("code") for e in body.get("ongeldige_enveloppen", [])]


async def just_too_old(fed: Federation, client: httpx.AsyncClient) -> Any:
    """An envelope that became 14 days and 1 s old."""
    own = (await client.get("/vorderingenoverzicht", headers=await fed.session(client))).json()
    fed.now += 14 * 86400 + 1
    return await _help_request(client, await fed.session(client), own)


async def session_past_brief_certificate(fed: Federation, client: httpx.AsyncClient) -> Any:
    """A session whose certificate ended 3 s ago (it was valid 5 s)."""
    app_key = ECKey.generate_key("P-256")
    opened = await fed.open(client, cert={"claims": {"exp": int(fed.now) + 5}}, app_key=app_key)
    token = opened.json()["sessietoken"]
    fed.app_keys[token] = app_key
    fed.now += 8
    return outcome(await client.get("/vorderingenoverzicht",
                                    headers={"Authorization": f"Sessie {token}"}))


TOKENS_PROBES: dict[str, tuple[Probe, Any]] = {
    "alg-niet-exact": (certificate_header({"alg": "ES384"}),
                       (401, "certificaat/algoritme-niet-toegestaan")),
    "verboden-headers-zwarte-lijst": (certificate_header({"x5c": ["MIIB"]}),
                                      (401, "certificaat/verboden-header")),
    "sleutel-uit-hele-stelsel": (key_of_the_source, (401, "certificaat/sleutel-onbekend")),
    "status-app-manager-genegeerd": (suspended_app_manager, (401, "certificaat/uitgever-onbekend")),
    "appmanager-sleutelvenster-genegeerd": (revoked_app_manager_key,
                                            (401, "certificaat/sleutel-onbekend")),
    "klokafwijking-exclusief": (certificate_times(-600 - SKEW, -SKEW), (201, None)),
    "klokafwijking-te-ruim": (certificate_times(-600 - SKEW - 1, -SKEW - 1),
                              (401, "certificaat/verlopen")),
    "alleen-iat-gecontroleerd": (valid_only_later, (401, "certificaat/nog-niet-geldig")),
    "looptijd-met-klokafwijking": (certificate_times(0, CERT_LIFETIME + 1),
                                   (401, "certificaat/looptijd-te-lang")),
    "bewijs-leeftijd-exclusief": (proof_aged(PROOF_LIMIT), (201, None)),
    "bewijs-leeftijd-ruim": (proof_aged(PROOF_LIMIT + 1), (401, "bewijs/verlopen")),
    "verzoekbewijs-leeftijd-exclusief": (request_proof_aged_to_the_limit, (200, None)),
    "nonce-verloopt-met-klokafwijking": (nonce_just_expired, (401, "bewijs/nonce-verlopen")),
    "sessie-verloopt-met-klokafwijking": (session_just_expired, (401, "sessie/token-ongeldig")),
    "niveau-alleen-bij-lezen": (low_level_pause, (403, "sessie/niveau-te-laag")),
    "sleutelvenster-zonder-klokafwijking": (
        own_envelope_with_window(lambda entry, signed: entry.update(geldig_tot=signed - SKEW)),
        (201, [])),
    "geldig-vanaf-genegeerd": (
        own_envelope_with_window(
            lambda entry, signed: entry.update(geldig_vanaf=signed + SKEW + 1)),
        (422, ["envelop/sleutel-niet-geldig"])),
    "intrekking-exclusief": (
        own_envelope_with_window(lambda entry, signed: entry.update(ingetrokken_op=signed)),
        (422, ["envelop/sleutel-ingetrokken"])),
    "versheid-met-klokafwijking": (just_too_old, (422, ["envelop/verouderd"])),
    "sessie-einde-alleen-vermeld": (session_past_brief_certificate,
                                    (401, "sessie/token-ongeldig")),
}
