"""The registry of flaws: each one switches on exactly one defect of the correct source.

A flaw is a name (kebab-case Dutch, as an implementer would say it), the rule of the standard
it breaks (an id of spec/rules.yaml) and one line saying what is wrong. The code of the source
asks ``flaws.on("<name>")`` at the exact place of the defect, so grepping a flaw's name shows
the whole divergence from the baseline. The baseline (`Flaws(None)`) has every flag off.
The flaws of request proofs (verzoek-bewijs, standard 2.0.0) are listed in
`flaws_verzoekbewijs.py`, those of versions and discovery in `flaws_versies.py`; their call
sites are where the mistake would be made, like every other flaw's.
"""

from __future__ import annotations

from dataclasses import dataclass

from conformance.broken.flaw import Flaw
from conformance.broken.flaws_domein import DOMEIN_FLAWS
from conformance.broken.flaws_incasso import INCASSO_FLAWS
from conformance.broken.flaws_tokens import TOKENS_FLAWS
from conformance.broken.flaws_versies import VERSIES_FLAWS
from conformance.broken.flaws_verzoekbewijs import VERZOEKBEWIJS_FLAWS

_CORE_FLAWS: tuple[Flaw, ...] = (
    # --- session opening: certificate and proof (spec/trust-model.md §3.2, §3.3) --------------
    Flaw("sessie-zonder-bewijs", "/sessie/certificaat-vereist",
         "a session request without bewijs opens a session on the certificate alone"),
    Flaw("onbekende-nonce-geaccepteerd", "/sessie/nonce-bekend",
         "a nonce the source never issued is accepted (only used nonces are remembered)"),
    Flaw("lange-nonce-geldigheid", "/sessie/uitdaging",
         "challenges are valid for an hour instead of NONCE_TTL_S (120 s)"),
    Flaw("nonce-voor-ontvanger", "/token/verificatievolgorde",
         "the nonce is looked up before the proof is verified, so an unknown nonce hides a "
         "wrong aud"),
    Flaw("nonce-herbruikbaar", "/sessie/nonce-eenmalig",
         "a nonce is never marked as used: replaying a proof opens a second session"),
    Flaw("nonce-verbruikt-bij-fout", "/sessie/nonce-geldigheid",
         "the nonce is consumed before the certificate is checked, so a failed attempt burns it"),
    Flaw("aud-niet-gecontroleerd", "/sessie/bewijs-ontvanger",
         "the proof's aud is not compared with the source's own OIN"),
    Flaw("oud-bewijs-geaccepteerd", "/sessie/bewijs-vers",
         "a session proof older than PROOF_MAX_AGE_S is still accepted"),
    Flaw("bewijs-claims-niet-gecontroleerd", "/sessie/bewijs-claims",
         "the proof's claims are not checked against its schema (extra or missing claims pass)"),
    Flaw("bewijs-sleutel-niet-gecontroleerd", "/sessie/bewijs-sleutel",
         "the proof's kid and signature are not checked against the certificate's cnf.jwk"),
    Flaw("verlopen-certificaat-geaccepteerd", "/certificaat/geldigheid",
         "the certificate's exp is not checked: an expired certificate opens a session"),
    Flaw("looptijd-niet-gecontroleerd", "/certificaat/looptijd",
         "a certificate living longer than CERT_MAX_LIFETIME_S is accepted"),
    Flaw("certificaat-claims-niet-gecontroleerd", "/certificaat/claims",
         "the certificate's claims are not checked (unknown claims, a BSN failing the elfproef)"),
    Flaw("geen-klokafwijking", "/token/klokafwijking",
         "certificate times are compared without the CLOCK_SKEW_S (60 s) tolerance"),
    Flaw("intrekking-genegeerd", "/certificaat/niet-ingetrokken",
         "the scheme's ingetrokken_certificaten is ignored: a revoked certificate still works"),
    Flaw("onbekende-app-manager-geaccepteerd", "/certificaat/uitgever-in-stelsel",
         "a certificate whose iss is no active App Manager of the scheme is taken unverified"),
    Flaw("alg-none-geaccepteerd", "/token/alg-es256",
         "a token with alg none (and an empty signature) is accepted without verification"),
    Flaw("hs256-geaccepteerd", "/token/alg-es256",
         "alg HS256 is verified as an HMAC keyed with the issuer's PUBLIC key (alg confusion)"),
    Flaw("padding-geaccepteerd", "/token/compact-serialisatie",
         "base64url parts with = padding are decoded instead of refused"),
    Flaw("der-handtekening-geaccepteerd", "/token/handtekening",
         "a DER-encoded ECDSA signature is accepted besides the raw 64-byte r‖s"),
    Flaw("kid-optioneel", "/token/kid-thumbprint",
         "a certificate without kid is checked with the App Manager's first key"),
    Flaw("verboden-header-geaccepteerd", "/token/verboden-headers",
         "jku, jwk, x5u, crit and unknown header members are ignored instead of refused"),
    Flaw("typ-niet-gecontroleerd", "/token/typ-per-type",
         "the typ header is not checked: a token of one type passes as another"),
    # --- using a session (§4) ----------------------------------------------------------------
    Flaw("geen-www-authenticate", "/sessie/token-schema-sessie",
         "401 answers carry no WWW-Authenticate header"),
    Flaw("lange-sessie", "/sessie/token-verloopt",
         "sessions live a day instead of SESSION_TTL_S (900 s)"),
    Flaw("bsn-uit-query", "/sessie/bsn-alleen-uit-certificaat",
         "GET /vorderingenoverzicht?bsn=… serves that citizen's document (a debug aid left in)"),
    Flaw("bsn-uit-header-bekende-burger", "/sessie/bsn-alleen-uit-certificaat",
         "an X-BSN header naming a citizen the source knows serves that citizen's document "
         "(an unknown BSN is ignored, so a made-up probe value passes)"),
    Flaw("voorspelbaar-sessietoken", "/sessie/token-willekeurig",
         "the session token is the BSN and a counter, base64url-encoded"),
    Flaw("sessie-niet-beeindigd", "/sessie/token-beeindigd",
         "DELETE /sessies/huidige answers 204 but the token keeps working"),
    Flaw("niveau-niet-gecontroleerd", "/sessie/niveau-minimum",
         "the session's betrouwbaarheidsniveau is never compared with the service's minimum"),
    Flaw("lekt-andermans-regeling", "/sessie/andermans-resource-404",
         "GET /betalingsregelingen/{id} returns another citizen's arrangement"),
    Flaw("andermans-pauze-403", "/sessie/andermans-resource-404",
         "ending another citizen's pause answers 403, revealing that the pause exists"),
    # --- the signed envelope (§3.5) ------------------------------------------------------------
    Flaw("verkeerde-bron-oin", "/envelop/bron-in-stelsel",
         "document.bron.oin is the parent organisation's OIN, not the source's own"),
    Flaw("geen-document-zonder-zaken", "/envelop/ook-zonder-vorderingen",
         "a citizen without claims gets 404 instead of a signed, empty document"),
    Flaw("verkeerde-sleutel", "/envelop/handtekening",
         "envelopes are signed with a key that is not in the scheme"),
    Flaw("handtekening-niet-detached", "/envelop/detached-jcs",
         "the handtekening carries the payload in its middle part instead of leaving it empty"),
    Flaw("geen-jcs", "/envelop/detached-jcs",
         "the signature covers the document as serialised, not its JCS canonical form"),
    # --- the claims document (spec/rules/document.md) ----------------------------------------
    Flaw("dubbel-zaakkenmerk", "/document/zaakkenmerk-uniek",
         "settled cases are listed twice (live and archive copy), so a zaakkenmerk repeats"),
    Flaw("instabiel-zaakkenmerk", "/document/zaakkenmerk-stabiel",
         "settled cases get a per-fetch zaakkenmerk from the archive"),
    Flaw("verplicht-zonder-correctie", "/document/verplicht-is-som",
         "corrections (correctie_van) are left out of totaal_financieel_verplicht"),
    Flaw("saldo-datumtijd-te-vroeg", "/document/saldo-datumtijd",
         "saldo_datumtijd is the moment the case was opened, earlier than its later events"),
    Flaw("afgelost-met-saldo", "/document/afgelost-zonder-saldo",
         "a one-off case with nothing overdue is marked afgelost while its saldo is positive"),
    Flaw("onbekende-status", "/document/enums-gesloten",
         "cases in objection show the back office's status in_behandeling"),
    Flaw("float-bedragen", "/document/bedragen-in-centen",
         "amounts are written as JSON floats (12345.0) instead of integer cents"),
    Flaw("saldo-klopt-niet", "/document/saldo-klopt",
         "one open case's saldo is 100 cents more than verplicht minus vereffend"),
    Flaw("vereffend-zonder-kwijtschelding", "/document/vereffend-is-som",
         "totaal_financieel_vereffend leaves out remissions (and saldo follows it)"),
    Flaw("dubbele-gebeurtenis-id", "/document/gebeurtenis-id-uniek",
         "two events of one case carry the same gebeurtenis_id"),
    Flaw("instabiele-gebeurtenis-ids", "/document/gebeurtenis-id-stabiel",
         "event ids carry a per-fetch counter, so they change on every fetch"),
    Flaw("dangling-referentie", "/document/referenties-kloppen",
         "a payment refers to a payment demand that is not in the document"),
    Flaw("datumtijd-zonder-offset", "/document/datumtijd-met-offset",
         "event datumtijd values are local times without an offset"),
    Flaw("achterstand-te-hoog", "/document/achterstand-begrensd",
         "a case in arrears reports an achterstand larger than its saldo"),
    # --- HTTP conventions (spec/interface.md, common behaviour) -------------------------------
    Flaw("5xx-bij-fout-verzoek", "/http/geen-5xx-bij-fout-verzoek",
         "a request body that is not well-formed JSON crashes the handler (500)"),
    Flaw("geen-api-version", "/http/api-version-header",
         "responses carry no API-Version header"),
    Flaw("geen-problem-json", "/http/problem-details",
         "unknown paths and wrong methods get the framework's plain-text 404/405"),
    Flaw("probleem-zonder-detail", "/http/probleem",
         "problem documents lack the required member detail"),
    Flaw("geen-allow-header", "/http/methode-niet-toegestaan",
         "a 405 answer carries no Allow header"),
    Flaw("auth-voor-routering", "/http/niet-gevonden",
         "an unknown path without a token answers 401 (authentication runs before routing)"),
    Flaw("trailing-slash-geaccepteerd", "/http/geen-trailing-slash",
         "a path with a trailing slash is served like the path without it"),
    Flaw("geen-cors", "/http/cors",
         "no CORS headers, and a preflight OPTIONS is refused with 405"),
    Flaw("geen-nosniff", "/http/security-headers",
         "responses lack X-Content-Type-Options: nosniff"),
    Flaw("mediatype-niet-gecontroleerd", "/http/json",
         "Content-Type is ignored: every body is parsed as JSON, none refused with 415"),
    Flaw("dienst-niet-vermeld", "/configuratie/diensten",
         "hulpvragen is served but missing from configuratie.diensten"),
    Flaw("onbekende-velden-geaccepteerd", "/http/ongeldige-invoer-geweigerd",
         "request bodies with unknown members are accepted instead of refused with 400"),
    # --- arrangements -------------------------------------------------------------------------
    Flaw("minimum-termijnbedrag-exclusief", "/configuratie/limieten",
         "a termijnbedrag of exactly minimum_termijnbedrag is refused (an off-by-one)"),
    Flaw("schema-regel-fout", "/betalingsregeling/schema-regel",
         "the last instalment is a full termijnbedrag instead of the remainder"),
    Flaw("limiet-niet-gehandhaafd", "/betalingsregeling/limieten",
         "a termijnbedrag below minimum_termijnbedrag is quoted instead of refused"),
    Flaw("alleen-eerste-reden", "/betalingsregeling/redenen",
         "a refused quote names only its first reason"),
    Flaw("regeling-niet-in-document", "/betalingsregeling/status-in-document",
         "a case under an active arrangement keeps its old status in the document"),
    Flaw("niet-idempotent", "/betalingsregeling/idempotent",
         "Idempotency-Key is ignored: a retried acceptance creates a second arrangement"),
    Flaw("sleutels-voor-alle-burgers", "/betalingsregeling/idempotent",
         "one Idempotency-Key space for every citizen: a key another citizen used is refused"),
    Flaw("andermans-voorstel-geaccepteerd", "/betalingsregeling/acceptatie-gecontroleerd",
         "a quote of another citizen can be accepted"),
    Flaw("geen-vergrendeling", "/betalingsregeling/gelijktijdig",
         "acceptance is check-then-act without a lock: concurrent acceptances create two"),
    Flaw("intrekken-onmogelijk", "/betalingsregeling/intrekken-bedenktijd",
         "the cooling-off comparison is reversed: withdrawing inside it gives 409"),
    Flaw("voorstel-verloopt-niet", "/betalingsregeling/voorstel-verloopt",
         "an expired quote can still be accepted"),
    # --- pauses -------------------------------------------------------------------------------
    Flaw("pauze-limiet-genegeerd", "/pauze/limieten",
         "an einddatum beyond maximum_duur_dagen is accepted"),
    Flaw("pauze-niet-in-document", "/pauze/status-in-document",
         "a paused case still shows its old status and no pauze member in the document"),
    Flaw("pauze-dekt-alles", "/pauze/dekking",
         "a pause naming cases covers every case that can be paused"),
    Flaw("pauze-beeindigen-niet-herhaalbaar", "/pauze/beeindigen",
         "ending a pause that has already ended answers 404 instead of 204"),
    Flaw("verhoging-tijdens-pauze", "/pauze/geen-verhogingen",
         "the interest run still charges rente on paused cases"),
    # --- help requests ------------------------------------------------------------------------
    Flaw("hulpvraag-zonder-verificatie", "/hulpvraag/enveloppen-geverifieerd",
         "the envelopes of a help request are not verified against the scheme (§3.5)"),
    Flaw("toestemming-niet-vereist", "/hulpvraag/toestemming",
         "a help request without toestemming: true is accepted"),
    Flaw("hulpvraag-bsn-niet-gecontroleerd", "/hulpvraag/zelfde-burger",
         "a help request may carry another citizen's envelope"),
)
FLAWS: tuple[Flaw, ...] = (
    *_CORE_FLAWS, *VERZOEKBEWIJS_FLAWS, *VERSIES_FLAWS, *TOKENS_FLAWS, *DOMEIN_FLAWS,
    *INCASSO_FLAWS,
)

_BY_NAME: dict[str, Flaw] = {flaw.name: flaw for flaw in FLAWS}


def get(name: str) -> Flaw:
    """The flaw called `name`; KeyError naming it when there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no broken source called {name!r}") from None


@dataclass(frozen=True)
class Flaws:
    """The switched-on flaw of one app (None: the correct baseline)."""

    active: str | None = None

    def __post_init__(self) -> None:
        if self.active is not None:
            get(self.active)

    def on(self, name: str) -> bool:
        """Whether the defect `name` is switched on; KeyError for a name that is no flaw, so a
        typo at a call site fails loudly instead of silently keeping the baseline."""
        get(name)
        return self.active == name
