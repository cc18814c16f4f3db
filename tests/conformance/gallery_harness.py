"""Run single checks in-process against the gallery's sources (conformance.broken).

`Federation` is one test world: the suite's keys (a temp dir), an organisation key held in
memory, and the test scheme naming both. `source(...)` builds the correct baseline or a
named flaw; the `Rewrite` middleware makes the few broken sources the gallery lacks (a
source that skips one verification step, or answers one thing wrongly) so that every check
is proven to fail on a defect of its own rule. `run` runs one check exactly as the runner
does (needs first) and returns its `CheckResult`.

Slow checks (waiting for a nonce, a session or a quote to expire) are proven with a shifted
clock: `ShiftedClock` drives the source, the suite's actors and ``ctx.now``, and replaces
`conformance.checks.answers.wait` with a jump of that clock.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from conformance import broken, jose, keys, runner
from conformance.actors import Actors
from conformance.checks import answers
from conformance.context import CheckContext
from conformance.model import CheckResult, Outcome

OIN = "00000001234567890000"
BASE_URL = "https://bron.test"
CHECK_TIMEOUT_S = 60.0
TEST_BSNS = tuple(broken.DEFAULT_TEST_BSNS)

Headers = list[tuple[str, str]]
Answer = tuple[int, Headers, bytes]


class ShiftedClock:
    """Real time plus an offset that `advance` moves forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    async def advance(self, seconds: float, *, others_may_run: bool = False) -> None:
        self.offset += seconds


@dataclass
class Federation:
    """The suite's keys, the organisation's key and the signed test scheme."""

    suite_keys: keys.SuiteKeys
    org_key: jose.SigningKey = field(default_factory=jose.SigningKey.generate)
    clock: ShiftedClock = field(default_factory=ShiftedClock)

    def __post_init__(self) -> None:
        self.scheme = keys.build_scheme(self.suite_keys, oin=OIN, api_url=BASE_URL,
                                        bron_jwk=self.org_key.published_jwk())
        self.scheme_token = keys.sign_scheme(self.suite_keys, self.scheme)

    def source(self, flaw: str | None = None, *, clock_offset_s: float = 0.0, **kwargs: Any):
        """The gallery's baseline (`flaw=None`) or a named broken source; `clock_offset_s`
        makes the source's clock run ahead of (or behind) the suite's."""
        def now() -> float:
            return self.clock() + clock_offset_s

        return broken.build_app(
            flaw, oin=OIN, signing_key=self.org_key.private,
            scheme_key_jwk=self.suite_keys.scheme_key.public_jwk,
            scheme_document=self.scheme_token, now=now, **kwargs,
        )

    def actors(self) -> Actors:
        return Actors(self.suite_keys, target_oin=OIN, api_url=BASE_URL,
                      clock=lambda: int(self.clock()))

    def resign(self, document: dict[str, Any]) -> dict[str, Any]:
        """A valid envelope for `document`, signed with the organisation's key."""
        return {"document": document, "handtekening": jose.sign_detached(document, self.org_key)}


async def run(fn: Callable[..., Awaitable[None]], app: Any, fed: Federation, *,
              base_url: str = BASE_URL, test_bsns: tuple[str, ...] = TEST_BSNS,
              monkeypatch: pytest.MonkeyPatch | None = None) -> CheckResult:
    """Run one check against `app` in-process; with `monkeypatch`, time jumps instead of
    passing (the federation's clock drives source and suite alike)."""
    ctx = await CheckContext.create(
        base_url, keys=fed.suite_keys, scheme=fed.scheme, oin=OIN, test_bsns=list(test_bsns),
        transport=httpx.ASGITransport(app=app),
    )
    if monkeypatch is not None:
        ctx.actors = Actors(fed.suite_keys, target_oin=OIN, api_url=ctx.api_url,
                            niveau=ctx.actors.niveau,
                            clock=lambda: int(fed.clock()))
        monkeypatch.setattr(ctx, "now", lambda: int(fed.clock()))
        monkeypatch.setattr(answers, "wait", fed.clock.advance)
    try:
        return await runner.run_check(ctx, fn, CHECK_TIMEOUT_S)
    finally:
        await ctx.aclose()


# --- making broken sources the gallery does not have ---------------------------------------------


def header(headers: Headers, name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name.lower()), None)


def without(headers: Headers, *names: str) -> Headers:
    drop = {n.lower() for n in names}
    return [(k, v) for k, v in headers if k.lower() not in drop]


class Rewrite:
    """ASGI middleware around a source: for requests matching `method` and `path` (a regex),
    `request` may rewrite the body (and headers), `answer` may answer instead of the source
    (None: let the source answer), and `response` may rewrite the source's answer."""

    def __init__(self, app: Any, *, method: str, path: str,
                 request: Callable[[bytes, Headers, dict], Awaitable[tuple[bytes, Headers]]]
                 | None = None,
                 answer: Callable[[bytes, dict], Answer | None] | None = None,
                 response: Callable[[int, Headers, bytes], Answer] | None = None) -> None:
        self.app, self.method, self.path = app, method, re.compile(path)
        self.request, self.answer, self.response = request, answer, response

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != self.method \
                or not self.path.fullmatch(scope["path"]):
            await self.app(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        if self.answer is not None and (answered := self.answer(body, scope)) is not None:
            await _send(send, *answered)
            return
        if self.request is not None:
            headers = [(k.decode(), v.decode()) for k, v in scope["headers"]]
            body, headers = await self.request(body, headers, scope)
            headers = [(k, v) for k, v in without(headers, "content-length")]
            headers.append(("content-length", str(len(body))))
            scope = {**scope, "headers": [(k.encode(), v.encode()) for k, v in headers]}
        sent = False

        async def replay() -> dict:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        if self.response is None:
            await self.app(scope, replay, send)
            return
        started: dict = {}
        chunks: list[bytes] = []

        async def capture(message: dict) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            else:
                chunks.append(message.get("body", b""))

        await self.app(scope, replay, capture)
        headers = [(k.decode(), v.decode()) for k, v in started.get("headers", [])]
        await _send(send, *self.response(started["status"], headers, b"".join(chunks)))


async def _send(send: Any, status: int, headers: Headers, body: bytes) -> None:
    headers = [*without(headers, "content-length"), ("content-length", str(len(body)))]
    await send({"type": "http.response.start", "status": status,
                "headers": [(k.encode(), v.encode()) for k, v in headers]})
    await send({"type": "http.response.body", "body": body})


def rewrite_document(app: Any, fed: Federation, change: Callable[[dict], None]) -> Rewrite:
    """A source whose claims documents `change` alters before signing them (validly)."""
    def response(status: int, headers: Headers, body: bytes) -> Answer:
        if status != 200:
            return status, headers, body
        document = json.loads(body)["document"]
        change(document)
        return status, headers, json.dumps(fed.resign(document)).encode()

    return Rewrite(app, method="GET", path="/vorderingenoverzicht", response=response)


def rewrite_json(app: Any, method: str, path: str, change: Callable[[int, dict], None],
                 *, headers: Callable[[Headers], Headers] | None = None) -> Rewrite:
    """A source whose JSON answers to `method path` `change` alters (headers likewise)."""
    def response(status: int, hdrs: Headers, body: bytes) -> Answer:
        if body:
            data = json.loads(body)
            change(status, data)
            body = json.dumps(data).encode()
        return status, (headers(hdrs) if headers else hdrs), body

    return Rewrite(app, method=method, path=path, response=response)


def certificates_unchecked(app: Any, fed: Federation,
                           change: Callable[[dict], None] | None = None) -> Rewrite:
    """A source that does not verify the certificate's signature (or, with `change`, one
    of its claims): whatever certificate arrives is treated as if the App Manager had issued
    it with those claims."""
    actors = fed.actors()

    async def request(body: bytes, headers: Headers, _scope: dict) -> tuple[bytes, Headers]:
        data = json.loads(body)
        claims = json.loads(jose.b64d(data["certificaat"].split(".")[1]))
        if change is not None:
            change(claims)
        data["certificaat"] = jose.encode(claims, actors.app_manager_key,
                                          typ=jose.TYP_CERTIFICATE)
        return json.dumps(data).encode(), headers

    return Rewrite(app, method="POST", path="/sessies", request=request)


def gallery_source(app: Any) -> Any:
    """The gallery's in-memory `Source` behind a built app (for the few broken sources that
    need to reach its state)."""
    inner = app
    while not hasattr(getattr(inner, "state", None), "source"):
        inner = inner.app
    return inner.state.source


class Before:
    """ASGI middleware running `hook(scope)` before every request reaches the source."""

    def __init__(self, app: Any, hook: Callable[[dict], None]) -> None:
        self.app, self.hook = app, hook

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.hook(scope)
        await self.app(scope, receive, send)


Broken = str | Callable[[Federation], Any]

# The correct sources every check must pass on: name → factory. The reference
# implementation's source joins here (it must serve OIN with fed.org_key, trust
# fed.scheme_token, and know the gallery's test citizens TEST_BSNS).
CORRECT_SOURCES: dict[str, Callable[[Federation], Any]] = {
    "gallery": lambda fed: fed.source(),
}


def build(fed: Federation, broken_source: Broken | None) -> Any:
    """The baseline (None), a gallery flaw (its name) or a source made by a factory."""
    if broken_source is None or isinstance(broken_source, str):
        return fed.source(broken_source)
    return broken_source(fed)


def problem(status: int, code: str) -> Answer:
    """A problem answer as a source would write it."""
    body = {"type": f"urn:nl-vorderingen:probleem:{code}", "title": "Fout", "status": status,
            "detail": "Zie code.", "code": code}
    return status, [("content-type", "application/problem+json"), ("api-version", "2.0.0")], \
        json.dumps(body).encode()


def without_test_clock(fed: Federation, **source_options: Any) -> Any:
    """A source that offers no test clock (allowed: it is optional)."""
    app = fed.source(**source_options)
    for method in ("GET", "PUT"):
        app = Rewrite(app, method=method, path=r".*/testklok", answer=lambda _b, _s: problem(
            404, "testomgeving/klok-niet-beschikbaar"))
    return app


def session_body_answered(fed: Federation, when: Callable[[Any], Answer | None]) -> Rewrite:
    """A source whose POST /sessies answers `when(parsed body)` instead of the real answer,
    whenever that is not None."""
    def answer(body: bytes, _scope: dict) -> Answer | None:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        return when(data)

    return Rewrite(fed.source(), method="POST", path="/sessies", answer=answer)


async def fresh_session_body(app: Any, fed: Federation, bsn: str) -> dict[str, str]:
    """A valid POST /sessies body for `bsn`, with a nonce just issued by `app`."""
    actors = fed.actors()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=BASE_URL) as client:
        nonce = (await client.post("/sessies/uitdagingen")).json()["nonce"]
    key = actors.new_app_key()
    return {"certificaat": actors.certificate(bsn, key), "bewijs": actors.proof(key, nonce)}


def session_opened_anyway(fed: Federation, when: Callable[[dict], bool]) -> Rewrite:
    """A source that opens the session for the certificate's BSN, whatever is wrong, for every
    POST /sessies body for which `when(body)` holds (one verification step it skips)."""
    app = fed.source()

    async def request(body: bytes, headers: Headers, _scope: dict) -> tuple[bytes, Headers]:
        data = json.loads(body)
        if not when(data):
            return body, headers
        bsn = claims_of(data["certificaat"]).get("bsn", TEST_BSNS[0])
        return json.dumps(await fresh_session_body(app, fed, bsn)).encode(), headers

    return Rewrite(app, method="POST", path="/sessies", request=request)


def claims_of(token: str) -> dict[str, Any]:
    """The unverified payload of a compact JWS ({} when it has none)."""
    try:
        return json.loads(jose.b64d(token.split(".")[1]))
    except (ValueError, IndexError, AttributeError):
        return {}


def check_id(value: Any) -> str:
    """Readable pytest ids for parametrised checks and broken sources."""
    return getattr(value, "__name__", value)


async def assert_passes(fn: Callable[..., Awaitable[None]], correct: str, suite_keys: Any
                        ) -> None:
    """The check passes against the named correct source."""
    fed = Federation(suite_keys)
    result = await run(fn, CORRECT_SOURCES[correct](fed), fed)
    assert result.outcome is Outcome.PASSED, result.message


async def assert_fails(fn: Callable[..., Awaitable[None]], broken_source: Broken, rule: str,
                       fragment: str, suite_keys: Any) -> None:
    """The check fails against the broken source, on `rule`, naming the cause."""
    fed = Federation(suite_keys)
    result = await run(fn, build(fed, broken_source), fed)
    assert result.outcome is Outcome.FAILED, result.message
    assert (result.rule, fragment in result.message) == (rule, True), result.message
    assert result.evidence, "a failure carries the exchange that shows it"


def checks_defined_in(module: Any) -> list[Callable[..., Awaitable[None]]]:
    """Every check a module defines (functions carrying `__check__`), in definition order, so
    a check added to the module is proven without also being listed in its test."""
    return [value for value in vars(module).values()
            if callable(value) and hasattr(value, "__check__")
            and getattr(value, "__module__", None) == module.__name__]
