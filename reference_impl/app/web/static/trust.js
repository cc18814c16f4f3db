// Trust decisions of the browser app (spec/trust-model.md, 2.0.0): the format-2 scheme
// document against the pinned key SET (§3.1), the app certificate the App Manager returns
// (§3.2), and every envelope a source answers (design §7, with key windows). Each refusal is
// a TokenError with the trust model's code. Data is open: unknown members are ignored.

import { TokenError, jcs, parseHeader, thumbprint, verify, verifyDetached } from "./jose.js";
import { documentProblems, isMajor2, majorOf } from "./document.js";
import { highestVolgnummer, rememberVolgnummer } from "./store.js";

export const CLOCK_SKEW_S = 60;
const SCHEME_MAX_LIFETIME_S = 86400;
const OMGEVINGEN = ["productie", "acceptatie", "test", "ontwikkeling"];

const now = () => Math.floor(Date.now() / 1000);
const isInt = Number.isInteger;
// The scheme document is closed except `uitbreidingen` (spec/versioning.md §3.3): these are
// the members stelseldocument.schema.json defines, per object.
const SCHEME_MEMBERS = ["versie", "iss", "iat", "exp", "volgnummer", "omgeving", "organisaties",
  "app_managers", "ingetrokken_certificaten", "uitbreidingen"];
const ORGANISATION_MEMBERS = ["oin", "naam", "soort", "eindpunten", "sleutels", "diensten",
  "status", "uitbreidingen"];
const APP_MANAGER_MEMBERS = ["id", "naam", "api_url", "sleutels", "status", "uitbreidingen"];
const ENDPOINT_MEMBERS = ["api_url", "major"];
const KEY_ENTRY_MEMBERS = ["jwk", "geldig_vanaf", "geldig_tot", "ingetrokken_op"];
const PUBLIC_JWK_MEMBERS = ["kty", "crv", "x", "y", "kid", "use", "alg"];  // never `d`
const MINOR_VERSION = /^[1-9][0-9]*\.[0-9]+$/;
const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);
const hasOnly = (value, members) => isObject(value)
  && Object.keys(value).every((name) => members.includes(name));
const isExtension = (value) => value === undefined || (isObject(value)
  && Object.entries(value).every(([minor, members]) => MINOR_VERSION.test(minor) && isObject(members)));
const isKeyEntry = (e) => hasOnly(e, KEY_ENTRY_MEMBERS) && hasOnly(e.jwk, PUBLIC_JWK_MEMBERS)
  && e.jwk.kty === "EC" && e.jwk.crv === "P-256" && isInt(e.geldig_vanaf);
const keysOf = (entry) => entry.sleutels.map((e) => e.jwk);

function schemeShape(claims) {
  const ok = hasOnly(claims, SCHEME_MEMBERS) && isExtension(claims.uitbreidingen)
    && isMajor2(claims.versie) && typeof claims.iss === "string" && isInt(claims.iat) && isInt(claims.exp)
    && isInt(claims.volgnummer) && claims.volgnummer >= 1 && OMGEVINGEN.includes(claims.omgeving)
    && Array.isArray(claims.organisaties) && Array.isArray(claims.app_managers)
    && Array.isArray(claims.ingetrokken_certificaten)
    && claims.organisaties.every((o) => hasOnly(o, ORGANISATION_MEMBERS)
      && isExtension(o.uitbreidingen) && typeof o.oin === "string" && Array.isArray(o.eindpunten)
      && o.eindpunten.length >= 1
      && o.eindpunten.every((e) => hasOnly(e, ENDPOINT_MEMBERS) && typeof e.api_url === "string"
        && isInt(e.major) && e.major >= 1)
      && Array.isArray(o.sleutels) && o.sleutels.every(isKeyEntry) && Array.isArray(o.diensten))
    && claims.app_managers.every((m) => hasOnly(m, APP_MANAGER_MEMBERS)
      && isExtension(m.uitbreidingen) && typeof m.id === "string" && Array.isArray(m.sleutels)
      && m.sleutels.every(isKeyEntry));
  if (!ok) throw new TokenError("stelsel/claims-ongeldig", "the claims are not a scheme document");
  // The code-checked rules: every api_url unique, at most one endpoint per major.
  const urls = [...claims.organisaties.flatMap((o) => o.eindpunten.map((e) => e.api_url)),
    ...claims.app_managers.filter((m) => m.api_url).map((m) => m.api_url)];
  if (new Set(urls).size !== urls.length) throw new TokenError("stelsel/claims-ongeldig", "api_url twice");
  if (claims.organisaties.some((o) => new Set(o.eindpunten.map((e) => e.major)).size !== o.eindpunten.length)) {
    throw new TokenError("stelsel/claims-ongeldig", "two endpoints of one major");
  }
}

/** The claims of a scheme document that passes every step of §3.1, in order. */
export async function verifyScheme(token, pinned, omgeving) {
  const claims = await verify(token, {
    typ: "stelsel-v2+jwt", prefix: "stelsel", keysFor: () => pinned,
  });
  if (typeof claims.versie !== "string") throw new TokenError("stelsel/claims-ongeldig", "no versie");
  if (majorOf(claims.versie) !== 2) throw new TokenError("stelsel/versie-niet-ondersteund");
  schemeShape(claims);
  // A published kid must be its key's thumbprint (/token/kid-thumbprint).
  const entries = [...claims.organisaties, ...claims.app_managers].flatMap((p) => p.sleutels);
  for (const entry of entries) {
    if (entry.jwk.kid !== undefined && entry.jwk.kid !== (await thumbprint(entry.jwk))) {
      throw new TokenError("stelsel/claims-ongeldig", "a key entry's kid is not its thumbprint");
    }
  }
  const moment = now();
  if (claims.iat - CLOCK_SKEW_S > moment) throw new TokenError("stelsel/nog-niet-geldig");
  if (moment > claims.exp + CLOCK_SKEW_S) throw new TokenError("stelsel/verlopen");
  if (claims.exp - claims.iat > SCHEME_MAX_LIFETIME_S) throw new TokenError("stelsel/looptijd-te-lang");
  if (claims.omgeving !== omgeving) throw new TokenError("stelsel/verkeerde-omgeving");
  const kids = await Promise.all(pinned.map(thumbprint));
  if (claims.volgnummer < highestVolgnummer(kids)) {
    throw new TokenError("stelsel/volgnummer-teruggedraaid");
  }
  rememberVolgnummer(kids, claims.volgnummer);
  return claims;
}

/** Why a key entry may not have signed at `at` (a suffix of envelop/…), or null. */
function signingFailure(entry, at) {
  // A moment that is no number (an impossible date parses to NaN) fails every comparison
  // below, which would let any key pass: no moment, no key.
  if (typeof at !== "number" || !Number.isFinite(at)) return "sleutel-niet-geldig";
  if (at < entry.geldig_vanaf - CLOCK_SKEW_S) return "sleutel-niet-geldig";
  if (isInt(entry.geldig_tot) && at > entry.geldig_tot + CLOCK_SKEW_S) return "sleutel-niet-geldig";
  if (isInt(entry.ingetrokken_op) && at >= entry.ingetrokken_op) return "sleutel-ingetrokken";
  return null;
}

/** The claims of a certificate from an active App Manager of the scheme that binds our key. */
export async function verifyCertificate(token, scheme, ownKid) {
  const claims = await verify(token, {
    typ: "app-certificaat+jwt", prefix: "certificaat",
    keysFor: (_header, unverified) => {
      const manager = scheme.app_managers.find((m) => m.id === unverified.iss && m.status === "actief");
      if (!manager) throw new TokenError("certificaat/uitgever-onbekend");
      return manager.sleutels.filter((e) => signingFailure(e, unverified.iat) === null).map((e) => e.jwk);
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

/** The document of an envelope from organisation `oin` about `bsn`, verified per design §7. */
export async function verifyEnvelope(envelope, scheme, oin, bsn) {
  const shaped = envelope && typeof envelope === "object" && !Array.isArray(envelope)
    && typeof envelope.handtekening === "string"
    && envelope.document && typeof envelope.document === "object" && !Array.isArray(envelope.document)
    && /^[A-Za-z0-9_-]+\.\.[A-Za-z0-9_-]*$/.test(envelope.handtekening);
  if (!shaped) throw new TokenError("envelop/ongeldig-formaat");  // 1 (other members ignored)
  const { document, handtekening } = envelope;
  const header = parseHeader(handtekening,  // 2
    { typ: "vorderingen-document+jws", prefix: "envelop", detached: true });
  const source = scheme.organisaties.find(
    (o) => document.bron && typeof document.bron.oin === "string" && o.oin === document.bron.oin);
  if (!source) throw new TokenError("envelop/bron-onbekend");  // 3
  await verifyDetached(handtekening, jcs(document), {  // 4
    typ: "vorderingen-document+jws", prefix: "envelop", keys: keysOf(source),
  });
  if (typeof document.documentversie !== "string") throw new TokenError("envelop/document-ongeldig");
  if (majorOf(document.documentversie) !== 2) throw new TokenError("envelop/versie-niet-ondersteund");  // 5
  const problems = documentProblems(document);  // 6
  if (problems.length) throw new TokenError("envelop/document-ongeldig", problems.slice(0, 3).join("; "));
  const signedAt = Date.parse(document.opgesteld_op) / 1000;  // 7: an instant, fraction kept
  let entry = null;
  for (const e of source.sleutels) if ((await thumbprint(e.jwk)) === header.kid) entry = e;
  const failure = signingFailure(entry, signedAt);
  if (failure) throw new TokenError(`envelop/${failure}`);
  if (signedAt > Date.now() / 1000 + CLOCK_SKEW_S) throw new TokenError("envelop/nog-niet-geldig");
  if (document.bron.oin !== oin) throw new TokenError("envelop/bron-onjuist");
  if (document.bsn !== bsn) throw new TokenError("envelop/bsn-onjuist");
  return document;
}
