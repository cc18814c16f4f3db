// Drawing the page from the app's state: the totals (one arrears figure), the cases per
// group as cards with buttons for their actions, each organisation's status and contact,
// and the results of a pause or an arrangement. Only textContent, never innerHTML of data.

import { PAUSE_REASONS, caseNotes } from "./notes.js";
import { CASE_STATUS, GROUPS, count, dutchDate, euro, partWords, pauseWords, sourceWords, wordFor }
  from "./words.js";

const $ = (selector) => document.querySelector(selector);

function make(tag, { className, text, attrs } = {}, children = []) {
  const element = document.createElement(tag);
  if (className) element.className = className;
  if (text !== undefined) element.textContent = text;
  for (const [name, value] of Object.entries(attrs || {})) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

// A web address as the schema allows it (common.schema.json `web_url`): https only.
const safeUrl = (url) => (typeof url === "string" && /^https:\/\/[^\s]+$/.test(url) ? url : null);
// A mailto: link only for a plain address: no `?` (headers, a body) nor other parts.
const PLAIN_EMAIL = /^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+$/;

/** Links to reach an organisation: phone, e-mail, website (only members of their form). */
function contactLinks(contact) {
  const links = [];
  if (!contact || typeof contact !== "object") return links;
  if (typeof contact.telefoon === "string" && contact.telefoon) {
    links.push(make("a", { className: "utrecht-link utrecht-link--telephone", text: `Bel ${contact.telefoon}`,
      attrs: { href: `tel:${contact.telefoon.replace(/[^0-9+]/g, "")}` } }));
  }
  if (typeof contact.email === "string" && PLAIN_EMAIL.test(contact.email)) {
    links.push(make("a", { className: "utrecht-link", text: contact.email, attrs: { href: `mailto:${contact.email}` } }));
  } else if (typeof contact.email === "string" && contact.email) {
    links.push(make("span", { text: contact.email }));
  }
  if (safeUrl(contact.url)) {
    links.push(make("a", { className: "utrecht-link", text: "Website",
      attrs: { href: contact.url, rel: "noopener noreferrer", target: "_blank" } }));
  }
  return links;
}

function joined(links) {
  const out = [];
  links.forEach((link, i) => { if (i) out.push(" · "); out.push(link); });
  return out;
}

const button = (text, action, primary = false) => make("button", {
  className: `utrecht-button utrecht-button--${primary ? "primary" : "secondary"}-action`,
  text, attrs: { type: "button", "data-actie": action } });

const linkButton = (text, url, action) => make("a", {
  className: "utrecht-button-link utrecht-button-link--html-a utrecht-button-link--secondary-action",
  text, attrs: { href: url, rel: "noopener noreferrer", target: "_blank", "data-actie": action } });

/** The buttons of a case's actions (enum words never shown): those the page can carry
 * out jump to their form, the others open the organisation's own site or phone. */
function actionButtons(zaak) {
  const site = safeUrl(zaak.contact && zaak.contact.url);
  const out = [];
  for (const actie of zaak.acties) {
    if (actie === "betalingsregeling") out.push(button("Betalingsregeling treffen", "betalingsregeling", true));
    else if (actie === "pauze") out.push(button("Pauze aanvragen", "pauze"));
    else if (actie === "betalen" && site) out.push(linkButton("Betalen", site, "betalen"));
    else if (actie === "bezwaar" && site) out.push(linkButton("Bezwaar maken", site, "bezwaar"));
    else if (actie === "hulp" && site) out.push(linkButton("Hulp vragen", site, "hulp"));
  }
  return out;
}

function caseCard(zaak) {
  const facts = make("dl");
  const fact = (key, value, className) => facts.append(make("dt", { text: key }),
    make("dd", { text: value, className }));
  fact("Nog te betalen", euro(zaak.saldo));
  if (zaak.achterstand > 0) fact("Waarvan te laat", euro(zaak.achterstand), "te-laat");
  if (zaak.volgende_vervaldatum) fact("Volgende betaaldatum", dutchDate(zaak.volgende_vervaldatum));
  fact("Stand van zaken", wordFor(CASE_STATUS, zaak.status, zaak.status));
  const card = make("li", { className: "zaak", attrs: { "data-zaak": zaak.zaakkenmerk } }, [
    make("h4", { className: "nl-heading nl-heading--level-4", text: zaak.omschrijving }),
    make("p", { className: "zaak__organisatie nl-paragraph", text: zaak.organisatie.naam }),
    facts]);
  const contact = contactLinks(zaak.contact);
  if (contact.length) {
    card.append(make("p", { className: "zaak__contact nl-paragraph" }, ["Contact: ", ...joined(contact)]));
  }
  const notes = caseNotes(zaak);  // reversals, creditors, beslag, remedies … (notes.js)
  if (notes.length) {
    card.append(make("ul", { className: "zaak__bijzonderheden", attrs: { "aria-label": "Goed om te weten" } },
      notes.map((note) => make("li", { text: note }))));
  }
  const actions = actionButtons(zaak);
  if (actions.length) card.append(make("div", { className: "knoppen" }, actions));
  card.append(make("details", {}, [make("summary", { text: "Details" }),
    make("p", { text: `Kenmerk: ${zaak.zaakkenmerk}` })]));
  return card;
}

const cards = new WeakMap();

/** A case row's card, built once per overview row. app.js builds every card of a source
 * before the page shows it, so that what throws stays with that source (/app/status-per-bron). */
export function cardOf(row) {
  if (!cards.has(row)) cards.set(row, caseCard(row));
  return cards.get(row);
}

export function renderTotals({ saldo, achterstand, cases, organisations }) {
  const totals = $("#totalen");
  Object.assign(totals.dataset, { saldo: String(saldo), achterstand: String(achterstand),
    zaken: String(cases) });
  $("#totaal-bedrag").textContent = euro(saldo);
  $("#totaal-uitleg").textContent = cases
    ? `in ${count(cases, "zaak", "zaken")} bij ${count(organisations, "organisatie", "organisaties")}.`
    : "U heeft bij de organisaties die antwoordden niets openstaan.";
  $("#totaal-achterstand").textContent = achterstand > 0
    ? `Daarvan had u ${euro(achterstand)} al moeten betalen (achterstand).` : "U heeft geen achterstand.";
}

export function renderGroups(groups) {
  const section = $("#groepen");
  section.replaceChildren();
  for (const [group, title, explanation] of GROUPS) {
    const cases = groups[group];
    const total = cases.reduce((s, c) => s + c.saldo, 0);
    const block = make("section", { attrs: { id: `groep-${group}`, "data-saldo": String(total),
      "aria-labelledby": `groep-${group}-kop` } }, [
      make("h3", { className: "nl-heading nl-heading--level-3", text: `${title} (${cases.length})`,
        attrs: { id: `groep-${group}-kop` } }),
      make("p", { className: "nl-paragraph groep-uitleg", text: cases.length
        ? `${explanation} Samen nog te betalen: ${euro(total)}.` : "Geen zaken." })]);
    if (cases.length) block.append(make("ul", { className: "lijst" }, cases.map(cardOf)));
    section.append(block);
  }
}

export function renderSources(results) {
  $("#bronnen-lijst").replaceChildren(...results.map((result) => {
    const [tone, words] = sourceWords(result);
    const item = make("li", { className: "regel", attrs: { "data-oin": result.org.oin,
      "data-status": result.status, "data-code": result.code || "", "data-toon": tone } }, [
      make("h3", { className: "nl-heading nl-heading--level-4", text: result.org.naam }),
      make("p", { className: "nl-paragraph", text: words })]);
    let contact = [];
    try {  // the scheme's listed contact is data too: an odd one costs only the links
      contact = contactLinks(result.contact);
    } catch (_) {
      contact = [];
    }
    if (contact.length) item.append(make("p", { className: "nl-paragraph" }, ["Contact: ", ...joined(contact)]));
    if (result.code) {
      item.append(make("details", {}, [make("summary", { text: "Details" }),
        make("p", { text: `Foutcode: ${result.code}` })]));
    }
    return item;
  }));
}

function pauseItem(line) {
  const [tone, words] = pauseWords(line);
  const item = make("li", { className: "regel", attrs: { "data-oin": line.org.oin,
    "data-status": line.status, "data-code": line.code || "", "data-toon": tone } }, [
    make("p", { className: "regel__organisatie", text: line.org.naam }), make("p", { text: words })]);
  for (const reden of line.status === "niet_toegestaan" ? line.redenen || [] : []) {
    const since = reden.mogelijk_vanaf ? `, weer mogelijk vanaf ${dutchDate(reden.mogelijk_vanaf)}` : "";
    item.append(make("p", { text: `${wordFor(PAUSE_REASONS, reden.reden, reden.reden)}${since}` }));
  }
  return item;
}

/** One organisation's pause result; a line that cannot be drawn is shown as failed, so one
 * source's odd answer never hides what was done at the others. */
function pauseLine(line) {
  try {
    return pauseItem(line);
  } catch (_) {
    return pauseItem({ org: line.org, status: "mislukt", code: "app/antwoord-ongeldig" });
  }
}

export function renderPauses(lines) {
  const list = $("#pauze-resultaat");
  list.replaceChildren(...lines.map(pauseLine));
  list.hidden = false;
}

export function renderParts(parts) {
  const list = $("#regeling");
  list.replaceChildren(...parts.map((part) => {
    const [tone, words] = partWords(part);
    const item = make("li", { className: "regel", attrs: { "data-oin": part.org.oin,
      "data-status": part.status, "data-code": part.code || "", "data-toon": tone,
      "data-termijnbedrag": String(part.termijnbedrag || 0) } }, [
      make("p", { className: "regel__organisatie", text: part.org.naam }),
      make("p", { text: part.termijnbedrag && part.voorstel
        ? `${euro(part.termijnbedrag)} per maand, ${count(part.voorstel.aantal_termijnen, "maand", "maanden")}, `
          + `voor ${euro(part.totaal)} in totaal` : `${euro(part.totaal)} in totaal` }),
      make("p", { text: words })]);
    return item;
  }));
  list.hidden = false;
}
