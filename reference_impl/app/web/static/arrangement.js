// One arrangement across organisations, as the Python app does it (arrangement.py,
// agreement.py): the cases and their arrangeable amount (`regelbaar_bedrag`, else `saldo`),
// the allocation rule with each 2.2 source's first-month interest kept free, quotes by
// computation rule 2.2 where the source announces 2.2, and then all or nothing
// (`/app/groep-alles-of-niets`): reserve everywhere under one group id, confirm only when
// every reservation holds, accept separate (2.0) arrangements last, and on any failure
// withdraw and cancel what was done. The pending group waits in localStorage so a closed
// tab can finish it (`resume`): undecided → cancel everything, decided → confirm the rest.

import { jsonOf } from "./api.js";
import { allocate, interestReserve } from "./allocation.js";
import { euro } from "./words.js";

const EXCLUDED = ["in_regeling", "in_bezwaar", "overgedragen_aan_deurwaarder", "afgelost"];
const RESERVATIONS = "/betalingsregelingen/reserveringen";
const JOURNAL_KEY = "vorderingen-lopende-regeling";
const KEPT = ["zaakkenmerken", "totaal", "termijnbedrag", "voorstel", "regeling", "status", "code",
  "rekenregel", "in_groep", "sleutel", "reservering"];

const speaks22 = (configuratie) => {
  const [major, minor] = String(configuratie.api_versie || "").split(".").map(Number);
  return major === 2 && minor >= 2;
};
const arrangeable = (zaak) => ("regelbaar_bedrag" in zaak ? zaak.regelbaar_bedrag : zaak.saldo);

function failPart(part, status, error) {
  part.status = status;
  part.code = (error && error.code) || "app/fout";
}

function save(plan, fase) {
  localStorage.setItem(JOURNAL_KEY, JSON.stringify({ fase, groep_id: plan.groep_id, monthly: plan.monthly,
    parts: plan.parts.map((p) => Object.fromEntries([["oin", p.org.oin], ...KEPT.map((k) => [k, p[k]])])) }));
}
const forget = () => localStorage.removeItem(JOURNAL_KEY);

function notPossible(plan, message) {
  Object.assign(plan, { status: "niet_mogelijk", melding: message });
  for (const part of plan.parts) if (part.status === "voorgesteld") part.status = "niet_geprobeerd";
  return plan;
}

/** Quotes from every organisation for one monthly amount (nothing is agreed yet). */
export async function propose(ctx, monthly, cases) {
  const parts = [];
  for (const org of ctx.organisations()) {
    if (!org.diensten.includes("betalingsregelingen")) continue;
    const mine = cases.filter((c) => c.organisatie.oin === org.oin && c.acties.includes("betalingsregeling")
      && c.saldo > 0 && arrangeable(c) > 0 && !EXCLUDED.includes(c.status));
    if (mine.length) {
      parts.push({ org, zaakkenmerken: mine.map((c) => c.zaakkenmerk), status: "voorgesteld",
        totaal: mine.reduce((s, c) => s + arrangeable(c), 0), sleutel: crypto.randomUUID() });
    }
  }
  const plan = { monthly, parts, status: "voorgesteld", melding: "", groep_id: null };
  if (!parts.length) return notPossible(plan, "Er zijn geen zaken voor een regeling.");
  const limits = await Promise.all(parts.map((p) => ctx.configuratie(p.org)
    .catch((error) => { failPart(p, "mislukt", error); return null; })));
  if (parts.some((p) => p.status === "mislukt")) return notPossible(plan, "Niet elke organisatie kon haar voorwaarden geven.");
  let reserved = 0;
  parts.forEach((part, i) => {
    const limit = limits[i].betalingsregeling;
    if (speaks22(limits[i])) {
      part.rekenregel = "2.2";
      reserved += interestReserve(part.totaal, limit.rente_basispunten || 0);
    }
    part.in_groep = speaks22(limits[i]) && "reservering_geldigheid_s" in limit;
  });
  let shares;
  try {
    shares = allocate(Math.max(monthly - reserved, 0), parts.map((p, i) => ({ oin: p.org.oin, total: p.totaal,
      minimum: limits[i].betalingsregeling.minimum_termijnbedrag,
      maxTerms: limits[i].betalingsregeling.maximum_aantal_termijnen })));
  } catch (error) {
    return notPossible(plan, error.minimum ? `Het maandbedrag is te laag: minimaal ${euro(error.minimum + reserved)}.`
      : "Het maandbedrag kan niet worden verdeeld.");
  }
  await Promise.all(parts.map(async (part) => {
    part.termijnbedrag = shares[part.org.oin];
    const json = { zaakkenmerken: part.zaakkenmerken, termijnbedrag: part.termijnbedrag };
    if (part.rekenregel) json.rekenregel = part.rekenregel;
    try {
      part.voorstel = await jsonOf(await ctx.authed(part.org, "POST", "/betalingsregelingen/voorstellen",
        { expect: 201, json }));
    } catch (error) {
      failPart(part, "mislukt", error);
    }
  }));
  if (parts.some((p) => p.status === "mislukt")) {
    return notPossible(plan, "Niet elke organisatie kon een voorstel doen; er is niets afgesproken.");
  }
  plan.melding = `${euro(monthly)} per maand, verdeeld over ${parts.length} organisaties. `
    + (parts.some((p) => p.in_groep) ? "Alles of niets: elke organisatie legt de regeling eerst "
      + "voorlopig vast, en pas als iedereen ja zegt gaat zij in. " : "")
    + "Klopt dit? Kies dan “Regeling afsluiten”.";
  return plan;
}

/** All or nothing: reserve, confirm, accept the separate ones; undo on any failure. */
export async function conclude(ctx, plan) {
  const group = plan.parts.filter((p) => p.in_groep);
  if (group.length) {
    plan.groep_id = crypto.randomUUID();
    save(plan, "reserveren");
    await Promise.all(group.map(async (part) => {
      try {
        const reservering = await jsonOf(await ctx.authed(part.org, "POST", RESERVATIONS, {
          expect: [200, 201], headers: { "Idempotency-Key": part.sleutel },
          json: { voorstel_id: part.voorstel.voorstel_id, groep_id: plan.groep_id, groep_omvang: group.length } }));
        part.reservering = reservering;
        if (reservering.status === "gereserveerd") part.status = "gereserveerd";
        else failPart(part, "mislukt", { code: `betalingsregeling/reservering-${reservering.status}` });
      } catch (error) {
        failPart(part, error.kind === "onbereikbaar" ? "vervalt_vanzelf" : "mislukt", error);
      }
    }));
    const failure = group.find((p) => p.status !== "gereserveerd");
    if (failure) return undo(ctx, plan, failure);
  }
  save(plan, "bevestigen");
  return forward(ctx, plan);
}

async function confirmOne(ctx, part) {
  const path = `${RESERVATIONS}/${part.reservering.id}`;
  let lost = null;
  for (let attempt = 1; attempt <= 2; attempt += 1) {
    try {
      part.regeling = await jsonOf(await ctx.authed(part.org, "POST", `${path}/bevestiging`, { expect: [200, 201] }));
      part.status = "aangegaan";
      return;
    } catch (error) {
      if (error.kind !== "onbereikbaar") return failPart(part, "mislukt", error);
      lost = error;  // no answer: try once more, then read it back
    }
  }
  try {  // no answer twice: read the reservation back to learn whether it was confirmed
    const seen = await jsonOf(await ctx.authed(part.org, "GET", path, { expect: 200 }));
    if (seen.status === "bevestigd") {
      part.regeling = { id: seen.betalingsregeling_id };
      part.status = "aangegaan";
    } else failPart(part, "mislukt", lost);
  } catch (error) {
    failPart(part, "onzeker", error);
  }
}

async function forward(ctx, plan) {
  const group = plan.parts.filter((p) => p.in_groep);
  await Promise.all(group.filter((p) => p.status !== "aangegaan").map((p) => confirmOne(ctx, p)));
  save(plan, "bevestigen");
  const failure = group.find((p) => p.status !== "aangegaan");
  if (failure) return undo(ctx, plan, failure);
  for (const part of plan.parts.filter((p) => !p.in_groep && p.status !== "aangegaan")) {
    try {
      part.regeling = await jsonOf(await ctx.authed(part.org, "POST", "/betalingsregelingen", {
        expect: 201, headers: { "Idempotency-Key": part.sleutel }, json: { voorstel_id: part.voorstel.voorstel_id } }));
      part.status = "aangegaan";
      save(plan, "bevestigen");
    } catch (error) {
      failPart(part, error.kind === "onbereikbaar" ? "onzeker" : "mislukt", error);
      return undo(ctx, plan, part);
    }
  }
  forget();
  return Object.assign(plan, { status: "afgesloten", melding: "De betalingsregeling is bij elke organisatie afgesloten." });
}

async function undo(ctx, plan, failure) {
  save(plan, "terugdraaien");
  const holding = plan.parts.filter((p) => ["gereserveerd", "aangegaan", "onzeker"].includes(p.status)
    || (p === failure && p.reservering));
  await Promise.all(holding.map(async (part) => {
    const failed = part === failure;
    try {
      if (part.in_groep && part.reservering && part.status !== "aangegaan") {
        const path = `${RESERVATIONS}/${part.reservering.id}`;
        const seen = await jsonOf(await ctx.authed(part.org, "GET", path, { expect: 200 }));
        if (seen.status === "bevestigd") part.regeling = { id: seen.betalingsregeling_id };
        else {
          if (seen.status === "gereserveerd") await ctx.authed(part.org, "DELETE", path, { expect: 204 });
          if (!failed) part.status = "geannuleerd";
          return;
        }
      }
      if (part.regeling) {
        await ctx.authed(part.org, "DELETE", `/betalingsregelingen/${part.regeling.id}`, { expect: 204 });
        part.status = "ingetrokken";
      }
    } catch (error) {
      if (part.regeling) failPart(part, "intrekken_mislukt", error);
      else if (part.status === "gereserveerd") failPart(part, "vervalt_vanzelf", error);
      else if (!failed) failPart(part, "onzeker", error);
    }
  }));
  for (const part of plan.parts) if (part.status === "voorgesteld") part.status = "niet_geprobeerd";
  const stuck = plan.parts.filter((p) => p.status === "intrekken_mislukt");
  const cause = failure ? `${failure.org.naam} kon de regeling niet aangaan` : "De regeling was onderbroken voordat alles vastlag";
  plan.status = stuck.length ? "deels_actief" : "teruggedraaid";
  plan.melding = stuck.length
    ? `${cause}. Intrekken lukte niet bij ${stuck.map((p) => p.org.naam).join(", ")}: neem contact op met die organisatie(s).`
    : `${cause}; wat al was vastgelegd is teruggedraaid. Er loopt nu geen nieuwe regeling.`;
  forget();
  return plan;
}

/** Finish an agreement a closed tab interrupted (null when there is none). */
export async function resume(ctx) {
  const record = JSON.parse(localStorage.getItem(JOURNAL_KEY) || "null");
  if (!record) return null;
  const byOin = new Map(ctx.organisations().map((o) => [o.oin, o]));
  const plan = { monthly: record.monthly, groep_id: record.groep_id, status: "voorgesteld", melding: "",
    parts: record.parts.filter((p) => byOin.has(p.oin)).map((p) => ({ ...p, org: byOin.get(p.oin) })) };
  if (record.fase === "bevestigen") return forward(ctx, plan);
  const size = plan.parts.filter((p) => p.in_groep).length;
  await Promise.all(plan.parts.filter((p) => p.in_groep && p.status === "voorgesteld").map(async (part) => {
    try {  // the same request (same Idempotency-Key) tells whether the reservation exists
      part.reservering = await jsonOf(await ctx.authed(part.org, "POST", RESERVATIONS, {
        expect: [200, 201], headers: { "Idempotency-Key": part.sleutel },
        json: { voorstel_id: part.voorstel.voorstel_id, groep_id: plan.groep_id, groep_omvang: size } }));
      part.status = "gereserveerd";
    } catch (_) { /* refused now: nothing is held; no answer: it lapses by itself */ }
  }));
  return undo(ctx, plan, null);
}
