// The browser app: it holds its own key (WebCrypto, non-extractable, kept in IndexedDB),
// verifies the scheme document against the pinned key set, and logs in as an OAuth native
// app would (design §4): PKCE verifier and its own `state` in sessionStorage, registration
// with this page's own loopback origin as `redirect_uri`, the consent page and DigiD in this
// tab, back here with ?code&state&iss, then the certificate. It then talks to every source
// directly at the endpoint of the highest major it supports: a session whose proof names
// the scheme entry (OIN and api_url), and every request with `Authorization: Sessie` plus a
// fresh `Verzoek-Bewijs` signed with the non-extractable key (design §6). Same rules as the
// Python app (reference_impl/app): statuses, the four groups, the allocation rule.

import { AppError, call, jsonOf } from "./api.js";
import { conclude, propose, resume } from "./arrangement.js";
import { amsterdamToday, groupOf, isDate } from "./document.js";
import { ledgerMembers } from "./ledger.js";
import { TokenError, b64urlEncode, exportPublic, generateKeyPair, sha256b64url, sign, thumbprint }
  from "./jose.js";
import { get, put, remove } from "./store.js";
import { verifyCertificate, verifyEnvelope, verifyScheme } from "./trust.js";
import { cardOf, renderGroups, renderParts, renderPauses, renderSources, renderTotals } from "./view.js";
import { GROUPS, failureWords } from "./words.js";
const NOTHING_TO_PAUSE = ["zaak-onbekend", "zaak-afgelost", "zaak-al-gepauzeerd"];
const RENEW_MARGIN_S = 120;
const APP_NAAM = "Vorderingen referentie-app (browser)";
const LOGIN_KEY = "vorderingen-inloggen";  // sessionStorage: this tab's login in progress
const LOGIN_RETURN = ["code", "state", "iss", "error", "error_description", "error_uri"];

const state = { config: null, scheme: null, keys: null, kid: null, jwk: null,
  certificate: null, claims: null, sessions: new Map(), overview: null, plan: null };
window.vorderingenApp = state;  // for the curious (and the browser test)

const $ = (selector) => document.querySelector(selector);
const uuid = () => crypto.randomUUID();
const nowS = () => Math.floor(Date.now() / 1000);
const timeoutMs = () => Math.round((state.config.timeout_s || 10) * 1000);

function say(element, text, failed = false) {
  element.textContent = text;
  element.dataset.state = failed ? "fout" : "ok";
}

/** The loading state while sources answer (`text` null hides it). */
function loading(text) {
  const box = $("#laden");
  box.hidden = text === null;
  if (text !== null) $("#laden-tekst").textContent = text;
  const busy = String(text !== null);
  if ($("#inhoud").getAttribute("aria-busy") !== busy) $("#inhoud").setAttribute("aria-busy", busy);
}

/** A failure the citizen must see: plain words, the code behind "Details". */
function fail(words, error) {
  loading(null);
  $("#melding-tekst").textContent = words;
  $("#melding").hidden = false;
  if (error) $("#stelsel").textContent = `Laatste fout: ${error.code || error.message}`;
}

const activeOrganisations = () => state.scheme.organisaties.filter((o) => o.status === "actief");
const offers = (org, dienst) => org.diensten.includes(dienst);

/** The organisation's endpoint of the highest major this page supports (or an error). */
function endpointOf(org) {
  const majors = state.config.majors || [2];
  const usable = org.eindpunten.filter((e) => majors.includes(e.major)).sort((a, b) => b.major - a.major);
  if (!usable.length) throw new AppError("onbereikbaar", "app/geen-ondersteunde-versie");
  return usable[0];
}
const baseOf = (org) => endpointOf(org).api_url.replace(/\/$/, "");

/** `Authorization: Sessie` and a fresh `Verzoek-Bewijs` for one request (design §6). */
async function sessionHeaders(method, url, token) {
  const htu = url.split(/[?#]/)[0];
  const proof = await sign({ jti: uuid(), htm: method, htu, iat: nowS(), ath: await sha256b64url(token) },
    { typ: "verzoek-bewijs+jwt", privateKey: state.keys.privateKey, kid: state.kid });
  return { Authorization: `Sessie ${token}`, "Verzoek-Bewijs": proof };
}

/** A request with this organisation's session (opened on first use). */
const SESSION_ENDED = "sessie/token-ongeldig";

async function authed(org, method, path, options = {}) {
  const url = `${baseOf(org)}${path}`;
  for (let attempt = 1; ; attempt += 1) {
    const token = await session(org, options.signal);
    const headers = { ...(options.headers || {}), ...(await sessionHeaders(method, url, token)) };
    try {
      return await call(method, url, { timeoutMs: timeoutMs(), ...options, headers });
    } catch (error) {
      // A session ends after its lifetime (or with its certificate): open a new one and try
      // once more. A request refused at the session step changed nothing at the source.
      if (attempt > 1 || !(error instanceof AppError) || error.code !== SESSION_ENDED) throw error;
      state.sessions.delete(org.oin);
    }
  }
}

// --- start: scheme, key, certificate ------------------------------------------------------

/** The login return's members (?code&state&iss), taken out of the address bar at once on
 * every path: a stored certificate, a scheme that cannot be fetched, a login that fails. */
function takeLoginReturn() {
  const query = new URLSearchParams(window.location.search);
  const kept = new URLSearchParams(query);
  for (const name of LOGIN_RETURN) kept.delete(name);
  if (String(kept) !== String(query)) {
    const rest = String(kept);
    window.history.replaceState(null, "", `${window.location.pathname}${rest ? `?${rest}` : ""}${window.location.hash}`);
  }
  return query;
}

async function boot() {
  const query = takeLoginReturn();
  state.config = await (await fetch("/config.json", { cache: "no-store" })).json();
  const response = await call("GET", state.config.stelsel_url, {
    expect: 200, headers: { Accept: "application/jose" }, timeoutMs: timeoutMs() });
  state.scheme = await verifyScheme((await response.text()).trim(), state.config.stelsel_sleutels,
    state.config.omgeving);
  $("#stelsel").textContent = `Stelseldocument geverifieerd (volgnummer ${state.scheme.volgnummer}, `
    + `${state.scheme.organisaties.length} organisaties).`;
  state.keys = await get("sleutelpaar");
  if (!state.keys) {
    state.keys = await generateKeyPair();
    await put("sleutelpaar", state.keys);
  }
  state.jwk = await exportPublic(state.keys.publicKey);
  state.kid = await thumbprint(state.jwk);
  const stored = await get("certificaat");
  if (stored) {
    try {
      const claims = await verifyCertificate(stored, state.scheme, state.kid);
      if (claims.exp - RENEW_MARGIN_S > nowS()) {
        [state.certificate, state.claims] = [stored, claims];
      }
    } catch (_) {
      await remove("certificaat");
    }
  }
  if (!state.certificate && (query.has("code") || query.has("error"))) {
    await finishLogin(query);
  }
  if (state.certificate) {
    $("#uitlog-knop").hidden = false;
    await showOverview();
    await resumeArrangement();
  } else {
    loading(null);
    $("#inloggen").hidden = false;
  }
}

function appManager() {
  const managers = state.scheme.app_managers.filter((m) => m.status === "actief");
  const wanted = state.config.app_manager_url;
  const manager = wanted ? managers.find((m) => (m.api_url || "") === wanted) || managers[0]
    : managers.find((m) => m.api_url);
  if (!manager) throw new Error("geen App Manager in het stelsel");
  return { id: manager.id, url: (wanted || manager.api_url).replace(/\/$/, "") };
}

function redirectUri() {
  // This page's own loopback origin (RFC 8252 §7.3): `vorderingen app web` serves on 127.0.0.1.
  return `${window.location.origin}/`;
}

async function login() {
  const status = $("#inlog-status");
  try {
    const manager = appManager();
    const verifier = b64urlEncode(crypto.getRandomValues(new Uint8Array(32)));
    const ownState = b64urlEncode(crypto.getRandomValues(new Uint8Array(24)));
    const registration = await jsonOf(await call("POST", `${manager.url}/registraties`, {
      expect: 201, timeoutMs: timeoutMs(),
      json: { publieke_sleutel: state.jwk, redirect_uri: redirectUri(),
        code_challenge: await sha256b64url(verifier), code_challenge_method: "S256",
        state: ownState, app_naam: APP_NAAM, apparaat_naam: deviceName() } }));
    sessionStorage.setItem(LOGIN_KEY, JSON.stringify({ verifier, state: ownState,
      registratie_id: registration.registratie_id, uitdaging: registration.uitdaging,
      manager }));
    say(status, "U gaat nu naar de inlogpagina …");
    window.location.assign(registration.inlog_url);
  } catch (error) {
    say(status, `Inloggen is niet gelukt. ${failureWords(error)}`, true);
    $("#stelsel").textContent = `Laatste fout: ${error.code || error.message}`;
  }
}

function deviceName() {
  const platform = (navigator.userAgentData && navigator.userAgentData.platform) || navigator.platform;
  return `browser op ${platform || "dit apparaat"}`.slice(0, 64);
}

/** Back from the App Manager with ?code&state&iss: redeem the code for the certificate. */
async function finishLogin(query) {
  const status = $("#inlog-status");
  const pending = JSON.parse(sessionStorage.getItem(LOGIN_KEY) || "null");
  sessionStorage.removeItem(LOGIN_KEY);  // the code left the address bar in boot already
  try {
    if (!pending || query.get("state") !== pending.state) throw new Error("dit is niet onze inlogpoging (state)");
    const manager = appManager();
    if (query.get("iss") !== manager.id || pending.manager.id !== manager.id) {
      throw new Error("het antwoord komt niet van onze App Manager (iss)");
    }
    if (query.has("error")) throw new Error(`inloggen afgebroken (${query.get("error")})`);
    const aanvraag = await sign({ aud: manager.id, nonce: pending.uitdaging, iat: nowS(), jti: uuid() },
      { typ: "certificaat-aanvraag+jwt", privateKey: state.keys.privateKey, kid: state.kid });
    const answer = await jsonOf(await call("POST", `${manager.url}/certificaten`, {
      expect: 201, timeoutMs: timeoutMs(),
      json: { registratie_id: pending.registratie_id, inlogcode: query.get("code"),
        code_verifier: pending.verifier, aanvraag } }));
    state.claims = await verifyCertificate(answer.certificaat, state.scheme, state.kid);
    state.certificate = answer.certificaat;
    await put("certificaat", answer.certificaat);
  } catch (error) {
    $("#inloggen").hidden = false;
    say(status, `Inloggen is niet gelukt. ${failureWords(error)}`, true);
    $("#stelsel").textContent = `Laatste fout: ${error.code || error.message}`;
  }
}

// --- per source -----------------------------------------------------------------------

async function session(org, signal) {
  if (state.sessions.has(org.oin)) return state.sessions.get(org.oin);
  const endpoint = endpointOf(org);
  const base = endpoint.api_url.replace(/\/$/, "");
  const { nonce } = await jsonOf(await call("POST", `${base}/sessies/uitdagingen`, {
    expect: 201, timeoutMs: timeoutMs(), signal }));
  // aud and api_url from the verified scheme entry being called, never from /configuratie.
  const bewijs = await sign({ nonce, aud: org.oin, api_url: endpoint.api_url, iat: nowS(), jti: uuid() },
    { typ: "sessie-bewijs+jwt", privateKey: state.keys.privateKey, kid: state.kid });
  const answer = await jsonOf(await call("POST", `${base}/sessies`, {
    expect: 201, json: { certificaat: state.certificate, bewijs }, timeoutMs: timeoutMs(), signal }));
  state.sessions.set(org.oin, answer.sessietoken);
  return answer.sessietoken;
}

async function withTimeout(work) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs());
  try {
    return await work(controller.signal);
  } finally {
    clearTimeout(timer);
  }
}

async function fetchOne(org) {
  try {
    return await withTimeout(async (signal) => {
      const envelope = await jsonOf(await authed(org, "GET", "/vorderingenoverzicht",
        { expect: 200, signal }));
      const document = await verifyEnvelope(envelope, state.scheme, org.oin, state.claims.bsn);
      const count = document.financiele_zaken.length;
      return { org, status: count ? "beantwoord" : "niets_te_melden", document, envelope, count };
    });
  } catch (error) {
    if (error instanceof TokenError) return { org, status: "geweigerd", code: error.code };
    if (error instanceof AppError) return { org, status: error.kind, code: error.code };
    return { org, status: "geweigerd", code: "app/fout" };
  }
}

async function showOverview() {
  const requested = performance.now();  // "overview requested" … "every source shown" (bench)
  const organisations = activeOrganisations();
  let answered = 0;
  let drawn = true;
  const progress = () => loading(`Uw gegevens worden opgehaald bij ${organisations.length} `
    + `organisaties … (${answered} van ${organisations.length} klaar)`);
  progress();
  // The count is drawn at most once a frame: 400 answers arrive within a few frames.
  const counted = () => {
    drawn = true;
    if (answered < organisations.length) progress();
  };
  const results = await Promise.all(organisations.map((org) => fetchOne(org).then((result) => {
    answered += 1;
    if (drawn) {
      drawn = false;
      requestAnimationFrame(counted);
    }
    return result;
  })));
  const today = amsterdamToday();
  const groups = Object.fromEntries(GROUPS.map(([g]) => [g, []]));
  for (const result of results) {
    if (!result.document) continue;
    // Each source's cards are drawn before any is shown: what cannot be drawn makes that
    // source refused, never the whole page (/app/status-per-bron).
    try {
      const rows = [];
      for (const zaak of result.document.financiele_zaken) {
        const group = groupOf(zaak, today);
        if (!group) continue;
        // the 2.2 net figures, reversals and creditors beside the document's members (ledger.js)
        const row = { ...zaak, ...ledgerMembers(zaak), organisatie: result.org };
        cardOf(row);
        rows.push([group, row]);
      }
      for (const [group, row] of rows) groups[group].push(row);
    } catch (_) {
      Object.assign(result, { status: "geweigerd", code: "app/fout", document: null, envelope: null, count: 0 });
    }
  }
  state.overview = { results, groups };
  render();
  loading(null);
  $("#overzicht").hidden = false;
  const main = $("#overzicht");
  main.dataset.ronde = String(Number(main.dataset.ronde || 0) + 1);  // one more overview shown
  performance.measure("vorderingen-overzicht", { start: requested });
}

function render() {
  const { results, groups } = state.overview;
  const cases = GROUPS.flatMap(([g]) => groups[g]);
  for (const result of results) {  // an organisation's contact, as its cases give it
    const withContact = cases.find((c) => c.organisatie.oin === result.org.oin && c.contact);
    // one that did not answer: the contact the scheme lists (`/app/contact-bij-storing`)
    const listed = ((result.org.uitbreidingen || {})["2.2"] || {}).contact || null;
    result.contact = withContact ? withContact.contact
      : ["onbereikbaar", "geweigerd"].includes(result.status) ? listed : null;
  }
  // One arrears figure: the part of what is owed that is past due (the cases' `achterstand`),
  // as the Python app totals it; the group "Met een achterstand" shows what is owed there.
  renderTotals({ saldo: cases.reduce((s, c) => s + c.saldo, 0),
    achterstand: cases.reduce((s, c) => s + c.achterstand, 0), cases: cases.length,
    organisations: new Set(cases.map((c) => c.organisatie.oin)).size });
  renderSources(results);
  renderGroups(groups);
}

// --- pause everything --------------------------------------------------------------------

const addDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86400000)
  .toISOString().slice(0, 10);

async function pauseEverything() {
  const days = Number($("#pauze-dagen").value) || 30;
  const today = amsterdamToday();
  const lines = await Promise.all(activeOrganisations().map((org) => pauseOne(org, days, today)
    // whatever goes wrong at one organisation is that organisation's line, never all of them
    .catch(() => ({ org, status: "mislukt", code: "app/fout" }))));
  renderPauses(lines);
  await showOverview();
}

// A reason of a refused pause, as far as the page reads it: an object whose `mogelijk_vanaf`
// (when given) is a real day. The problem document is not signed: anything else is a
// malformed answer of that one organisation.
const isReason = (r) => r !== null && typeof r === "object" && !Array.isArray(r)
  && ["code", "reden"].every((m) => r[m] === undefined || typeof r[m] === "string")
  && (r.mogelijk_vanaf === undefined || isDate(r.mogelijk_vanaf));

async function pauseOne(org, days, today) {
  if (!offers(org, "pauzes")) return { org, status: "geen_pauzedienst" };
  // a verified document that lists `pauze` for none of its cases: nothing to ask (`acties`)
  const answered = state.overview.results.find((r) => r.org.oin === org.oin && r.document);
  if (answered && !answered.document.financiele_zaken.some((z) => z.acties.includes("pauze"))) {
    const redenen = answered.document.financiele_zaken.filter((z) => z.saldo > 0
      && z.pauze_mogelijkheid && z.pauze_mogelijkheid.mogelijk === false && z.pauze_mogelijkheid.reden)
      .map((z) => ({ reden: z.pauze_mogelijkheid.reden, zaakkenmerk: z.zaakkenmerk,
        mogelijk_vanaf: z.pauze_mogelijkheid.mogelijk_vanaf }));
    return { org, status: redenen.length ? "niet_toegestaan" : "niets_te_pauzeren", redenen };
  }
  try {
    return await withTimeout(async (signal) => {
      const configuratie = await jsonOf(await call("GET", `${baseOf(org)}/configuratie`, {
        expect: 200, timeoutMs: timeoutMs(), signal }));
      const longest = (configuratie.pauze || {}).maximum_duur_dagen || days;
      const einddatum = addDays(today, Math.min(days, longest));
      const pauze = await jsonOf(await authed(org, "POST", "/pauzes", {
        expect: 201, json: { einddatum }, signal }));
      return { org, status: "gepauzeerd", einddatum: pauze.einddatum };
    });
  } catch (error) {
    if (["pauze/niet-mogelijk", "pauze/niet-toegestaan"].includes(error.code)
      && !(Array.isArray(error.redenen) && error.redenen.every(isReason))) {
      return { org, status: "mislukt", code: "app/antwoord-ongeldig" };
    }
    if (error.code === "pauze/niet-mogelijk" && error.redenen.length
      && error.redenen.every((r) => NOTHING_TO_PAUSE.includes(r.code))) {
      return { org, status: "niets_te_pauzeren" };
    }
    if (error.code === "pauze/niet-toegestaan") {
      return { org, status: "niet_toegestaan", code: error.code, redenen: error.redenen };
    }
    return { org, status: error.kind === "onbereikbaar" ? "onbereikbaar" : "mislukt",
      code: error.code || "app/fout" };
  }
}

// --- one arrangement across organisations (arrangement.js) -------------------------------

const arrangementContext = {
  organisations: activeOrganisations,
  authed,
  configuratie: (org) => call("GET", `${baseOf(org)}/configuratie`, { expect: 200, timeoutMs: timeoutMs() })
    .then(jsonOf),
};

function renderPlan() {
  renderParts(state.plan.parts);
  const melding = $("#regeling-melding");
  melding.dataset.plan = state.plan.status;
  say(melding, state.plan.melding, !["voorgesteld", "afgesloten"].includes(state.plan.status));
  $("#afsluiten-knop").disabled = state.plan.status !== "voorgesteld";
}

async function proposeArrangement() {
  const monthly = Math.round(Number($("#maandbedrag").value) * 100);
  const cases = GROUPS.flatMap(([g]) => state.overview.groups[g]);
  state.plan = await propose(arrangementContext, monthly, cases);
  renderPlan();
}

async function concludeArrangement() {
  state.plan = await conclude(arrangementContext, state.plan);
  renderPlan();
  await showOverview();
}

/** A group agreement a closed tab left half-way is finished first (arrangement.js). */
async function resumeArrangement() {
  const plan = await resume(arrangementContext);
  if (plan) {
    state.plan = plan;
    renderPlan();
    await showOverview();
  }
}

// --- logging out ---------------------------------------------------------------------

/** End every open session (`DELETE /sessies/huidige`, where the source answers), then
 * forget the certificate and the key: the next visit starts with a fresh login. */
async function logOut() {
  loading("U wordt uitgelogd …");
  const open = activeOrganisations().filter((org) => state.sessions.has(org.oin));
  await Promise.all(open.map((org) => authed(org, "DELETE", "/sessies/huidige", { expect: 204 })
    .catch(() => null)));  // an unreachable source lets its session expire on its own
  state.sessions.clear();
  await remove("certificaat");
  await remove("sleutelpaar");
  sessionStorage.removeItem(LOGIN_KEY);
  window.location.replace("/");
}

// --- wiring ---------------------------------------------------------------------------

function guard(work) {
  return async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    $("#melding").hidden = true;
    try {
      await work();
    } catch (error) {
      fail(failureWords(error), error);
    } finally {
      button.removeAttribute("aria-busy");
      if (button.id !== "afsluiten-knop") button.disabled = false;
    }
  };
}

/** A case's action button: take the citizen to the form that carries it out. */
function caseAction(event) {
  const target = event.target.closest("button[data-actie]");
  if (!target) return;
  const field = target.dataset.actie === "pauze" ? "#pauze-dagen" : "#maandbedrag";
  const block = target.dataset.actie === "pauze" ? "#pauze-blok" : "#regeling-blok";
  $(block).scrollIntoView({ block: "start" });
  $(field).focus();
}

document.addEventListener("DOMContentLoaded", () => {
  $("#inlog-knop").addEventListener("click", guard(login));
  $("#pauze-knop").addEventListener("click", guard(pauseEverything));
  $("#voorstel-knop").addEventListener("click", guard(proposeArrangement));
  $("#afsluiten-knop").addEventListener("click", guard(concludeArrangement));
  $("#uitlog-knop").addEventListener("click", guard(logOut));
  $("#groepen").addEventListener("click", caseAction);
  boot().catch((error) => fail("Deze pagina kan nu niet veilig laden. Probeer het later opnieuw.",
    error));
});
