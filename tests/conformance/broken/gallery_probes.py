"""One behavioural probe per flaw: what the baseline answers, and how to tell the flaw.

A probe is ``async (federation, client) -> value``; `GOOD[name]` is the value the correct
baseline gives. The flaw's own app must give something else (and, where `BAD` says so, exactly
the wrong thing the flaw describes). No probe needs the suite's checks.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import rfc8785
from conftest import API_URL, OIN, OMIT, OTHER_OIN, SKIP_PROOF, Federation, b64
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from gallery_probes_domein import DOMEIN_PROBES
from gallery_probes_incasso import DOCUMENT_FLAWS, INCASSO_PROBES
from gallery_probes_tokens import TOKENS_PROBES
from joserfc import jws
from joserfc.jwk import ECKey

from conformance import document_rules, specfiles
from conformance.broken import DEFAULT_TEST_BSNS
from conformance.broken.source import API_VERSION, WIRE_VERSION

FIRST, SECOND = DEFAULT_TEST_BSNS
FINE = "CJIB-2025-004711"  # first citizen's fine in arrears: saldo 10600, eligible
AMOUNT = 5000  # a monthly amount well inside the limits
NO_CLAIMS = "111222333"  # passes the elfproef; no cases at the source
Probe = Callable[[Federation, httpx.AsyncClient], Awaitable[Any]]


def outcome(response: httpx.Response) -> tuple[int, str | None]:
    is_problem = response.headers.get("content-type", "").startswith("application/problem+json")
    return response.status_code, response.json().get("code") if is_problem else None


def today(fed: Federation) -> datetime:
    return datetime.fromtimestamp(fed.now, UTC)


async def announced_nonce_lifetime_kept(fed: Federation, client: httpx.AsyncClient) -> bool:
    """Does a challenge live as long as /configuratie says (the constant when it says none)?"""
    announced = (await client.get("/configuratie")).json().get("testomgeving") or {}
    lifetime = announced.get("nonce_geldigheid_s", 120)
    until = (await client.post("/sessies/uitdagingen")).json()["verloopt_op"]
    expires = datetime.fromisoformat(until.replace("Z", "+00:00")).timestamp()
    return abs(expires - (fed.now + lifetime)) <= 1


async def envelope(fed: Federation, client: httpx.AsyncClient, bsn: str = FIRST) -> dict:
    response = await client.get("/vorderingenoverzicht", headers=await fed.session(client, bsn))
    assert response.status_code == 200, response.text
    return response.json()


def signature_state(env: dict, key: ECKey) -> str:
    """How an independent verifier sees the handtekening."""
    head, middle, signature = env["handtekening"].split(".")
    if middle:
        return "niet-detached"
    header = json.loads(base64.urlsafe_b64decode(head + "=" * (-len(head) % 4)))
    if header.get("kid") != key.thumbprint():
        return "sleutel-onbekend"
    attached = f"{head}.{b64(rfc8785.dumps(env['document']))}.{signature}"
    try:
        jws.deserialize_compact(attached, key, algorithms=["ES256"])
    except Exception:
        return "handtekening-ongeldig"
    return "geldig"


async def quote(fed: Federation, client: httpx.AsyncClient, headers: dict,
                **terms: int) -> httpx.Response:
    return await client.post("/betalingsregelingen/voorstellen", headers=headers,
                             json={"zaakkenmerken": [FINE], **terms})


async def arrangement(fed: Federation, client: httpx.AsyncClient, headers: dict) -> dict:
    offer = (await quote(fed, client, headers, termijnbedrag=AMOUNT)).json()
    response = await client.post("/betalingsregelingen", json={"voorstel_id": offer["voorstel_id"]},
                                 headers={**headers, "Idempotency-Key": offer["voorstel_id"]})
    assert response.status_code == 201, response.text
    return response.json()


# --- session and trust ----------------------------------------------------------------------


def opening(cert: dict | None = None, proof: dict | None = None, level: str = "substantieel"
            ) -> Probe:
    async def probe(fed: Federation, client: httpx.AsyncClient) -> Any:
        return outcome(await fed.open(client, cert=cert, proof=proof, level=level))
    return probe


async def replay(fed: Federation, client: httpx.AsyncClient) -> Any:
    app_key = ECKey.generate_key("P-256")
    body = {"certificaat": fed.certificate(FIRST, app_key),
            "bewijs": fed.proof(app_key, await fed.nonce(client))}
    assert (await client.post("/sessies", json=body)).status_code == 201
    return outcome(await client.post("/sessies", json=body))


async def retry_after_failure(fed: Federation, client: httpx.AsyncClient) -> Any:
    app_key = ECKey.generate_key("P-256")
    nonce = await fed.nonce(client)
    proof = fed.proof(app_key, nonce)
    forged = fed.certificate(FIRST, app_key)[:-4] + "AAAA"  # a broken signature
    first = await client.post("/sessies", json={"certificaat": forged, "bewijs": proof})
    good = {"certificaat": fed.certificate(FIRST, app_key), "bewijs": proof}
    return outcome(first), outcome(await client.post("/sessies", json=good))


async def ended_session(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    assert (await client.delete("/sessies/huidige", headers=headers)).status_code == 204
    return outcome(await client.get("/vorderingenoverzicht", headers=headers))


async def low_level(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client, level="basis")
    return outcome(await client.get("/vorderingenoverzicht", headers=headers))


async def others_arrangement(fed: Federation, client: httpx.AsyncClient) -> Any:
    mine = await arrangement(fed, client, await fed.session(client, FIRST))
    other = await fed.session(client, SECOND)
    return outcome(await client.get(f"/betalingsregelingen/{mine['id']}", headers=other))


async def others_pause(fed: Federation, client: httpx.AsyncClient) -> Any:
    end = (today(fed) + timedelta(days=30)).date().isoformat()
    created = await client.post("/pauzes", json={"einddatum": end},
                                headers=await fed.session(client, FIRST))
    other = await fed.session(client, SECOND)
    return outcome(await client.delete(f"/pauzes/{created.json()['id']}", headers=other))


# --- envelope and document --------------------------------------------------------------------


async def signature(fed: Federation, client: httpx.AsyncClient) -> Any:
    return signature_state(await envelope(fed, client), fed.source_key)


async def document_violations(fed: Federation, client: httpx.AsyncClient) -> Any:
    """The rules both citizens' documents break (the schema counted as /document/schema-open)."""
    found = set()
    for bsn in DEFAULT_TEST_BSNS:
        document = (await envelope(fed, client, bsn))["document"]
        found |= {v.rule for v in document_rules.violations(document, bsn=bsn)}
        if list(specfiles.validator("vorderingendocument").iter_errors(document)):
            found.add("/document/schema-open")
    return sorted(found)


async def source_oin(fed: Federation, client: httpx.AsyncClient) -> Any:
    return (await envelope(fed, client))["document"]["bron"]["oin"]


async def id_stability(fed: Federation, client: httpx.AsyncClient) -> Any:
    first = (await envelope(fed, client))["document"]
    second = (await envelope(fed, client))["document"]
    return sorted({v.rule for v in document_rules.unstable_event_ids(first, second)})


# --- HTTP conventions ---------------------------------------------------------------------------


async def malformed_body(fed: Federation, client: httpx.AsyncClient) -> Any:
    response = await client.post("/sessies", content=b"{certificaat",
                                 headers={"Content-Type": "application/json"})
    return outcome(response)


async def version_header(fed: Federation, client: httpx.AsyncClient) -> Any:
    return (await client.get("/configuratie")).headers.get("API-Version")


async def unknown_path(fed: Federation, client: httpx.AsyncClient) -> Any:
    response = await client.get("/bestaat-niet")
    return response.headers.get("content-type"), outcome(response)


async def trailing_slash(fed: Federation, client: httpx.AsyncClient) -> Any:
    return outcome(await client.get("/configuratie/"))


async def preflight(fed: Federation, client: httpx.AsyncClient) -> Any:
    response = await client.options("/betalingsregelingen", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
    return (response.status_code, response.headers.get("Access-Control-Allow-Origin"),
            response.headers.get("Access-Control-Allow-Methods"))


async def nosniff(fed: Federation, client: httpx.AsyncClient) -> Any:
    return (await client.get("/configuratie")).headers.get("X-Content-Type-Options")


# --- arrangements, pauses, help requests ----------------------------------------------------------


async def schedule_amounts(fed: Federation, client: httpx.AsyncClient) -> Any:
    offer = await quote(fed, client, await fed.session(client), termijnbedrag=3000)
    return [t["bedrag"] for t in offer.json()["termijnen"]]


async def below_minimum(fed: Federation, client: httpx.AsyncClient) -> Any:
    response = await quote(fed, client, await fed.session(client), termijnbedrag=2499)
    return outcome(response), [r["code"] for r in response.json().get("redenen", [])]


async def retried_acceptance(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    offer = (await quote(fed, client, headers, termijnbedrag=AMOUNT)).json()
    accept = {"json": {"voorstel_id": offer["voorstel_id"]},
              "headers": {**headers, "Idempotency-Key": "poging-1"}}
    first = await client.post("/betalingsregelingen", **accept)
    again = await client.post("/betalingsregelingen", **accept)
    listing = await client.get("/betalingsregelingen", headers=headers)
    return (again.status_code, again.headers.get("Idempotent-Replayed"),
            again.json().get("id") == first.json()["id"],
            len(listing.json()["betalingsregelingen"]))


async def withdrawal(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    created = await arrangement(fed, client, headers)
    return (await client.delete(f"/betalingsregelingen/{created['id']}", headers=headers)
            ).status_code


async def expired_quote(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    offer = (await quote(fed, client, headers, termijnbedrag=AMOUNT)).json()
    fed.now += 6  # voorstel_geldigheid_s is 5
    response = await client.post("/betalingsregelingen", json={"voorstel_id": offer["voorstel_id"]},
                                 headers={**headers, "Idempotency-Key": "k"})
    return outcome(response)


async def long_pause(fed: Federation, client: httpx.AsyncClient) -> Any:
    end = (today(fed) + timedelta(days=121)).date().isoformat()
    response = await client.post("/pauzes", json={"einddatum": end},
                                 headers=await fed.session(client))
    return outcome(response), [r["code"] for r in response.json().get("redenen", [])]


async def paused_in_document(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    end = (today(fed) + timedelta(days=30)).date().isoformat()
    pause = (await client.post("/pauzes", json={"einddatum": end, "zaakkenmerken": [FINE]},
                               headers=headers)).json()
    document = (await client.get("/vorderingenoverzicht", headers=headers)).json()["document"]
    case = next(c for c in document["financiele_zaken"] if c["zaakkenmerk"] == FINE)
    return case["status"], case.get("pauze") == {"id": pause["id"], "einddatum": end}


async def tampered_help(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    forged = copy.deepcopy((await client.get("/vorderingenoverzicht", headers=headers)).json())
    forged["document"]["financiele_zaken"][0]["saldo"] -= 100  # a smaller debt
    bundle = {"bundelversie": "2.0", "aangemaakt_op": "2026-01-01T10:00:00Z",
              "enveloppen": [forged]}
    response = await client.post("/hulpvragen", json={"bundel": bundle, "toestemming": True},
                                 headers=headers)
    return refused_envelopes(response)


async def without_proof(fed: Federation, client: httpx.AsyncClient) -> Any:
    certificate = fed.certificate(FIRST, ECKey.generate_key("P-256"))
    return outcome(await client.post("/sessies", json={"certificaat": certificate}))


async def challenge_header(fed: Federation, client: httpx.AsyncClient) -> Any:
    return (await client.get("/vorderingenoverzicht")).headers.get("WWW-Authenticate")


async def session_lifetime(fed: Federation, client: httpx.AsyncClient) -> Any:
    until = datetime.fromisoformat((await fed.open(client)).json()["verloopt_op"])
    return int(until.timestamp() - int(fed.now))


async def bsn_in_query(fed: Federation, client: httpx.AsyncClient) -> Any:
    response = await client.get("/vorderingenoverzicht", params={"bsn": SECOND},
                                headers=await fed.session(client, FIRST))
    return response.json()["document"]["bsn"]


async def bsn_in_header(fed: Federation, client: httpx.AsyncClient) -> Any:
    response = await client.get("/vorderingenoverzicht", headers={
        **await fed.session(client, FIRST), "X-BSN": SECOND})
    return response.json()["document"]["bsn"]


async def form_body(fed: Federation, client: httpx.AsyncClient) -> Any:
    return outcome(await client.post("/sessies", content=b"certificaat=x&bewijs=y", headers={
        "Content-Type": "application/x-www-form-urlencoded"}))


async def unknown_member(fed: Federation, client: httpx.AsyncClient) -> Any:
    end = (today(fed) + timedelta(days=30)).date().isoformat()
    return outcome(await client.post("/pauzes", json={"einddatum": end, "reden": "vakantie"},
                                     headers=await fed.session(client)))


async def every_reason(fed: Federation, client: httpx.AsyncClient) -> Any:
    response = await client.post("/betalingsregelingen/voorstellen", json={
        "zaakkenmerken": [FINE, "ONBEKEND-1"], "termijnbedrag": 100},
        headers=await fed.session(client))
    return sorted(r["code"] for r in response.json()["redenen"])


async def arranged_in_document(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    created = await arrangement(fed, client, headers)
    document = (await client.get("/vorderingenoverzicht", headers=headers)).json()["document"]
    case = next(c for c in document["financiele_zaken"] if c["zaakkenmerk"] == FINE)
    return case["status"], (case.get("betalingsregeling") or {}).get("id") == created["id"]


async def ending_twice(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    end = (today(fed) + timedelta(days=30)).date().isoformat()
    pause = (await client.post("/pauzes", json={"einddatum": end}, headers=headers)).json()
    return [(await client.delete(f"/pauzes/{pause['id']}", headers=headers)).status_code
            for _ in range(2)]


async def charges_while_paused(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    end = (today(fed) + timedelta(days=30)).date().isoformat()
    await client.post("/pauzes", json={"einddatum": end, "zaakkenmerken": [FINE]},
                      headers=headers)
    document = (await client.get("/vorderingenoverzicht", headers=headers)).json()["document"]
    case = next(c for c in document["financiele_zaken"] if c["zaakkenmerk"] == FINE)
    return [e["categorie"] for e in case["gebeurtenissen"]
            if e.get("categorie") in ("rente", "verhoging")
            and datetime.fromisoformat(e["datumtijd"]).timestamp() >= int(fed.now)]


async def others_envelope(fed: Federation, client: httpx.AsyncClient) -> Any:
    theirs = await envelope(fed, client, SECOND)
    bundle = {"bundelversie": "2.0", "aangemaakt_op": "2026-01-01T10:00:00Z",
              "enveloppen": [theirs]}
    response = await client.post("/hulpvragen", json={"bundel": bundle, "toestemming": True},
                                 headers=await fed.session(client, FIRST))
    return refused_envelopes(response)


def refused_envelopes(response: httpx.Response) -> Any:
    """The answer to a help request and the indexes of the envelopes it refuses (the exact
    codes are asserted in test_broken_gallery.py; here only refused-or-not matters)."""
    listed = response.json().get("ongeldige_enveloppen") or []
    return outcome(response), [entry["index"] for entry in listed]


async def challenge_lifetime(fed: Federation, client: httpx.AsyncClient) -> Any:
    until = (await client.post("/sessies/uitdagingen")).json()["verloopt_op"]
    return int(datetime.fromisoformat(until).timestamp() - int(fed.now))


async def padded_certificate(fed: Federation, client: httpx.AsyncClient) -> Any:
    app_key = ECKey.generate_key("P-256")
    head, payload, sig = fed.certificate(FIRST, app_key).split(".")
    body = {"certificaat": f"{head}=.{payload}.{sig}",
            "bewijs": fed.proof(app_key, await fed.nonce(client))}
    return outcome(await client.post("/sessies", json=body))


async def der_signature(fed: Federation, client: httpx.AsyncClient) -> Any:
    app_key = ECKey.generate_key("P-256")
    head, payload, _sig = fed.certificate(FIRST, app_key).split(".")
    der = fed.am_key.private_key.sign(f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    body = {"certificaat": f"{head}.{payload}.{b64(der)}",
            "bewijs": fed.proof(app_key, await fed.nonce(client))}
    return outcome(await client.post("/sessies", json=body))


async def token_holds_bsn(fed: Federation, client: httpx.AsyncClient) -> Any:
    token = (await fed.open(client)).json()["sessietoken"]
    return FIRST.encode() in base64.urlsafe_b64decode(token + "=")


async def no_claims(fed: Federation, client: httpx.AsyncClient) -> Any:
    response = await client.get("/vorderingenoverzicht",
                                headers=await fed.session(client, NO_CLAIMS))
    return response.status_code, response.json().get("document", {}).get("financiele_zaken")


async def case_ids_twice(fed: Federation, client: httpx.AsyncClient) -> Any:
    first = (await envelope(fed, client, SECOND))["document"]
    second = (await envelope(fed, client, SECOND))["document"]
    return sorted({v.rule for v in document_rules.unstable_case_ids(first, second)})


async def problem_schema_errors(fed: Federation, client: httpx.AsyncClient) -> Any:
    body = (await client.get("/bestaat-niet")).json()
    return [e.message for e in specfiles.validator("probleem").iter_errors(body)]


async def allow_header(fed: Federation, client: httpx.AsyncClient) -> Any:
    return (await client.delete("/configuratie")).headers.get("Allow")


async def unknown_path_status(fed: Federation, client: httpx.AsyncClient) -> Any:
    return outcome(await client.get("/bestaat-niet"))


async def listed_services(fed: Federation, client: httpx.AsyncClient) -> Any:
    return (await client.get("/configuratie")).json()["diensten"]


async def minimum_amount(fed: Federation, client: httpx.AsyncClient) -> Any:
    return (await quote(fed, client, await fed.session(client), termijnbedrag=2500)).status_code


async def others_quote(fed: Federation, client: httpx.AsyncClient) -> Any:
    offer = (await quote(fed, client, await fed.session(client, FIRST), termijnbedrag=AMOUNT))
    response = await client.post("/betalingsregelingen", json={
        "voorstel_id": offer.json()["voorstel_id"]}, headers={
        **await fed.session(client, SECOND), "Idempotency-Key": "k"})
    return outcome(response)


async def key_of_another_citizen(fed: Federation, client: httpx.AsyncClient) -> Any:
    """The second citizen sends the first citizen's key with the first citizen's body."""
    first = await fed.session(client, FIRST)
    offer = (await quote(fed, client, first, termijnbedrag=AMOUNT)).json()
    accept = {"json": {"voorstel_id": offer["voorstel_id"]}}
    made = await client.post("/betalingsregelingen", **accept,
                             headers={**first, "Idempotency-Key": "gedeeld"})
    assert made.status_code == 201, made.text
    second = await fed.session(client, SECOND)
    return outcome(await client.post("/betalingsregelingen", **accept,
                                     headers={**second, "Idempotency-Key": "gedeeld"}))


async def concurrent_acceptances(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    offer = (await quote(fed, client, headers, termijnbedrag=AMOUNT)).json()
    keyed = {**headers, "Idempotency-Key": "gelijktijdig"}
    await asyncio.gather(*(client.post("/betalingsregelingen", headers=keyed, json={
        "voorstel_id": offer["voorstel_id"]}) for _ in range(2)))
    listing = await client.get("/betalingsregelingen", headers=headers)
    return len(listing.json()["betalingsregelingen"])


async def named_pause(fed: Federation, client: httpx.AsyncClient) -> Any:
    end = (today(fed) + timedelta(days=30)).date().isoformat()
    created = await client.post("/pauzes", json={"einddatum": end, "zaakkenmerken": [FINE]},
                                headers=await fed.session(client))
    return created.json()["zaakkenmerken"]


async def without_consent(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    own = (await client.get("/vorderingenoverzicht", headers=headers)).json()
    bundle = {"bundelversie": "2.0", "aangemaakt_op": "2026-01-01T10:00:00Z",
              "enveloppen": [own]}
    return outcome(await client.post("/hulpvragen", json={"bundel": bundle}, headers=headers))


def _certificate(claims: Callable[[Federation], dict]) -> Probe:
    async def probe(fed: Federation, client: httpx.AsyncClient) -> Any:
        return outcome(await fed.open(client, cert={"claims": claims(fed)}))
    return probe


def _old(fed: Federation) -> int:
    return int(fed.now) - 7200


early_certificate = _certificate(  # valid from 40 s ahead: inside CLOCK_SKEW_S
    lambda f: {"iat": int(f.now) + 40, "nbf": int(f.now) + 40, "exp": int(f.now) + 640})
expired_certificate = _certificate(
    lambda f: {"iat": _old(f), "nbf": _old(f), "exp": _old(f) + 3600})
long_lived_certificate = _certificate(lambda f: {"exp": int(f.now) + 86400})
revoked_certificate = _certificate(lambda f: {"jti": f.revoked_jti})


# --- request proofs (verzoek-bewijs) and the session's binding -------------------------------


def proof_probe(**overrides: Any) -> Probe:
    """GET /vorderingenoverzicht with a request proof built with `overrides`."""
    async def probe(fed: Federation, client: httpx.AsyncClient) -> Any:
        headers = await fed.session(client)
        token = headers["Authorization"].removeprefix("Sessie ")
        proof = fed.request_proof(fed.app_keys[token], token, "GET", "/vorderingenoverzicht",
                                  **overrides)
        return outcome(await client.get("/vorderingenoverzicht",
                                        headers={**headers, "Verzoek-Bewijs": proof}))
    return probe


async def bearer_scheme(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    token = headers["Authorization"].removeprefix("Sessie ")
    proof = fed.request_proof(fed.app_keys[token], token, "GET", "/vorderingenoverzicht")
    return outcome(await client.get("/vorderingenoverzicht", headers={
        "Authorization": f"Bearer {token}", "Verzoek-Bewijs": proof}))


async def without_request_proof(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = {**await fed.session(client), SKIP_PROOF: "1"}
    return outcome(await client.get("/vorderingenoverzicht", headers=headers))


async def replayed_request(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    token = headers["Authorization"].removeprefix("Sessie ")
    proof = fed.request_proof(fed.app_keys[token], token, "GET", "/vorderingenoverzicht")
    copied = {**headers, "Verzoek-Bewijs": proof}
    first = await client.get("/vorderingenoverzicht", headers=copied)
    return outcome(first), outcome(await client.get("/vorderingenoverzicht", headers=copied))


async def simultaneous_replays(fed: Federation, client: httpx.AsyncClient) -> Any:
    """One request proof sent three times at the same moment: the answers, sorted."""
    headers = await fed.session(client)
    token = headers["Authorization"].removeprefix("Sessie ")
    proof = fed.request_proof(fed.app_keys[token], token, "GET", "/vorderingenoverzicht")
    copied = {**headers, "Verzoek-Bewijs": proof}
    answers = await asyncio.gather(*(client.get("/vorderingenoverzicht", headers=copied)
                                     for _ in range(3)))
    return sorted(map(outcome, answers), key=str)


async def session_past_certificate(fed: Federation, client: httpx.AsyncClient) -> Any:
    """A certificate expiring in 100 s: after 200 s the session is gone."""
    app_key = ECKey.generate_key("P-256")
    iat = int(fed.now)
    opened = await fed.open(client, app_key=app_key,
                            cert={"claims": {"exp": iat + 100}})
    token = opened.json()["sessietoken"]
    fed.app_keys[token] = app_key
    fed.now += 200
    return outcome(await client.get("/vorderingenoverzicht",
                                    headers={"Authorization": f"Sessie {token}"}))


def _now_plus(seconds: int) -> Callable[[Federation], dict]:
    return lambda fed: {"iat": int(fed.now) + seconds}


def timed_proof(seconds: int) -> Probe:
    async def probe(fed: Federation, client: httpx.AsyncClient) -> Any:
        return await proof_probe(claims=_now_plus(seconds)(fed))(fed, client)
    return probe


# --- versions and discovery --------------------------------------------------------------------


async def announced_version(fed: Federation, client: httpx.AsyncClient) -> Any:
    return (await client.get("/configuratie")).json()["api_versie"]


async def document_version(fed: Federation, client: httpx.AsyncClient) -> Any:
    return (await envelope(fed, client))["document"]["documentversie"]


async def openapi_json(fed: Federation, client: httpx.AsyncClient) -> Any:
    response = await client.get("/openapi.json")
    return response.status_code, response.json().get("info", {}).get("version")


async def preflight_headers(fed: Federation, client: httpx.AsyncClient) -> Any:
    response = await client.options("/vorderingenoverzicht", headers={
        "Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
    return "Verzoek-Bewijs" in response.headers.get("Access-Control-Allow-Headers", "")


async def pause_location(fed: Federation, client: httpx.AsyncClient) -> Any:
    headers = await fed.session(client)
    end = (today(fed) + timedelta(days=30)).date().isoformat()
    created = await client.post("/pauzes", json={"einddatum": end}, headers=headers)
    read = await client.get(created.headers["Location"], headers=headers)
    return read.status_code, read.json().get("id") == created.json()["id"]


async def body_before_session(fed: Federation, client: httpx.AsyncClient) -> Any:
    return outcome(await client.post("/betalingsregelingen/voorstellen", json={"x": 1}))


VERSION_PROBES: dict[str, tuple[Probe, Any]] = {
    "api-versie-met-patch": (announced_version, WIRE_VERSION),
    "documentversie-met-patch": (document_version, WIRE_VERSION),
    "api-version-zonder-patch": (version_header, API_VERSION),
    "geen-openapi-json": (openapi_json, (200, specfiles.openapi()["info"]["version"])),
    "cors-zonder-verzoekbewijs": (preflight_headers, True),
    "pauze-niet-leesbaar": (pause_location, (200, True)),
    "body-voor-sessie": (body_before_session, (401, "sessie/token-ontbreekt")),
}


REQUEST_PROOF_PROBES: dict[str, tuple[Probe, Any]] = {
    "bearer-geaccepteerd": (bearer_scheme, (401, "sessie/token-ontbreekt")),
    "verzoekbewijs-niet-vereist": (without_request_proof, (401, "verzoekbewijs/ontbreekt")),
    "verzoekbewijs-alg-none-geaccepteerd": (
        proof_probe(alg="none"), (401, "verzoekbewijs/algoritme-niet-toegestaan")),
    "verzoekbewijs-typ-niet-gecontroleerd": (
        proof_probe(header={"typ": "sessie-bewijs+jwt"}), (401, "verzoekbewijs/verkeerd-type")),
    "verzoekbewijs-verboden-header-geaccepteerd": (
        proof_probe(header={"x5c": ["MIIB"]}), (401, "verzoekbewijs/verboden-header")),
    "verzoekbewijs-sleutel-niet-gecontroleerd": (
        proof_probe(key=ECKey.generate_key("P-256")), (401, "verzoekbewijs/handtekening-ongeldig")),
    "verzoekbewijs-claims-niet-gecontroleerd": (
        proof_probe(claims={"extra": 1}), (401, "verzoekbewijs/claims-ongeldig")),
    "verzoekbewijs-ath-niet-gecontroleerd": (
        proof_probe(claims={"ath": b64(b"x" * 32)}), (401, "verzoekbewijs/token-onjuist")),
    "verzoekbewijs-htm-niet-gecontroleerd": (
        proof_probe(claims={"htm": "POST"}), (401, "verzoekbewijs/verkeerde-methode")),
    "verzoekbewijs-htu-niet-gecontroleerd": (
        proof_probe(claims={"htu": API_URL + "/pauzes"}), (401, "verzoekbewijs/verkeerde-url")),
    "verzoekbewijs-oud-geaccepteerd": (timed_proof(-200), (401, "verzoekbewijs/verlopen")),
    "verzoekbewijs-toekomst-geaccepteerd": (
        timed_proof(200), (401, "verzoekbewijs/nog-niet-geldig")),
    "verzoekbewijs-herbruikbaar": (
        replayed_request, ((200, None), (401, "verzoekbewijs/hergebruikt"))),
    "verzoekbewijs-cache-niet-atomair": (
        simultaneous_replays, [(200, None), *[(401, "verzoekbewijs/hergebruikt")] * 2]),
    "sessie-bewijs-api-url-niet-gecontroleerd": (
        opening(proof={"claims": {"api_url": "http://127.0.0.1:9/vorderingen/v2"}}),
        (401, "bewijs/verkeerd-eindpunt")),
    "sessie-langer-dan-certificaat": (session_past_certificate, (401, "sessie/token-ongeldig")),
}


PROBES: dict[str, tuple[Probe, Any]] = {
    "lange-nonce-geldigheid": (challenge_lifetime, 120),
    "nonce-voor-ontvanger": (opening(proof={"claims": {"aud": OTHER_OIN, "nonce": "N" * 43}}),
                             (401, "bewijs/verkeerde-ontvanger")),
    "bewijs-claims-niet-gecontroleerd": (opening(proof={"claims": {"bsn": SECOND}}),
                                         (401, "bewijs/claims-ongeldig")),
    "certificaat-claims-niet-gecontroleerd": (opening(cert={"claims": {"rol": "beheerder"}}),
                                              (401, "certificaat/claims-ongeldig")),
    "geen-klokafwijking": (early_certificate, (201, None)),
    "padding-geaccepteerd": (padded_certificate, (401, "certificaat/ongeldig-formaat")),
    "der-handtekening-geaccepteerd": (der_signature, (401, "certificaat/handtekening-ongeldig")),
    "kid-optioneel": (opening(cert={"header": {"kid": OMIT}}),
                      (401, "certificaat/sleutel-onbekend")),
    "voorspelbaar-sessietoken": (token_holds_bsn, False),
    "geen-document-zonder-zaken": (no_claims, (200, [])),
    "instabiel-zaakkenmerk": (case_ids_twice, []),
    "probleem-zonder-detail": (problem_schema_errors, []),
    "geen-allow-header": (allow_header, "GET, HEAD"),
    "auth-voor-routering": (unknown_path_status, (404, "algemeen/niet-gevonden")),
    "dienst-niet-vermeld": (listed_services, ["vorderingenoverzicht", "betalingsregelingen",
                                              "pauzes", "hulpvragen"]),
    "minimum-termijnbedrag-exclusief": (minimum_amount, 201),
    "andermans-voorstel-geaccepteerd": (others_quote, (422, "betalingsregeling/voorstel-onbekend")),
    "geen-vergrendeling": (concurrent_acceptances, 1),
    "pauze-dekt-alles": (named_pause, [FINE]),
    "toestemming-niet-vereist": (without_consent, (400, "verzoek/ongeldig")),
    "sessie-zonder-bewijs": (without_proof, (400, "verzoek/ongeldig")),
    "onbekende-nonce-geaccepteerd": (opening(proof={"claims": {"nonce": "N" * 43}}),
                                     (401, "bewijs/nonce-onbekend")),
    "geen-www-authenticate": (challenge_header, 'Sessie realm="vorderingen"'),
    "lange-sessie": (session_lifetime, 900),
    "bsn-uit-query": (bsn_in_query, FIRST),
    "bsn-uit-header-bekende-burger": (bsn_in_header, FIRST),
    "verkeerde-bron-oin": (source_oin, OIN),
    "dubbel-zaakkenmerk": (document_violations, []),
    "verplicht-zonder-correctie": (document_violations, []),
    "saldo-datumtijd-te-vroeg": (document_violations, []),
    "afgelost-met-saldo": (document_violations, []),
    "onbekende-status": (document_violations, []),
    "mediatype-niet-gecontroleerd": (form_body, (415, "verzoek/mediatype-niet-ondersteund")),
    "onbekende-velden-geaccepteerd": (unknown_member, (400, "verzoek/ongeldig")),
    "alleen-eerste-reden": (every_reason, ["te-veel-termijnen", "termijnbedrag-te-laag",
                                           "zaak-onbekend"]),
    "regeling-niet-in-document": (arranged_in_document, ("in_regeling", True)),
    "pauze-beeindigen-niet-herhaalbaar": (ending_twice, [204, 204]),
    "verhoging-tijdens-pauze": (charges_while_paused, []),
    "hulpvraag-bsn-niet-gecontroleerd": (
        others_envelope, ((422, "hulpvraag/envelop-ongeldig"), [0])),
    "nonce-herbruikbaar": (replay, (401, "bewijs/nonce-gebruikt")),
    "nonce-verbruikt-bij-fout": (retry_after_failure,
                                 ((401, "certificaat/handtekening-ongeldig"), (201, None))),
    "aud-niet-gecontroleerd": (opening(proof={"claims": {"aud": OTHER_OIN}}),
                               (401, "bewijs/verkeerde-ontvanger")),
    "oud-bewijs-geaccepteerd": (opening(proof={"claims": {"iat": 0}}), (401, "bewijs/verlopen")),
    "bewijs-sleutel-niet-gecontroleerd": (
        opening(proof={"key": ECKey.generate_key("P-256")}), (401, "bewijs/sleutel-onbekend")),
    "verlopen-certificaat-geaccepteerd": (expired_certificate, (401, "certificaat/verlopen")),
    "looptijd-niet-gecontroleerd": (long_lived_certificate, (401, "certificaat/looptijd-te-lang")),
    "intrekking-genegeerd": (revoked_certificate, (401, "certificaat/ingetrokken")),
    "onbekende-app-manager-geaccepteerd": (
        opening(cert={"claims": {"iss": "onbekende-app-manager"},
                      "key": ECKey.generate_key("P-256")}),
        (401, "certificaat/uitgever-onbekend")),
    "alg-none-geaccepteerd": (opening(cert={"alg": "none"}),
                              (401, "certificaat/algoritme-niet-toegestaan")),
    "hs256-geaccepteerd": (opening(cert={"alg": "HS256"}),
                           (401, "certificaat/algoritme-niet-toegestaan")),
    "verboden-header-geaccepteerd": (opening(cert={"header": {"jku": "https://evil.example/k"}}),
                                     (401, "certificaat/verboden-header")),
    "typ-niet-gecontroleerd": (opening(cert={"header": {"typ": "sessie-bewijs+jwt"}}),
                               (401, "certificaat/verkeerd-type")),
    "sessie-niet-beeindigd": (ended_session, (401, "sessie/token-ongeldig")),
    "niveau-niet-gecontroleerd": (low_level, (403, "sessie/niveau-te-laag")),
    "lekt-andermans-regeling": (others_arrangement, (404, "algemeen/niet-gevonden")),
    "andermans-pauze-403": (others_pause, (404, "algemeen/niet-gevonden")),
    "verkeerde-sleutel": (signature, "geldig"),
    "handtekening-niet-detached": (signature, "geldig"),
    "geen-jcs": (signature, "geldig"),
    "float-bedragen": (document_violations, []),
    "saldo-klopt-niet": (document_violations, []),
    "vereffend-zonder-kwijtschelding": (document_violations, []),
    "dubbele-gebeurtenis-id": (document_violations, []),
    "instabiele-gebeurtenis-ids": (id_stability, []),
    "dangling-referentie": (document_violations, []),
    "datumtijd-zonder-offset": (document_violations, []),
    "achterstand-te-hoog": (document_violations, []),
    "5xx-bij-fout-verzoek": (malformed_body, (400, "verzoek/ongeldig")),
    "geen-api-version": (version_header, API_VERSION),
    "geen-problem-json": (unknown_path,
                          ("application/problem+json", (404, "algemeen/niet-gevonden"))),
    "trailing-slash-geaccepteerd": (trailing_slash, (404, "algemeen/niet-gevonden")),
    "geen-cors": (preflight, (204, "*", "GET, POST")),
    "geen-nosniff": (nosniff, "nosniff"),
    "schema-regel-fout": (schedule_amounts, [3000, 3000, 3000, 1600]),
    "limiet-niet-gehandhaafd": (below_minimum,
                                ((422, "betalingsregeling/niet-mogelijk"),
                                 ["termijnbedrag-te-laag"])),
    "niet-idempotent": (retried_acceptance, (201, "true", True, 1)),
    "sleutels-voor-alle-burgers": (key_of_another_citizen,
                                   (422, "betalingsregeling/voorstel-onbekend")),
    "intrekken-onmogelijk": (withdrawal, 204),
    "voorstel-verloopt-niet": (expired_quote, (409, "betalingsregeling/voorstel-verlopen")),
    "pauze-limiet-genegeerd": (long_pause, ((422, "pauze/niet-mogelijk"), ["einddatum-ongeldig"])),
    "pauze-niet-in-document": (paused_in_document, ("gepauzeerd", True)),
    "hulpvraag-zonder-verificatie": (
        tampered_help, ((422, "hulpvraag/envelop-ongeldig"), [0])),
    **REQUEST_PROOF_PROBES,
    **VERSION_PROBES,
    **TOKENS_PROBES,
    **DOMEIN_PROBES,
    **INCASSO_PROBES,
    **{name: (document_violations, []) for name in DOCUMENT_FLAWS},
    "korte-levensduur-niet-gehouden": (announced_nonce_lifetime_kept, True),
}

