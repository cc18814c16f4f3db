"""Profile `stelsel` against the reference scheme service (green) and broken ones (each red
on the check of its rule)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from stelsel_support import (
    SCHEME_HOST,
    HostRouter,
    Rewritten,
    options,
    resigned,
    scheme_service,
)

from conformance import jose, stelsel
from conformance.jose import SigningKey
from reference_impl.common.jose import generate_key, public_jwk

pytestmark = pytest.mark.anyio


def check_named(name: str) -> Any:
    return next(fn for fn in stelsel.PROFILES["stelsel"] if fn.__name__ == name)


def outcomes(report: Any) -> dict[str, tuple[str, str]]:
    return {r.check: (r.outcome.value, r.rule) for r in report.results}


async def test_the_reference_scheme_service_is_green(tmp_path: Path) -> None:
    app, _private, public = scheme_service(tmp_path, public_jwk(generate_key()))
    async with app.router.lifespan_context(app):
        report = await stelsel.run(options(tmp_path, HostRouter({SCHEME_HOST: app}), public))
    results = outcomes(report)
    # no App Manager answers, so the revocation check has nothing to observe: not tested
    assert results.pop("revocations_reach_the_scheme_document")[0] == "skipped"
    assert {name: outcome for name, (outcome, _rule) in results.items()} == {
        name: "passed" for name in results}, [r.message for r in report.results]
    assert report.actor == "stelsel"


async def test_without_pinned_keys_the_claims_are_not_tested(tmp_path: Path) -> None:
    app, _private, _public = scheme_service(tmp_path, public_jwk(generate_key()))
    async with app.router.lifespan_context(app):
        report = await stelsel.run(options(tmp_path, HostRouter({SCHEME_HOST: app}), None))
    results = outcomes(report)
    assert results["scheme_document_published"][0] == "passed"
    assert results["document_signed_with_a_pinned_key"][0] == "skipped"
    assert report.verdict.value == "incomplete"


def _flaws(private: Path) -> dict[str, tuple[Any, str, str]]:
    """name → (rewrite, check, rule)."""

    def cache_for_a_day(body: bytes, _claims: dict[str, Any], headers: dict[str, str],
                        _n: int) -> Any:
        return body, {**headers, "cache-control": "public, max-age=86400", "etag": 'W/"zwak"'}

    other = SigningKey.generate()

    def signed_by_another_key(_body: bytes, claims: dict[str, Any], headers: dict[str, str],
                              _n: int) -> Any:
        return jose.encode(claims, other, typ="stelsel-v2+jwt").encode(), headers

    return {
        "weak caching": (cache_for_a_day, "scheme_document_published", "/stelsel/publicatie"),
        "signed by an unpinned key": (signed_by_another_key, "document_signed_with_a_pinned_key",
                                      "/stelsel/handtekening-gepind"),
        "expired": (resigned(private, lambda c, _n: {**c, "iat": c["iat"] - 90000,
                                                     "exp": c["iat"] - 4000}),
                    "served_document_is_current", "/stelsel/looptijd"),
        "rolled back": (resigned(private, lambda c, n: {**c, "volgnummer": c["volgnummer"] + (
            5 if n % 2 else 0)}), "volgnummer_never_decreases", "/stelsel/volgnummer-oplopend"),
        "bare keys": (resigned(private, lambda c, _n: {**c, "app_managers": [
            {**m, "sleutels": [k["jwk"] for k in m["sleutels"]]} for m in c["app_managers"]]}),
            "keys_are_entries_with_windows", "/stelsel/sleutelvensters"),
        "unknown member": (resigned(private, lambda c, _n: {**c, "extra": True}),
                           "claims_valid_against_the_schema", "/stelsel/claims"),
        "malformed contact": (resigned(private, lambda c, _n: {**c, "organisaties": [
            {**o, "uitbreidingen": {"2.2": {"contact": {"telefoon": ""}}}}
            for o in c["organisaties"]]}),
            "organisation_contacts_listed", "/stelsel/contact-uitbreiding"),
        "container http in acceptatie": (resigned(private, lambda c, _n: {
            **c, "omgeving": "acceptatie", "app_managers": [
                {**m, "api_url": "http://app-manager:8300/app-manager/v2"}
                for m in c["app_managers"]]}),
            "plain_http_only_on_private_test_networks", "/testomgeving/prive-netwerk"),
    }


FLAWS = ["weak caching", "signed by an unpinned key", "expired", "rolled back", "bare keys",
         "unknown member", "container http in acceptatie", "malformed contact"]


@pytest.mark.parametrize("flaw", FLAWS)
async def test_a_broken_scheme_service_is_caught_with_its_rule(flaw: str, tmp_path: Path) -> None:
    app, private, public = scheme_service(tmp_path, public_jwk(generate_key()))
    rewrite, check, rule = _flaws(private)[flaw]
    broken = Rewritten(app, rewrite)
    async with app.router.lifespan_context(app):
        report = await stelsel.run(options(tmp_path, HostRouter({SCHEME_HOST: broken}),
                                           public, checks=(check_named(check),)))
    assert outcomes(report)[check] == ("failed", rule), [r.message for r in report.results]


async def test_a_scheme_service_answering_no_304_is_caught(tmp_path: Path) -> None:
    app, _private, public = scheme_service(tmp_path, public_jwk(generate_key()))

    async def ignores_if_none_match(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"]
                                          if k.lower() != b"if-none-match"]}
        await app(scope, receive, send)

    async with app.router.lifespan_context(app):
        report = await stelsel.run(options(
            tmp_path, HostRouter({SCHEME_HOST: ignores_if_none_match}), public,
            checks=(check_named("conditional_request_answered_304"),)))
    assert outcomes(report)["conditional_request_answered_304"] == (
        "failed", "/stelsel/publicatie")
