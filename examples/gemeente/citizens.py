"""The test citizens seeded in the bundled export (export/aanslagen.csv), for the suite.

The order is the suite's: the FIRST `--test-bsn` needs an open case with saldo > 0 that
offers a betalingsregeling and a pauze; the SECOND is another citizen with at least one
case (for the cross-citizen checks). BSNs are test numbers that pass the elfproef.
"""

from __future__ import annotations

from examples.source_cli import TestCitizen

TEST_CITIZENS = (
    TestCitizen(
        "999991012", "Anna Visser", "first --test-bsn",
        "combined assessment 2026.0012345 (OZB, afvalstoffenheffing, rioolheffing for the "
        "municipality; watersysteemheffing, zuiveringsheffing for the water board: a creditor "
        "per line) in ten direct-debit instalments; afvalstoffenheffing remitted and the "
        "instalments recalculated; one debit reversed by the bank (storno, a counter-entry): "
        "arrears, the only arrangeable part while the other instalments keep running; "
        "reminder and final notice planned; a parking fine paid twice and the second payment "
        "refunded (terugbetaling), settled (afgelost)",
    ),
    TestCitizen(
        "999991024", "Bram de Groot", "second --test-bsn",
        "assessment 2026.0023456 with a pending objection to the WOZ value (in_bezwaar, "
        "rechtsmiddel bezwaar with payment deferred: second instalment withdrawn); last "
        "year's assessment 2025.0098765 with a final notice and its costs (arrears); "
        "hondenbelasting 2026.0061234 in two direct-debit instalments not yet due: a balance "
        "but nothing arrangeable (regelbaar_bedrag 0, status open)",
    ),
    TestCitizen(
        "999991036", "Chris Jansen", "",
        "no assessments: an empty, signed document (the app shows 'nothing to report')",
    ),
)
