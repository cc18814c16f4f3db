"""The gallery's API and its correct baseline: the main flows behave as the standard says."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx
import pytest
from conftest import OIN, Federation, verify_envelope
from gallery_probes import FINE, FIRST, SECOND, outcome, quote, today
from joserfc.jwk import ECKey

from conformance import document_rules, specfiles
from conformance.broken import DEFAULT_TEST_BSNS, build_app, describe, list_broken, rule_broken
from conformance.broken.errors import SchemeRejected
from conformance.broken.source import API_VERSION

RULE_ID = re.compile(r"^(/[a-z0-9]+(-[a-z0-9]+)*){2}$")
FAMILIES = ("/sessie/", "/certificaat/", "/token/", "/envelop/", "/document/", "/http/",
            "/betalingsregeling/", "/pauze/", "/hulpvraag/")


def test_registry_is_consistent() -> None:
    names = list_broken()
    assert names == sorted(set(names)) and len(names) >= 40
    for name in names:
        assert re.fullmatch(r"[0-9a-z]+(-[0-9a-z]+)*", name)
        assert describe(name) and "\n" not in describe(name)
        assert RULE_ID.match(rule_broken(name)), rule_broken(name)
    for family in FAMILIES:
        assert any(rule_broken(n).startswith(family) for n in names), f"no flaw for {family}"
    with pytest.raises(KeyError, match="goed"):
        describe("goed")  # the baseline is not a listed flaw
    with pytest.raises(KeyError):
        build_app("bestaat-niet", oin=OIN, signing_key=None, scheme_key_jwk={},
                  scheme_document="")


def test_every_broken_rule_exists_in_the_rules_index() -> None:
    index = specfiles.rules()
    if not index:
        pytest.skip("spec/rules.yaml does not exist yet")
    known = {rule["id"] for rule in index["rules"]}
    assert sorted({rule_broken(n) for n in list_broken()} - known) == []


def test_a_scheme_that_does_not_verify_is_refused(federation: Federation) -> None:
    other = ECKey.generate_key("P-256")
    with pytest.raises(SchemeRejected) as refused:
        build_app(None, oin=OIN, signing_key=federation.source_key,
                  scheme_key_jwk=other.as_dict(private=False),
                  scheme_document=federation.scheme_document())
    assert refused.value.code == "stelsel/sleutel-onbekend"
    with pytest.raises(SchemeRejected, match="stelsel/verkeerde-omgeving"):
        federation.app(omgeving="productie")


@pytest.mark.anyio
async def test_configuratie_states_services_and_limits(federation: Federation) -> None:
    async with federation.client() as client:
        response = await client.get("/configuratie")
    body = response.json()
    assert response.status_code == 200 and response.headers["API-Version"] == API_VERSION
    assert list(specfiles.validator("configuratie").iter_errors(body)) == []
    assert body["oin"] == OIN and body["naam"] == "Testbron" and body["soort"] == "gemeente"
    assert body["minimaal_betrouwbaarheidsniveau"]["vorderingenoverzicht"] == "midden"
    assert body["minimaal_betrouwbaarheidsniveau"]["pauzes"] == "substantieel"
    assert body["betalingsregeling"] == {"minimum_termijnbedrag": 2500,
                                         "maximum_aantal_termijnen": 24, "bedenktijd_dagen": 14,
                                         "voorstel_geldigheid_s": 5, "vervaldag": 15,
                                         "minimale_aanlooptijd_dagen": 10,
                                         "maximaal_gemiste_termijnen": 2, "respijt_dagen": 5,
                                         "reservering_geldigheid_s": 120,
                                         "rente_basispunten": 400}
    assert body["pauze"] == {"maximum_duur_dagen": 120, "maximum_aantal": 8,
                             "periode_dagen": 90, "wachttijd_dagen": 3}


@pytest.mark.anyio
@pytest.mark.parametrize("bsn", DEFAULT_TEST_BSNS)
async def test_overview_is_a_valid_signed_envelope(federation: Federation, bsn: str) -> None:
    async with federation.client() as client:
        response = await client.get("/vorderingenoverzicht",
                                    headers=await federation.session(client, bsn))
    assert response.status_code == 200, response.text
    document = verify_envelope(response.json(), federation.source_key)
    assert list(specfiles.validator("envelop").iter_errors(response.json())) == []
    assert document_rules.violations(document, bsn=bsn) == []
    assert document["bsn"] == bsn and document["bron"] == {"oin": OIN, "naam": "Testbron"}
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.anyio
async def test_signing_key_may_be_a_joserfc_key(federation: Federation) -> None:
    app = build_app(None, oin=OIN, signing_key=federation.source_key,
                    scheme_key_jwk=federation.scheme_key.as_dict(private=False),
                    scheme_document=federation.scheme_document())
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://x",
                                 event_hooks={"request": [federation.sign_request]}) as client:
        envelope = (await client.get("/vorderingenoverzicht",
                                     headers=await federation.session(client))).json()
    verify_envelope(envelope, federation.source_key)


@pytest.mark.anyio
@pytest.mark.parametrize(("cert", "proof", "code"), [
    ({"header": {"kid": "onbekend"}}, None, "certificaat/sleutel-onbekend"),
    ({"claims": {"bsn": "123456789"}}, None, "certificaat/claims-ongeldig"),
    ({"claims": {"extra": 1}}, None, "certificaat/claims-ongeldig"),
    ({"claims": {"nbf": 9_999_999_999}}, None, "certificaat/nog-niet-geldig"),
    (None, {"header": {"typ": "JWT"}}, "bewijs/verkeerd-type"),
    (None, {"claims": {"nonce": "A" * 43}}, "bewijs/nonce-onbekend"),
    (None, {"claims": {"iat": 9_999_999_999}}, "bewijs/nog-niet-geldig"),
    (None, {"alg": "HS256"}, "bewijs/algoritme-niet-toegestaan"),
    (None, {"alg": "none"}, "bewijs/algoritme-niet-toegestaan"),
    # certificate problems come first, even when the proof is also wrong
    ({"header": {"typ": "JWT"}}, {"claims": {"aud": "0" * 20}}, "certificaat/verkeerd-type"),
])
async def test_session_refusals_carry_the_first_failing_code(
        federation: Federation, cert: dict | None, proof: dict | None, code: str) -> None:
    async with federation.client() as client:
        response = await federation.open(client, cert=cert, proof=proof)
    assert outcome(response) == (401, code)
    assert response.headers["WWW-Authenticate"] == 'Sessie realm="vorderingen"'


@pytest.mark.anyio
async def test_session_tokens(federation: Federation) -> None:
    async with federation.client() as client:
        opened = await federation.open(client, level="midden")
        body = opened.json()
        assert re.fullmatch(r"[A-Za-z0-9_-]{43}", body["sessietoken"])
        assert body["betrouwbaarheidsniveau"] == "midden"
        headers = await federation.session(client, level="midden")
        assert (await client.get("/vorderingenoverzicht", headers=headers)).status_code == 200
        assert outcome(await client.get("/pauzes", headers=headers)) == (
            403, "sessie/niveau-te-laag")
        missing = await client.get("/vorderingenoverzicht")
        assert outcome(missing) == (401, "sessie/token-ontbreekt")
        assert missing.headers["WWW-Authenticate"] == 'Sessie realm="vorderingen"'
        unknown = {"Authorization": "Sessie " + "x" * 43}
        assert outcome(await client.get("/pauzes", headers=unknown)) == (
            401, "sessie/token-ongeldig")
        federation.now += 901  # SESSION_TTL_S
        assert outcome(await client.get("/vorderingenoverzicht", headers=headers)) == (
            401, "sessie/token-ongeldig")


@pytest.mark.anyio
async def test_quotes_follow_the_schedule_rule_and_give_every_reason(
        federation: Federation) -> None:
    async with federation.client() as client:
        headers = await federation.session(client)
        offer = (await quote(federation, client, headers, aantal_termijnen=3)).json()
        assert offer["totaalbedrag"] == 10600 and offer["termijnbedrag"] == 3534
        assert [t["bedrag"] for t in offer["termijnen"]] == [3534, 3534, 3532]
        start = today(federation).date()
        first_due = (start.replace(day=1) + timedelta(days=32)).replace(day=1)
        assert offer["termijnen"][0]["vervaldatum"] == first_due.isoformat()
        refused = await client.post("/betalingsregelingen/voorstellen", headers=headers, json={
            "zaakkenmerken": [FINE, "ONBEKEND-1"], "termijnbedrag": 100})
        reasons = {(r["code"], r.get("zaakkenmerk")) for r in refused.json()["redenen"]}
        assert outcome(refused) == (422, "betalingsregeling/niet-mogelijk")
        assert reasons == {("zaak-onbekend", "ONBEKEND-1"), ("termijnbedrag-te-laag", None),
                           ("te-veel-termijnen", None)}
        both = await client.post("/betalingsregelingen/voorstellen", headers=headers, json={
            "zaakkenmerken": [FINE], "termijnbedrag": 2500, "aantal_termijnen": 3})
        assert outcome(both) == (400, "verzoek/ongeldig")


@pytest.mark.anyio
async def test_accepting_is_idempotent_and_withdrawable(federation: Federation) -> None:
    async with federation.client() as client:
        headers = await federation.session(client)
        offer = (await quote(federation, client, headers, termijnbedrag=2500)).json()
        body, keyed = {"voorstel_id": offer["voorstel_id"]}, {**headers, "Idempotency-Key": "a"}
        assert outcome(await client.post("/betalingsregelingen", json=body, headers=headers)) \
            == (400, "idempotentie/sleutel-ontbreekt")
        first, second = await asyncio.gather(
            client.post("/betalingsregelingen", json=body, headers=keyed),
            client.post("/betalingsregelingen", json=body, headers=keyed))
        assert first.status_code == second.status_code == 201
        assert first.json() == second.json()
        assert {first.headers.get("Idempotent-Replayed"),
                second.headers.get("Idempotent-Replayed")} == {None, "true"}
        created = first.json()
        assert first.headers["Location"].endswith(f"/betalingsregelingen/{created['id']}")
        other_body = {"voorstel_id": "00000000-0000-4000-8000-000000000000"}
        reused = await client.post("/betalingsregelingen", json=other_body, headers=keyed)
        assert outcome(reused) == (422, "idempotentie/sleutel-hergebruikt")
        assert outcome(await client.post("/betalingsregelingen", json=body, headers={
            **headers, "Idempotency-Key": "b"})) == (409, "betalingsregeling/voorstel-gebruikt")
        listing = (await client.get("/betalingsregelingen", headers=headers)).json()
        assert [a["id"] for a in listing["betalingsregelingen"]] == [created["id"]]
        assert await case_state(client, headers) == ("in_regeling", {"id": created["id"]})
        assert (await client.get(f"/betalingsregelingen/{created['id']}",
                                 headers=headers)).json()["gemiste_termijnen"] == 0
        assert (await client.delete(f"/betalingsregelingen/{created['id']}",
                                    headers=headers)).status_code == 204
        assert await case_state(client, headers) == ("open", None)
        again = (await client.get(f"/betalingsregelingen/{created['id']}", headers=headers)).json()
        assert again["status"] == "ingetrokken" and "ingetrokken_op" in again
        assert outcome(await client.get("/betalingsregelingen/not-a-uuid", headers=headers)) == (
            400, "verzoek/ongeldig")


async def case_state(client: httpx.AsyncClient, headers: dict) -> tuple:
    document = (await client.get("/vorderingenoverzicht", headers=headers)).json()["document"]
    case = next(c for c in document["financiele_zaken"] if c["zaakkenmerk"] == FINE)
    regeling = case.get("betalingsregeling")
    return case["status"], {"id": regeling["id"]} if regeling else None


@pytest.mark.anyio
async def test_cooling_off_period_ends(federation: Federation) -> None:
    async with federation.client() as client:
        headers = await federation.session(client)
        offer = (await quote(federation, client, headers, termijnbedrag=5000)).json()
        created = (await client.post("/betalingsregelingen", json={
            "voorstel_id": offer["voorstel_id"]}, headers={**headers, "Idempotency-Key": "k"}))
        federation.now += 15 * 86400
        headers = await federation.session(client)
        assert outcome(await client.delete(f"/betalingsregelingen/{created.json()['id']}",
                                           headers=headers)) == (
            409, "betalingsregeling/bedenktijd-verstreken")


@pytest.mark.anyio
async def test_pauses(federation: Federation) -> None:
    day = today(federation).date()
    async with federation.client() as client:
        headers = await federation.session(client)
        for days in (0, 121):
            refused = await client.post("/pauzes", headers=headers, json={
                "einddatum": (day + timedelta(days=days)).isoformat()})
            assert outcome(refused) == (422, "pauze/niet-mogelijk")
        end = (day + timedelta(days=120)).isoformat()
        created = await client.post("/pauzes", headers=headers, json={"einddatum": end})
        pause = created.json()
        assert created.status_code == 201 and pause["status"] == "actief"
        assert created.headers["Location"].endswith(f"/pauzes/{pause['id']}")
        assert len(pause["zaakkenmerken"]) == 3
        document = (await client.get("/vorderingenoverzicht", headers=headers)).json()["document"]
        assert {c["status"] for c in document["financiele_zaken"]} == {"gepauzeerd"}
        again = await client.post("/pauzes", headers=headers, json={"einddatum": end,
                                                                     "zaakkenmerken": [FINE]})
        assert again.json()["redenen"][0]["code"] == "zaak-al-gepauzeerd"
        assert (await client.delete(f"/pauzes/{pause['id']}", headers=headers)).status_code == 204
        assert (await client.delete(f"/pauzes/{pause['id']}", headers=headers)).status_code == 204
        listed = (await client.get("/pauzes", headers=headers)).json()["pauzes"]
        assert [p["status"] for p in listed] == ["beeindigd"]


@pytest.mark.anyio
async def test_help_requests_verify_every_envelope(federation: Federation) -> None:
    async with federation.client() as client:
        mine = await federation.session(client, FIRST)
        own = (await client.get("/vorderingenoverzicht", headers=mine)).json()
        theirs = (await client.get("/vorderingenoverzicht",
                                   headers=await federation.session(client, SECOND))).json()
        bundle = {"bundelversie": "2.0", "aangemaakt_op": "2026-01-01T10:00:00Z",
                  "enveloppen": [own]}
        accepted = await client.post("/hulpvragen", headers=mine, json={
            "bundel": bundle, "toestemming": True, "toelichting": "Graag hulp."})
        assert accepted.status_code == 201, accepted.text
        assert accepted.json()["status"] == "ontvangen"
        assert accepted.json()["aantal_enveloppen"] == 1
        bundle["enveloppen"] = [own, theirs]
        refused = await client.post("/hulpvragen", headers=mine,
                                    json={"bundel": bundle, "toestemming": True})
        assert outcome(refused) == (422, "hulpvraag/envelop-ongeldig")
        assert refused.json()["ongeldige_enveloppen"] == [{"index": 1,
                                                           "code": "envelop/bsn-onjuist"}]
        no_consent = await client.post("/hulpvragen", headers=mine,
                                       json={"bundel": bundle, "toestemming": False})
        assert outcome(no_consent) == (400, "verzoek/ongeldig")
