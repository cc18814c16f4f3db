// The claims document's structure and invariants (spec/interface.md, "The claims document"),
// checked in the browser after the signature: the browser has no JSON Schema validator, so
// this checks the members the page uses and every arithmetic invariant the Python app checks
// through the schema plus rules (sums, saldo, achterstand bounds, unique ids, references),
// and for a document of 2.2 or later the invariants 2.2 added (rules22.js).

import { binds22, problems22 } from "./rules22.js";

const LOOPTIJDEN = ["eenmalig", "termijnen", "doorlopend"];
const STATUSSEN = ["open", "in_regeling", "gepauzeerd", "in_bezwaar", "overgedragen_aan_deurwaarder",
  "afgelost"];
const ACTIES = ["betalen", "betalingsregeling", "pauze", "bezwaar", "hulp"];
const IMPOSED = "FinancieleVerplichtingOpgelegd";
const PAID = "BetalingVerwerkt";
const REMITTED = "FinancieleVerplichtingKwijtgescholden";
const EVENT_TYPES = [IMPOSED, "BetalingsverplichtingOpgelegd", "BetalingsverplichtingIngetrokken",
  PAID, REMITTED];
const REFERENCES = { correctie_van: IMPOSED, betalingsverplichting: "BetalingsverplichtingOpgelegd",
  financiele_verplichting: IMPOSED };
// RFC 3339 as the schema's `format` checks it (the Python app asserts formats): a date or
// date-time must be a real calendar day and time, not only look like one — "2026-13-01"
// makes Date.parse NaN, and NaN passes every key-window comparison.
const DATETIME = /^([0-9]{4}-[0-9]{2}-[0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,9})?(Z|[+-]([0-9]{2}):([0-9]{2}))$/;
const DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
const isInt = Number.isInteger;
const isText = (v) => typeof v === "string" && v.length > 0 && v.length <= 2000;
const isName = (v) => typeof v === "string" && v.length > 0 && v.length <= 200;
const isObject = (v) => v !== null && typeof v === "object" && !Array.isArray(v);
const leap = (y) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True for an RFC 3339 full-date that is a real day (year 0001 onwards, as Python's). */
export function isDate(value) {
  const match = typeof value === "string" ? DATE.exec(value) : null;
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1
    && day <= (month === 2 && leap(year) ? 29 : DAYS[month - 1]);
}

/** True for an RFC 3339 date-time with offset that is a real instant the page can compare. */
export function isDateTime(value) {
  const match = typeof value === "string" ? DATETIME.exec(value) : null;
  if (!match || !isDate(match[1])) return false;
  const [hour, minute, second] = match.slice(2, 5).map(Number);
  const offsetOk = match[6] === "Z" || (Number(match[7]) <= 23 && Number(match[8]) <= 59);
  return hour <= 23 && minute <= 59 && second <= 59 && offsetOk
    && Number.isFinite(Date.parse(value));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const TELEFOON = /^\+?[0-9][0-9 ()-]{2,24}$/;
const WEB_URL = /^https:\/\/[^\s]+$/;
const optional = (value, check) => value === undefined || check(value);
const oneOf = (...words) => (value) => words.includes(value);
const isCents = (v) => isInt(v) && Math.abs(v) <= Number.MAX_SAFE_INTEGER;
const isId = (v) => typeof v === "string" && UUID.test(v);
const isWebUrl = (v) => typeof v === "string" && v.length <= 2000 && WEB_URL.test(v);

/** common.schema.json#/$defs/contact: every member optional, each of its own form. */
export const isContact = (c) => isObject(c)
  && optional(c.telefoon, (t) => typeof t === "string" && TELEFOON.test(t))
  && optional(c.email, (e) => typeof e === "string" && e.includes("@") && e.length <= 254)
  && optional(c.url, isWebUrl);
const isCreditor = (s) => isObject(s) && isName(s.naam) && optional(s.oin, (o) => typeof o === "string" && /^[0-9]{20}$/.test(o));

// The members of a case that 2.2 added (and `betalingsregeling`, 2.0 with `{id}` only), in
// the form vorderingendocument.schema.json gives them. The schema holds for every version of
// the document, so they are checked whenever present, as the Python app's schema does; only
// the invariants between them wait for a 2.2 document (rules22.js).
const instalment = (t) => isObject(t) && isInt(t.volgnummer) && t.volgnummer >= 1 && t.volgnummer <= 1200
  && isDate(t.vervaldatum) && isCents(t.bedrag) && t.bedrag >= 1
  && oneOf("open", "betaald", "deels_betaald", "gemist")(t.status) && optional(t.betaald, isCents)
  && optional(t.hoofdsom, (h) => isCents(h) && h >= 1) && optional(t.rente, (r) => isCents(r) && r >= 0);
const arrangementShape = (r) => isObject(r) && isId(r.id)
  && optional(r.status, oneOf("actief", "ingetrokken", "beeindigd"))
  && optional(r.termijnbedrag, (b) => isCents(b) && b >= 1)
  && optional(r.aantal_termijnen, (n) => isInt(n) && n >= 1 && n <= 1200)
  && optional(r.termijnen, (ts) => Array.isArray(ts) && ts.length >= 1 && ts.length <= 1200 && ts.every(instalment))
  && optional(r.gemiste_termijnen, (n) => isInt(n) && n >= 0 && n <= 1200)
  && optional(r.beeindiging, (b) => isObject(b) && isDate(b.datum) && optional(b.toelichting, isText)
    && oneOf("afgelost", "vervallen", "gewijzigd", "door_bron", "door_burger", "schuldregeling")(b.reden))
  && optional(r.vervangt, isId) && optional(r.vervangen_door, isId)
  && optional(r.groep, (g) => isObject(g) && isId(g.id) && isInt(g.omvang) && g.omvang >= 1 && g.omvang <= 100
    && isDateTime(g.bevestigd_op) && isDateTime(g.annuleerbaar_tot));
const CASE_MEMBERS = {
  regelbaar_bedrag: isCents,
  betalingsregeling: arrangementShape,
  pauze: (p) => isObject(p) && isId(p.id) && isDate(p.einddatum),
  pauze_mogelijkheid: (p) => isObject(p) && typeof p.mogelijk === "boolean"
    && optional(p.reden, oneOf("maximum-bereikt", "wachttijd", "wettelijke-rente", "in-schuldregeling",
      "bij-deurwaarder", "afgelost", "niet-voor-deze-zaak"))
    && optional(p.mogelijk_vanaf, isDate) && optional(p.toelichting, isText),
  rechtsmiddel: (r) => isObject(r) && oneOf("bezwaar", "beroep", "hoger_beroep")(r.stadium)
    && isDate(r.ingediend_op) && typeof r.uitstel_van_betaling === "boolean" && optional(r.toelichting, isText),
  schuldregeling: (s) => isObject(s) && oneOf("minnelijk", "wsnp", "moratorium")(s.soort) && isDate(s.sinds)
    && optional(s.tot, isDate) && optional(s.behandelaar, isName),
  beslag: (list) => Array.isArray(list) && list.length >= 1 && list.length <= 10 && list.every((b) => isObject(b)
    && oneOf("loonbeslag", "uitkeringsbeslag", "bankbeslag", "beslag_roerende_zaken")(b.soort)
    && isDate(b.gelegd_op) && optional(b.derde, isName)
    && optional(b.beslagvrije_voet, (v) => isCents(v) && v >= 0) && optional(b.toelichting, isText)
    && optional(b.contact, isContact)),
  overgenomen_van: (o) => isObject(o) && isName(o.naam) && isDate(o.datum)
    && optional(o.oin, (v) => typeof v === "string" && /^[0-9]{20}$/.test(v)) && optional(o.zaakkenmerk, isText),
  schuldeiser: isCreditor,
  bezwaar: (b) => isObject(b) && typeof b.mogelijk === "boolean" && optional(b.uiterlijk, isDate)
    && optional(b.toelichting, isText),
  grondslag: (g) => isObject(g) && isText(g.omschrijving) && optional(g.url, isWebUrl),
};
// An event's members the page reads beyond the common ones (ledger.js, notes.js, rules22.js).
const EVENT_MEMBERS = {
  schuldeiser: isCreditor,
  tegenboeking_van: isText,
  tegenboeking_soort: oneOf("storno", "terugbetaling", "verkeerd_geboekt", "correctie"),
  betaalwijze: oneOf("overboeking", "automatische_incasso", "verrekening", "beslag", "herboeking"),
  verrekend_met: isText,
  herboekt_van: (h) => isObject(h) && isText(h.zaakkenmerk) && isText(h.gebeurtenis_id),
  correctie_van: isText,
  betalingsverplichting: isText,
  financiele_verplichting: isText,
};
const membersOk = (object, checks) => Object.entries(checks)
  .every(([member, check]) => !Object.hasOwn(object, member) || check(object[member]));

function elfproef(bsn) {
  if (!/^[0-9]{9}$/.test(bsn) || bsn === "000000000") return false;
  const weights = [9, 8, 7, 6, 5, 4, 3, 2, -1];
  return weights.reduce((sum, w, i) => sum + w * Number(bsn[i]), 0) % 11 === 0;
}

function caseProblems(zaak, at, seenEvents) {
  const found = [];
  const shapeOk = isText(zaak.zaakkenmerk) && isText(zaak.omschrijving)
    && LOOPTIJDEN.includes(zaak.looptijd) && STATUSSEN.includes(zaak.status)
    && ["totaal_financieel_verplicht", "totaal_financieel_vereffend", "saldo", "achterstand"]
      .every((k) => isInt(zaak[k]))
    && isDateTime(zaak.saldo_datumtijd)
    && (zaak.volgende_vervaldatum === null || isDate(zaak.volgende_vervaldatum))
    && Array.isArray(zaak.acties) && zaak.acties.every((a) => ACTIES.includes(a))
    && isContact(zaak.contact) && Array.isArray(zaak.gebeurtenissen)
    && membersOk(zaak, CASE_MEMBERS);
  if (!shapeOk) return [`${at}: members missing or of the wrong type`];
  const byId = new Map();
  for (const [j, event] of zaak.gebeurtenissen.entries()) {
    if (!isObject(event) || !isText(event.gebeurtenis_id) || !EVENT_TYPES.includes(event.gebeurtenistype)
      || !isDateTime(event.datumtijd)
      || ("bedrag" in event && !isCents(event.bedrag)) || !membersOk(event, EVENT_MEMBERS)) {
      found.push(`${at}/gebeurtenissen/${j}: not an event`);
      continue;
    }
    if (seenEvents.has(event.gebeurtenis_id)) found.push(`/document/gebeurtenis-id-uniek ${at}/${j}`);
    seenEvents.add(event.gebeurtenis_id);
    byId.set(event.gebeurtenis_id, event);
  }
  for (const [j, event] of zaak.gebeurtenissen.entries()) {
    for (const [member, kind] of Object.entries(REFERENCES)) {
      if (!(member in event)) continue;
      const target = byId.get(event[member]);
      if (!target || target === event || target.gebeurtenistype !== kind
        || Date.parse(target.datumtijd) > Date.parse(event.datumtijd)) {
        found.push(`/document/referenties-kloppen ${at}/gebeurtenissen/${j}/${member}`);
      }
    }
  }
  const sum = (types) => zaak.gebeurtenissen.filter((e) => types.includes(e.gebeurtenistype))
    .reduce((total, e) => total + e.bedrag, 0);
  if (zaak.totaal_financieel_verplicht !== sum([IMPOSED])) found.push(`/document/verplicht-is-som ${at}`);
  if (zaak.totaal_financieel_vereffend !== sum([PAID, REMITTED])) found.push(`/document/vereffend-is-som ${at}`);
  if (zaak.saldo !== zaak.totaal_financieel_verplicht - zaak.totaal_financieel_vereffend) {
    found.push(`/document/saldo-klopt ${at}`);
  }
  if (zaak.achterstand < 0 || zaak.achterstand > Math.max(zaak.saldo, 0)) {
    found.push(`/document/achterstand-begrensd ${at}`);
  }
  const balanceAt = Date.parse(zaak.saldo_datumtijd);
  if (zaak.gebeurtenissen.some((e) => Date.parse(e.datumtijd) > balanceAt)) {
    found.push(`/document/saldo-datumtijd ${at}`);
  }
  if (zaak.status === "afgelost" && zaak.saldo > 0) found.push(`/document/afgelost-zonder-saldo ${at}`);
  return found;
}

/** True for a wire version "2.<minor>" (design §0: every minor of major 2). */
export const isMajor2 = (value) => typeof value === "string" && /^2\.(0|[1-9][0-9]{0,3})$/.test(value);

/** The major of a version string: its digits before the first "." as a number, else null.
 * A verifier decides on the major first; "2.0.0" is major 2 and then fails the schema. */
export const majorOf = (value) => {
  const match = typeof value === "string" ? /^([0-9]{1,9})(\.|$)/.exec(value) : null;
  return match ? Number(match[1]) : null;
};

/** Every violation found in a claims document (empty when it is sound). */
export function documentProblems(document) {
  if (!isMajor2(document.documentversie) || !document.bron || !isText(document.bron.oin)
    || !isText(document.bron.naam) || !elfproef(document.bsn || "")
    || !isDateTime(document.opgesteld_op) || !Array.isArray(document.financiele_zaken)) {
    return ["/document: not a claims document of major 2"];
  }
  const found = [];
  const seenEvents = new Set();
  const seenCases = new Set();
  for (const [i, zaak] of document.financiele_zaken.entries()) {
    if (!isObject(zaak)) {
      found.push(`/financiele_zaken/${i}: not a case`);
      continue;
    }
    if (seenCases.has(zaak.zaakkenmerk)) found.push(`/document/zaakkenmerk-uniek /financiele_zaken/${i}`);
    seenCases.add(zaak.zaakkenmerk);
    found.push(...caseProblems(zaak, `/financiele_zaken/${i}`, seenEvents));
  }
  if (!found.length && binds22(document.documentversie)) {
    try {
      found.push(...problems22(document));
    } catch (_) {  // no schema validator here: a 2.2 member of the wrong shape lands here
      found.push("/document: 2.2 members of the wrong shape");
    }
  }
  return found;
}

/** The group of a case (first match wins), or null when nothing is owed. */
export function groupOf(zaak, today) {
  if (zaak.saldo <= 0) return null;
  if (zaak.achterstand > 0) return "achterstand";
  const due = zaak.volgende_vervaldatum;
  if (due && due.slice(0, 7) === today.slice(0, 7)) return "deze_maand";
  if (zaak.looptijd === "eenmalig") return "eenmalig";
  return "langlopend";
}

/** Today's date in Amsterdam as YYYY-MM-DD. */
export function amsterdamToday(date = new Date()) {
  return new Intl.DateTimeFormat("sv-SE", { timeZone: "Europe/Amsterdam" }).format(date);
}
