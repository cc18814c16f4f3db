// ES256 JWS with WebCrypto, as spec/trust-model.md §2 fixes it: compact form only, header
// members alg/typ/kid only, alg exactly ES256, typ checked, kid = RFC 7638 thumbprint.
// Claims checks (times, schema) belong to each token's verifier (trust.js).

export const ALG = "ES256";
const HEADER_MEMBERS = new Set(["alg", "typ", "kid"]);
const FORBIDDEN = new Set(["jku", "jwk", "x5u", "x5c", "x5t", "x5t#S256", "crit", "b64"]);
const ECDSA = { name: "ECDSA", namedCurve: "P-256" };
const SIGN = { name: "ECDSA", hash: "SHA-256" };
const BASE64URL = /^[A-Za-z0-9_-]*$/;

export class TokenError extends Error {
  constructor(code, detail = "") {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
    this.detail = detail;
  }
}

export function b64urlEncode(bytes) {
  // Native where the browser has it (Uint8Array.prototype.toBase64): a page verifying 400
  // envelopes encodes each signed document once.
  if (typeof bytes.toBase64 === "function") return bytes.toBase64({ alphabet: "base64url", omitPadding: true });
  let text = "";
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function b64urlDecode(text) {
  if (!BASE64URL.test(text) || text.length % 4 === 1) throw new Error("not base64url");
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4);
  const raw = atob(padded);
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder("utf-8", { fatal: true });

/** RFC 8785 (JCS) canonical JSON of a value parsed from JSON. */
export function jcs(value) {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("not JSON");
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return "[" + value.map(jcs).join(",") + "]";
  // Default sort compares UTF-16 code units, which is what RFC 8785 prescribes.
  const keys = Object.keys(value).sort();
  return "{" + keys.map((k) => JSON.stringify(k) + ":" + jcs(value[k])).join(",") + "}";
}

/** BASE64URL(SHA-256(ASCII text)): PKCE's S256 challenge and a proof's `ath`. */
export async function sha256b64url(text) {
  return b64urlEncode(new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(text))));
}

// Thumbprints and imported public keys are pure functions of the key's members: each is
// computed once per page (a source's key is otherwise hashed twice per envelope and
// imported again on every overview).
const thumbprints = new Map();
const imported = new Map();

export async function thumbprint(jwk) {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  if (!thumbprints.has(canonical)) {
    thumbprints.set(canonical, crypto.subtle.digest("SHA-256", utf8.encode(canonical))
      .then((digest) => b64urlEncode(new Uint8Array(digest))));
  }
  return thumbprints.get(canonical);
}

export function publicMembers(jwk) {
  return { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y };
}

async function importPublic(jwk) {
  if (!jwk || jwk.kty !== "EC" || jwk.crv !== "P-256" || "d" in jwk) {
    throw new Error("not a public EC P-256 JWK");
  }
  const members = publicMembers(jwk);
  const canonical = JSON.stringify(members);
  if (!imported.has(canonical)) {
    const key = crypto.subtle.importKey("jwk", { ...members, ext: true }, ECDSA, false, ["verify"]);
    imported.set(canonical, key);
    key.catch(() => imported.delete(canonical));  // a malformed key is refused each time
  }
  return imported.get(canonical);
}

function jsonPart(part) {
  const value = JSON.parse(fromUtf8.decode(b64urlDecode(part)));
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw new Error("not an object");
  return value;
}

/** The header of a compact JWS, checked against the profile before any cryptography. */
export function parseHeader(token, { typ, prefix, detached = false }) {
  const parts = typeof token === "string" ? token.split(".") : [];
  const payloadPresent = parts.length === 3 && parts[1] !== "";
  if (parts.length !== 3 || !parts[0] || payloadPresent === detached) {
    throw new TokenError(`${prefix}/ongeldig-formaat`, "not a compact JWS of three parts");
  }
  let header;
  try {
    header = jsonPart(parts[0]);
    b64urlDecode(parts[2]);
  } catch (error) {
    throw new TokenError(`${prefix}/ongeldig-formaat`, `header: ${error.message}`);
  }
  if (header.alg !== ALG) throw new TokenError(`${prefix}/algoritme-niet-toegestaan`, "only ES256");
  const extra = Object.keys(header).filter((k) => !HEADER_MEMBERS.has(k));
  if (extra.length) {
    const kind = extra.some((k) => FORBIDDEN.has(k)) ? "forbidden" : "unknown";
    throw new TokenError(`${prefix}/verboden-header`, `${kind} header member(s): ${extra}`);
  }
  if (header.typ !== typ) throw new TokenError(`${prefix}/verkeerd-type`, `typ must be ${typ}`);
  return header;
}

async function selectKey(kid, keys, prefix) {
  if (typeof kid !== "string" || !kid) throw new TokenError(`${prefix}/sleutel-onbekend`, "no kid");
  for (const jwk of keys || []) {
    try {
      if ((await thumbprint(jwk)) === kid && (jwk.kid === undefined || jwk.kid === kid)) {
        return await importPublic(jwk);
      }
    } catch (_) {
      // a malformed published key never matches
    }
  }
  throw new TokenError(`${prefix}/sleutel-onbekend`, "kid is not a key of the expected issuer");
}

async function checkSignature(key, signingInput, signature, prefix) {
  let good = false;
  try {
    good = await crypto.subtle.verify(SIGN, key, b64urlDecode(signature), utf8.encode(signingInput));
  } catch (_) {
    good = false;
  }
  if (!good) throw new TokenError(`${prefix}/handtekening-ongeldig`, "signature does not verify");
}

/** Verify a compact JWS; `keysFor(header, unverifiedClaims)` names the issuer's keys. */
export async function verify(token, { typ, prefix, keysFor }) {
  const header = parseHeader(token, { typ, prefix });
  const [protectedPart, payloadPart, signature] = token.split(".");
  let claims;
  try {
    claims = jsonPart(payloadPart);
  } catch (error) {
    throw new TokenError(`${prefix}/ongeldig-formaat`, `payload: ${error.message}`);
  }
  const key = await selectKey(header.kid, keysFor(header, claims), prefix);
  await checkSignature(key, `${protectedPart}.${payloadPart}`, signature, prefix);
  return claims;
}

/** Verify a detached compact JWS over the UTF-8 bytes of `payloadText`. */
export async function verifyDetached(token, payloadText, { typ, prefix, keys }) {
  const header = parseHeader(token, { typ, prefix, detached: true });
  const key = await selectKey(header.kid, keys, prefix);
  const [protectedPart, , signature] = token.split(".");
  const payloadPart = b64urlEncode(utf8.encode(payloadText));
  await checkSignature(key, `${protectedPart}.${payloadPart}`, signature, prefix);
  return header;
}

/** A compact ES256 JWS signed with the app's (non-extractable) private key. */
export async function sign(claims, { typ, privateKey, kid }) {
  const header = b64urlEncode(utf8.encode(JSON.stringify({ alg: ALG, typ, kid })));
  const payload = b64urlEncode(utf8.encode(JSON.stringify(claims)));
  const signature = await crypto.subtle.sign(SIGN, privateKey, utf8.encode(`${header}.${payload}`));
  return `${header}.${payload}.${b64urlEncode(new Uint8Array(signature))}`;
}

export async function generateKeyPair() {
  // extractable = false: the private key can sign but never be exported, not even by this page.
  return crypto.subtle.generateKey(ECDSA, false, ["sign", "verify"]);
}

export async function exportPublic(publicKey) {
  return publicMembers(await crypto.subtle.exportKey("jwk", publicKey));
}
