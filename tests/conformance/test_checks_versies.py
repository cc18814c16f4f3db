"""The version and discovery checks proven both ways: every check passes on the correct
sources and fails, naming its rule and the cause, on a source with exactly the defect it is
about (the gallery's flaws of `flaws_versies.py`, plus a few made here)."""

from __future__ import annotations

import json
import re

import pytest

from conformance import broken
from conformance.broken.flaws_versies import VERSIES_FLAWS
from conformance.broken.source import API_VERSION, WIRE_VERSION
from conformance.checks import versies
from conformance.checks.base import meta_of
from conformance.model import Outcome
from tests.conformance.gallery_harness import (
    CORRECT_SOURCES,
    Federation,
    Rewrite,
    assert_fails,
    assert_passes,
    check_id,
    problem,
    rewrite_json,
    run,
)

# A source offering only part of the standard: one service can be asked for in vain.
PART = ("vorderingenoverzicht", "betalingsregelingen")
NOT_OFFERED = "pauzes"

CHECKS = [
    versies.configuratie_versions_major_minor,
    versies.document_version_major_minor,
    versies.api_version_is_release_of_major_2,
    versies.openapi_document_published,
    versies.preflight_allows_request_proof,
    versies.created_pause_readable,
    versies.authentication_before_body,
    versies.request_proof_before_media_type,
    versies.media_type_before_body_before_semantics,
]
NEEDS_UNOFFERED = [versies.unoffered_service_before_authentication]


def openapi_changed(change):
    """A source serving an OpenAPI document that `change` altered."""
    def factory(fed: Federation):
        def alter(status, body):
            if status == 200:
                change(body)
        return rewrite_json(fed.source(), "GET", "/openapi.json", alter)
    return factory


def session_before_service(fed: Federation):
    """A source offering part of the standard that asks for the session before it looks at
    the service: a request to a service it does not offer, without a token, is 401.

    Not a gallery flaw: the gallery offers every service unless told otherwise, and there
    the order cannot be seen."""
    def answer(_body, scope):
        if not any(k.decode().lower() == "authorization" for k, _v in scope["headers"]):
            return problem(401, "sessie/token-ontbreekt")
        return None
    return Rewrite(fed.source(diensten=PART), method="POST", path=rf"/{NOT_OFFERED}", answer=answer)


def _content_type(scope) -> str:
    return next((v.decode().lower() for k, v in scope["headers"]
                 if k.decode().lower() == "content-type"), "")


def _json_or_none(body):
    try:
        return json.loads(body)
    except ValueError:
        return None


def media_type_before_proof(fed: Federation):
    """A source that refuses a non-JSON body (415) before it verifies the request proof."""
    def answer(_body, scope):
        if not _content_type(scope).startswith("application/json"):
            return problem(415, "verzoek/mediatype-niet-ondersteund")
        return None
    return Rewrite(fed.source(), method="POST", path=r"/betalingsregelingen/voorstellen",
                   answer=answer)


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def body_before_media_type(fed: Federation):
    """A source that parses and validates whatever body arrives before it looks at the
    media type: a text/plain body with a non-UUID voorstel_id is 400."""
    def answer(body, _scope):
        data = _json_or_none(body)
        if isinstance(data, dict) and not UUID.fullmatch(str(data.get("voorstel_id"))):
            return problem(400, "verzoek/ongeldig")
        return None
    return Rewrite(fed.source(), method="POST", path=r"/betalingsregelingen", answer=answer)


def quote_before_schema(fed: Federation):
    """A source that looks the quote up before it validates the body: an unknown quote in a
    body with an unknown member is 422, not 400."""
    def answer(body, scope):
        data = _json_or_none(body)
        if _content_type(scope).startswith("application/json") and isinstance(data, dict) \
                and set(data) - {"voorstel_id"}:
            return problem(422, "betalingsregeling/voorstel-onbekend")
        return None
    return Rewrite(fed.source(), method="POST", path=r"/betalingsregelingen", answer=answer)


def _set_version(document):
    document["info"]["version"] = "1.0.0"


def _drop_pause_reading(document):
    del document["paths"]["/pauzes/{pauze_id}"]


def _add_debug_path(document):
    document["paths"]["/debug/sessies"] = {"get": {"responses": {"200": {"description": "x"}}}}


def _break_structure(document):
    document["paths"]["/configuratie"]["get"]["responses"] = "200"


BROKEN = [
    (versies.configuratie_versions_major_minor, "api-versie-met-patch",
     f"api_versie is '{API_VERSION}'"),
    (versies.document_version_major_minor, "documentversie-met-patch",
     f"documentversie is '{API_VERSION}'"),
    (versies.api_version_is_release_of_major_2, "api-version-zonder-patch",
     f"API-Version is '{WIRE_VERSION}'"),
    (versies.openapi_document_published, "geen-openapi-json", "answered 404"),
    (versies.openapi_document_published, openapi_changed(_set_version),
     "info.version is '1.0.0'"),
    (versies.openapi_document_published, openapi_changed(_drop_pause_reading),
     "missing ['/pauzes/{pauze_id}']"),
    (versies.openapi_document_published, openapi_changed(_add_debug_path),
     "not in the standard ['/debug/sessies']"),
    (versies.openapi_document_published, openapi_changed(_break_structure),
     "no valid OpenAPI 3.1"),
    (versies.preflight_allows_request_proof, "cors-zonder-verzoekbewijs",
     "lacks Verzoek-Bewijs"),
    (versies.created_pause_readable, "pauze-niet-leesbaar", "answered 405"),
    (versies.authentication_before_body, "body-voor-sessie", "status 400 (expected 401)"),
    (versies.unoffered_service_before_authentication, session_before_service,
     "status 401 (expected 404)"),
    (versies.request_proof_before_media_type, media_type_before_proof,
     "answered 415 'verzoek/mediatype-niet-ondersteund', expected 401 verzoekbewijs/"),
    (versies.media_type_before_body_before_semantics, body_before_media_type,
     "status 400 (expected 415)"),
    (versies.media_type_before_body_before_semantics, quote_before_schema,
     "status 422 (expected 400)"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("correct", sorted(CORRECT_SOURCES))
@pytest.mark.parametrize("fn", CHECKS, ids=check_id)
async def test_passes_on_correct_source(fn, correct, suite_keys):
    await assert_passes(fn, correct, suite_keys)


@pytest.mark.anyio
@pytest.mark.parametrize(("fn", "broken_source", "fragment"), BROKEN, ids=check_id)
async def test_fails_on_broken_source(fn, broken_source, fragment, suite_keys):
    await assert_fails(fn, broken_source, meta_of(fn).rule, fragment, suite_keys)


@pytest.mark.anyio
async def test_unoffered_service_passes_on_a_source_offering_part(suite_keys):
    fed = Federation(suite_keys)
    result = await run(versies.unoffered_service_before_authentication,
                       fed.source(diensten=PART), fed)
    assert result.outcome is Outcome.PASSED, result.message


@pytest.mark.anyio
async def test_unoffered_service_skipped_when_every_service_is_offered(suite_keys):
    fed = Federation(suite_keys)
    result = await run(versies.unoffered_service_before_authentication, fed.source(), fed)
    assert result.outcome is Outcome.SKIPPED
    assert "every service" in result.message


@pytest.mark.anyio
async def test_created_pause_skipped_when_pauses_are_not_offered(suite_keys):
    fed = Federation(suite_keys)
    result = await run(versies.created_pause_readable, fed.source(diensten=PART), fed)
    assert result.outcome is Outcome.SKIPPED
    assert NOT_OFFERED in result.message


@pytest.mark.anyio
async def test_openapi_paths_follow_the_services_offered(suite_keys):
    """A source offering part of the standard passes with the whole standard's document."""
    fed = Federation(suite_keys)
    result = await run(versies.openapi_document_published, fed.source(diensten=PART), fed)
    assert result.outcome is Outcome.PASSED, result.message


def test_every_check_is_listed_and_proven_broken():
    defined = {fn for fn in vars(versies).values() if callable(fn) and hasattr(fn, "__check__")}
    assert set(CHECKS + NEEDS_UNOFFERED) == defined
    assert {fn for fn, *_ in BROKEN} == defined
    in_profiles = [fn for checks in versies.PROFILE_CHECKS.values() for fn in checks]
    assert sorted(map(check_id, in_profiles)) == sorted(map(check_id, defined))


def test_every_version_flaw_is_caught_by_a_check_of_its_rule():
    caught = {name: meta_of(fn).rule for fn, name, _ in BROKEN if isinstance(name, str)}
    for flaw in VERSIES_FLAWS:
        assert caught.get(flaw.name) == flaw.rule, flaw.name


@pytest.mark.parametrize("flaw", VERSIES_FLAWS, ids=lambda f: f.name)
def test_version_flaws_are_in_the_gallery(flaw):
    """The gallery lists every flaw of `flaws_versies.py` (flaws.py appends VERSIES_FLAWS)."""
    assert broken.rule_broken(flaw.name) == flaw.rule
