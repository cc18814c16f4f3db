"""The app trusts a format-2 scheme document only after checking it against its pinned key
set, and picks per organisation the endpoint of the highest major it speaks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from app_support import Operator, Organisation

from reference_impl.app.errors import TrustError
from reference_impl.app.http import new_client
from reference_impl.app.trust import SchemeTrust, TrustAnchor, active_organisations
from reference_impl.common.jose import generate_key, public_jwk


def _trust(operator: Operator, path: Path, state: Path | None, omgeving: str = "test",
           pinned: tuple[dict, ...] | None = None):
    anchor = TrustAnchor(str(path), pinned or (operator.pinned,), omgeving)
    return SchemeTrust(anchor, new_client(), state_dir=state)


@pytest.fixture
def operator() -> Operator:
    return Operator([Organisation("00000001001234567000", "Gemeente Voorbeeldstad")])


@pytest.mark.anyio
async def test_valid_scheme_is_loaded_from_a_file(operator: Operator, tmp_path: Path) -> None:
    path = tmp_path / "stelsel.jwt"
    path.write_text(operator.token(3))
    scheme = await _trust(operator, path, tmp_path / "state").load()
    assert scheme.payload["volgnummer"] == 3
    assert [o["naam"] for o in active_organisations(scheme)] == ["Gemeente Voorbeeldstad"]


@pytest.mark.anyio
async def test_rollback_is_refused_even_after_a_restart(operator: Operator, tmp_path: Path) -> None:
    path, state = tmp_path / "stelsel.jwt", tmp_path / "state"
    path.write_text(operator.token(5))
    await _trust(operator, path, state).load()
    path.write_text(operator.token(4))
    with pytest.raises(TrustError) as refused:
        await _trust(operator, path, state).load()  # a new app process, same state directory
    assert refused.value.code == "stelsel/volgnummer-teruggedraaid"
    path.write_text(operator.token(5))  # the same document again is fine
    await _trust(operator, path, state).load()


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600}, "stelsel/verlopen"),
        ({"omgeving": "acceptatie"}, "stelsel/verkeerde-omgeving"),
        ({"exp": int(time.time()) + 2 * 86_400}, "stelsel/looptijd-te-lang"),
        ({"organisaties": "geen lijst"}, "stelsel/claims-ongeldig"),
    ],
)
async def test_bad_scheme_documents_are_refused_with_their_code(
    operator: Operator, tmp_path: Path, changes: dict, code: str
) -> None:
    path = tmp_path / "stelsel.jwt"
    path.write_text(operator.token(1, **changes))
    with pytest.raises(TrustError) as refused:
        await _trust(operator, path, None).load()
    assert refused.value.code == code


@pytest.mark.anyio
async def test_a_production_app_refuses_a_test_scheme(operator: Operator, tmp_path: Path) -> None:
    path = tmp_path / "stelsel.jwt"
    path.write_text(operator.token(1))
    with pytest.raises(TrustError) as refused:
        await _trust(operator, path, None, omgeving="productie").load()
    assert refused.value.code == "stelsel/verkeerde-omgeving"


@pytest.mark.anyio
async def test_a_document_signed_with_another_key_is_refused(
    operator: Operator, tmp_path: Path
) -> None:
    path = tmp_path / "stelsel.jwt"
    path.write_text(operator.token(1, key=generate_key()))
    with pytest.raises(TrustError) as refused:
        await _trust(operator, path, None).load()
    assert refused.value.code == "stelsel/sleutel-onbekend"
    header, _payload, signature = operator.token(1).split(".")
    forged = operator.token(99).split(".")[1]
    path.write_text(f"{header}.{forged}.{signature}")
    with pytest.raises(TrustError) as refused:
        await _trust(operator, path, None).load()
    assert refused.value.code == "stelsel/handtekening-ongeldig"


def test_the_pinned_key_file_must_hold_a_public_key(tmp_path: Path) -> None:
    import json

    from reference_impl.app.errors import SetupError

    good = tmp_path / "sleutel.jwk.json"
    good.write_text(json.dumps(public_jwk(generate_key())))
    assert TrustAnchor.from_key_file("x", good, "test").pinned_jwks[0]["kty"] == "EC"
    private = tmp_path / "prive.jwk.json"
    private.write_text(json.dumps(generate_key().as_dict(private=True)))
    with pytest.raises(SetupError, match="--stelsel-sleutel"):
        TrustAnchor.from_key_file("x", private, "test")


def test_a_key_set_is_pinned_from_jwk_and_jwks_files_at_most_five(tmp_path: Path) -> None:
    import json

    from reference_impl.app.errors import SetupError

    keys = [public_jwk(generate_key()) for _ in range(6)]
    one, jwks = tmp_path / "huidig.jwk.json", tmp_path / "volgende.jwks.json"
    one.write_text(json.dumps(keys[0]))
    jwks.write_text(json.dumps({"keys": keys[1:3]}))
    anchor = TrustAnchor.from_key_file("x", [one, jwks, one], "test")  # a repeat counts once
    assert [k["kid"] for k in anchor.pinned_jwks] == [k["kid"] for k in keys[:3]]
    too_many = tmp_path / "zes.jwks.json"
    too_many.write_text(json.dumps({"keys": keys}))
    with pytest.raises(SetupError, match="--stelsel-sleutel"):
        TrustAnchor.from_key_file("x", too_many, "test")


@pytest.mark.anyio
async def test_the_anchor_rotates_without_a_flag_day_and_keeps_rollback_protection(
    operator: Operator, tmp_path: Path
) -> None:
    """Releases pin {current}, then {current, next}, then {next, backup}: a document signed
    with `next` is accepted as soon as it is pinned, and a rolled-back document stays refused
    across the change of the pinned set."""
    path, state = tmp_path / "stelsel.jwt", tmp_path / "state"
    current, following, backup = operator.key, generate_key(), generate_key()
    path.write_text(operator.token(5, key=current))
    await _trust(operator, path, state, pinned=(public_jwk(current),)).load()
    path.write_text(operator.token(6, key=following))
    with pytest.raises(TrustError) as refused:
        await _trust(operator, path, state, pinned=(public_jwk(current),)).load()
    assert refused.value.code == "stelsel/sleutel-onbekend"
    both = (public_jwk(current), public_jwk(following))
    assert (await _trust(operator, path, state, pinned=both).load()).payload["volgnummer"] == 6
    path.write_text(operator.token(5, key=following))
    later = (public_jwk(following), public_jwk(backup))
    with pytest.raises(TrustError) as refused:
        await _trust(operator, path, state, pinned=later).load()
    assert refused.value.code == "stelsel/volgnummer-teruggedraaid"


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"versie": "3.0"}, "stelsel/versie-niet-ondersteund"),
        ({"onbekend_lid": 1}, "stelsel/claims-ongeldig"),  # the document is closed
    ],
)
async def test_another_format_major_or_an_unknown_member_is_refused(
    operator: Operator, tmp_path: Path, changes: dict, code: str
) -> None:
    path = tmp_path / "stelsel.jwt"
    path.write_text(operator.token(1, **changes))
    with pytest.raises(TrustError) as refused:
        await _trust(operator, path, None).load()
    assert refused.value.code == code


@pytest.mark.anyio
async def test_a_next_minor_with_its_extension_object_is_accepted(
    operator: Operator, tmp_path: Path
) -> None:
    path = tmp_path / "stelsel.jwt"
    path.write_text(operator.token(1, versie="2.1", uitbreidingen={"2.1": {"nieuw": True}}))
    scheme = await _trust(operator, path, None).load()
    assert scheme.payload["versie"] == "2.1"


def test_the_endpoint_of_the_highest_supported_major_is_chosen() -> None:
    from reference_impl.app.sources import choose_endpoint

    organisation = {"eindpunten": [{"api_url": "https://a.example/vorderingen/v2", "major": 2},
                                   {"api_url": "https://a.example/vorderingen/v3", "major": 3}]}
    assert choose_endpoint(organisation)["major"] == 2
    assert choose_endpoint(organisation, frozenset({2, 3}))["major"] == 3
    assert choose_endpoint(organisation, frozenset({4})) is None
