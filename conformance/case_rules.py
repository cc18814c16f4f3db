"""The invariants of the case members of standard 2.2 (spec/rules/document.md): the
arrangeable amount, the arrangement's lifecycle, remedies, debt schemes, whether a pause is
possible, and what `acties` mean. Pure functions over the `document` member of an envelope;
`arrangement_problems` also judges a `Betalingsregeling` as the source's API answers it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from conformance.document_walk import Violation, cases, is_cents

REGELBAAR = "/document/regelbaar-bedrag-begrensd"
LEVENSCYCLUS = "/document/regeling-levenscyclus"
ZAAKSTATUS = "/document/regeling-en-zaakstatus"
RECHTSMIDDEL = "/document/rechtsmiddel-status"
SCHULDREGELING = "/document/schuldregeling-bevroren"
PAUZE_MOGELIJK = "/document/pauze-mogelijkheid"
ACTIES = "/document/acties-betekenis"
FROZEN_ACTIONS = frozenset({"bezwaar", "hulp"})
PART_PAID = frozenset({"deels_betaald", "gemist"})


def _actions(case: dict) -> list[Any]:
    acties = case.get("acties")
    return acties if isinstance(acties, list) else []


def _member(case: dict, name: str) -> dict | None:
    value = case.get(name)
    return value if isinstance(value, dict) else None


def arrangeable_bounded(document: Any) -> list[Violation]:
    """0 ≤ regelbaar_bedrag ≤ max(saldo, 0)."""
    return [
        Violation(REGELBAAR, f"regelbaar_bedrag {case['regelbaar_bedrag']} is outside "
                  f"0…max(saldo {case['saldo']}, 0)", f"{case_ptr}/regelbaar_bedrag")
        for case_ptr, case in cases(document)
        if is_cents(case.get("regelbaar_bedrag")) and is_cents(case.get("saldo"))
        and not 0 <= case["regelbaar_bedrag"] <= max(case["saldo"], 0)
    ]


def arrangement_problems(regeling: dict) -> Iterator[tuple[str, str]]:
    """(message, pointer below the arrangement) for every broken lifecycle invariant."""
    status, ending = regeling.get("status"), regeling.get("beeindiging")
    if (status == "beeindigd") != ("beeindiging" in regeling):
        yield f"status {status!r} with{'' if ending else 'out'} beeindiging", "/status"
    termijnen = regeling.get("termijnen")
    items = [t for t in termijnen if isinstance(t, dict)] if isinstance(termijnen, list) else []
    missed = regeling.get("gemiste_termijnen")
    counted = sum(1 for t in items if t.get("status") == "gemist")
    if is_cents(missed) and isinstance(termijnen, list) and missed != counted:
        yield (f"gemiste_termijnen is {missed}, {counted} termijnen have status gemist",
               "/gemiste_termijnen")
    for k, item in enumerate(items):
        if (problem := _instalment_problem(item)) is not None:
            yield problem, f"/termijnen/{k}"
    if "vervangen_door" in regeling and not (
            status == "beeindigd" and isinstance(ending, dict)
            and ending.get("reden") == "gewijzigd"):
        yield ("vervangen_door on an arrangement that did not end with reden gewijzigd",
               "/vervangen_door")


def _instalment_problem(item: dict) -> str | None:
    paid, due, status = item.get("betaald"), item.get("bedrag"), item.get("status")
    if status == "deels_betaald" and "betaald" not in item:
        return "status deels_betaald without betaald"
    if not (is_cents(paid) and is_cents(due)):
        return None
    if not 0 <= paid <= due:
        return f"betaald {paid} is outside 0…bedrag {due}"
    if (paid == due) != (status == "betaald"):
        return f"betaald {paid} of bedrag {due} with status {status!r}"
    if 0 < paid < due and status not in PART_PAID:
        return f"partly paid ({paid} of {due}) with status {status!r}"
    if status == "deels_betaald" and paid <= 0:
        return "status deels_betaald with nothing paid"
    return None


def arrangement_lifecycle(document: Any) -> list[Violation]:
    """The case's `betalingsregeling` is consistent in itself (status and ending, missed
    instalments counted, each instalment's betaald and status, vervangen_door)."""
    found = []
    for case_ptr, case in cases(document):
        regeling = _member(case, "betalingsregeling")
        if regeling is not None:
            found += [Violation(LEVENSCYCLUS, message, f"{case_ptr}/betalingsregeling{pointer}")
                      for message, pointer in arrangement_problems(regeling)]
    return found


def arrangement_and_case_status(document: Any) -> list[Violation]:
    """Case `in_regeling` ⇒ its arrangement is `actief` (when it states a status); an
    `actief` arrangement ⇒ case `in_regeling`, `gepauzeerd`, `afgelost` (this case paid off
    while others of the arrangement still owe) or `in_bezwaar` with `rechtsmiddel`."""
    found = []
    for case_ptr, case in cases(document):
        regeling = _member(case, "betalingsregeling") or {}
        state, case_status = regeling.get("status"), case.get("status")
        if case_status == "in_regeling" and state is not None and state != "actief":
            found.append(Violation(ZAAKSTATUS, f"case in_regeling, its arrangement is {state!r}",
                                   "/".join((case_ptr, "betalingsregeling", "status"))))
        may_stand = case_status in ("in_regeling", "gepauzeerd", "afgelost") or (
            case_status == "in_bezwaar" and "rechtsmiddel" in case)
        if state == "actief" and not may_stand:
            found.append(Violation(ZAAKSTATUS, f"an active arrangement on a case with status "
                                   f"{case_status!r}", f"{case_ptr}/status"))
    return found


def remedy_status(document: Any) -> list[Violation]:
    """A case with `rechtsmiddel` has `status: in_bezwaar`."""
    return [
        Violation(RECHTSMIDDEL, f"rechtsmiddel on a case with status {case.get('status')!r}",
                  f"{case_ptr}/status")
        for case_ptr, case in cases(document)
        if "rechtsmiddel" in case and case.get("status") != "in_bezwaar"
    ]


def frozen_in_scheme(document: Any) -> list[Violation]:
    """A case with `schuldregeling` offers only `bezwaar` and `hulp`, and no pause."""
    found = []
    for case_ptr, case in cases(document):
        if "schuldregeling" not in case:
            continue
        extra = sorted(str(a) for a in _actions(case) if a not in FROZEN_ACTIONS)
        if extra:
            found.append(Violation(SCHULDREGELING, f"a case in a debt scheme offers {extra}",
                                   f"{case_ptr}/acties"))
        possible = _member(case, "pauze_mogelijkheid") or {}
        if possible.get("mogelijk", False) is not False:
            found.append(Violation(SCHULDREGELING, "a case in a debt scheme can be paused",
                                   f"{case_ptr}/pauze_mogelijkheid/mogelijk"))
    return found


def pause_possibility(document: Any) -> list[Violation]:
    """`mogelijk: false` ⇔ `reden`; `pauze` in `acties` ⇒ `mogelijk` is not false."""
    found = []
    for case_ptr, case in cases(document):
        possible = _member(case, "pauze_mogelijkheid")
        if possible is None:
            continue
        refused = possible.get("mogelijk") is False
        if refused != ("reden" in possible):
            found.append(Violation(PAUZE_MOGELIJK, f"mogelijk {possible.get('mogelijk')!r} "
                                   f"with{'' if 'reden' in possible else 'out'} a reden",
                                   f"{case_ptr}/pauze_mogelijkheid"))
        if refused and "pauze" in _actions(case):
            found.append(Violation(PAUZE_MOGELIJK, "acties offers pauze, pauze_mogelijkheid "
                                   "says no pause is possible", f"{case_ptr}/acties"))
    return found


def actions_mean_what_they_say(document: Any) -> list[Violation]:
    """`bezwaar` ⇒ `bezwaar.mogelijk`; `betalen` ⇒ saldo > 0; `betalingsregeling` ⇒
    `regelbaar_bedrag` > 0 when present."""
    found = []
    for case_ptr, case in cases(document):
        acties, saldo = _actions(case), case.get("saldo")
        objection = _member(case, "bezwaar") or {}
        if "bezwaar" in acties and objection.get("mogelijk") is not True:
            found.append(Violation(ACTIES, "acties offers bezwaar, bezwaar.mogelijk is not true",
                                   f"{case_ptr}/acties"))
        if "betalen" in acties and is_cents(saldo) and saldo <= 0:
            found.append(Violation(ACTIES, f"acties offers betalen with saldo {saldo}",
                                   f"{case_ptr}/acties"))
        arrangeable = case.get("regelbaar_bedrag")
        if "betalingsregeling" in acties and is_cents(arrangeable) and arrangeable <= 0:
            found.append(Violation(ACTIES, "acties offers betalingsregeling with nothing "
                                   "arrangeable (regelbaar_bedrag 0)", f"{case_ptr}/acties"))
    return found


RULES = (arrangeable_bounded, arrangement_lifecycle, arrangement_and_case_status, remedy_status,
         frozen_in_scheme, pause_possibility, actions_mean_what_they_say)
