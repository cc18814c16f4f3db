// What the citizen should know about a case beyond its amounts — the same sentences as
// reference_impl/app/notes.py (a test compares them): reversals and net figures, creditors,
// garnishment and the beslagvrije voet, remedy stage, debt scheme, transfer, the
// arrangement's life, why a pause is not possible, the arrangeable amount.

import { dutchDate, euro, wordFor } from "./words.js";

const REVERSAL_WORDS = { storno: "storno (afgeschreven bedrag teruggeboekt)",
  terugbetaling: "terugbetaling aan u", verkeerd_geboekt: "betaling hoorde bij een andere zaak",
  correctie: "correctie van een eerdere boeking" };
const REMEDY_WORDS = { bezwaar: "Bezwaar", beroep: "Beroep", hoger_beroep: "Hoger beroep" };
const SCHEME_WORDS = { minnelijk: "minnelijke schuldregeling",
  wsnp: "wettelijke schuldsanering (Wsnp)", moratorium: "moratorium (afkoelingsperiode)" };
const GARNISHMENT_WORDS = { loonbeslag: "loonbeslag", uitkeringsbeslag: "beslag op uw uitkering",
  bankbeslag: "beslag op uw bankrekening", beslag_roerende_zaken: "beslag op spullen" };
export const PAUSE_REASONS = { "maximum-bereikt": "u heeft het maximum aantal pauzes gehad",
  wachttijd: "de wachttijd na uw vorige pauze loopt nog",
  "wettelijke-rente": "over deze zaak loopt wettelijke rente door",
  "in-schuldregeling": "de zaak valt onder een schuldregeling",
  "bij-deurwaarder": "de zaak ligt bij de deurwaarder", afgelost: "de zaak is betaald",
  "niet-voor-deze-zaak": "niet voor deze zaak" };
const END_WORDS = { afgelost: "helemaal betaald", vervallen: "vervallen door gemiste termijnen",
  gewijzigd: "vervangen door een nieuwe regeling", door_bron: "beëindigd door de organisatie",
  door_burger: "door u beëindigd", schuldregeling: "beëindigd door een schuldregeling" };
const INSTALMENT_WORDS = [["betaald", "betaald"], ["deels_betaald", "deels betaald"],
  ["gemist", "gemist"], ["open", "nog te betalen"]];
const PAYMENT_WORDS = { verrekening: "verrekend", beslag: "ingehouden via beslag",
  automatische_incasso: "automatisch afgeschreven", herboeking: "overgeboekt van een andere zaak" };

const day = (iso) => (iso ? dutchDate(String(iso).slice(0, 10)) : "");
const capital = (text) => text.charAt(0).toUpperCase() + text.slice(1);

function arrangementNotes(regeling) {
  if (!("status" in regeling) && !("termijnen" in regeling)) return [];
  let text = "Betalingsregeling";
  const ending = regeling.beeindiging;
  if (ending) text += `: ${wordFor(END_WORDS, ending.reden, "beëindigd")} op ${day(ending.datum)}`;
  else if (regeling.status === "actief") text += ": loopt";
  const counts = new Map();
  for (const termijn of regeling.termijnen || []) {
    if (termijn.status) counts.set(termijn.status, (counts.get(termijn.status) || 0) + 1);
  }
  const parts = INSTALMENT_WORDS.filter(([key]) => counts.get(key))
    .map(([key, words]) => `${counts.get(key)} ${words}`);
  if (parts.length) text += `; termijnen: ${parts.join(", ")}`;
  const notes = [`${text}.`];
  if (regeling.vervangt) notes.push("Deze regeling vervangt een eerdere regeling.");
  return notes;
}

/** Sentences for the citizen about one case row (empty when there is nothing special). */
export function caseNotes(row) {
  const notes = [];
  for (const reversal of row.tegenboekingen || []) {
    notes.push(`Tegenboeking ${euro(reversal.bedrag)} op ${day(reversal.datum)}: `
      + `${wordFor(REVERSAL_WORDS, reversal.soort, reversal.soort)}.`);
  }
  if (row.tegengeboekt) {
    notes.push(`Opgelegd ${euro(row.opgelegd_netto)}, betaald of kwijtgescholden `
      + `${euro(row.vereffend_netto)} (na tegenboekingen), nog te betalen ${euro(row.saldo)}.`);
  }
  for (const line of row.per_schuldeiser || []) {
    const remitted = line.kwijtgescholden ? ` (na ${euro(line.kwijtgescholden)} kwijtschelding)` : "";
    notes.push(`Voor ${line.schuldeiser.naam}: ${euro(line.netto)}${remitted}.`);
  }
  for (const payment of row.betalingen || []) {
    const way = payment.betaalwijze;
    if (!["verrekening", "beslag", "herboeking"].includes(way)) continue;
    const what = payment.verrekend_met ? ` met ${payment.verrekend_met}` : "";
    notes.push(`${euro(payment.bedrag)} ${wordFor(PAYMENT_WORDS, way, way)}${what} op ${day(payment.datum)}.`);
  }
  for (const beslag of row.beslag || []) {
    let text = `${capital(String(wordFor(GARNISHMENT_WORDS, beslag.soort, beslag.soort)))} sinds ${day(beslag.gelegd_op)}`;
    if (beslag.derde) text += ` (bij ${beslag.derde})`;
    if ("beslagvrije_voet" in beslag) {
      text += `. Beslagvrije voet: ${euro(beslag.beslagvrije_voet)} per maand — dat deel van uw `
        + "inkomen blijft voor u; u mag de organisatie vragen dit bedrag te controleren";
    }
    notes.push(`${text}.`);
  }
  const remedy = row.rechtsmiddel;
  if (remedy) {
    const delay = remedy.uitstel_van_betaling ? "u hoeft voorlopig niet te betalen"
      : "u moet wel betalen zolang het loopt";
    notes.push(`${wordFor(REMEDY_WORDS, remedy.stadium, "Bezwaar")} ingediend op ${day(remedy.ingediend_op)}; ${delay}.`);
  }
  const scheme = row.schuldregeling;
  if (scheme) {
    let text = `In ${wordFor(SCHEME_WORDS, scheme.soort, "een schuldregeling")} sinds ${day(scheme.sinds)}`;
    if (scheme.behandelaar) text += `, behandelaar ${scheme.behandelaar}`;
    notes.push(`${text}; de organisatie int nu niet zelf.`);
  }
  const transfer = row.overgenomen_van;
  if (transfer) notes.push(`Overgenomen van ${transfer.naam} op ${day(transfer.datum)}.`);
  notes.push(...arrangementNotes(row.betalingsregeling || {}));
  const possible = row.pauze_mogelijkheid;
  if (possible && possible.mogelijk === false) {
    let text = `Pauze niet mogelijk: ${wordFor(PAUSE_REASONS, possible.reden, "zie organisatie")}`;
    if (possible.mogelijk_vanaf) text += ` (weer mogelijk vanaf ${day(possible.mogelijk_vanaf)})`;
    notes.push(`${text}.`);
  }
  if (row.regelbaar_bedrag !== undefined && row.regelbaar_bedrag !== row.saldo) {
    notes.push(`Voor een betalingsregeling: ${euro(row.regelbaar_bedrag)} (de rest loopt al volgens afspraak).`);
  }
  return notes;
}
