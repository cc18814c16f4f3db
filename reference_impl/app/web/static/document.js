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
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const isInt = Number.isInteger;
const isText = (v) => typeof v === "string" && v.length > 0;

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
    && DATETIME.test(zaak.saldo_datumtijd || "")
    && (zaak.volgende_vervaldatum === null || DATE.test(zaak.volgende_vervaldatum || ""))
    && Array.isArray(zaak.acties) && zaak.acties.every((a) => ACTIES.includes(a))
    && zaak.contact && typeof zaak.contact === "object" && Array.isArray(zaak.gebeurtenissen);
  if (!shapeOk) return [`${at}: members missing or of the wrong type`];
  const byId = new Map();
  for (const [j, event] of zaak.gebeurtenissen.entries()) {
    if (!isText(event.gebeurtenis_id) || !EVENT_TYPES.includes(event.gebeurtenistype)
      || !DATETIME.test(event.datumtijd || "")
      || ("bedrag" in event && !isInt(event.bedrag))) {
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
    || !DATETIME.test(document.opgesteld_op || "") || !Array.isArray(document.financiele_zaken)) {
    return ["/document: not a claims document of major 2"];
  }
  const found = [];
  const seenEvents = new Set();
  const seenCases = new Set();
  for (const [i, zaak] of document.financiele_zaken.entries()) {
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
