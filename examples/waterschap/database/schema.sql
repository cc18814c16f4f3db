-- The collection system of Belastingsamenwerking Polderland (fictional), as far as the
-- Vorderingen API adapter sees it: two read-only views over the system's own tables.
-- The cooperative's DBA grants the adapter's account SELECT on the views only.
--
-- One tax bill (belastingbiljet) can carry lines of several participants (deelnemers):
-- the water board and a municipality. The system keeps one claim (vordering) per bill and
-- participant, because each participant is the creditor (schuldeiser) of its own part and
-- receives its own payments (afdracht). Every change is a booking (boeking) in a ledger.

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
    PRIMARY KEY (vordering_id, boeking_id)
);

CREATE VIEW vw_vorderingen AS
SELECT v.vordering_id, v.biljetnummer, v.bsn, v.belastingjaar, v.dagtekening,
       v.aantal_termijnen, v.bezwaar_tot, v.invorderingsfase,
       d.code AS deelnemer, d.oin AS deelnemer_oin, d.naam AS deelnemer_naam,
       d.soort AS deelnemer_soort
FROM vordering v JOIN deelnemer d ON d.code = v.deelnemer;

CREATE VIEW vw_boekingen AS
SELECT vordering_id, boeking_id, boekdatum, soort, bedrag_cent, omschrijving, vervaldatum,
       kenmerk, tegenboeking, gepland
FROM boeking;
