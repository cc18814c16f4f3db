"""Flaws of sender-constrained sessions (standard 2.0.0): the request proof (verzoek-bewijs),
the Sessie scheme, the sessie-bewijs endpoint binding and the session lifetime.

Each name is consulted with ``source.flaws.on(name)`` at the step it skips in
`request_proofs.py` or `sessions.py`/`trust.py`. The checks that catch them are
`conformance/checks/verzoekbewijs.py` (proven in tests/conformance/test_checks_verzoekbewijs.py).
"""

from __future__ import annotations

from conformance.broken.flaw import Flaw

VERZOEKBEWIJS_FLAWS: tuple[Flaw, ...] = (
    Flaw("bearer-geaccepteerd", "/sessie/token-schema-sessie",
         "Authorization: Bearer <token> is accepted like the Sessie scheme"),
    Flaw("verzoekbewijs-niet-vereist", "/verzoekbewijs/verplicht",
         "a request with a session token but without Verzoek-Bewijs is served"),
    Flaw("verzoekbewijs-alg-none-geaccepteerd", "/token/alg-es256",
         "a request proof with alg none and an empty signature is accepted"),
    Flaw("verzoekbewijs-typ-niet-gecontroleerd", "/token/typ-per-type",
         "the request proof's typ is not checked"),
    Flaw("verzoekbewijs-verboden-header-geaccepteerd", "/token/verboden-headers",
         "jwk, x5c, cty and other header members of a request proof are ignored"),
    Flaw("verzoekbewijs-sleutel-niet-gecontroleerd", "/verzoekbewijs/sleutel",
         "the request proof's kid and signature are not checked against the session's key"),
    Flaw("verzoekbewijs-claims-niet-gecontroleerd", "/verzoekbewijs/claims",
         "the request proof's claims are not checked against their schema"),
    Flaw("verzoekbewijs-ath-niet-gecontroleerd", "/verzoekbewijs/token-gebonden",
         "the request proof's ath is not compared with the session token"),
    Flaw("verzoekbewijs-htm-niet-gecontroleerd", "/verzoekbewijs/methode",
         "the request proof's htm is not compared with the request method"),
    Flaw("verzoekbewijs-htu-niet-gecontroleerd", "/verzoekbewijs/url",
         "the request proof's htu is not compared with the URL called"),
    Flaw("verzoekbewijs-oud-geaccepteerd", "/verzoekbewijs/vers",
         "a request proof older than PROOF_MAX_AGE_S + CLOCK_SKEW_S is accepted"),
    Flaw("verzoekbewijs-toekomst-geaccepteerd", "/verzoekbewijs/vers",
         "a request proof dated further ahead than CLOCK_SKEW_S is accepted"),
    Flaw("verzoekbewijs-herbruikbaar", "/verzoekbewijs/eenmalig",
         "a request proof's jti is not remembered: a replayed request is served"),
    Flaw("verzoekbewijs-cache-niet-atomair", "/verzoekbewijs/eenmalig",
         "the replay cache is read, then written after a round trip: the same request proof "
         "sent several times at once is served more than once"),
    Flaw("sessie-bewijs-api-url-niet-gecontroleerd", "/sessie/bewijs-eindpunt",
         "the sessie-bewijs's api_url is not compared with the source's own endpoint"),
    Flaw("sessie-langer-dan-certificaat", "/sessie/niet-langer-dan-certificaat",
         "a session lives SESSION_TTL_S even when the certificate expires earlier"),
)
