-- Fictional test citizens of Belastingsamenwerking Polderland. Dates are relative to the
-- moment this script runs (SQLite date modifiers), so the data always plays "today":
-- re-create the database (`python -m examples.waterschap testdata`) to bring it up to date.
-- BSNs are test numbers that pass the elfproef.

INSERT INTO deelnemer VALUES
    ('WPD', '00000001999990003000', 'Waterschap Polderdelta', 'waterschap'),
    ('OST', '00000001999990004000', 'Gemeente Oostervaart', 'gemeente');

-- Dewi Kartosen (999991048): one bill, two creditors. Eight instalments; the first three
-- paid in full. Then remission (kwijtschelding) of the whole zuiveringsheffing: the system
-- keeps the instalment plan and books the remission on the claim, so the water board's
-- part is settled except the last instalment. The municipal part: instalments 4-6 paid
-- (instalment 6 partly by offsetting a refund the cooperative owed her on last year's
-- bill: verrekening), 7 not (arrears); a reminder and a final notice with costs are
-- planned.
INSERT INTO vordering VALUES
    ('2026-770012-WPD', '2026-770012', '999991048', 'WPD', 2026, date('now', '-200 days'), 8,
     date('now', '-158 days'), 'regulier'),
    ('2026-770012-OST', '2026-770012', '999991048', 'OST', 2026, date('now', '-200 days'), 8,
     date('now', '-158 days'), 'regulier');

INSERT INTO boeking (boeking_id, vordering_id, boekdatum, soort, bedrag_cent, omschrijving,
                     vervaldatum, kenmerk, tegenboeking, gepland, betaalwijze) VALUES
    ('H1', '2026-770012-WPD', date('now', '-200 days'), 'heffing', 12840,
     'Watersysteemheffing ingezetenen 2026', NULL, NULL, NULL, 0, NULL),
    ('H2', '2026-770012-WPD', date('now', '-200 days'), 'heffing', 18819,
     'Zuiveringsheffing woonruimte 2026 (3 vervuilingseenheden)', NULL, NULL, NULL, 0, NULL),
    ('T1', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 1',
     date('now', '-190 days'), '7700120001', NULL, 0, NULL),
    ('T2', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 2',
     date('now', '-160 days'), '7700120002', NULL, 0, NULL),
    ('T3', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 3',
     date('now', '-130 days'), '7700120003', NULL, 0, NULL),
    ('T4', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 4',
     date('now', '-100 days'), '7700120004', NULL, 0, NULL),
    ('T5', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 5',
     date('now', '-70 days'), '7700120005', NULL, 0, NULL),
    ('T6', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 6',
     date('now', '-40 days'), '7700120006', NULL, 0, NULL),
    ('T7', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 7',
     date('now', '-10 days'), '7700120007', NULL, 0, NULL),
    ('T8', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3960, 'Termijn 8',
     date('now', '+20 days'), '7700120008', NULL, 0, NULL),
    ('B1', '2026-770012-WPD', date('now', '-189 days'), 'betaling', 3957, '', NULL,
     '7700120001', NULL, 0, 'bank'),
    ('B2', '2026-770012-WPD', date('now', '-159 days'), 'betaling', 3957, '', NULL,
     '7700120002', NULL, 0, 'bank'),
    ('B3', '2026-770012-WPD', date('now', '-129 days'), 'betaling', 3957, '', NULL,
     '7700120003', NULL, 0, 'bank'),
    ('K1', '2026-770012-WPD', date('now', '-115 days'), 'kwijtschelding', 18819,
     'Kwijtschelding zuiveringsheffing: onvoldoende betalingscapaciteit', NULL, NULL, 'H2', 0,
     NULL),

    ('H1', '2026-770012-OST', date('now', '-200 days'), 'heffing', 35600,
     'Afvalstoffenheffing meerpersoonshuishouden 2026', NULL, NULL, NULL, 0, NULL),
    ('H2', '2026-770012-OST', date('now', '-200 days'), 'heffing', 19800,
     'Rioolheffing gebruikers 2026', NULL, NULL, NULL, 0, NULL),
    ('T1', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 1',
     date('now', '-190 days'), '7700120001', NULL, 0, NULL),
    ('T2', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 2',
     date('now', '-160 days'), '7700120002', NULL, 0, NULL),
    ('T3', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 3',
     date('now', '-130 days'), '7700120003', NULL, 0, NULL),
    ('T4', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 4',
     date('now', '-100 days'), '7700120004', NULL, 0, NULL),
    ('T5', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 5',
     date('now', '-70 days'), '7700120005', NULL, 0, NULL),
    ('T6', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 6',
     date('now', '-40 days'), '7700120006', NULL, 0, NULL),
    ('T7', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 7',
     date('now', '-10 days'), '7700120007', NULL, 0, NULL),
    ('T8', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 8',
     date('now', '+20 days'), '7700120008', NULL, 0, NULL),
    ('B1', '2026-770012-OST', date('now', '-189 days'), 'betaling', 6925, '', NULL,
     '7700120001', NULL, 0, 'bank'),
    ('B2', '2026-770012-OST', date('now', '-159 days'), 'betaling', 6925, '', NULL,
     '7700120002', NULL, 0, 'bank'),
    ('B3', '2026-770012-OST', date('now', '-129 days'), 'betaling', 6925, '', NULL,
     '7700120003', NULL, 0, 'bank'),
    ('B4', '2026-770012-OST', date('now', '-99 days'), 'betaling', 6925, '', NULL,
     '7700120004', NULL, 0, 'bank'),
    ('B5', '2026-770012-OST', date('now', '-69 days'), 'betaling', 6925, '', NULL,
     '7700120005', NULL, 0, 'bank'),
    ('B6', '2026-770012-OST', date('now', '-39 days'), 'betaling', 2795, '', NULL,
     '7700120006', NULL, 0, 'bank'),
    ('V1', '2026-770012-OST', date('now', '-39 days'), 'betaling', 4130,
     'Teruggaaf afvalstoffenheffing 2025 na verhuizing (aanslagbiljet 2025-318870)', NULL,
     '7700120006', NULL, 0, 'verrekening'),
    ('R1', '2026-770012-OST', date('now', '+5 days'), 'herinnering', 6925,
     'Herinnering termijn 7', date('now', '+19 days'), '7700120007', NULL, 1, NULL),
    ('A1K', '2026-770012-OST', date('now', '+26 days'), 'kosten', 700, 'Kosten aanmaning',
     NULL, NULL, NULL, 1, NULL),
    ('A1', '2026-770012-OST', date('now', '+26 days'), 'aanmaning', 7625,
     'Aanmaning termijn 7', date('now', '+40 days'), '7700120097', NULL, 1, NULL);

-- Eva Mulder (999991061): last year's water board bill, one payment term, unpaid; a final
-- notice with costs, then a writ (dwangbevel) with costs: the cooperative's tax bailiff
-- (belastingdeurwaarder) collects it now. One partial payment; then the bailiff garnished
-- her wages (loonbeslag) at her employer, leaving her the protected income (beslagvrije
-- voet); two monthly deductions came in since.
INSERT INTO vordering VALUES
    ('2025-661234-WPD', '2025-661234', '999991061', 'WPD', 2025, date('now', '-330 days'), 1,
     date('now', '-288 days'), 'dwanginvordering');

INSERT INTO boeking (boeking_id, vordering_id, boekdatum, soort, bedrag_cent, omschrijving,
                     vervaldatum, kenmerk, tegenboeking, gepland, betaalwijze) VALUES
    ('H1', '2025-661234-WPD', date('now', '-330 days'), 'heffing', 8642,
     'Watersysteemheffing gebouwd 2025', NULL, NULL, NULL, 0, NULL),
    ('H2', '2025-661234-WPD', date('now', '-330 days'), 'heffing', 12180,
     'Watersysteemheffing ingezetenen 2025', NULL, NULL, NULL, 0, NULL),
    ('H3', '2025-661234-WPD', date('now', '-330 days'), 'heffing', 11980,
     'Zuiveringsheffing woonruimte 2025 (2 vervuilingseenheden)', NULL, NULL, NULL, 0, NULL),
    ('T1', '2025-661234-WPD', date('now', '-330 days'), 'termijn', 32802, 'Aanslagbiljet',
     date('now', '-300 days'), '6612340001', NULL, 0, NULL),
    ('A1K', '2025-661234-WPD', date('now', '-270 days'), 'kosten', 700, 'Kosten aanmaning',
     NULL, NULL, NULL, 0, NULL),
    ('A1', '2025-661234-WPD', date('now', '-270 days'), 'aanmaning', 33502, 'Aanmaning',
     date('now', '-256 days'), '6612340091', NULL, 0, NULL),
    ('D1K', '2025-661234-WPD', date('now', '-230 days'), 'kosten', 4100,
     'Kosten dwangbevel (betekening)', NULL, NULL, NULL, 0, NULL),
    ('B1', '2025-661234-WPD', date('now', '-200 days'), 'betaling', 5000, '', NULL,
     '6612340091', NULL, 0, 'bank'),
    ('B2', '2025-661234-WPD', date('now', '-65 days'), 'betaling', 9500,
     'Inhouding loonbeslag', NULL, NULL, NULL, 0, 'beslag'),
    ('B3', '2025-661234-WPD', date('now', '-35 days'), 'betaling', 9500,
     'Inhouding loonbeslag', NULL, NULL, NULL, 0, 'beslag');

INSERT INTO beslag VALUES
    ('BS-2025-0442', '2025-661234-WPD', 'loonbeslag', date('now', '-80 days'),
     'Zorggroep Polderhof', 140927, NULL);

-- Gijs Hoekstra (999991085): this year's water board bill of a small business property.
-- He disputes the pollution units of the zuiveringsheffing; the cooperative rejected his
-- objection (bezwaar), and he appealed to the court (beroep). Payment is not deferred
-- during the appeal: he paid the first instalment, the second is not due yet.
INSERT INTO vordering VALUES
    ('2026-770345-WPD', '2026-770345', '999991085', 'WPD', 2026, date('now', '-200 days'), 2,
     date('now', '-158 days'), 'bezwaar');

INSERT INTO rechtsmiddel VALUES
    ('RM-2026-0031', '2026-770345-WPD', 'bezwaar', date('now', '-170 days'),
     'Belastingsamenwerking Polderland', 1, date('now', '-90 days')),
    ('RM-2026-0088', '2026-770345-WPD', 'beroep', date('now', '-60 days'),
     'Rechtbank Polderland', 0, NULL);

INSERT INTO boeking (boeking_id, vordering_id, boekdatum, soort, bedrag_cent, omschrijving,
                     vervaldatum, kenmerk, tegenboeking, gepland, betaalwijze) VALUES
    ('H1', '2026-770345-WPD', date('now', '-200 days'), 'heffing', 12840,
     'Watersysteemheffing gebouwd 2026', NULL, NULL, NULL, 0, NULL),
    ('H2', '2026-770345-WPD', date('now', '-200 days'), 'heffing', 37638,
     'Zuiveringsheffing bedrijfsruimte 2026 (6 vervuilingseenheden)', NULL, NULL, NULL, 0, NULL),
    ('T1', '2026-770345-WPD', date('now', '-200 days'), 'termijn', 25239, 'Termijn 1',
     date('now', '-80 days'), '7703450001', NULL, 0, NULL),
    ('T2', '2026-770345-WPD', date('now', '-200 days'), 'termijn', 25239, 'Termijn 2',
     date('now', '+12 days'), '7703450002', NULL, 0, NULL),
    ('B1', '2026-770345-WPD', date('now', '-82 days'), 'betaling', 25239, '', NULL,
     '7703450001', NULL, 0, 'incasso');
