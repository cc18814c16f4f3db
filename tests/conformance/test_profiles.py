"""Profiles list their checks explicitly; every check belongs to one, and a profile's checks
need exactly the service it certifies."""

from __future__ import annotations

import inspect

import pytest

from conformance import context, profiles
from conformance.checks import (
    betalingsregelingen,
    bewijs,
    document,
    http,
    hulpvragen,
    openapi,
    pauzes,
    sessie,
    transport,
    trust,
    voorstellen,
)
from conformance.checks.base import meta_of
from conformance.errors import UsageError

CHECK_MODULES = (trust, bewijs, sessie, document, http, transport, voorstellen, betalingsregelingen,
                 pauzes, hulpvragen, openapi)


def _defined_checks():
    return {fn for module in CHECK_MODULES for _name, fn in inspect.getmembers(module)
            if hasattr(fn, "__check__") and fn.__module__ == module.__name__}


def test_every_check_is_in_a_profile():
    listed = set(profiles.all_checks())
    assert _defined_checks() - listed == set()


def test_no_check_is_listed_twice():
    everything = [fn for fns in profiles.PROFILES.values() for fn in fns]
    assert len(everything) == len(set(everything))
    names = [meta_of(fn).name for fn in everything]
    assert len(names) == len(set(names))


def test_profiles_are_the_services_of_configuratie():
    assert set(profiles.PROFILES) == set(profiles.PROFILE_OF_DIENST.values())
    assert profiles.PROFILE_OF_DIENST == context.PROFILE_OF_DIENST


@pytest.mark.parametrize("name", sorted(set(profiles.PROFILES) - {profiles.BASIS}))
def test_a_service_profile_needs_its_service(name):
    dienst = next(d for d, p in profiles.PROFILE_OF_DIENST.items() if p == name)
    for fn in profiles.PROFILES[name]:
        assert f"dienst:{dienst}" in meta_of(fn).needs, meta_of(fn).name


def test_basis_needs_no_optional_service():
    for fn in profiles.PROFILES[profiles.BASIS]:
        assert not any(n.startswith("dienst:") for n in meta_of(fn).needs), meta_of(fn).name


def test_basis_is_always_included_and_first_with_the_openapi_layer_last():
    chosen = profiles.checks_for({"pauzes"})
    basis = list(profiles.PROFILES[profiles.BASIS])
    generated = [fn for fn in basis if fn.__module__ == openapi.__name__]
    own = [fn for fn in basis if fn not in generated]
    assert generated and chosen[: len(own)] == own
    assert chosen[len(own):] == [*profiles.PROFILES["pauzes"], *generated]
    assert profiles.checks_for(set()) == basis


def test_unknown_profile_is_a_usage_error():
    with pytest.raises(UsageError, match="betaalregelingen"):
        profiles.checks_for({"betaalregelingen"})


@pytest.mark.parametrize(("diensten", "expected"), [
    (["vorderingenoverzicht"], {"basis"}),
    (["vorderingenoverzicht", "betalingsregelingen", "pauzes"],
     {"basis", "betalingsregelingen", "pauzes"}),
    (["vorderingenoverzicht", "hulpvragen", "onbekend"], {"basis", "hulpvragen"}),
    ([], {"basis"}),
])
def test_profiles_for_diensten(diensten, expected):
    assert profiles.profiles_for_diensten(diensten) == expected


def test_attack_matrix_is_wide():
    """The trust model is attacked in at least 20 distinct ways, each its own check."""
    attacks = [fn for fn in profiles.PROFILES[profiles.BASIS] if meta_of(fn).area == "trust"]
    assert len({meta_of(fn).name for fn in attacks}) == len(attacks)
    assert len(attacks) >= 20


def test_every_check_states_its_rule():
    for fn in profiles.all_checks():
        meta = meta_of(fn)
        assert meta.statement, f"{meta.name} has no docstring statement"
        assert meta.rule.startswith("/"), meta.name


def test_each_profile_belongs_to_one_actor():
    assert profiles.actor_of([]) == profiles.actor_of(["basis", "pauzes"]) == "bron"
    assert profiles.actor_of(["app-manager"]) == "app-manager"
    assert profiles.actor_of(["stelsel"]) == "stelsel" and profiles.actor_of(["app"]) == "app"
    with pytest.raises(UsageError, match="different actors"):
        profiles.actor_of(["basis", "stelsel"])
    with pytest.raises(UsageError, match="alles"):
        profiles.actor_of(["alles"])


@pytest.mark.parametrize("profile", sorted(profiles.ACTOR_PROFILES))
def test_an_actor_package_is_dispatched_lazily_with_its_own_checks(profile):
    package = profiles.actor_package(profile)
    assert package.__name__ == profiles.ACTOR_PROFILES[profile][1]
    assert inspect.iscoroutinefunction(package.run)
    checks = profiles.profile_checks(profile)
    assert checks and all(meta_of(fn).rule.startswith("/") for fn in checks)
    assert set(checks) <= set(profiles.every_check())
    assert not set(checks) & set(profiles.all_checks())  # never mixed into a source run
