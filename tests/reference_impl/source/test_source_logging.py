"""The logs of a full flow name routes and outcomes, never a BSN, a token, a certificate,
a proof or a nonce (spec/trust-model.md §4: no BSN in any URL or log line)."""

from __future__ import annotations

import logging

import pytest
from source_support import CJIB, FATIMA, GEMEENTE, KEES, LOTTE, MOHAMED, SANNE, problem

from reference_impl.common.jose import generate_key

pytestmark = pytest.mark.anyio
CITIZENS = (SANNE, MOHAMED, LOTTE, KEES, FATIMA)


async def test_a_full_flow_logs_no_bsn_and_no_token(make_source, caplog: pytest.LogCaptureFixture):
    # Everything the reference writes, at every level; third-party libraries at INFO, the
    # level a server runs at (a database driver's DEBUG output echoes query parameters).
    caplog.set_level(logging.INFO)
    caplog.set_level(logging.DEBUG, logger="reference_impl")
    caplog.set_level(logging.DEBUG, logger="vorderingen")
    secrets: list[str] = []
    cjib = await make_source(CJIB)
    gemeente = await make_source(GEMEENTE)
    for source in (cjib, gemeente):
        app_key = generate_key()
        nonce = (await source.client.post("/sessies/uitdagingen")).json()["nonce"]
        certificate = source.trust.certificate(SANNE, app_key)
        proof = source.trust.proof(app_key, nonce, source.config.oin)
        session = await source.client.post("/sessies", json={"certificaat": certificate,
                                                              "bewijs": proof})
        token = session.json()["sessietoken"]
        source.trust.session_keys[token] = app_key
        replay = await source.client.post("/sessies", json={"certificaat": certificate,
                                                             "bewijs": proof})
        assert problem(replay) == (401, "bewijs/nonce-gebruikt")
        secrets += [nonce, certificate, proof, token]
        await source.client.get("/vorderingenoverzicht", token=token)
        secrets.append(source.client.last_headers["Verzoek-Bewijs"])
    envelopes = []
    for source in (cjib, gemeente):
        token = await source.session(SANNE)
        secrets.append(token)
        envelopes.append((await source.client.get("/vorderingenoverzicht", token=token)).json())
        quote = await source.client.post("/betalingsregelingen/voorstellen", token=token, json={
            "zaakkenmerken": [envelopes[-1]["document"]["financiele_zaken"][0]["zaakkenmerk"]],
            "aantal_termijnen": 3})
        accepted = await source.client.post(
            "/betalingsregelingen", token=token, headers={"Idempotency-Key": "k-1"},
            json={"voorstel_id": quote.json()["voorstel_id"]})
        await source.client.delete(f"/betalingsregelingen/{accepted.json()['id']}", token=token)
        await source.client.post("/pauzes", token=token, json={"einddatum": "2026-01-20"})
    token = await gemeente.session(SANNE)
    secrets.append(token)
    bundle = {"bundelversie": "2.0", "aangemaakt_op": "2026-01-01T11:00:00+01:00",
              "enveloppen": envelopes}
    assert (await gemeente.client.post("/hulpvragen", token=token, json={
        "bundel": bundle, "toestemming": True})).status_code == 201
    envelopes[0]["document"]["bsn"] = KEES
    assert (await gemeente.client.post("/hulpvragen", token=token, json={
        "bundel": bundle, "toestemming": True})).status_code == 422
    # A client that puts a BSN in a URL anyway: the access log names only the route.
    await gemeente.client.get(f"/configuratie?bsn={SANNE}", in_spec=False)
    await gemeente.client.get(f"/betalingsregelingen/{SANNE}", token=token, in_spec=False)
    for bsn in (MOHAMED, LOTTE, KEES, FATIMA):
        await gemeente.client.get("/vorderingenoverzicht", token=await gemeente.session(bsn))

    lines = []
    for record in caplog.records:
        if record.name.startswith(("httpx", "httpcore")):
            continue  # the test's own HTTP client, not the server
        lines.append(record.getMessage())
        if record.exc_info:
            lines.append(logging.Formatter().formatException(record.exc_info))
    access = [line for line in lines if line.startswith(("GET /vorderingen", "POST /vorderingen",
                                                         "DELETE /vorderingen"))]
    assert len(access) > 30
    assert any(line.startswith("POST /vorderingen/v2/sessies 401") for line in access)
    text = "\n".join(lines)
    for bsn in CITIZENS:
        assert bsn not in text
    for secret in secrets:
        assert secret not in text
        assert secret[:20] not in text
