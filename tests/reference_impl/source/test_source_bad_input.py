"""Bad input never causes a 5xx and never changes state: every table is the same after a
barrage of malformed, invalid and unauthorised requests to every operation. Requests meant
to reach past authentication carry the session token and a fresh request proof each."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
import sqlalchemy as sa
from source_support import SANNE, RunningSource

from reference_impl.source import tables

pytestmark = pytest.mark.anyio
JSON = {"Content-Type": "application/json"}
DEEP = b"[" * 100_000 + b"]" * 100_000


async def snapshot(source: RunningSource) -> dict[str, list[Any]]:
    state = {}
    async with source.source.database.engine.connect() as connection:
        for table in tables.metadata.sorted_tables:
            if table is tables.verzoekbewijzen:
                continue  # every accepted request proof is recorded: that is its job
            rows = (await connection.execute(sa.select(table))).all()
            state[table.name] = sorted(json.dumps(list(r), sort_keys=True, default=str)
                                       for r in rows)
    return state


AUTH = {"X-Test-Auth": "session"}  # replaced per request by `Sessie` + a fresh proof


def bad_requests(token: str) -> list[tuple[str, str, dict[str, Any]]]:
    auth = AUTH
    random_id = str(uuid.uuid4())
    requests: list[tuple[str, str, dict[str, Any]]] = []
    for body in (b"", b"{", b"null", b"[]", b'"x"', b"1e999", b"NaN", DEEP,
                 b'{"certificaat": 1, "bewijs": 2}', b'{"certificaat": "a.b.c"}',
                 b'{"certificaat": "a.b.c", "bewijs": "a.b.c"}',
                 b'{"certificaat": "' + b"A" * 9000 + b'", "bewijs": "x"}',
                 "{\"certificaat\": \"\u00e9.\u00e9.\u00e9\", \"bewijs\": \"x.y.z\"}".encode()):
        requests.append(("POST", "/sessies", {"content": body, "headers": JSON}))
    requests.append(("POST", "/sessies",
                     {"content": b"{}", "headers": {"Content-Type": "text/plain"}}))
    for body in ({}, {"zaakkenmerken": []}, {"zaakkenmerken": ["AS-2026-000101"]},
                 {"zaakkenmerken": ["AS-2026-000101"], "termijnbedrag": 0},
                 {"zaakkenmerken": ["AS-2026-000101"], "termijnbedrag": 5000,
                  "aantal_termijnen": 2},
                 {"zaakkenmerken": ["AS-2026-000101"], "termijnbedrag": 10**30},
                 {"zaakkenmerken": ["AS-2026-000101"], "termijnbedrag": 1.5},
                 {"zaakkenmerken": ["AS-2026-000101"], "aantal_termijnen": 10**6},
                 {"zaakkenmerken": ["x" * 100], "aantal_termijnen": 2},
                 {"zaakkenmerken": ["AS-2026-000101", "AS-2026-000101"], "aantal_termijnen": 2},
                 {"zaakkenmerken": ["AS-2026-000101"], "termijnbedrag": 1},
                 {"zaakkenmerken": ["ONBEKEND"], "aantal_termijnen": 2}):
        requests.append(("POST", "/betalingsregelingen/voorstellen",
                         {"json": body, "headers": auth}))
    for headers, body in (({}, {"voorstel_id": random_id}),
                          ({"Idempotency-Key": ""}, {"voorstel_id": random_id}),
                          ({"Idempotency-Key": "k" * 256}, {"voorstel_id": random_id}),
                          ({"Idempotency-Key": " k"}, {"voorstel_id": random_id}),
                          ({"Idempotency-Key": "k"}, {"voorstel_id": "geen-uuid"}),
                          ({"Idempotency-Key": "k"}, {"voorstel_id": random_id}),
                          ({"Idempotency-Key": "k"}, {})):
        requests.append(("POST", "/betalingsregelingen",
                         {"json": body, "headers": {**auth, **headers}}))
    for body in ({}, {"einddatum": "2026-02-30"}, {"einddatum": "morgen"}, {"einddatum": 5},
                 {"einddatum": "2026-01-01"}, {"einddatum": "2027-01-01"},
                 {"einddatum": "2026-01-10", "zaakkenmerken": []},
                 {"einddatum": "2026-01-10", "zaakkenmerken": ["ONBEKEND"]}):
        requests.append(("POST", "/pauzes", {"json": body, "headers": auth}))
    envelope = {"document": {"bsn": SANNE}, "handtekening": "a..b"}
    for body in ({}, {"bundel": {}, "toestemming": True},
                 {"bundel": {"bundelversie": "2.0", "aangemaakt_op": "2026-01-01T00:00:00Z",
                             "enveloppen": [envelope]}, "toestemming": True},
                 {"bundel": {"bundelversie": "2.0", "aangemaakt_op": "2026-01-01T00:00:00Z",
                             "enveloppen": [envelope] * 101}, "toestemming": True}):
        requests.append(("POST", "/hulpvragen", {"json": body, "headers": auth}))
    for path in ("/betalingsregelingen/geen-uuid", f"/betalingsregelingen/{random_id}",
                 "/pauzes/geen-uuid", f"/pauzes/{random_id}", f"/pauzes/{random_id.upper()}"):
        requests += [("GET", path, {"headers": auth}), ("DELETE", path, {"headers": auth})]
    for header in ("Basic abc", "Bearer", "Bearer  ", f"Bearer {token}", f"Sessie {token}x",
                   "Sessie", f"Sessie {token}", token):
        requests += [("GET", "/vorderingenoverzicht", {"headers": {"Authorization": header}}),
                     ("DELETE", "/sessies/huidige", {"headers": {"Authorization": header}})]
    requests += [("TRACE", "/sessies", {}),
                 ("POST", "/configuratie", {"json": {}}), ("GET", "/../etc/passwd", {})]
    return requests


async def test_bad_input_is_refused_without_changing_anything(gemeente: RunningSource):
    token = await gemeente.session(SANNE)
    before = await snapshot(gemeente)
    answers = []
    for method, path, kwargs in bad_requests(token):
        headers = dict(kwargs.get("headers", {}))
        if headers.pop("X-Test-Auth", None):
            headers |= gemeente.trust.request_headers(token, method, gemeente.api_url + path)
        kwargs = {**kwargs, "headers": headers}
        response = await gemeente.client.http.request(method, path, **kwargs)
        answers.append((method, path, response.status_code))
        assert 400 <= response.status_code < 500, (method, path, response.text)
        assert response.headers["content-type"] == "application/problem+json", (method, path)
    assert await snapshot(gemeente) == before
    assert len(answers) > 60
    # The session survived all of it.
    assert (await gemeente.client.get("/vorderingenoverzicht", token=token)).status_code == 200



def test_an_id_with_a_final_newline_is_no_uuid():
    """Python's `$` matches before a final newline: only a whole match is a UUID."""
    from types import SimpleNamespace

    from reference_impl.common.problems import Problem
    from reference_impl.source.handlers import _resource_id

    value = str(uuid.uuid4())
    assert _resource_id(SimpleNamespace(path_params={"pauze_id": value}), "pauze_id") == value
    with pytest.raises(Problem) as refused:
        _resource_id(SimpleNamespace(path_params={"pauze_id": value + "\n"}), "pauze_id")
    assert refused.value.status == 400
