"""A gallery of deliberately broken source organisations, to prove the conformance suite.

One minimal, complete and correct in-memory source (the baseline, internally `goed`; not a
listed flaw) implements the whole source interface of spec/interface.md and
spec/trust-model.md. Each named flaw switches on exactly one defect a real implementer could
make, at the exact place it would be made (`flaws.py` lists them with the rule each breaks).
Every check of the suite must pass on the baseline and fail on the flaws of its rule.

    list_broken()  -> sorted flaw names
    describe(name) -> one line: what is wrong
    rule_broken(name) -> the spec/rules.yaml id the flaw breaks
    build_app(name, *, oin, signing_key, scheme_key_jwk, scheme_document, ...) -> ASGI app

`signing_key` is a private EC P-256 key: a `cryptography` `EllipticCurvePrivateKey` (a joserfc
`ECKey` holding a private key is accepted too). Its public key must be in the scheme's entry
for `oin` for envelopes to verify. The gallery never writes keys anywhere.

Modules: `app` (routes), `http` (conventions: problems, bodies, headers, CORS), `sessions`,
`request_proofs` and `trust` (challenge–response, certificate, session proof, request proof
and envelope verification in the trust model's order), `documents`, `envelopes` and
`records` (the claims document, its signature, the back office's figures), `arrangements`
(quotes, acceptance, withdrawal; `acceptance` takes a quote up, `rekenregel` is calculation
rule 2.2, `lifecycle` instalment status and lapse, `reservations` the two-phase agreement),
`pauses` (with `pause_limits`), `hulpvragen`, `store` (in-memory state), `source` (identity,
limits, eligibility), `data` (the default citizens, with the ledger of standard 2.2),
`flaws` (the registry, with `flaws_verzoekbewijs`, `flaws_versies`, `flaws_tokens`,
`flaws_domein` and `flaws_incasso`; `flaw` is the record),
`_crypto` (the gallery's own JOSE primitives, independent of the suite's `jose.py`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp

from conformance.broken import _crypto
from conformance.broken.app import build
from conformance.broken.clock import Clock
from conformance.broken.data import DEFAULT_TEST_BSNS, default_citizens, past_arrangements
from conformance.broken.flaws import FLAWS, Flaws, get
from conformance.broken.records import book, remember
from conformance.broken.source import (
    ALL_DIENSTEN,
    BEDENKTIJD_DAGEN,
    DEFAULT_NAAM,
    DEFAULT_SOORT,
    Source,
)
from conformance.broken.trust import verify_scheme

__all__ = [
    "DEFAULT_TEST_BSNS",
    "build_app",
    "describe",
    "list_broken",
    "rule_broken",
]

OIN = re.compile(r"[0-9]{20}")
DEFAULT_OMGEVING = "test"


def list_broken() -> list[str]:
    """The names of every broken source, sorted."""
    return sorted(flaw.name for flaw in FLAWS)


def describe(name: str) -> str:
    """One line saying what is wrong with the broken source `name` (KeyError if unknown)."""
    return get(name).description


def rule_broken(name: str) -> str:
    """The rule id (spec/rules.yaml) the broken source `name` breaks (KeyError if unknown)."""
    return get(name).rule


def _clock(now: Callable[[], float] | float | None) -> Clock:
    if now is None:
        return Clock(time.time)
    if callable(now):
        return Clock(now)
    fixed = float(now)
    return Clock(lambda: fixed)


def build_app(
    name: str | None,
    *,
    oin: str,
    signing_key: Any,
    scheme_key_jwk: dict[str, Any],
    scheme_document: str,
    test_citizens: dict[str, list[dict[str, Any]]] | None = None,
    now: Callable[[], float] | float | None = None,
    omgeving: str = DEFAULT_OMGEVING,
    diensten: tuple[str, ...] = ALL_DIENSTEN,
    base_path: str = "",
    bedenktijd_dagen: int = BEDENKTIJD_DAGEN,
    reserveringen: bool = True,
) -> ASGIApp:
    """A source as an ASGI app: the correct baseline for `name=None`, else the named flaw.

    - `scheme_document`: the compact `stelsel-v2+jwt` the source trusts, verified now with the
      pinned key set `scheme_key_jwk` (one JWK, a list or a JWKS) and environment
      `omgeving` (ValueError `SchemeRejected` if not).
    - `test_citizens`: BSN → cases in the claims document's `financiele_zaak` form (base status,
      no `betalingsregeling`/`pauze`; `acties` is recomputed). None: the built-in two citizens
      (`DEFAULT_TEST_BSNS`).
    - `now`: a callable returning epoch seconds (or a fixed number); default `time.time`.
    - `base_path`: where the interface is served ("" or e.g. "/vorderingen/v2").
    - `bedenktijd_dagen`: the cooling-off period (0: an arrangement can be undone only when
      it was made by confirming a reservation, within the group's annuleerbaar_tot).
    - `reserveringen`: False for a source that offers no two-phase agreement (it publishes
      no `reservering_geldigheid_s` and answers every reservation operation 404).
    """
    flaws = Flaws(name)
    if not isinstance(oin, str) or not OIN.fullmatch(oin):
        raise ValueError(f"oin must be 20 digits, got {oin!r}")
    unknown = set(diensten) - set(ALL_DIENSTEN)
    if "vorderingenoverzicht" not in diensten or unknown:
        raise ValueError(f"diensten must include vorderingenoverzicht, got {diensten!r}")
    clock = _clock(now)
    scheme = verify_scheme(scheme_document, scheme_key_jwk, omgeving=omgeving,
                           now=clock.seconds())
    organisation = scheme.organisation(oin) or {}
    citizens = default_citizens(clock.today()) if test_citizens is None else test_citizens
    source = Source(
        oin=oin,
        naam=organisation.get("naam", DEFAULT_NAAM),
        soort=organisation.get("soort", DEFAULT_SOORT),
        diensten=tuple(d for d in ALL_DIENSTEN if d in diensten),
        signing_key=_crypto.private_key(signing_key),
        scheme=scheme,
        clock=clock,
        flaws=flaws,
        cases=book(citizens, flaws),
        bedenktijd_dagen=bedenktijd_dagen,
        reserveringen=reserveringen,
    )
    if test_citizens is None:
        remember(source, past_arrangements(clock.today()))
    return build(source, base_path=base_path)
