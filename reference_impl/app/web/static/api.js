// HTTP as the browser app uses it: every call under an AbortController timeout; an answer
// that is not the expected status becomes an AppError: `onbereikbaar` (no connection, a
// timeout, a 5xx) or `geweigerd` (a 4xx problem document, carrying its code and reasons).

export class AppError extends Error {
  constructor(kind, code, detail = "", redenen = []) {
    super(detail ? `${code}: ${detail}` : code);
    this.kind = kind;  // "onbereikbaar" | "geweigerd"
    this.code = code;
    this.detail = detail;
    this.redenen = redenen;
  }
}

// A request carrying a session token gets its headers (`Authorization: Sessie …` and a fresh
// `Verzoek-Bewijs`) from the caller (app.js `sessionHeaders`), signed per request.
export async function call(method, url, { expect, json, headers = {}, timeoutMs, signal } = {}) {
  // One timer per call, joined with the caller's signal (a whole source's time limit)
  // without a listener left behind on it: a fan-out makes three calls per source.
  const timeout = AbortSignal.timeout(timeoutMs || 10000);
  const aborted = signal ? AbortSignal.any([signal, timeout]) : timeout;
  const sent = { Accept: "application/json", ...headers };
  if (json !== undefined) sent["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method, headers: sent, body: json === undefined ? undefined : JSON.stringify(json),
      signal: aborted, credentials: "omit", redirect: "manual", cache: "no-store",
    });
  } catch (error) {
    throw new AppError("onbereikbaar", aborted.aborted ? "app/time-out" : "app/geen-verbinding",
      `${method} ${new URL(url).pathname}`);
  }
  const expected = Array.isArray(expect) ? expect : [expect];
  if (expected.includes(response.status)) return response;
  let problem = {};
  try {
    problem = await response.json();
  } catch (_) {
    problem = {};
  }
  const code = typeof problem.code === "string" ? problem.code : null;
  if (response.status >= 500) {
    throw new AppError("onbereikbaar", code || "app/serverfout", problem.detail || "");
  }
  throw new AppError("geweigerd", code || "app/antwoord-ongeldig", problem.detail || "",
    Array.isArray(problem.redenen) ? problem.redenen : []);
}

export async function jsonOf(response) {
  try {
    return await response.json();
  } catch (error) {
    // The call's time limit covers reading the body too: a body cut off by it is a
    // time-out, not an answer that is not JSON.
    if (error && (error.name === "TimeoutError" || error.name === "AbortError")) {
      throw new AppError("onbereikbaar", "app/time-out", "reading the answer took too long");
    }
    throw new AppError("geweigerd", "app/antwoord-ongeldig", "the answer is not JSON");
  }
}
