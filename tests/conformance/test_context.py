"""CheckContext against the gallery's correct source: real sessions, real signatures."""

from __future__ import annotations

import gzip

import httpx
import pytest

from conformance import broken, jose, keys
from conformance.checks.base import expect_problem, fail, problem_code
from conformance.context import CheckContext
from conformance.envelope import verify_envelope
from conformance.errors import CheckFailed, SessionUnavailable

FIRST, SECOND = broken.DEFAULT_TEST_BSNS

pytestmark = pytest.mark.anyio


@pytest.fixture
async def ctx(suite_keys: keys.SuiteKeys, gallery_target):
    context = await CheckContext.create(
        gallery_target.base_url,
        keys=suite_keys,
        scheme=keys.load_scheme(suite_keys),
        test_bsns=[FIRST, SECOND],
        transport=gallery_target.transport,
    )
    async with context:
        yield context


async def test_target_is_filled_in_from_configuratie(ctx: CheckContext, gallery_target) -> None:
    assert ctx.target.oin == gallery_target.oin
    assert ctx.config["oin"] == gallery_target.oin
    assert ctx.target.profile == {"basis", "betalingsregelingen", "pauzes", "hulpvragen"}
    assert ctx.actors.target_oin == gallery_target.oin
    assert ctx.other_bsn(FIRST) == SECOND and ctx.other_bsn(SECOND) == FIRST


async def test_a_session_opens_and_its_envelope_verifies(ctx: CheckContext) -> None:
    session = await ctx.session()
    assert len(session.token) == 43 and session.bsn == FIRST
    envelope = await ctx.overview(session)
    assert verify_envelope(envelope, ctx.scheme, expected_bsn=FIRST) is None
    assert envelope["document"]["bsn"] == FIRST
    last = ctx.exchanges[-1]
    assert last.request.headers["authorization"] == f"Sessie {session.token}"
    _head, claims = jose.decode_unverified(last.request.headers["verzoek-bewijs"], "x")
    assert claims["htm"] == "GET" and claims["htu"] == ctx.url("/vorderingenoverzicht")
    assert claims["ath"] == jose.token_hash(session.token)
    assert session.certificate_claims["bsn"] == FIRST
    assert session.certificate_claims["identiteitsdienst"] and session.expires_at > ctx.now()


async def test_every_session_request_carries_a_fresh_proof_unless_told(
    ctx: CheckContext,
) -> None:
    session = await ctx.session()
    assert ctx.url("/vorderingenoverzicht?x=1") == ctx.api_url + "/vorderingenoverzicht"
    await ctx.get("/vorderingenoverzicht", session)
    await ctx.get("/vorderingenoverzicht", session)
    first, second = (r.request.headers["verzoek-bewijs"] for r in list(ctx.exchanges)[-2:])
    assert first != second  # a fresh jti each time: both were served
    assert all(r.status_code == 200 for r in list(ctx.exchanges)[-2:])
    expect_problem(await ctx.get("/vorderingenoverzicht", session, proof=None), 401,
                   "verzoekbewijs/ontbreekt")
    expect_problem(await ctx.get("/vorderingenoverzicht", session, proof=first), 401,
                   "verzoekbewijs/hergebruikt")
    expect_problem(await ctx.get("/vorderingenoverzicht", session.token, proof=None), 401,
                   "verzoekbewijs/ontbreekt")
    with pytest.raises(TypeError):
        await ctx.get("/vorderingenoverzicht", session.token)
    twice = [("Verzoek-Bewijs", ctx.request_proof(session, "GET", "/vorderingenoverzicht")),
             ("Verzoek-Bewijs", ctx.request_proof(session, "GET", "/vorderingenoverzicht"))]
    sent = await ctx.get("/vorderingenoverzicht", session.token, proof=None, headers=twice)
    assert len(sent.request.headers.get_list("verzoek-bewijs")) == 2
    expect_problem(sent, 401, "verzoekbewijs/ongeldig-formaat")
    post_proof = ctx.request_proof(session, "POST", "/vorderingenoverzicht")
    expect_problem(await ctx.get("/vorderingenoverzicht", session, proof=post_proof), 401,
                   "verzoekbewijs/verkeerde-methode")
    none = ctx.actors.request_proof(session.app_key, method="GET", token=session.token,
                                    url=ctx.url("/vorderingenoverzicht"),
                                    header={"alg": "none", "kid": None})
    assert none.endswith(".") and "kid" not in jose.decode_unverified(none, "x")[0]


async def test_raw_session_attempts_report_the_trust_codes(ctx: CheckContext) -> None:
    app = ctx.actors.new_app_key()
    nonce = await ctx.challenge()
    wrong_aud = ctx.actors.proof(app, nonce, aud="0" * 20)
    resp = await ctx.open_session(app_key=app, proof=wrong_aud)
    expect_problem(resp, 401, "bewijs/verkeerde-ontvanger")

    rogue = ctx.actors.certificate(FIRST, app, signing_key=ctx.actors.rogue_app_manager_key)
    resp = await ctx.open_session(app_key=app, certificate=rogue)
    expect_problem(resp, 401, "certificaat/sleutel-onbekend")

    revoked = ctx.actors.certificate(FIRST, app, claims={"jti": ctx.actors.revoked_jti})
    resp = await ctx.open_session(app_key=app, certificate=revoked)
    expect_problem(resp, 401, "certificaat/ingetrokken")

    forged = ctx.actors.certificate(FIRST, app, alg="none")
    resp = await ctx.open_session(app_key=app, certificate=forged)
    assert problem_code(resp) == "certificaat/algoritme-niet-toegestaan"


async def test_expect_problem_fails_with_evidence_and_names_the_difference(
    ctx: CheckContext,
) -> None:
    resp = await ctx.get("/configuratie")
    with pytest.raises(CheckFailed) as failed:
        expect_problem(resp, 404, "algemeen/niet-gevonden")
    finding = failed.value.finding
    assert "status 200 (expected 404)" in finding.message
    assert "'algemeen/niet-gevonden'" in finding.message
    assert finding.evidence[0].response_status == 200
    assert finding.evidence[0].request_url.endswith("/configuratie")
    with pytest.raises(CheckFailed) as named:
        fail("/http/iets", "wrong", resp)
    assert named.value.finding.rule == "/http/iets"
    with pytest.raises(CheckFailed) as own:
        fail("only a message", resp)
    assert own.value.finding.rule == "" and own.value.finding.message == "only a message"


async def test_eligible_case_finds_an_open_case_with_a_balance(ctx: CheckContext) -> None:
    zaakkenmerk = await ctx.eligible_case("betalingsregeling")
    document = (await ctx.overview(await ctx.session()))["document"]
    case = next(c for c in document["financiele_zaken"] if c["zaakkenmerk"] == zaakkenmerk)
    assert case["status"] == "open" and case["saldo"] > 0
    assert "betalingsregeling" in case["acties"]


async def test_a_refused_valid_session_is_session_unavailable(ctx: CheckContext) -> None:
    ctx.actors.app_manager_key = ctx.actors.rogue_app_manager_key  # the source won't know it
    with pytest.raises(SessionUnavailable, match="401 certificaat/sleutel-onbekend"):
        await ctx.session()


async def test_an_unreachable_endpoint_cannot_run(suite_keys: keys.SuiteKeys) -> None:
    from conformance.errors import CouldNotRun

    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(CouldNotRun, match="unreachable"):
        await CheckContext.create(
            "http://127.0.0.1:9/v1",
            keys=suite_keys,
            scheme={},
            transport=httpx.MockTransport(refuse),
        )


async def test_slow_checks_run_only_when_the_run_allows_them(
    suite_keys: keys.SuiteKeys, gallery_target, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conformance.checks.trust import SLOW_ENV, slow_checks_enabled

    monkeypatch.delenv(SLOW_ENV, raising=False)
    for slow in (False, True):
        context = await CheckContext.create(
            gallery_target.base_url,
            keys=suite_keys,
            scheme=keys.load_scheme(suite_keys),
            transport=gallery_target.transport,
            slow=slow,
        )
        async with context:
            assert slow_checks_enabled(context) is slow


# -- bounds on what the endpoint answers (conformance.http_limits) -------------------------


def _hostile_app(body: bytes, headers: list[tuple[bytes, bytes]]):
    async def app(scope, receive, send) -> None:
        if scope["type"] != "http":
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), *headers]})
        for start in range(0, len(body), 65536):
            await send({"type": "http.response.body", "body": body[start:start + 65536],
                        "more_body": True})
        await send({"type": "http.response.body", "body": b""})

    return app


HOSTILE_ANSWERS = {
    "too-large": (lambda: b" " * (3 * 1024 * 1024), [], "exceeds"),
    "gzip-bomb": (lambda: gzip.compress(bytes(64 * 1024 * 1024)),
                  [(b"content-encoding", b"gzip")], "inflates past"),
    "nested": (lambda: b"[" * 5000 + b"]" * 5000, [], "deeper than 100"),
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_ANSWERS))
async def test_an_answer_past_the_bounds_is_refused_cleanly(
    suite_keys: keys.SuiteKeys, kind: str
) -> None:
    """Every answer is bounded in size (after decompression) and JSON depth: /configuratie
    past a bound is one "could not run", never a RecursionError or gigabytes in memory."""
    from conformance.errors import CouldNotRun

    make_body, headers, says = HOSTILE_ANSWERS[kind]
    body = make_body()
    transport = httpx.ASGITransport(app=_hostile_app(body, headers))
    with pytest.raises(CouldNotRun, match=says):
        await CheckContext.create("http://bron.test/v2", keys=suite_keys,
                                  scheme={}, transport=transport)


async def test_evidence_kept_per_check_is_bounded(ctx: CheckContext) -> None:
    from conformance.context import EXCHANGES_KEPT

    for _ in range(EXCHANGES_KEPT + 5):
        await ctx.get("/configuratie")
    assert len(ctx.exchanges) == EXCHANGES_KEPT
