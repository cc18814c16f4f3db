-- The collection system of Belastingsamenwerking Polderland (fictional), as far as the
-- Vorderingen API adapter sees it: two read-only views over the system's own tables.
-- The cooperative's DBA grants the adapter's account SELECT on the views only.
--
-- One tax bill (belastingbiljet) can carry lines of several participants (deelnemers):
-- the water board and a municipality. The system keeps one claim (vordering) per bill and
-- participant, because each participant is the creditor (schuldeiser) of its own part and
-- receives its own payments (afdracht). Every change is a booking (boeking) in a ledger.
-- Beside the ledger: legal remedies (rechtsmiddel: bezwaar, beroep, hoger beroep) and the
-- garnishments (beslag) the cooperative's tax bailiff laid for a claim.

CREATE TABLE deelnemer (
    code        TEXT PRIMARY KEY,          -- WPD, OST
    oin         TEXT NOT NULL,
    naam        TEXT NOT NULL,
    soort       TEXT NOT NULL CHECK (soort IN ('waterschap', 'gemeente'))
);

CREATE TABLE vordering (
    vordering_id     TEXT PRIMARY KEY,     -- <biljetnummer>-<deelnemer>
    biljetnummer     TEXT NOT NULL,
    bsn              TEXT NOT NULL,
    deelnemer        TEXT NOT NULL REFERENCES deelnemer (code),
    belastingjaar    INTEGER NOT NULL,
    dagtekening      DATE NOT NULL,
    aantal_termijnen INTEGER NOT NULL,
    bezwaar_tot      DATE NOT NULL,
    -- 'bezwaar': a legal remedy runs (bezwaar, beroep or hoger beroep: see rechtsmiddel)
    invorderingsfase TEXT NOT NULL CHECK (invorderingsfase IN
                         ('regulier', 'bezwaar', 'dwanginvordering'))
);

CREATE TABLE boeking (
    boeking_id      TEXT NOT NULL,
    vordering_id    TEXT NOT NULL REFERENCES vordering (vordering_id),
    boekdatum       DATE NOT NULL,
    soort           TEXT NOT NULL CHECK (soort IN ('heffing', 'kosten', 'termijn',
                        'termijn_vervallen', 'herinnering', 'aanmaning', 'betaling',
                        'kwijtschelding')),
    bedrag_cent     INTEGER NOT NULL CHECK (bedrag_cent >= 0),
    omschrijving    TEXT NOT NULL DEFAULT '',
    vervaldatum     DATE,                  -- termijn, herinnering, aanmaning
    kenmerk         TEXT,                  -- betalingskenmerk
    tegenboeking    TEXT,                  -- kwijtschelding → heffing; termijn_vervallen → termijn
    gepland         INTEGER NOT NULL DEFAULT 0,   -- 1: a planned step of the collection run
    -- betaling only: how the money came in. 'verrekening': offset against a refund the
    -- cooperative owed the citizen (omschrijving names it); 'beslag': by garnishment.
    betaalwijze     TEXT CHECK (betaalwijze IN ('bank', 'incasso', 'verrekening', 'beslag')),
    PRIMARY KEY (vordering_id, boeking_id),
    CHECK ((soort = 'betaling') = (betaalwijze IS NOT NULL))
);

CREATE TABLE rechtsmiddel (
    rechtsmiddel_id      TEXT PRIMARY KEY,
    vordering_id         TEXT NOT NULL REFERENCES vordering (vordering_id),
    stadium              TEXT NOT NULL CHECK (stadium IN ('bezwaar', 'beroep', 'hoger_beroep')),
    ingediend_op         DATE NOT NULL,
    instantie            TEXT NOT NULL,     -- who decides: the cooperative, a court
    uitstel_van_betaling INTEGER NOT NULL,  -- 1: collection suspended while it runs
    afgehandeld_op       DATE               -- NULL: still running
);
-- At most one remedy runs per claim at a time (beroep starts after the bezwaar decision).
CREATE UNIQUE INDEX rechtsmiddel_lopend ON rechtsmiddel (vordering_id)
    WHERE afgehandeld_op IS NULL;

CREATE TABLE beslag (
    beslag_id             TEXT PRIMARY KEY,
    vordering_id          TEXT NOT NULL REFERENCES vordering (vordering_id),
    soort                 TEXT NOT NULL CHECK (soort IN ('loonbeslag', 'uitkeringsbeslag',
                              'bankbeslag', 'beslag_roerende_zaken')),
    gelegd_op             DATE NOT NULL,
    derde                 TEXT,             -- the garnishee: employer, benefit agency, bank
    beslagvrije_voet_cent INTEGER CHECK (beslagvrije_voet_cent >= 0),  -- per month
    opgeheven_op          DATE              -- NULL: still in force
);

-- A claim with its running remedy, if any (rm_* NULL when none runs).
CREATE VIEW vw_vorderingen AS
SELECT v.vordering_id, v.biljetnummer, v.bsn, v.belastingjaar, v.dagtekening,
       v.aantal_termijnen, v.bezwaar_tot, v.invorderingsfase,
       d.code AS deelnemer, d.oin AS deelnemer_oin, d.naam AS deelnemer_naam,
       d.soort AS deelnemer_soort,
       r.stadium AS rm_stadium, r.ingediend_op AS rm_ingediend_op,
       r.instantie AS rm_instantie, r.uitstel_van_betaling AS rm_uitstel_van_betaling
FROM vordering v JOIN deelnemer d ON d.code = v.deelnemer
LEFT JOIN rechtsmiddel r ON r.vordering_id = v.vordering_id AND r.afgehandeld_op IS NULL;

CREATE VIEW vw_boekingen AS
SELECT vordering_id, boeking_id, boekdatum, soort, bedrag_cent, omschrijving, vervaldatum,
       kenmerk, tegenboeking, gepland, betaalwijze
FROM boeking;

-- Garnishments in force.
CREATE VIEW vw_beslagen AS
SELECT vordering_id, beslag_id, soort, gelegd_op, derde, beslagvrije_voet_cent
FROM beslag WHERE opgeheven_op IS NULL;
