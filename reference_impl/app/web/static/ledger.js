// A case's ledger as a 2.2 reader shows it — the same rules as reference_impl/app/ledger.py
// (a test runs both on the same cases): counter-entries (`tegenboeking_van`) are reversals,
// not new debt; opgelegd_netto − vereffend_netto = saldo; per creditor imposed minus remitted.

const IMPOSED = "FinancieleVerplichtingOpgelegd";
const PAID = "BetalingVerwerkt";
const REMITTED = "FinancieleVerplichtingKwijtgescholden";
const PAYMENT_MEMBERS = ["betaalwijze", "verrekend_met", "herboekt_van"];

const day = (event) => String(event.datumtijd).slice(0, 10);
const byDate = (a, b) => (a.datum < b.datum ? -1 : a.datum > b.datum ? 1
  : a.gebeurtenis_id < b.gebeurtenis_id ? -1 : a.gebeurtenis_id > b.gebeurtenis_id ? 1 : 0);
export const isCounterEntry = (event) => event.gebeurtenistype === IMPOSED && "tegenboeking_van" in event;

export function reversals(zaak) {
  return (zaak.gebeurtenissen || []).filter(isCounterEntry).map((event) => {
    const row = { gebeurtenis_id: event.gebeurtenis_id, datum: day(event), bedrag: event.bedrag,
      soort: event.tegenboeking_soort || "correctie", tegenboeking_van: event.tegenboeking_van };
    if (event.omschrijving) row.omschrijving = event.omschrijving;
    return row;
  }).sort(byDate);
}

export function payments(zaak) {
  const reversed = new Map();
  for (const event of (zaak.gebeurtenissen || []).filter(isCounterEntry)) {
    reversed.set(event.tegenboeking_van, (reversed.get(event.tegenboeking_van) || 0) + event.bedrag);
  }
  return (zaak.gebeurtenissen || []).filter((e) => e.gebeurtenistype === PAID && "betaalwijze" in e)
    .map((event) => {
      const row = { gebeurtenis_id: event.gebeurtenis_id, datum: day(event), bedrag: event.bedrag };
      for (const member of PAYMENT_MEMBERS) if (member in event) row[member] = event[member];
      if (reversed.has(event.gebeurtenis_id)) row.tegengeboekt = reversed.get(event.gebeurtenis_id);
      return row;
    }).sort(byDate);
}

export function netFigures(zaak) {
  const countered = (zaak.gebeurtenissen || []).filter(isCounterEntry).reduce((s, e) => s + e.bedrag, 0);
  return { opgelegd_netto: zaak.totaal_financieel_verplicht - countered, tegengeboekt: countered,
    vereffend_netto: zaak.totaal_financieel_vereffend - countered };
}

export function perCreditor(zaak) {
  const events = zaak.gebeurtenissen || [];
  const lines = events.filter((e) => e.gebeurtenistype === IMPOSED && !isCounterEntry(e));
  if (!lines.some((e) => "schuldeiser" in e)) return [];
  const byId = new Map(events.map((e) => [e.gebeurtenis_id, e]));
  const creditor = (start, reference) => {
    let [event, ref] = [start, reference];
    const seen = new Set();
    while (!("schuldeiser" in event) && byId.has(event[ref])) {
      if (seen.has(event.gebeurtenis_id)) return null;
      seen.add(event.gebeurtenis_id);
      [event, ref] = [byId.get(event[ref]), "correctie_van"];
    }
    return event.schuldeiser || null;
  };
  const rows = new Map();
  const rowFor = (who) => {
    const known = who || { naam: (zaak.schuldeiser && zaak.schuldeiser.naam) || "onbekend" };
    const key = `${known.oin || ""}\u0000${known.naam}`;
    if (!rows.has(key)) rows.set(key, { schuldeiser: { ...known }, opgelegd: 0, kwijtgescholden: 0, netto: 0 });
    return rows.get(key);
  };
  for (const event of lines) rowFor(creditor(event, "correctie_van")).opgelegd += event.bedrag;
  for (const event of events.filter((e) => e.gebeurtenistype === REMITTED)) {
    rowFor(creditor(event, "financiele_verplichting")).kwijtgescholden += event.bedrag;
  }
  for (const row of rows.values()) row.netto = row.opgelegd - row.kwijtgescholden;
  return [...rows.values()];
}

/** Everything ledger.py adds to a case row of the overview. */
export function ledgerMembers(zaak) {
  const members = netFigures(zaak);
  const found = reversals(zaak);
  if (found.length) members.tegenboekingen = found;
  const paid = payments(zaak);
  if (paid.length) members.betalingen = paid;
  const creditors = perCreditor(zaak);
  if (creditors.length) members.per_schuldeiser = creditors;
  return members;
}
