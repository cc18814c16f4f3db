"""Challenges, sessions and the authorisation of every authenticated operation.

Opening a session verifies the certificate (§3.2), then the proof (§3.3 steps 1–5, with its
`api_url`), then consumes the nonce (step 6) — only a request that got that far uses it up.
Tokens are random, kept as their SHA-256 only, bound to the certificate's BSN, level, jti and
key, and never outlive the certificate. Every authenticated request sends ``Authorization:
Sessie <token>`` and a request proof (`request_proofs.py`), checked after the token.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from starlette.requests import Request

from conformance.broken import _crypto, request_proofs
from conformance.broken.errors import Problem, TrustFailure
from conformance.broken.source import MINIMUM_LEVEL, Source, level_at_least
from conformance.broken.store import Nonce, Session
from conformance.broken.trust import CLOCK_SKEW_S, verify_certificate, verify_proof

NONCE_TTL_S = 120
SESSION_TTL_S = 900
FLAWED_SESSION_TTL_S = 86400  # `lange-sessie`: a day
FLAWED_NONCE_TTL_S = 3600  # `lange-nonce-geldigheid`: an hour
NONCE_BYTES = 32
SESSION_TOKEN_BYTES = 32
WWW_AUTHENTICATE = {"WWW-Authenticate": 'Sessie realm="vorderingen"'}
AUTH_SCHEME = "sessie"


def new_challenge(source: Source) -> dict[str, str]:
    nonce = secrets.token_urlsafe(NONCE_BYTES)
    lifetime = FLAWED_NONCE_TTL_S if source.flaws.on("lange-nonce-geldigheid") else NONCE_TTL_S
    expires = source.clock.now() + lifetime
    source.store.nonces[nonce] = Nonce(expires=expires)
    challenge = {"nonce": nonce, "verloopt_op": source.clock.iso(expires)}
    return challenge


def _unverified_nonce(proof: Any) -> str | None:
    try:
        return json.loads(_crypto.b64d(proof.split(".")[1])).get("nonce")
    except (ValueError, UnicodeDecodeError, AttributeError, IndexError):
        return None


def _burn_early(source: Source, proof: Any) -> str | None:
    """The flaw `nonce-verbruikt-bij-fout`: take the nonce before anything is verified."""
    nonce = _unverified_nonce(proof)
    record = source.store.nonces.get(nonce) if isinstance(nonce, str) else None
    if record is None or record.used:
        return None
    record.used = True
    return nonce


def _check_nonce(source: Source, nonce: Any, burned_by_this_request: str | None) -> Nonce:
    """§3.3 step 6 without consuming: known, not expired, not used."""
    record = source.store.nonces.get(nonce) if isinstance(nonce, str) else None
    if record is None and source.flaws.on("onbekende-nonce-geaccepteerd"):
        record = source.store.nonces[nonce] = Nonce(expires=source.clock.now() + NONCE_TTL_S)
    if record is None:
        raise TrustFailure("bewijs/nonce-onbekend")
    grace = CLOCK_SKEW_S if source.flaws.on("nonce-verloopt-met-klokafwijking") else 0
    if source.clock.now() > record.expires + grace:
        raise TrustFailure("bewijs/nonce-verlopen")
    if record.used and nonce != burned_by_this_request:
        raise TrustFailure("bewijs/nonce-gebruikt")
    return record


def _consume_nonce(source: Source, nonce: str, burned_by_this_request: str | None) -> None:
    """§3.3 step 6: checked, then used (no await in between: atomic)."""
    record = _check_nonce(source, nonce, burned_by_this_request)
    if not source.flaws.on("nonce-herbruikbaar"):
        record.used = True


def open_session(source: Source, body: dict[str, str]) -> dict[str, Any]:
    """`POST /sessies`: a new session, or Problem 401 with the trust model's code."""
    burned = None
    if source.flaws.on("nonce-verbruikt-bij-fout"):
        burned = _burn_early(source, body.get("bewijs"))
    now = source.clock.seconds()
    try:
        certificate = verify_certificate(body["certificaat"], source.scheme, now, source.flaws)
        if source.flaws.on("nonce-voor-ontvanger"):  # "a cheap filter first"
            _check_nonce(source, _unverified_nonce(body.get("bewijs")), burned)
        if "bewijs" in body:  # always, except with the flaw `sessie-zonder-bewijs`
            proof = verify_proof(body["bewijs"], certificate, source.oin,
                                 source.scheme.api_url(source.oin), now, source.flaws)
            _consume_nonce(source, proof["nonce"], burned)
    except TrustFailure as exc:
        raise Problem(401, exc.code, exc.detail or "The session could not be opened.",
                      headers=challenge(source)) from exc
    token = _new_token(source, certificate["bsn"])
    lifetime = FLAWED_SESSION_TTL_S if source.flaws.on("lange-sessie") else SESSION_TTL_S
    expires = source.clock.now() + lifetime
    if not source.flaws.on("sessie-langer-dan-certificaat"):
        expires = min(expires, certificate["exp"])  # a session never outlives its certificate
    # the flaw: the answer states the certificate's end, the store keeps the full TTL
    kept = (source.clock.now() + lifetime
            if source.flaws.on("sessie-einde-alleen-vermeld") else expires)
    source.store.sessions[_hash(token)] = Session(
        bsn=certificate["bsn"], niveau=certificate["betrouwbaarheidsniveau"],
        jti=certificate["jti"], expires=kept, jwk=certificate["cnf"]["jwk"],
    )
    return {
        "sessietoken": token,
        "verloopt_op": source.clock.iso(expires),
        "betrouwbaarheidsniveau": certificate["betrouwbaarheidsniveau"],
    }


def _new_token(source: Source, bsn: str) -> str:
    """32 random bytes; with `voorspelbaar-sessietoken`, the BSN and a counter instead."""
    if source.flaws.on("voorspelbaar-sessietoken"):
        source.store.tokens_issued += 1
        return _crypto.b64e(f"{bsn}-{source.store.tokens_issued:022d}".encode("ascii"))
    return secrets.token_urlsafe(SESSION_TOKEN_BYTES)


def challenge(source: Source) -> dict[str, str]:
    """The WWW-Authenticate header of every 401."""
    return {} if source.flaws.on("geen-www-authenticate") else WWW_AUTHENTICATE


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _token(source: Source, authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    accepted = {AUTH_SCHEME, "bearer"} if source.flaws.on("bearer-geaccepteerd") else {
        AUTH_SCHEME}
    if scheme.lower() not in accepted or not token.strip():
        raise Problem(401, "sessie/token-ontbreekt", "Send Authorization: Sessie <sessietoken>.",
                      headers=challenge(source))
    return token.strip()


async def authenticate(source: Source, request: Request, base_path: str
                       ) -> tuple[str, Session]:
    """The session key and session of the request's session token, whose request proof is
    valid; Problem 401 otherwise (token first, then proof)."""
    token = _token(source, request.headers.get("authorization"))
    key = _hash(token)
    session = source.store.sessions.get(key)
    grace = CLOCK_SKEW_S if source.flaws.on("sessie-verloopt-met-klokafwijking") else 0
    if (session is None or source.clock.now() > session.expires + grace
            or (source.scheme.revoked(session.jti) and not source.flaws.on(
                "intrekking-genegeerd"))):
        raise Problem(401, "sessie/token-ongeldig", "Unknown, expired or ended session.",
                      headers=challenge(source))
    try:
        await request_proofs.verify(source, request, token, session, base_path)
    except TrustFailure as exc:
        raise Problem(401, exc.code, exc.detail or "The request proof is not valid.",
                      headers=challenge(source)) from exc
    return key, session


async def authorize(source: Source, request: Request, base_path: str, dienst: str
                    ) -> Session:
    """Service offered, valid session and proof, and a level at least the service's minimum."""
    if dienst not in source.diensten:
        raise Problem(404, "algemeen/dienst-niet-aangeboden", f"{dienst} is not offered.")
    _key, session = await authenticate(source, request, base_path)
    minimum = MINIMUM_LEVEL[dienst]
    # the flaw: levels checked where the 2.0.0 suite looked (reads, help requests) only
    writing = request.method not in ("GET", "HEAD") and dienst != "hulpvragen"
    if not level_at_least(session.niveau, minimum) and not source.flaws.on(
            "niveau-niet-gecontroleerd") and not (
            writing and source.flaws.on("niveau-alleen-bij-lezen")):
        raise Problem(403, "sessie/niveau-te-laag", f"{dienst} needs at least {minimum}.")
    return session


async def end_session(source: Source, request: Request, base_path: str) -> None:
    """`DELETE /sessies/huidige` (with its request proof, like every session request)."""
    key, _session = await authenticate(source, request, base_path)
    if not source.flaws.on("sessie-niet-beeindigd"):
        del source.store.sessions[key]
