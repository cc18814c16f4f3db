"""The test citizens in the collection system's test data (database/testdata.sql).

The order is the suite's: the FIRST `--test-bsn` needs an open case with saldo > 0 that
offers a betalingsregeling and a pauze; the SECOND is another citizen with at least one
case. BSNs are test numbers that pass the elfproef.
"""

from __future__ import annotations

from examples.source_cli import TestCitizen

TEST_CITIZENS = (
    TestCitizen(
        "999991048", "Dewi Kartosen", "first --test-bsn",
        "bill 2026-770012 in eight instalments, two creditors: the water board's part "
        "(zuiveringsheffing remitted, only the last instalment left: nothing to arrange) and "
        "the municipal part (instalment 6 partly offset against a refund: verrekening; "
        "instalment 7 unpaid: arrears, the arrangeable amount; reminder and final notice "
        "planned)",
    ),
    TestCitizen(
        "999991061", "Eva Mulder", "second --test-bsn",
        "bill 2025-661234 of the water board, unpaid: final notice, writ and a part payment; "
        "with the tax bailiff (overgedragen_aan_deurwaarder), who garnished her wages "
        "(loonbeslag with beslagvrije voet): two deductions came in",
    ),
    TestCitizen(
        "999991085", "Gijs Hoekstra", "",
        "bill 2026-770345 of the water board: objection rejected, appeal to the court "
        "running (rechtsmiddel beroep, in_bezwaar), payment not deferred: one instalment "
        "paid, one to come",
    ),
    TestCitizen(
        "999991073", "Frank Bos", "",
        "no claims: an empty, signed document",
    ),
)
