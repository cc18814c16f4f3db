"""The constants of spec/trust-model.md §1, with their units; everything else imports these.

Maxima of the revocation chain (§5) are what the standard demands; a test environment may
configure smaller values, never larger ones:
60 (list max-age) + 120 (scheme pull) + 120 (re-signing) + 60 (scheme max-age)
+ 300 (source refresh) = 660 ≤ `INTREKKING_MAX_LATENTIE_S`.
"""

from __future__ import annotations

ALG = "ES256"
CLOCK_SKEW_S = 60
SCHEME_MAX_LIFETIME_S = 86_400
CERT_MAX_LIFETIME_S = 43_200
PROOF_MAX_AGE_S = 60
NONCE_TTL_S = 120
SESSION_TTL_S = 900
NONCE_BYTES = 32
SESSION_TOKEN_BYTES = 32
REGISTRATION_TTL_S = 600
LOGIN_CODE_TTL_S = 60
LOGIN_CODE_BYTES = 32
BEHEERSESSIE_TTL_S = 600
INTREKKING_MAX_LATENTIE_S = 900
INTREKKINGENLIJST_MAX_AGE_S = 60
INTREKKINGEN_OPHAAL_INTERVAL_S = 120
STELSEL_PUBLICATIE_TERMIJN_S = 120
STELSEL_MAX_AGE_S = 60
STELSEL_VERVERS_INTERVAL_S = 300
HULPVRAAG_MAX_LEEFTIJD_S = 1_209_600
PINNED_SCHEME_KEYS_MAX = 5
