"""Flaws of token handling that the sharper trust checks catch (standard 2.1.0): header members
and algorithms a verifier must refuse, issuer-scoped key lookup, exact time bounds, suspended
and ended participants, assurance levels on writes.

Each name is consulted with ``source.flaws.on(name)`` where an implementer would have made the
mistake. Each is the cheapest wrong implementation of its rule that the 2.0.0 checks let pass:
a deny-list instead of an allow-list, an inequality off by one second, a bound that counts the
clock skew twice, a lookup over every key of the scheme.
"""

from __future__ import annotations

from conformance.broken.flaw import Flaw

TOKENS_FLAWS: tuple[Flaw, ...] = (
    # --- the JWS profile (spec/trust-model.md §2) ---------------------------------------------
    Flaw("alg-niet-exact", "/token/alg-es256",
         "only none and HS* are refused; any other alg (RS256, ES384, EdDSA, es256 ...) is "
         "verified as ES256 anyway"),
    Flaw("verboden-headers-zwarte-lijst", "/token/verboden-headers",
         "only jku, jwk, x5u and crit are refused: x5c, x5t, x5t#S256, b64, cty and unknown "
         "members pass"),
    Flaw("sleutel-uit-hele-stelsel", "/token/kid-thumbprint",
         "a kid (of a certificate or an envelope) is looked up among every key of the "
         "scheme, not only its issuer's"),
    Flaw("status-app-manager-genegeerd", "/certificaat/uitgever-in-stelsel",
         "an App Manager the scheme lists as suspended or ended is still trusted"),
    Flaw("appmanager-sleutelvenster-genegeerd", "/certificaat/uitgever-in-stelsel",
         "every key entry of the App Manager verifies a certificate: one signed now by a key "
         "revoked (ingetrokken_op) or retired (geldig_tot) before is accepted"),
    # --- exact time and size bounds -----------------------------------------------------------
    Flaw("klokafwijking-exclusief", "/token/klokafwijking",
         "the skew bound is exclusive: a certificate exactly 60 s past exp or before nbf is "
         "refused"),
    Flaw("klokafwijking-te-ruim", "/token/klokafwijking",
         "61 s of clock skew are tolerated for a certificate's times"),
    Flaw("alleen-iat-gecontroleerd", "/certificaat/geldigheid",
         "a certificate's nbf is not compared with the clock, only its iat"),
    Flaw("looptijd-met-klokafwijking", "/certificaat/looptijd",
         "the lifetime bound adds the clock skew: exp - iat up to 43260 s is accepted"),
    Flaw("bewijs-leeftijd-exclusief", "/sessie/bewijs-vers",
         "a session proof exactly PROOF_MAX_AGE_S + CLOCK_SKEW_S (120 s) old is refused"),
    Flaw("bewijs-leeftijd-ruim", "/sessie/bewijs-vers",
         "the skew is counted twice for a session proof's age: one 180 s old is accepted"),
    Flaw("verzoekbewijs-leeftijd-exclusief", "/verzoekbewijs/vers",
         "a request proof exactly 120 s old is refused (>= instead of >)"),
    Flaw("nonce-verloopt-met-klokafwijking", "/sessie/nonce-geldigheid",
         "a nonce is usable NONCE_TTL_S + CLOCK_SKEW_S (180 s), though verloopt_op says 120 s"),
    Flaw("sessie-verloopt-met-klokafwijking", "/sessie/token-verloopt",
         "a session token works SESSION_TTL_S + CLOCK_SKEW_S (960 s), though verloopt_op says "
         "900 s"),
    Flaw("sleutelvenster-zonder-klokafwijking", "/envelop/sleutelvenster",
         "key windows are compared without CLOCK_SKEW_S: an envelope signed 60 s after its "
         "key's geldig_tot is refused"),
    Flaw("geldig-vanaf-genegeerd", "/envelop/sleutelvenster",
         "a key entry's geldig_vanaf is not checked: an envelope a rotated-in key signed before "
         "its window is accepted"),
    Flaw("intrekking-exclusief", "/envelop/sleutel-ingetrokken",
         "an envelope signed exactly at its key's ingetrokken_op is accepted (> where >= is "
         "right)"),
    Flaw("versheid-met-klokafwijking", "/hulpvraag/versheid",
         "an envelope in a help request may be 14 days and 60 s old (the skew is added)"),
    Flaw("sessie-einde-alleen-vermeld", "/sessie/niet-langer-dan-certificaat",
         "verloopt_op states the certificate's exp, but the session keeps working "
         "SESSION_TTL_S after it was opened"),
    # --- short test lifetimes (spec/testomgeving.md §5) ---------------------------------------
    Flaw("korte-levensduur-niet-gehouden", "/testomgeving/korte-levensduur",
         "/configuratie announces short test lifetimes (5 s nonce, 20 s session), but the "
         "source keeps NONCE_TTL_S and SESSION_TTL_S"),
    # --- assurance level (spec/rules/sessie.md) -----------------------------------------------
    Flaw("niveau-alleen-bij-lezen", "/sessie/niveau-minimum",
         "the level is compared with the service's minimum on reads and help requests only: "
         "quoting, accepting and withdrawing arrangements, starting and ending pauses work "
         "with a lower level"),
)
