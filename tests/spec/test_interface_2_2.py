"""The schemas of the 2.2 source interface accept what the rules allow and refuse the rest.

`/configuratie` limits of 2.2, the problem document's reasons (2.0 `redenen` with `code`;
the `weigeringen` of `pauze/niet-toegestaan` with `reden`), the scheme's
`uitbreidingen["2.2"]` contact (described, not enforced by the root schema), and the
arrangement, reservation and quote objects of `openapi/bron.yaml`. Every 2.0 object keeps
validating: 2.2 only adds.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from test_openapi import OPENAPI_DIR, REGISTRY, SCHEMA_BASE, load, schema_validator

BRON = load(OPENAPI_DIR / "bron.yaml")
CONFIG_EXAMPLES = BRON["paths"]["/configuratie"]["get"]["responses"]["200"]["content"][
    "application/json"]["examples"]
CONFIG_20 = CONFIG_EXAMPLES["gemeente"]["value"]
CONFIG_22 = CONFIG_EXAMPLES["waterschap22"]["value"]
EXAMPLES = BRON["components"]["examples"]


def validator(schema_file: str, fragment: str = "") -> Draft202012Validator:
    return Draft202012Validator({"$ref": SCHEMA_BASE + schema_file + fragment},
                                registry=REGISTRY,
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def valid(check: Draft202012Validator, value: Any) -> bool:
    return not list(check.iter_errors(value))


def edited(value: dict[str, Any], path: str, new: Any) -> dict[str, Any]:
    """A copy with the member at the dotted `path` set to `new` (or removed when `new` is ...)."""
    copied = copy.deepcopy(value)
    *parents, last = path.split(".")
    node = copied
    for part in parents:
        node = node[part]
    if new is ...:
        del node[last]
    else:
        node[last] = new
    return copied


# --------------------------------------------------------------------------- /configuratie

CONFIG = validator("configuratie.schema.json")


def test_a_2_0_and_a_2_2_configuration_are_valid() -> None:
    assert valid(CONFIG, CONFIG_20)
    assert valid(CONFIG, CONFIG_22)
    assert CONFIG_22["api_versie"] == "2.2"


@pytest.mark.parametrize(("path", "value"), [
    ("betalingsregeling.vervaldag", 0), ("betalingsregeling.vervaldag", 29),
    ("betalingsregeling.minimale_aanlooptijd_dagen", 61),
    ("betalingsregeling.minimale_aanlooptijd_dagen", -1),
    ("betalingsregeling.rente_basispunten", 2001),
    ("betalingsregeling.maximaal_gemiste_termijnen", 0),
    ("betalingsregeling.maximaal_gemiste_termijnen", 13),
    ("betalingsregeling.respijt_dagen", 32),
    ("betalingsregeling.reservering_geldigheid_s", 59),
    ("betalingsregeling.reservering_geldigheid_s", 3601),
    ("betalingsregeling.vervaldag", "15"),
    ("pauze.maximum_aantal", 11), ("pauze.periode_dagen", 29), ("pauze.wachttijd_dagen", 366),
    ("pauze.periode_dagen", ...),  # maximum_aantal without its period
])
def test_a_2_2_limit_out_of_range_is_invalid(path: str, value: Any) -> None:
    assert not valid(CONFIG, edited(CONFIG_22, path, value))


@pytest.mark.parametrize(("path", "value"), [
    ("betalingsregeling.vervaldag", 1), ("betalingsregeling.vervaldag", 28),
    ("betalingsregeling.minimale_aanlooptijd_dagen", 60),
    ("betalingsregeling.rente_basispunten", 2000),
    ("betalingsregeling.reservering_geldigheid_s", ...),  # no reservations offered
    ("betalingsregeling.maximaal_gemiste_termijnen", ...),  # never lapses
    ("pauze.wachttijd_dagen", 0),
])
def test_a_2_2_limit_at_its_edge_or_absent_is_valid(path: str, value: Any) -> None:
    assert valid(CONFIG, edited(CONFIG_22, path, value))


def test_the_count_limit_needs_both_members() -> None:
    both_gone = edited(edited(CONFIG_22, "pauze.maximum_aantal", ...), "pauze.periode_dagen", ...)
    assert valid(CONFIG, both_gone)
    assert not valid(CONFIG, edited(CONFIG_22, "pauze.maximum_aantal", ...))


# --------------------------------------------------------------------------- problem documents

PROBLEM = validator("probleem.schema.json")


def problem(code: str, reasons: list[dict[str, Any]], member: str = "redenen") -> dict[str, Any]:
    return {"type": f"urn:nl-vorderingen:probleem:{code}", "title": "Niet mogelijk",
            "status": 422, "detail": "Het kan niet.", "code": code, member: reasons}


def refusal(reasons: list[dict[str, Any]]) -> dict[str, Any]:
    """A 422 `pauze/niet-toegestaan`: its reasons are in `weigeringen`."""
    return problem("pauze/niet-toegestaan", reasons, "weigeringen")


PAUSE_LIMIT = {"reden": "maximum-bereikt", "mogelijk_vanaf": "2026-09-14"}
OLD_REASON = {"code": "einddatum-ongeldig", "toelichting": "Te ver vooruit."}


def test_pause_refused_by_bounds_carries_reden() -> None:
    assert valid(PROBLEM, refusal([
        PAUSE_LIMIT,
        {"reden": "wettelijke-rente", "zaakkenmerk": "AS-2025-118734", "toelichting": "Rente."}]))
    for reden in ("maximum-bereikt", "wachttijd", "wettelijke-rente", "in-schuldregeling",
                  "bij-deurwaarder", "afgelost", "niet-voor-deze-zaak"):
        assert valid(PROBLEM, refusal([{"reden": reden}]))


@pytest.mark.parametrize("reason", [
    OLD_REASON,  # a 2.0 reason under the new code
    {"reden": "te-vaak"},  # not a pauze_mogelijkheid value
    {"reden": "wachttijd", "mogelijk_vanaf": "14-09-2026"},
    {"reden": "wachttijd", "zaakkenmerk": ""},
])
def test_a_wrong_reason_of_pauze_niet_toegestaan_is_invalid(reason: dict[str, Any]) -> None:
    assert not valid(PROBLEM, refusal([reason]))


def test_weigeringen_leave_redenen_in_their_2_0_shape() -> None:
    """A 2.0 client validating `redenen` with the 2.0 item shape still accepts the answer."""
    assert not valid(PROBLEM, refusal([]))  # at least one reason
    assert not valid(PROBLEM, problem("pauze/niet-toegestaan", [PAUSE_LIMIT]))  # not in redenen


def test_every_other_problem_keeps_the_2_0_reasons() -> None:
    assert valid(PROBLEM, problem("pauze/niet-mogelijk", [OLD_REASON]))
    assert not valid(PROBLEM, problem("pauze/niet-mogelijk", [PAUSE_LIMIT]))
    assert not valid(PROBLEM, problem("betalingsregeling/niet-mogelijk", [
        {"code": "zaak-afgelost"}]))  # toelichting stays required


def test_nothing_arrangeable_refines_zaak_afgelost() -> None:
    reason = {"code": "zaak-afgelost", "detail": "niets-regelbaar", "zaakkenmerk": "X-1",
              "toelichting": "Niets te regelen."}
    assert valid(PROBLEM, problem("betalingsregeling/niet-mogelijk", [reason]))
    assert not valid(PROBLEM, problem("betalingsregeling/niet-mogelijk", [
        {**reason, "detail": "iets-anders"}]))


# --------------------------------------------------------------------------- scheme document

EXTENSION = validator("stelseldocument.schema.json", "#/$defs/organisatie_uitbreiding_2_2")
ORGANISATION = validator("stelseldocument.schema.json", "#/$defs/organisatie")
ORGANISATIE = {
    "oin": "00000001001234567000", "naam": "Gemeente Voorbeeldstad", "soort": "gemeente",
    "eindpunten": [{"api_url": "https://api.voorbeeldstad.nl/vorderingen/v2", "major": 2}],
    "sleutels": [{"jwk": {"kty": "EC", "crv": "P-256",
                          "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
                          "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
                  "geldig_vanaf": 1767225600}],
    "diensten": ["vorderingenoverzicht"], "status": "actief",
}


@pytest.mark.parametrize("contact", [
    {"telefoon": "14 0123"}, {"email": "belastingen@voorbeeldstad.nl"},
    {"url": "https://www.voorbeeldstad.nl/belastingen", "telefoon": "+31 20 123 4567"},
])
def test_a_contact_extension_is_valid(contact: dict[str, str]) -> None:
    assert valid(EXTENSION, {"contact": contact})
    listed = {**ORGANISATIE, "uitbreidingen": {"2.2": {"contact": contact}}}
    assert valid(ORGANISATION, listed)


@pytest.mark.parametrize("extension", [
    {"contact": {}}, {"contact": {"telefoon": "bel ons"}}, {"contact": {"fax": "0201234567"}},
    {"contact": {"telefoon": "14 0123"}, "logo": "https://voorbeeldstad.nl/logo.png"},
])
def test_a_malformed_extension_is_refused_by_its_definition_but_not_by_the_scheme(
        extension: dict[str, Any]) -> None:
    """Verifiers check only the shape of `uitbreidingen` (versioning §3.3): a malformed contact
    never invalidates the scheme document; an app just does not use it."""
    assert not valid(EXTENSION, extension)
    assert valid(ORGANISATION, {**ORGANISATIE, "uitbreidingen": {"2.2": extension}})


# --------------------------------------------------------------------------- bron.yaml objects


def component(name: str) -> Draft202012Validator:
    return schema_validator("bron.yaml", ("components", "schemas", name))


def test_the_2_2_examples_are_valid_and_a_2_0_arrangement_still_is() -> None:
    arrangement = component("Betalingsregeling")
    for name in ("BetalingsregelingActief", "BetalingsregelingIngetrokken",
                 "BetalingsregelingInGroep", "BetalingsregelingVervallen"):
        assert valid(arrangement, EXAMPLES[name]["value"]), name
    reservation = component("Reservering")
    for name in ("ReserveringGereserveerd", "ReserveringBevestigd"):
        assert valid(reservation, EXAMPLES[name]["value"]), name


@pytest.mark.parametrize(("example", "path", "value"), [
    ("BetalingsregelingActief", "beeindiging", {"reden": "vervallen", "datum": "2026-05-02"}),
    ("BetalingsregelingVervallen", "beeindiging.reden", "opgezegd"),
    ("BetalingsregelingVervallen", "beeindiging.datum", ...),
    ("BetalingsregelingVervallen", "gemiste_termijnen", -1),
    ("BetalingsregelingInGroep", "groep.omvang", 0),
    ("BetalingsregelingInGroep", "groep.omvang", 101),
    ("BetalingsregelingInGroep", "groep.annuleerbaar_tot", ...),
    ("BetalingsregelingInGroep", "rekenregel", "2.1"),
    ("BetalingsregelingInGroep", "rente_basispunten", 2001),
    ("BetalingsregelingInGroep", "rente_totaal", -1),
])
def test_a_broken_2_2_arrangement_is_invalid(example: str, path: str, value: Any) -> None:
    assert not valid(component("Betalingsregeling"), edited(EXAMPLES[example]["value"], path,
                                                            value))


@pytest.mark.parametrize(("field", "value"), [
    ("status", "te-laat"), ("status", None), ("betaald", -1), ("betaald", 1.5), ("rente", -1),
    ("hoofdsom", 0),
])
def test_a_broken_instalment_is_invalid(field: str, value: Any) -> None:
    arrangement = copy.deepcopy(EXAMPLES["BetalingsregelingInGroep"]["value"])
    arrangement["termijnen"][0][field] = value
    assert not valid(component("Betalingsregeling"), arrangement)


@pytest.mark.parametrize(("example", "path", "value"), [
    ("ReserveringGereserveerd", "betalingsregeling_id", "3f9c2b1a-7d4e-4c5b-8a6f-1e2d3c4b5a69"),
    ("ReserveringBevestigd", "betalingsregeling_id", ...),
    ("ReserveringGereserveerd", "status", "bevestigd"),  # confirmed names its arrangement
    ("ReserveringGereserveerd", "status", "verlopen"),
    ("ReserveringGereserveerd", "vervalt_op", ...),
])
def test_a_broken_reservation_is_invalid(example: str, path: str, value: Any) -> None:
    assert not valid(component("Reservering"), edited(EXAMPLES[example]["value"], path, value))


@pytest.mark.parametrize(("body", "ok"), [
    ({"voorstel_id": "145aeece-53f3-410f-9620-f283637b838e",
      "groep_id": "5d6f0a7e-2b1c-4e9d-8a3f-7c6b5e4d3a21", "groep_omvang": 3}, True),
    ({"voorstel_id": "145aeece-53f3-410f-9620-f283637b838e", "groep_omvang": 3}, False),
    ({"voorstel_id": "145aeece-53f3-410f-9620-f283637b838e",
      "groep_id": "5d6f0a7e-2b1c-4e9d-8a3f-7c6b5e4d3a21", "groep_omvang": 101}, False),
    ({"voorstel_id": "145aeece-53f3-410f-9620-f283637b838e",
      "groep_id": "5d6f0a7e-2b1c-4e9d-8a3f-7c6b5e4d3a21", "groep_omvang": 2,
      "vervalt_na_s": 60}, False),  # requests are closed
])
def test_the_reservation_request(body: dict[str, Any], ok: bool) -> None:
    assert valid(component("ReserveringVerzoek"), body) is ok


@pytest.mark.parametrize(("extra", "ok"), [
    ({"rekenregel": "2.2"}, True), ({"rekenregel": "2.0"}, True), ({"rekenregel": "2.1"}, False),
    ({"vervangt": "7a1e9c3d-2f4b-4e6a-9b8c-5d4e3f2a1b09"}, True),
    ({"vervangt": "regeling-1"}, False),
])
def test_the_2_2_quote_request_members(extra: dict[str, Any], ok: bool) -> None:
    body = {"zaakkenmerken": ["AS-2025-118734"], "aantal_termijnen": 4, **extra}
    assert valid(component("VoorstelVerzoek"), body) is ok
