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
-- part is settled except the last instalment. The municipal part: instalments 4-6 paid,
-- 7 not (arrears); a reminder and a final notice with costs are planned.
INSERT INTO vordering VALUES
    ('2026-770012-WPD', '2026-770012', '999991048', 'WPD', 2026, date('now', '-200 days'), 8,
     date('now', '-158 days'), 'regulier'),
    ('2026-770012-OST', '2026-770012', '999991048', 'OST', 2026, date('now', '-200 days'), 8,
     date('now', '-158 days'), 'regulier');

INSERT INTO boeking (boeking_id, vordering_id, boekdatum, soort, bedrag_cent, omschrijving,
                     vervaldatum, kenmerk, tegenboeking, gepland) VALUES
    ('H1', '2026-770012-WPD', date('now', '-200 days'), 'heffing', 12840,
     'Watersysteemheffing ingezetenen 2026', NULL, NULL, NULL, 0),
    ('H2', '2026-770012-WPD', date('now', '-200 days'), 'heffing', 18819,
     'Zuiveringsheffing woonruimte 2026 (3 vervuilingseenheden)', NULL, NULL, NULL, 0),
    ('T1', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 1',
     date('now', '-190 days'), '7700120001', NULL, 0),
    ('T2', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 2',
     date('now', '-160 days'), '7700120002', NULL, 0),
    ('T3', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 3',
     date('now', '-130 days'), '7700120003', NULL, 0),
    ('T4', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 4',
     date('now', '-100 days'), '7700120004', NULL, 0),
    ('T5', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 5',
     date('now', '-70 days'), '7700120005', NULL, 0),
    ('T6', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 6',
     date('now', '-40 days'), '7700120006', NULL, 0),
    ('T7', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3957, 'Termijn 7',
     date('now', '-10 days'), '7700120007', NULL, 0),
    ('T8', '2026-770012-WPD', date('now', '-200 days'), 'termijn', 3960, 'Termijn 8',
     date('now', '+20 days'), '7700120008', NULL, 0),
    ('B1', '2026-770012-WPD', date('now', '-189 days'), 'betaling', 3957, '', NULL,
     '7700120001', NULL, 0),
    ('B2', '2026-770012-WPD', date('now', '-159 days'), 'betaling', 3957, '', NULL,
     '7700120002', NULL, 0),
    ('B3', '2026-770012-WPD', date('now', '-129 days'), 'betaling', 3957, '', NULL,
     '7700120003', NULL, 0),
    ('K1', '2026-770012-WPD', date('now', '-115 days'), 'kwijtschelding', 18819,
     'Kwijtschelding zuiveringsheffing: onvoldoende betalingscapaciteit', NULL, NULL, 'H2', 0),

    ('H1', '2026-770012-OST', date('now', '-200 days'), 'heffing', 35600,
     'Afvalstoffenheffing meerpersoonshuishouden 2026', NULL, NULL, NULL, 0),
    ('H2', '2026-770012-OST', date('now', '-200 days'), 'heffing', 19800,
     'Rioolheffing gebruikers 2026', NULL, NULL, NULL, 0),
    ('T1', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 1',
     date('now', '-190 days'), '7700120001', NULL, 0),
    ('T2', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 2',
     date('now', '-160 days'), '7700120002', NULL, 0),
    ('T3', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 3',
     date('now', '-130 days'), '7700120003', NULL, 0),
    ('T4', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 4',
     date('now', '-100 days'), '7700120004', NULL, 0),
    ('T5', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 5',
     date('now', '-70 days'), '7700120005', NULL, 0),
    ('T6', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 6',
     date('now', '-40 days'), '7700120006', NULL, 0),
    ('T7', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 7',
     date('now', '-10 days'), '7700120007', NULL, 0),
    ('T8', '2026-770012-OST', date('now', '-200 days'), 'termijn', 6925, 'Termijn 8',
     date('now', '+20 days'), '7700120008', NULL, 0),
    ('B1', '2026-770012-OST', date('now', '-189 days'), 'betaling', 6925, '', NULL,
     '7700120001', NULL, 0),
    ('B2', '2026-770012-OST', date('now', '-159 days'), 'betaling', 6925, '', NULL,
     '7700120002', NULL, 0),
    ('B3', '2026-770012-OST', date('now', '-129 days'), 'betaling', 6925, '', NULL,
     '7700120003', NULL, 0),
    ('B4', '2026-770012-OST', date('now', '-99 days'), 'betaling', 6925, '', NULL,
     '7700120004', NULL, 0),
    ('B5', '2026-770012-OST', date('now', '-69 days'), 'betaling', 6925, '', NULL,
     '7700120005', NULL, 0),
    ('B6', '2026-770012-OST', date('now', '-39 days'), 'betaling', 6925, '', NULL,
     '7700120006', NULL, 0),
    ('R1', '2026-770012-OST', date('now', '+5 days'), 'herinnering', 6925,
     'Herinnering termijn 7', date('now', '+19 days'), '7700120007', NULL, 1),
    ('A1K', '2026-770012-OST', date('now', '+26 days'), 'kosten', 700, 'Kosten aanmaning',
     NULL, NULL, NULL, 1),
    ('A1', '2026-770012-OST', date('now', '+26 days'), 'aanmaning', 7625,
     'Aanmaning termijn 7', date('now', '+40 days'), '7700120097', NULL, 1);

-- Eva Mulder (999991061): last year's water board bill, one payment term, unpaid; a final
-- notice with costs, then a writ (dwangbevel) with costs: the cooperative's tax bailiff
-- (belastingdeurwaarder) collects it now. One partial payment since.
INSERT INTO vordering VALUES
    ('2025-661234-WPD', '2025-661234', '999991061', 'WPD', 2025, date('now', '-330 days'), 1,
     date('now', '-288 days'), 'dwanginvordering');

INSERT INTO boeking (boeking_id, vordering_id, boekdatum, soort, bedrag_cent, omschrijving,
                     vervaldatum, kenmerk, tegenboeking, gepland) VALUES
    ('H1', '2025-661234-WPD', date('now', '-330 days'), 'heffing', 8642,
     'Watersysteemheffing gebouwd 2025', NULL, NULL, NULL, 0),
    ('H2', '2025-661234-WPD', date('now', '-330 days'), 'heffing', 12180,
     'Watersysteemheffing ingezetenen 2025', NULL, NULL, NULL, 0),
    ('H3', '2025-661234-WPD', date('now', '-330 days'), 'heffing', 11980,
     'Zuiveringsheffing woonruimte 2025 (2 vervuilingseenheden)', NULL, NULL, NULL, 0),
    ('T1', '2025-661234-WPD', date('now', '-330 days'), 'termijn', 32802, 'Aanslagbiljet',
     date('now', '-300 days'), '6612340001', NULL, 0),
    ('A1K', '2025-661234-WPD', date('now', '-270 days'), 'kosten', 700, 'Kosten aanmaning',
     NULL, NULL, NULL, 0),
    ('A1', '2025-661234-WPD', date('now', '-270 days'), 'aanmaning', 33502, 'Aanmaning',
     date('now', '-256 days'), '6612340091', NULL, 0),
    ('D1K', '2025-661234-WPD', date('now', '-230 days'), 'kosten', 4100,
     'Kosten dwangbevel (betekening)', NULL, NULL, NULL, 0),
    ('B1', '2025-661234-WPD', date('now', '-200 days'), 'betaling', 5000, '', NULL,
     '6612340091', NULL, 0);
