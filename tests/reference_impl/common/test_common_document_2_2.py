"""The 2.2 document rules bind only a document of 2.2 or later (spec/versioning.md §3): a 2.0
or 2.1 source is not judged by a rule it never announced. Every rule itself is proven both
ways by the vectors in spec/vectors/document (test_common_vectors.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from reference_impl.common import document as claims_document
from reference_impl.common.spec import spec_dir


def offering_betalen_on_a_settled_case() -> dict[str, Any]:
    cases = json.loads((spec_dir() / "vectors" / "document" / "invarianten-2.2.json")
                       .read_text(encoding="utf-8"))
    rule = next(c for c in cases if c["rule"] == "/document/acties-betekenis")
    test = next(t for t in rule["tests"] if "saldo 0" in t["description"])
    return test["data"]


@pytest.mark.parametrize(("versie", "judged"), [
    ("2.0", False), ("2.1", False), ("2.2", True), ("2.3", True)])
def test_the_2_2_rules_bind_from_documentversie_2_2(versie: str, judged: bool) -> None:
    document = offering_betalen_on_a_settled_case() | {"documentversie": versie}
    found = [f.split()[0] for f in claims_document.problems(document)]
    assert found == (["/document/acties-betekenis"] if judged else [])


@pytest.mark.parametrize("member", ["opgesteld_op", "datumtijd"])
def test_a_leap_second_is_refused_not_a_crash(member: str) -> None:
    """23:59:60Z passes the compiled schema check (RFC 3339 has it) but is no instant: the
    document is refused under /document/datumtijd-met-offset, never a ValueError."""
    path = spec_dir() / "vectors" / "document" / "geldig.json"
    document = json.loads(path.read_text(encoding="utf-8"))[0]["tests"][0]["data"]
    if member == "opgesteld_op":
        document["opgesteld_op"] = "2025-12-31T23:59:60Z"
    else:
        document["financiele_zaken"][0]["gebeurtenissen"][0]["datumtijd"] = \
            "2025-06-30T23:59:60Z"
    found = claims_document.problems(document)
    assert found and all("datumtijd-met-offset" in f or "date-time" in f for f in found), found
