// The claims document's invariants of standard 2.2 (spec/rules/document.md, `since: 2.2.0`),
// as reference_impl/common/case_rules.py checks them for the Python app: counter-entries,
// moved payments, how a payment was made, creditor per line, the arrangement's lifecycle,
// remedy, debt scheme, pause possibility and `acties`. Only a document of 2.2 or a later
// minor is judged by them (document.js decides); a test runs both on the spec's vectors.

const IMPOSED = "FinancieleVerplichtingOpgelegd";
const PAID = "BetalingVerwerkt";
const REMITTED = "FinancieleVerplichtingKwijtgescholden";
const SETTLEMENTS = [PAID, REMITTED];
const FROZEN_ACTIONS = ["bezwaar", "hulp"];
const PART_PAID = ["deels_betaald", "gemist"];

function eventsOf(zaak) {
  const found = new Map();
  for (const event of zaak.gebeurtenissen) if (!found.has(event.gebeurtenis_id)) found.set(event.gebeurtenis_id, event);
  return found;
}

function ledger(zaak, add) {
  if ("regelbaar_bedrag" in zaak && !(zaak.regelbaar_bedrag >= 0 && zaak.regelbaar_bedrag <= Math.max(zaak.saldo, 0))) {
    add("regelbaar-bedrag-begrensd", "/regelbaar_bedrag");
  }
  const byId = eventsOf(zaak);
  const reversedSum = new Map();
  zaak.gebeurtenissen.forEach((event, j) => {
    const at = `/gebeurtenissen/${j}`;
    if (event.gebeurtenistype === IMPOSED && ("tegenboeking_van" in event || "tegenboeking_soort" in event)) {
      const target = byId.get(event.tegenboeking_van);
      if (!("tegenboeking_van" in event) || !("tegenboeking_soort" in event) || "correctie_van" in event
        || event.categorie !== "hoofdsom" || !target || !SETTLEMENTS.includes(target.gebeurtenistype)
        || Date.parse(target.datumtijd) > Date.parse(event.datumtijd)) {
        add("tegenboeking", at);
      } else {
        const sum = (reversedSum.get(event.tegenboeking_van) || 0) + event.bedrag;
        reversedSum.set(event.tegenboeking_van, sum);
        if (sum > target.bedrag) add("tegenboeking", `${at}/bedrag`);
      }
    }
    if (event.gebeurtenistype === PAID) {
      if (("verrekend_met" in event) !== (event.betaalwijze === "verrekening")) add("verrekening", at);
      if (event.betaalwijze === "beslag" && !("beslag" in zaak)) add("beslag", at);
    }
  });
}

function movedPayments(zaak, byKenmerk, add) {
  zaak.gebeurtenissen.forEach((event, j) => {
    if (event.gebeurtenistype !== PAID) return;
    const moved = "herboekt_van" in event;
    if (moved !== (event.betaalwijze === "herboeking")) return add("herboeking", `/gebeurtenissen/${j}`);
    if (!moved) return undefined;
    const origin = event.herboekt_van;
    const other = byKenmerk.get(origin.zaakkenmerk);
    const payment = other ? eventsOf(other).get(origin.gebeurtenis_id) : undefined;
    if (!other || other === zaak || !payment || payment.gebeurtenistype !== PAID) {
      return add("herboeking", `/gebeurtenissen/${j}/herboekt_van`);
    }
    if (!other.gebeurtenissen.some((e) => e.gebeurtenistype === IMPOSED && e.tegenboeking_soort === "verkeerd_geboekt"
      && e.tegenboeking_van === origin.gebeurtenis_id && e.bedrag === event.bedrag)) {
      add("herboeking", `/gebeurtenissen/${j}/bedrag`);
    }
    return undefined;
  });
}

// A creditor is a flat object: compare it member by member, whatever the order.
const canonical = (v) => (v === undefined ? "null" : JSON.stringify(v, Object.keys(v).sort()));
const sameCreditor = (a, b) => canonical(a) === canonical(b);

function creditorPerLine(zaak, add) {
  const byId = eventsOf(zaak);
  const lines = zaak.gebeurtenissen.map((e, j) => [j, e]).filter(([, e]) => e.gebeurtenistype === IMPOSED
    && !("correctie_van" in e) && !("tegenboeking_van" in e) && !("tegenboeking_soort" in e));
  if (lines.some(([, e]) => "schuldeiser" in e)) {
    for (const [j, e] of lines) if (!("schuldeiser" in e)) add("schuldeiser-per-regel", `/gebeurtenissen/${j}`);
  }
  zaak.gebeurtenissen.forEach((event, j) => {
    const reference = event.gebeurtenistype === IMPOSED ? event.correctie_van
      : event.gebeurtenistype === REMITTED ? event.financiele_verplichting : undefined;
    const target = reference === undefined ? undefined : byId.get(reference);
    if (!target || target.gebeurtenistype !== IMPOSED) return;
    if (!sameCreditor(event.schuldeiser, target.schuldeiser)) add("schuldeiser-per-regel", `/gebeurtenissen/${j}/schuldeiser`);
  });
}

function arrangement(zaak, add) {
  const regeling = zaak.betalingsregeling;
  if (!regeling) return;
  const at = "/betalingsregeling";
  const state = regeling.status;
  if ((state === "beeindigd") !== ("beeindiging" in regeling)) add("regeling-levenscyclus", `${at}/beeindiging`);
  const termijnen = regeling.termijnen || [];
  if ("gemiste_termijnen" in regeling && "termijnen" in regeling
    && regeling.gemiste_termijnen !== termijnen.filter((t) => t.status === "gemist").length) {
    add("regeling-levenscyclus", `${at}/gemiste_termijnen`);
  }
  termijnen.forEach((termijn, k) => {
    if (!("betaald" in termijn)) return;
    const [paid, amount] = [termijn.betaald, termijn.bedrag];
    if (!(paid >= 0 && paid <= amount) || (paid === amount) !== (termijn.status === "betaald")
      || (paid > 0 && paid < amount && !PART_PAID.includes(termijn.status))
      || (termijn.status === "deels_betaald" && paid === 0)) {
      add("regeling-levenscyclus", `${at}/termijnen/${k}`);
    }
  });
  if ("vervangen_door" in regeling && (state !== "beeindigd" || (regeling.beeindiging || {}).reden !== "gewijzigd")) {
    add("regeling-levenscyclus", `${at}/vervangen_door`);
  }
  if (state !== undefined && ((zaak.status === "in_regeling" && state !== "actief")
    || (state === "actief" && !arrangementMayStandOn(zaak)))) {
    add("regeling-en-zaakstatus", "/status");
  }
}

// An active arrangement shows on a case in force, paused, paid off while the arrangement's
// other cases still owe, or in a remedy lodged after it was agreed.
function arrangementMayStandOn(zaak) {
  return ["in_regeling", "gepauzeerd", "afgelost"].includes(zaak.status)
    || (zaak.status === "in_bezwaar" && "rechtsmiddel" in zaak);
}

function caseState(zaak, add) {
  const acties = zaak.acties;
  const possible = zaak.pauze_mogelijkheid;
  if ("rechtsmiddel" in zaak && zaak.status !== "in_bezwaar") add("rechtsmiddel-status", "/status");
  if ("schuldregeling" in zaak && (!acties.every((a) => FROZEN_ACTIONS.includes(a))
    || (possible !== undefined && possible.mogelijk !== false))) {
    add("schuldregeling-bevroren", "/acties");
  }
  if (possible !== undefined && ((possible.mogelijk === false) !== ("reden" in possible)
    || (acties.includes("pauze") && possible.mogelijk === false))) {
    add("pauze-mogelijkheid", "/pauze_mogelijkheid");
  }
  if ((acties.includes("bezwaar") && !zaak.bezwaar.mogelijk) || (acties.includes("betalen") && zaak.saldo <= 0)
    || (acties.includes("betalingsregeling") && ("regelbaar_bedrag" in zaak ? zaak.regelbaar_bedrag : 1) <= 0)) {
    add("acties-betekenis", "/acties");
  }
}

/** Every broken 2.2 invariant as "<rule id> <JSON pointer>" (as case_rules.py). */
export function problems22(document) {
  const found = [];
  const byKenmerk = new Map();
  for (const zaak of document.financiele_zaken) byKenmerk.set(zaak.zaakkenmerk, zaak);  // last wins, as in Python
  document.financiele_zaken.forEach((zaak, i) => {
    const add = (rule, member) => found.push(`/document/${rule} /financiele_zaken/${i}${member}`);
    ledger(zaak, add);
    movedPayments(zaak, byKenmerk, add);
    creditorPerLine(zaak, add);
    arrangement(zaak, add);
    caseState(zaak, add);
  });
  return found;
}

/** True for a document of 2.2 or a later minor of major 2 (the rules `since: 2.2.0`). */
export const binds22 = (documentversie) => /^2\.([2-9]|[1-9][0-9]+)$/.test(String(documentversie));
