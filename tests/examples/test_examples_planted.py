"""A mistake planted in an example's adapter is caught by the conformance suite, over
loopback HTTP (uvicorn) with the suite's own test keys, and named by its rule id.

Each mistake lives in a subclass of the example's adapter defined here (the examples stay
correct), and the source's own safety net is off (`validate_documents: false`) so that the
broken document is signed and served, as a source of another make would. Only the suite's
document checks run (those of 2.0 and those of the 2.2 members): they are what catches
these. (Green certification of both examples:
test_examples_guide.py runs the guide's commands for the municipality, test_examples_ci.py
the GitHub workflow's steps for the water board.)
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from example_support import (
    ExampleSetup,
    collection_database,
    failures,
    loopback,
    serving,
)

from conformance.checks import document, openapi, zaakleden
from conformance.profiles import PROFILES
from examples.gemeente.adapter import BUNDLED_EXPORT, TaxExportBackend
from examples.gemeente.ledger import Ledger
from examples.waterschap.adapter import CollectionBackend, create_backend
from reference_impl.source.backend import Case

pytestmark = [pytest.mark.live, pytest.mark.anyio]
DOCUMENT_CHECKS = tuple(fn for fn in PROFILES["basis"]
                        if fn.__module__ in (document.__name__, zaakleden.__name__))


class RemissionForgottenInArrears(CollectionBackend):
    """Planted mistake: the arrears count payments as settled but forget remissions."""

    def arrears(self, facts: Any, today: date) -> int:
        due = sum(b.bedrag_cent for b in facts
                  if b.soort == "termijn" and b.vervaldatum is not None and b.vervaldatum < today)
        due += sum(b.bedrag_cent for b in facts if b.soort == "kosten")
        paid = sum(b.bedrag_cent for b in facts if b.soort == "betaling")
        return max(0, due - paid)


async def test_remission_forgotten_in_arrears_is_caught(tmp_path: Path) -> None:
    """With the source's own safety net off (`validate_documents: false`, so the broken
    document is signed and served), the suite names the rule and the case. (The adapter
    offers the arrears as the arrangeable amount too; the reference source bounds that by
    the balance itself.)"""
    with collection_database(tmp_path), loopback() as (sock, url):
        setup = ExampleSetup.prepare("waterschap", tmp_path, url, validate_documents=False)
        planted = _planted_water_board(setup)
        app = setup.app(backend=planted)
        with serving(app, sock):
            report = await setup.certify(DOCUMENT_CHECKS)
        await planted.system.close()
    assert report.exit_code == 1
    found = failures(report)
    assert [(check, rule) for check, rule, _message in found] == [
        ("arrears_bounded", "/document/achterstand-begrensd")]
    message = found[0][2]
    assert "/financiele_zaken/1/achterstand" in message  # the water board's case
    assert "achterstand 15828" in message and "saldo 969" in message


def _planted_water_board(setup: ExampleSetup) -> RemissionForgottenInArrears:
    good = create_backend(setup.config, None)  # type: ignore[arg-type]
    return RemissionForgottenInArrears(good.system, contact=good.contact)


async def test_safety_net_refuses_to_sign_and_the_suite_sees_a_server_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    """With `validate_documents: true` (the default) the reference source refuses to sign
    the broken document: the citizen gets a 500, the log names the rule and the pointer, and
    the suite reports the server error under /http/openapi-conform."""
    with collection_database(tmp_path), loopback() as (sock, url):
        setup = ExampleSetup.prepare("waterschap", tmp_path, url)
        planted = _planted_water_board(setup)
        with serving(setup.app(backend=planted), sock), caplog.at_level(logging.ERROR):
            report = await setup.certify((openapi.openapi_positive_conformant,))
        await planted.system.close()
    found = failures(report)
    assert [(check, rule) for check, rule, _message in found] == [
        ("openapi_positive_conformant", "/http/openapi-conform")]
    assert "Server error" in found[0][2] and "/vorderingenoverzicht" in found[0][2]
    refusals = [r.getMessage() for r in caplog.records if "refusing to sign" in r.getMessage()]
    assert refusals and all("/document/achterstand-begrensd /financiele_zaken/1/achterstand" in m
                            for m in refusals)
    assert not any("999991048" in r.getMessage() for r in caplog.records)


class RemissionNotSubtracted(TaxExportBackend):
    """Planted mistake: totals taken from the ledger count payments but not remissions."""

    def case_of(self, aanslag: Any, export: Any, today: date, shift: Any) -> Case:
        case = super().case_of(aanslag, export, today, shift)
        nummer = aanslag.aanslagnummer
        imposed = sum(r.bedrag for r in export.regels.get(nummer, ()))
        imposed += sum(m.kosten for m in export.maatregelen.get(nummer, ())
                       if m.status == "uitgevoerd")
        paid = sum(b.bedrag for b in export.betalingen.get(nummer, ()))
        return dataclasses.replace(case, totalen={
            "totaal_financieel_verplicht": imposed, "totaal_financieel_vereffend": paid})


async def test_remission_not_subtracted_is_caught(tmp_path: Path) -> None:
    with loopback() as (sock, url):
        setup = ExampleSetup.prepare("gemeente", tmp_path, url, validate_documents=False)
        planted = RemissionNotSubtracted(BUNDLED_EXPORT, naam=setup.config.naam,
                                         oin=setup.config.oin, contact=setup.config.contact,
                                         move_to_today=True)
        with serving(setup.app(backend=planted), sock):
            report = await setup.certify(DOCUMENT_CHECKS)
    rules = {(check, rule) for check, rule, _message in failures(report)}
    assert ("vereffend_is_sum", "/document/vereffend-is-som") in rules
    assert report.exit_code == 1



class OwnLinesWithoutCreditor(Ledger):
    """Planted mistake: "we are the source, so our own lines need no creditor" — on a
    combined assessment only the water board's lines name theirs."""

    def creditors(self) -> Any:
        found = super().creditors()
        if found is None:
            return None
        return {regel: None if c["oin"] == self.collector["oin"] else c
                for regel, c in found.items()}


class CreditorOnlyForOthers(TaxExportBackend):
    def ledger(self, aanslag: Any, export: Any, shift: Any) -> Ledger:
        return OwnLinesWithoutCreditor(aanslag, export, shift,
                                       collector={"naam": self.naam, "oin": self.oin})


async def test_creditor_missing_on_own_lines_is_caught(tmp_path: Path) -> None:
    """A 2.2 invariant: on a combined assessment every line names its creditor."""
    with loopback() as (sock, url):
        setup = ExampleSetup.prepare("gemeente", tmp_path, url, validate_documents=False)
        planted = CreditorOnlyForOthers(BUNDLED_EXPORT, naam=setup.config.naam,
                                        oin=setup.config.oin, contact=setup.config.contact,
                                        move_to_today=True)
        with serving(setup.app(backend=planted), sock):
            report = await setup.certify(DOCUMENT_CHECKS)
    found = failures(report)
    assert [(check, rule) for check, rule, _message in found] == [
        ("creditors_named_per_line", "/document/schuldeiser-per-regel")]
    assert "/financiele_zaken/0" in found[0][2]  # the combined assessment
    assert report.exit_code == 1
