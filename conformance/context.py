"""What every check gets: the target, an HTTP client that records evidence, the endpoint's
/configuratie, the test scheme, the suite's actors, and session helpers.

Public API (used by every check module)::

    ctx.target            Target(base_url, oin, test_bsns, profile, seed, max_examples, timeout_s,
                                 slow, network)
    ctx.client            httpx.AsyncClient(base_url=target.base_url) through a
                          `http_limits.LimitedTransport`: every exchange ends within
                          timeout_s and its body stays within MAX_RESPONSE_BYTES (decoded)
    ctx.config            dict: the /configuratie answer (fetched once)
    ctx.scheme            dict: verified payload of the test scheme the organisation trusts
    ctx.actors            Actors (conformance.actors): certificate(), proof(), new_app_key() …
    ctx.exchanges         the last EXCHANGES_KEPT responses made through ctx.client in the
                          running check (bounded: evidence stays small whatever the endpoint)
    ctx.rate_limited      how many answers of the run were 429 (the runner never lets a
                          check that met one fail: see runner.run_check)
    await ctx.challenge() -> str                                   POST /sessies/uitdagingen
    await ctx.open_session(bsn=None, *, app_key=None, certificate=None, proof=None,
                           nonce=None) -> httpx.Response           POST /sessies, raw answer
    await ctx.session(bsn=None) -> Session                         or SessionUnavailable
    await ctx.request(method, path, session=None, *, proof=AUTO, **httpx_kwargs) -> Response
    await ctx.get/post/put/delete(path, session=None, *, proof=AUTO, **httpx_kwargs)
        with a session: ``Authorization: Sessie <token>`` and a fresh ``Verzoek-Bewijs``
        signed by session.app_key (proof=None omits it, proof="<jws>" sends exactly that;
        a raw token string as session needs an explicit proof or None)
    ctx.url(path) -> str                                           api_url + path (= htu)
    ctx.api_url                                                    the endpoint's scheme api_url
    await ctx.overview(session) -> dict                            the envelope, or CheckError
    await ctx.eligible_case(action, bsn=None) -> str | None        an open case offering it
    ctx.other_bsn(bsn) -> str | None                               another test citizen
    ctx.now() -> int                                               the suite's clock (unix s)
    ctx.api_versie, await ctx.unmet_need(need)                     what the runner asks of
                                                                   every actor's context

A request never carries a BSN in its URL: the BSN travels only inside certificates.
"""

from __future__ import annotations

import collections
import time
from typing import Any

import httpx

from conformance import jose
from conformance.actors import Actors, AppKey, highest_niveau
from conformance.errors import CheckError, CouldNotRun, JoseError, SessionUnavailable
from conformance.http_limits import (
    ACCEPT_ENCODING,
    DeadlineExceeded,
    LimitedTransport,
    ResponseRefused,
)
from conformance.keys import SuiteKeys
from conformance.network import NetworkOptions
from conformance.recording import EXCHANGES_KEPT, USER_AGENT
from conformance.target import (
    PROFILE_OF_DIENST,
    PROFILES,
    REQUEST_TIMEOUT_S,
    Session,
    Target,
    profiles_of,
    scheme_api_url,
    unix_time,
)

PROOF_HEADER = "Verzoek-Bewijs"

__all__ = [
    "AUTO",
    "PROFILES",
    "PROFILE_OF_DIENST",
    "PROOF_HEADER",
    "REQUEST_TIMEOUT_S",
    "AppKey",
    "CheckContext",
    "Session",
    "Target",
    "scheme_api_url",
]


class _Auto:
    def __repr__(self) -> str:
        return "AUTO"


AUTO: Any = _Auto()
"""`proof` default of `CheckContext.request`: sign a fresh verzoek-bewijs for the session."""


async def fetch_config(client: httpx.AsyncClient) -> dict[str, Any]:
    """GET /configuratie; CouldNotRun when the endpoint is unreachable or answers unusably."""
    try:
        resp = await client.get("/configuratie")
    except (ResponseRefused, DeadlineExceeded) as exc:  # it answers, but not within bounds
        raise CouldNotRun(f"GET /configuratie: {exc}; cannot run") from None
    except httpx.HTTPError as exc:
        raise CouldNotRun(f"endpoint unreachable: {client.base_url}configuratie "
                          f"({type(exc).__name__}: {exc})") from exc
    if resp.status_code != httpx.codes.OK:
        raise CouldNotRun(f"GET /configuratie answered {resp.status_code}; cannot run")
    try:
        body = resp.json()
    except (ValueError, RecursionError):
        raise CouldNotRun("GET /configuratie did not answer JSON; cannot run") from None
    if not isinstance(body, dict):
        raise CouldNotRun("GET /configuratie did not answer a JSON object; cannot run")
    return body


class CheckContext:
    """Shared state of one run; create with `CheckContext.create` and close with `aclose`."""

    def __init__(
        self,
        target: Target,
        *,
        client: httpx.AsyncClient,
        config: dict[str, Any],
        scheme: dict[str, Any],
        actors: Actors,
        keys: SuiteKeys,
    ) -> None:
        self.target = target
        self.client = client
        self.config = config
        self.scheme = scheme
        self.actors = actors
        self.keys = keys
        self.exchanges: collections.deque[httpx.Response] = collections.deque(maxlen=EXCHANGES_KEPT)
        self.rate_limited = 0
        client.event_hooks["response"].append(self._record)

    @classmethod
    async def create(
        cls,
        base_url: str,
        *,
        keys: SuiteKeys,
        scheme: dict[str, Any],
        oin: str | None = None,
        test_bsns: list[str] | None = None,
        profile: frozenset[str] | set[str] | None = None,
        seed: int = 0,
        max_examples: int = 10,
        timeout_s: float = REQUEST_TIMEOUT_S,
        transport: httpx.AsyncBaseTransport | None = None,
        slow: bool = False,
        network: NetworkOptions | None = None,
    ) -> CheckContext:
        """Connect: fetch /configuratie once, then fill in OIN and profile from it when not
        given. CouldNotRun when /configuratie is unusable. `transport` replaces the network
        (tests: an ASGI app); the bounds of `http_limits` apply either way."""
        network = network or NetworkOptions()
        inner = transport or network.httpx_transport(base_url)
        client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout_s,
            transport=LimitedTransport(inner, deadline_s=timeout_s),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json",
                     "Accept-Encoding": ACCEPT_ENCODING, **dict(network.headers)},
            follow_redirects=False,
        )
        try:
            config = await fetch_config(client)
        except BaseException:
            await client.aclose()
            raise
        levels = config.get("minimaal_betrouwbaarheidsniveau")
        niveau = highest_niveau(list(levels.values()) if isinstance(levels, dict) else [])
        target_oin = oin or str(config.get("oin", ""))
        target = Target(
            base_url=base_url.rstrip("/"),
            oin=target_oin,
            test_bsns=list(test_bsns or []),
            profile=frozenset(profile) if profile else profiles_of(config),
            seed=seed,
            max_examples=max_examples,
            timeout_s=timeout_s,
            slow=slow,
            network=network,
        )
        # htu and the sessie-bewijs name the scheme's api_url, which may differ from the URL
        # the suite connects to (a proxy); without a listing, the connected URL stands in.
        api_url = scheme_api_url(scheme, target_oin) or target.base_url
        actors = Actors(keys, target_oin=target_oin, api_url=api_url, niveau=niveau)
        return cls(target, client=client, config=config, scheme=scheme, actors=actors, keys=keys)

    async def aclose(self) -> None:
        await self.client.aclose()

    async def __aenter__(self) -> CheckContext:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def _record(self, response: httpx.Response) -> None:
        await response.aread()
        self.exchanges.append(response)
        if response.status_code == httpx.codes.TOO_MANY_REQUESTS:
            self.rate_limited += 1

    def now(self) -> int:
        return int(time.time())

    # -- what the runner asks of every actor's context -------------------------------------

    @property
    def api_versie(self) -> str | None:
        """The version /configuratie announces (rule-version selection); None when absent."""
        value = self.config.get("api_versie")
        return value if isinstance(value, str) else None

    async def unmet_need(self, need: str) -> str | None:
        """Why `need` (see checks.base) is not met — a skip reason — or None when it is. The
        runner makes an unmet ``dienst:`` not applicable, any other unmet need not tested."""
        bsns = self.target.test_bsns
        if need == "test_bsn" and not bsns:
            return "needs a test citizen (--test-bsn)"
        if need == "second_bsn" and len(bsns) < 2:
            return "needs a second test citizen (a second --test-bsn)"
        if need.startswith("dienst:"):
            dienst = need.removeprefix("dienst:")
            if dienst not in (self.config.get("diensten") or []):
                return f"the endpoint does not offer {dienst} (/configuratie diensten)"
        if need in ("arrangement_case", "pause_case"):
            if not bsns:
                return "needs a test citizen (--test-bsn)"
            action = "betalingsregeling" if need == "arrangement_case" else "pauze"
            if await self.eligible_case(action) is None:
                return f"the first test citizen has no open case with saldo > 0 offering {action}"
        return None

    @property
    def api_url(self) -> str:
        """The endpoint's `api_url` as the scheme lists it (no trailing slash)."""
        return self.actors.api_url

    def url(self, path: str) -> str:
        """The absolute URL of `path` below the endpoint: what a request proof's `htu` is."""
        return self.api_url + "/" + path.split("?", 1)[0].split("#", 1)[0].lstrip("/")

    def other_bsn(self, bsn: str) -> str | None:
        return next((b for b in self.target.test_bsns if b != bsn), None)

    def _bsn(self, bsn: str | None) -> str:
        if bsn is not None:
            return bsn
        if not self.target.test_bsns:
            raise CheckError("no --test-bsn given; this check needs a test citizen")
        return self.target.test_bsns[0]

    # -- HTTP ---------------------------------------------------------------------------

    def request_proof(self, session: Session, method: str, path: str, **overrides: Any) -> str:
        """A fresh, valid verzoek-bewijs of `session` for `method` `path` (`overrides` go to
        `Actors.request_proof`: iat, jti, header, claims, url)."""
        url = overrides.pop("url", None) or self.url(path)
        return self.actors.request_proof(
            session.app_key, method=method, url=url, token=session.token, **overrides
        )

    async def request(
        self,
        method: str,
        path: str,
        session: Session | str | None = None,
        *,
        proof: Any = AUTO,
        **kwargs: Any,
    ) -> httpx.Response:
        """A request through the recording client. With a session (a Session or a raw token
        string) it sends ``Authorization: Sessie <token>`` and ``Verzoek-Bewijs``: with
        proof=AUTO a fresh one signed by the session's app key, with proof=None none, with a
        string exactly that string. A raw token needs an explicit proof (or None)."""
        # httpx.Headers keeps repeated names (a list of pairs), which some checks need
        headers = httpx.Headers(kwargs.pop("headers", None) or {})
        if session is not None:
            token = session.token if isinstance(session, Session) else session
            headers["Authorization"] = f"Sessie {token}"
            if proof is AUTO:
                if not isinstance(session, Session):
                    raise TypeError("a raw session token needs proof=<jws> or proof=None")
                proof = self.request_proof(session, method, path)
        elif proof is AUTO:
            proof = None
        if proof is not None:
            headers[PROOF_HEADER] = proof
        return await self.client.request(method, path, headers=headers, **kwargs)

    async def get(self, path: str, session: Session | str | None = None, **kw: Any):
        return await self.request("GET", path, session, **kw)

    async def post(self, path: str, session: Session | str | None = None, **kw: Any):
        return await self.request("POST", path, session, **kw)

    async def put(self, path: str, session: Session | str | None = None, **kw: Any):
        return await self.request("PUT", path, session, **kw)

    async def delete(self, path: str, session: Session | str | None = None, **kw: Any):
        return await self.request("DELETE", path, session, **kw)

    # -- sessions -------------------------------------------------------------------------

    async def challenge(self) -> str:
        """A fresh nonce from POST /sessies/uitdagingen; CheckError when none is given."""
        resp = await self.post("/sessies/uitdagingen")
        body = _json_object(resp)
        if resp.status_code != httpx.codes.CREATED or not isinstance(body.get("nonce"), str):
            raise SessionUnavailable(
                f"POST /sessies/uitdagingen answered {resp.status_code} without a nonce"
                + _rate_limited(resp)
            )
        return body["nonce"]

    async def open_session(
        self,
        bsn: str | None = None,
        *,
        app_key: AppKey | None = None,
        certificate: str | None = None,
        proof: str | None = None,
        nonce: str | None = None,
    ) -> httpx.Response:
        """POST /sessies with the given parts; whatever is not given is built valid (a fresh
        app key, a certificate by the suite's App Manager, a fresh nonce and its proof)."""
        key = app_key or self.actors.new_app_key()
        cert = certificate or self.actors.certificate(self._bsn(bsn), key)
        if proof is None:
            proof = self.actors.proof(key, nonce or await self.challenge())
        return await self.post("/sessies", json={"certificaat": cert, "bewijs": proof})

    async def session(self, bsn: str | None = None) -> Session:
        """A working session for `bsn` (default: the first test citizen).

        Raises SessionUnavailable when the endpoint refuses a valid session; the session
        checks report that as nonconformance, other checks as an error."""
        citizen = self._bsn(bsn)
        key = self.actors.new_app_key()
        cert = self.actors.certificate(citizen, key)
        resp = await self.open_session(citizen, app_key=key, certificate=cert)
        body = _json_object(resp)
        token = body.get("sessietoken")
        if resp.status_code != httpx.codes.CREATED or not isinstance(token, str):
            code = body.get("code", "")
            raise SessionUnavailable(
                f"POST /sessies refused a valid session: {resp.status_code} {code}".rstrip()
                + _rate_limited(resp)
            )
        try:
            _head, claims = jose.decode_unverified(cert, "certificaat")
        except JoseError:  # the suite built it: cannot happen, but never crash a check
            claims = {}
        verloopt_op = str(body.get("verloopt_op", ""))
        return Session(
            token=token,
            bsn=citizen,
            app_key=key,
            certificate=cert,
            niveau=str(body.get("betrouwbaarheidsniveau", self.actors.niveau)),
            verloopt_op=verloopt_op,
            certificate_claims=claims,
            expires_at=unix_time(verloopt_op) or int(claims.get("exp", 0)),
        )

    # -- data the behaviour checks need ------------------------------------------------

    async def overview(self, session: Session) -> dict[str, Any]:
        """The envelope of GET /vorderingenoverzicht; CheckError when it is not 200 JSON."""
        resp = await self.get("/vorderingenoverzicht", session)
        body = _json_object(resp)
        if resp.status_code != httpx.codes.OK or "document" not in body:
            raise CheckError(f"GET /vorderingenoverzicht answered {resp.status_code}")
        return body

    async def eligible_case(self, action: str, bsn: str | None = None) -> str | None:
        """The zaakkenmerk of the first `open` case with saldo > 0 whose `acties` include
        `action` (``betalingsregeling``, ``pauze`` …), or None."""
        envelope = await self.overview(await self.session(bsn))
        document = envelope.get("document") or {}
        for case in document.get("financiele_zaken") or []:
            if (
                isinstance(case, dict)
                and case.get("status") == "open"
                and isinstance(case.get("saldo"), int)
                and case["saldo"] > 0
                and action in (case.get("acties") or [])
            ):
                return case.get("zaakkenmerk")
        return None


def _rate_limited(resp: httpx.Response) -> str:
    """What a 429 adds to the message: the source limits the suite's rate, no verdict."""
    if resp.status_code != httpx.codes.TOO_MANY_REQUESTS:
        return ""
    wait = resp.headers.get("retry-after")
    return f" (rate-limited{f': Retry-After {wait} s' if wait else ''})"


def _json_object(resp: httpx.Response) -> dict[str, Any]:
    try:
        body = resp.json()
    except (ValueError, RecursionError):
        return {}
    return body if isinstance(body, dict) else {}
