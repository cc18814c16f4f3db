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
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs || 10000);
  if (signal) signal.addEventListener("abort", () => controller.abort());
  const sent = { Accept: "application/json", ...headers };
  if (json !== undefined) sent["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(url, {
      method, headers: sent, body: json === undefined ? undefined : JSON.stringify(json),
      signal: controller.signal, credentials: "omit", redirect: "manual", cache: "no-store",
    });
  } catch (error) {
    const timeout = controller.signal.aborted;
    throw new AppError("onbereikbaar", timeout ? "app/time-out" : "app/geen-verbinding",
      `${method} ${new URL(url).pathname}`);
  } finally {
    clearTimeout(timer);
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
  } catch (_) {
    throw new AppError("geweigerd", "app/antwoord-ongeldig", "the answer is not JSON");
  }
}
