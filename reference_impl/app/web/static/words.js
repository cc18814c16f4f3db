// What the citizen reads: Dutch dates and amounts, and plain words for every status and code
// the app works with. Codes never reach the citizen's screen except behind "Details".

const EURO = new Intl.NumberFormat("nl-NL", { style: "currency", currency: "EUR" });
const DAY = new Intl.DateTimeFormat("nl-NL", { day: "numeric", month: "long", year: "numeric",
  timeZone: "UTC" });

/** `€ 1.234,56` (a no-break space after the sign keeps the amount on one line). */
export const euro = (cents) => EURO.format(cents / 100);

/** `23 december 2026` for `2026-12-23` (a calendar date, no time zone shift); anything that
 * is not a real day is shown as it came rather than breaking the page (a RangeError). */
export const dutchDate = (iso) => {
  const moment = new Date(`${iso}T00:00:00Z`);
  return Number.isFinite(moment.getTime()) ? DAY.format(moment) : String(iso);
};

/** The words for an enum value, only from the table's own entries: a value such as
 * "constructor" or "__proto__" must not find Object.prototype's members. */
export const wordFor = (table, key, otherwise) => (typeof key === "string" && Object.hasOwn(table, key)
  ? table[key] : otherwise);

export const count = (n, one, many) => `${n} ${n === 1 ? one : many}`;

export const GROUPS = [
  ["achterstand", "Met een achterstand", "Hier had u al iets moeten betalen."],
  ["deze_maand", "Deze maand betalen", "De volgende betaling is deze maand."],
  ["eenmalig", "Eenmalig te betalen", "Eén bedrag, nog niet te laat."],
  ["langlopend", "Langlopende schulden", "U betaalt dit in delen, zoals afgesproken."]];

export const CASE_STATUS = { open: "Open", in_regeling: "In een betalingsregeling",
  gepauzeerd: "Gepauzeerd", in_bezwaar: "Bezwaar in behandeling",
  overgedragen_aan_deurwaarder: "Bij de deurwaarder", afgelost: "Betaald" };

// Per organisation: [tone, words]; `code` refines the words where it tells the citizen more.
export function sourceWords(result) {
  if (result.status === "beantwoord") return ["goed", `${count(result.count, "zaak", "zaken")} gevonden`];
  if (result.status === "niets_te_melden") return ["goed", "U heeft hier niets openstaan"];
  if (result.code === "app/geen-ondersteunde-versie") {
    return ["let-op", "Deze organisatie gebruikt een nieuwere versie — werk deze app bij"];
  }
  if (result.status === "onbereikbaar") return ["let-op", "Kon niet worden bereikt — probeer het later opnieuw"];
  return ["fout", "Het antwoord kon niet worden gecontroleerd en wordt daarom niet getoond — "
    + "neem bij twijfel contact op met de organisatie"];
}

export function pauseWords(line) {
  switch (line.status) {
    case "gepauzeerd": return ["goed", `Gepauzeerd tot en met ${dutchDate(line.einddatum)}`];
    case "geen_pauzedienst": return ["neutraal", "Biedt geen pauze aan"];
    case "niets_te_pauzeren": return ["neutraal", "Niets te pauzeren"];
    case "onbereikbaar": return ["let-op", "Kon niet worden bereikt — probeer het later opnieuw"];
    case "niet_toegestaan": return ["let-op", "Nu geen pauze mogelijk bij deze organisatie"];
    default: return ["fout", "De pauze is niet gelukt — neem contact op met de organisatie"];
  }
}

export function partWords(part) {
  switch (part.status) {
    case "voorgesteld": return ["neutraal", "Voorstel — nog niet afgesloten"];
    case "aangegaan": return ["goed", "Afgesloten"];
    case "ingetrokken": return ["neutraal", "Weer ingetrokken"];
    case "gereserveerd": return ["neutraal", "Voorlopig vastgelegd — nog niet bevestigd"];
    case "geannuleerd": return ["neutraal", "Voorlopige afspraak geannuleerd"];
    case "vervalt_vanzelf": return ["neutraal", "Voorlopige afspraak vervalt vanzelf"];
    case "niet_geprobeerd": return ["neutraal", "Niet aangevraagd"];
    case "onzeker": return ["let-op", "Onbekend of dit gelukt is — neem contact op met de organisatie"];
    case "intrekken_mislukt": return ["fout", "Intrekken is niet gelukt — neem contact op met de organisatie"];
    default: return ["fout", "Niet gelukt"];
  }
}

/** A failure in words for the citizen (the code goes to "Details"). */
export function failureWords(error) {
  if (error && error.kind === "onbereikbaar") return "Er is geen verbinding. Probeer het later opnieuw.";
  return "Er ging iets mis. Probeer het later opnieuw.";
}
