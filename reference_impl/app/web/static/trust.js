// Trust decisions of the browser app (spec/trust-model.md): the scheme document against the
// pinned key (§3.1), the app certificate the App Manager returns (§3.2), and every envelope
// a source answers (§3.5). Each refusal is a TokenError with the trust model's code.

import { TokenError, jcs, parseHeader, thumbprint, verify, verifyDetached } from "./jose.js";
import { documentProblems } from "./document.js";
import { highestVolgnummer, rememberVolgnummer } from "./store.js";

export const CLOCK_SKEW_S = 60;
const SCHEME_MAX_LIFETIME_S = 86400;
const OMGEVINGEN = ["productie", "acceptatie", "test", "ontwikkeling"];

const now = () => Math.floor(Date.now() / 1000);
const isInt = Number.isInteger;

function schemeShape(claims) {
  const ok = typeof claims.iss === "string" && isInt(claims.iat) && isInt(claims.exp)
    && isInt(claims.volgnummer) && claims.volgnummer >= 1 && OMGEVINGEN.includes(claims.omgeving)
    && Array.isArray(claims.organisaties) && Array.isArray(claims.app_managers)
    && Array.isArray(claims.ingetrokken_certificaten)
    && claims.organisaties.every((o) => typeof o.oin === "string" && typeof o.api_url === "string"
      && o.sleutels && Array.isArray(o.sleutels.keys) && Array.isArray(o.diensten))
    && claims.app_managers.every((m) => typeof m.id === "string" && m.sleutels
      && Array.isArray(m.sleutels.keys));
  if (!ok) throw new TokenError("stelsel/claims-ongeldig", "the claims are not a scheme document");
}

/** The claims of a scheme document that passes every step of §3.1, in order. */
export async function verifyScheme(token, pinned, omgeving) {
  const claims = await verify(token, {
    typ: "stelsel+jwt", prefix: "stelsel", keysFor: () => [pinned],
  });
  schemeShape(claims);
  const moment = now();
  if (claims.iat - CLOCK_SKEW_S > moment) throw new TokenError("stelsel/nog-niet-geldig");
  if (moment > claims.exp + CLOCK_SKEW_S) throw new TokenError("stelsel/verlopen");
  if (claims.exp - claims.iat > SCHEME_MAX_LIFETIME_S) throw new TokenError("stelsel/looptijd-te-lang");
  if (claims.omgeving !== omgeving) throw new TokenError("stelsel/verkeerde-omgeving");
  const kid = await thumbprint(pinned);
  if (claims.volgnummer < highestVolgnummer(kid)) {
    throw new TokenError("stelsel/volgnummer-teruggedraaid");
  }
  rememberVolgnummer(kid, claims.volgnummer);
  return claims;
}

/** The claims of a certificate from an active App Manager of the scheme that binds our key. */
export async function verifyCertificate(token, scheme, ownKid) {
  const claims = await verify(token, {
    typ: "app-certificaat+jwt", prefix: "certificaat",
    keysFor: (_header, unverified) => {
      const manager = scheme.app_managers.find((m) => m.id === unverified.iss && m.status === "actief");
      if (!manager) throw new TokenError("certificaat/uitgever-onbekend");
      return manager.sleutels.keys;
    },
  });
  if (!/^[0-9]{9}$/.test(claims.bsn || "") || !claims.cnf || !claims.cnf.jwk) {
    throw new TokenError("certificaat/claims-ongeldig");
  }
  if ((await thumbprint(claims.cnf.jwk)) !== ownKid) {
    throw new TokenError("certificaat/claims-ongeldig", "cnf.jwk is not this app's key");
  }
  const moment = now();
  if (claims.nbf - CLOCK_SKEW_S > moment || moment > claims.exp + CLOCK_SKEW_S) {
    throw new TokenError("certificaat/verlopen");
  }
  return claims;
}

/** The document of an envelope from organisation `oin` about `bsn`, verified per §3.5. */
export async function verifyEnvelope(envelope, scheme, oin, bsn) {
  const shaped = envelope && typeof envelope === "object" && !Array.isArray(envelope)
    && Object.keys(envelope).length === 2 && typeof envelope.handtekening === "string"
    && envelope.document && typeof envelope.document === "object"
    && /^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]*$/.test(envelope.handtekening);
  if (!shaped) throw new TokenError("envelop/ongeldig-formaat");
  const { document, handtekening } = envelope;
  const source = scheme.organisaties.find(
    (o) => document.bron && typeof document.bron.oin === "string" && o.oin === document.bron.oin);
  // Header first (step 2), then the source (step 3), then key and signature (step 4).
  parseHeader(handtekening, { typ: "vorderingen-document+jws", prefix: "envelop", detached: true });
  if (!source) throw new TokenError("envelop/bron-onbekend");
  await verifyDetached(handtekening, jcs(document), {
    typ: "vorderingen-document+jws", prefix: "envelop", keys: source.sleutels.keys,
  });
  const problems = documentProblems(document);
  if (problems.length) throw new TokenError("envelop/document-ongeldig", problems.slice(0, 3).join("; "));
  if (document.bron.oin !== oin) throw new TokenError("envelop/bron-onjuist");
  if (document.bsn !== bsn) throw new TokenError("envelop/bsn-onjuist");
  return document;
}
