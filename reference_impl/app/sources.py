"""Talking to the sources of the scheme: one client per organisation, and the fan-out.

`SourceClient` speaks `spec/openapi/bron.yaml` to one organisation at the endpoint the
scheme gives for the highest major the app supports (`choose_endpoint`; an organisation
with none is "not reachable", `app/geen-ondersteunde-versie`). It opens a session
(challenge → `sessie-bewijs+jwt` whose `aud` and `api_url` are the scheme entry's, never
`/configuratie`'s → session token) and sends every request carrying the token with
`Authorization: Sessie <token>` and a fresh `Verzoek-Bewijs` (htm, htu = the endpoint's
`api_url` + path, iat, jti, ath) signed with the app's key. It fetches the signed
overview, asks quotes, accepts and withdraws arrangements, starts pauses and sends help
requests. Answers the app acts on are checked against the OpenAPI component schemas first.

`fan_out(clients, work, timeout_s=...)` runs `work(client)` for every organisation at once
(asyncio), each under its own timeout, and returns one `Outcome` per organisation in the
order given: the value, or the `AppError` that stopped it. One slow or broken source
never delays or breaks the others beyond its own timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import httpx

from reference_impl.app.errors import AnswerError, AppError, Unreachable
from reference_impl.app.http import (
    INVALID_ANSWER,
    TIMEOUT,
    Answer,
    Requester,
    call,
    checked_json,
    json_of,
    tls_context,
)
from reference_impl.app.identity import Identity
from reference_impl.app.transport import LeanClient
from reference_impl.common.spec import schema_errors, schema_validator

SOURCE_TIMEOUT_S = 10.0
SUPPORTED_MAJORS = frozenset({2})
# Sources started per turn of the event loop (see fan_out). asyncio runs each ready step of
# every task before the next step of any: 400 sources started at once all wait until the
# last connection is set up (≈ 90 ms of CPU here) before the first request leaves. Started
# a few per turn, the first requests are on the wire while later connections are made, and
# every later round trip comes back that much earlier (bench/fanout_bench.py: N = 400 from
# 1.33 to 1.22 × the slowest source alone; 4, 8 and 16 measured alike, 32 and 64 worse).
STARTS_PER_TURN = 8
NO_SUPPORTED_VERSION = "app/geen-ondersteunde-versie"
T = TypeVar("T")


def choose_endpoint(
    organisation: dict[str, Any], majors: frozenset[int] = SUPPORTED_MAJORS
) -> dict[str, Any] | None:
    """The organisation's endpoint of the highest major the app supports, or None."""
    usable = [e for e in organisation.get("eindpunten", []) if e.get("major") in majors]
    return max(usable, key=lambda e: e["major"]) if usable else None


class SourceClient:
    """One source organisation of the scheme, seen by one app identity."""

    def __init__(
        self, organisation: dict[str, Any], client: Requester, identity: Identity,
        *, majors: frozenset[int] = SUPPORTED_MAJORS,
    ) -> None:
        self.organisation = organisation
        self.client = client
        self.identity = identity
        self.endpoint = choose_endpoint(organisation, majors)
        self.token: str | None = None
        self._configuratie: dict[str, Any] | None = None

    @property
    def oin(self) -> str:
        return str(self.organisation["oin"])

    @property
    def naam(self) -> str:
        return str(self.organisation["naam"])

    @property
    def soort(self) -> str:
        return str(self.organisation["soort"])

    def _chosen(self) -> dict[str, Any]:
        if self.endpoint is None:
            majors = sorted({e.get("major") for e in self.organisation.get("eindpunten", [])})
            raise Unreachable(NO_SUPPORTED_VERSION,
                              f"{self.naam} biedt alleen versie(s) {majors}, die deze app "
                              "niet kent")
        return self.endpoint

    @property
    def api_url(self) -> str:
        """The scheme endpoint's `api_url` exactly as listed (what the proofs name)."""
        return str(self._chosen()["api_url"])

    @property
    def major(self) -> int:
        """The major of the standard spoken with this organisation (its chosen endpoint)."""
        return int(self._chosen()["major"])

    @property
    def base(self) -> str:
        return self.api_url.rstrip("/")

    def session_headers(self, method: str, path: str, token: str) -> dict[str, str]:
        """`Authorization: Sessie` and a fresh `Verzoek-Bewijs` for `method` on `path`."""
        proof = self.identity.request_proof(method, f"{self.base}{path}", token)
        return {"Authorization": f"Sessie {token}", "Verzoek-Bewijs": proof}

    async def _with_session(
        self, method: str, path: str, *, expect: int | tuple[int, ...],
        json_body: Any = None, headers: dict[str, str] | None = None,
    ) -> Answer:
        token = await self.open_session()
        sent = {**(headers or {}), **self.session_headers(method, path, token)}
        return await call(self.client, method, f"{self.base}{path}", expect=expect,
                          json_body=json_body, headers=sent)

    @property
    def contact(self) -> dict[str, str] | None:
        """The organisation's contact options, once its configuration has been read."""
        return self._configuratie["contact"] if self._configuratie else None

    def offers(self, dienst: str) -> bool:
        """True when the scheme lists `dienst` for this organisation."""
        return dienst in self.organisation["diensten"]

    async def configuratie(self) -> dict[str, Any]:
        """`GET /configuratie`, checked against its schema and the scheme's OIN."""
        if self._configuratie is None:
            response = await call(self.client, "GET", f"{self.base}/configuratie", expect=200)
            body = json_of(response)
            errors = schema_errors(schema_validator("configuratie"), body)
            if errors:
                raise AnswerError(0, INVALID_ANSWER, f"configuratie {errors[0][0]}: {errors[0][1]}")
            if body["oin"] != self.oin:
                raise AnswerError(0, INVALID_ANSWER, "configuratie noemt een ander OIN")
            self._configuratie = body
        return self._configuratie

    async def open_session(self) -> str:
        """A session token for this organisation (opened once, reused afterwards)."""
        if self.token is not None:
            return self.token
        if not self.identity.certificate:
            raise AppError("log eerst in: er is geen certificaat")
        response = await call(self.client, "POST", f"{self.base}/sessies/uitdagingen", expect=201)
        nonce = checked_json(response, "bron", "Uitdaging")["nonce"]
        response = await call(
            self.client, "POST", f"{self.base}/sessies", expect=201,
            json_body={"certificaat": self.identity.certificate,
                       "bewijs": self.identity.proof(nonce, self.oin, self.api_url)})
        self.token = checked_json(response, "bron", "Sessie")["sessietoken"]
        return self.token

    async def close_session(self) -> None:
        """End the session, if any (best effort: a failure only means it expires by itself)."""
        token, self.token = self.token, None
        if token is None:
            return
        with contextlib.suppress(AppError):
            await call(self.client, "DELETE", f"{self.base}/sessies/huidige", expect=(204, 401),
                       headers=self.session_headers("DELETE", "/sessies/huidige", token))

    async def envelope(self) -> Any:
        """`GET /vorderingenoverzicht`: the envelope as received (verified by the caller)."""
        response = await self._with_session("GET", "/vorderingenoverzicht", expect=200)
        return json_of(response)

    async def quote(self, zaakkenmerken: Sequence[str], termijnbedrag: int) -> dict[str, Any]:
        """`POST /betalingsregelingen/voorstellen` by monthly amount."""
        response = await self._with_session(
            "POST", "/betalingsregelingen/voorstellen", expect=201,
            json_body={"zaakkenmerken": list(zaakkenmerken), "termijnbedrag": termijnbedrag})
        return checked_json(response, "bron", "Voorstel")

    async def accept(self, voorstel_id: str, idempotency_key: str | None = None) -> dict[str, Any]:
        """`POST /betalingsregelingen`; a lost answer is retried once with the same key."""
        key = idempotency_key or str(uuid.uuid4())
        for attempt in range(2):
            try:
                # A retry is a new request: it carries a fresh proof, the same key.
                response = await self._with_session(
                    "POST", "/betalingsregelingen", expect=201,
                    headers={"Idempotency-Key": key}, json_body={"voorstel_id": voorstel_id})
                return checked_json(response, "bron", "Betalingsregeling")
            except Unreachable as lost:
                if attempt == 1 or lost.code != TIMEOUT:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def withdraw(self, betalingsregeling_id: str) -> None:
        """`DELETE /betalingsregelingen/{id}` (within the cooling-off period)."""
        await self._with_session("DELETE", f"/betalingsregelingen/{betalingsregeling_id}",
                                 expect=204)

    async def pause(self, einddatum: str, zaakkenmerken: Sequence[str] | None = None) -> dict:
        """`POST /pauzes` (every case that can be paused when `zaakkenmerken` is None)."""
        body: dict[str, Any] = {"einddatum": einddatum}
        if zaakkenmerken is not None:
            body["zaakkenmerken"] = list(zaakkenmerken)
        response = await self._with_session("POST", "/pauzes", expect=201, json_body=body)
        return checked_json(response, "bron", "Pauze")

    async def help_request(self, body: dict[str, Any]) -> dict[str, Any]:
        """`POST /hulpvragen` with a bundle and the citizen's consent."""
        response = await self._with_session("POST", "/hulpvragen", expect=201, json_body=body)
        return checked_json(response, "bron", "Hulpvraag")


def clients_for(
    organisations: Sequence[dict[str, Any]],
    identity: Identity,
    *,
    shared: httpx.AsyncClient | None = None,
    timeout_s: float = SOURCE_TIMEOUT_S,
    majors: frozenset[int] = SUPPORTED_MAJORS,
    ssl_context: ssl.SSLContext | None = None,
) -> tuple[list[SourceClient], list[Requester]]:
    """One `SourceClient` per organisation, each with an HTTP client (connection pool) of its
    own, the lean HTTP/1.1 one (`transport.LeanClient`: the fan-out's CPU per request is what
    limits it) — unless `shared` is given (tests put one validating transport in front of
    all). Sources' certificates are verified with `ssl_context`, by default the app's
    (`http.tls_context()`: certifi's roots).
    Returns the clients and the HTTP clients the caller must close."""
    if shared is not None:
        return [SourceClient(o, shared, identity, majors=majors) for o in organisations], []
    verifying = ssl_context or tls_context()
    own: list[Requester] = [LeanClient(ssl_context=verifying, timeout_s=timeout_s)
                            for _ in organisations]
    return [SourceClient(o, c, identity, majors=majors)
            for o, c in zip(organisations, own, strict=True)], own


@dataclass
class Outcome(Generic[T]):
    """What one organisation's part of a fan-out came to: a value or an error."""

    source: SourceClient
    value: T | None = None
    error: AppError | None = None
    elapsed_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


async def fan_out(
    clients: Sequence[SourceClient],
    work: Callable[[SourceClient], Awaitable[T]],
    *,
    timeout_s: float = SOURCE_TIMEOUT_S,
    on_done: Callable[[Outcome[T]], None] | None = None,
) -> list[Outcome[T]]:
    """`work(client)` for every client concurrently, each within `timeout_s`; started
    `STARTS_PER_TURN` at a time, each batch in its own turn of the event loop."""
    loop = asyncio.get_running_loop()

    async def one(client: SourceClient) -> Outcome[T]:
        started = loop.time()
        outcome: Outcome[T] = Outcome(client)
        try:
            async with asyncio.timeout(timeout_s):
                outcome.value = await work(client)
        except TimeoutError:
            outcome.error = Unreachable(TIMEOUT, f"geen antwoord binnen {timeout_s:g} s")
        except AppError as failed:
            outcome.error = failed
        outcome.elapsed_s = loop.time() - started
        if on_done is not None:
            on_done(outcome)
        return outcome

    tasks: list[asyncio.Task[Outcome[T]]] = []
    try:
        for number, client in enumerate(clients, 1):
            tasks.append(asyncio.create_task(one(client)))
            if number % STARTS_PER_TURN == 0:
                await asyncio.sleep(0)  # one turn: these start, earlier ones go on
        return list(await asyncio.gather(*tasks))
    except BaseException:  # cancelled while starting: none may outlive the fan-out
        for task in tasks:
            task.cancel()
        raise
