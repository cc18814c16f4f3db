"""The suite's JOSE: correct tokens verify elsewhere (joserfc), forged ones are what they
claim to be, and verification gives the trust model's codes on the shared test vectors."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
from pathlib import Path

import pytest
from joserfc import jws
from joserfc.jwk import ECKey

from conformance import jose
from conformance.actors import Actors
from conformance.errors import JoseError

VECTORS = Path(__file__).resolve().parents[2] / "spec" / "vectors"


def _parts(token: str) -> tuple[dict, dict, str]:
    head, payload, sig = token.split(".")
    return json.loads(jose.b64d(head)), json.loads(jose.b64d(payload)), sig


@pytest.fixture
def key() -> jose.SigningKey:
    return jose.SigningKey.generate()


def test_es256_token_verifies_with_an_independent_library(key: jose.SigningKey) -> None:
    token = jose.encode({"sub": "x"}, key, typ="app-certificaat+jwt")
    result = jws.deserialize_compact(token, ECKey.import_key(key.public_jwk), algorithms=["ES256"])
    assert json.loads(result.payload) == {"sub": "x"}
    assert result.protected == {"alg": "ES256", "typ": "app-certificaat+jwt", "kid": key.kid}


def test_token_from_an_independent_library_verifies_here(key: jose.SigningKey) -> None:
    header = {"alg": "ES256", "typ": "sessie-bewijs+jwt", "kid": key.kid}
    token = jws.serialize_compact(header, b'{"a":1}', ECKey.import_key(key.private_jwk()))
    _head, payload = jose.verify(token, [key.public_jwk], typ="sessie-bewijs+jwt", prefix="bewijs")
    assert payload == {"a": 1}


def test_thumbprint_matches_rfc7638_as_computed_elsewhere(key: jose.SigningKey) -> None:
    assert jose.thumbprint(key.public_jwk) == ECKey.import_key(key.public_jwk).thumbprint()


def test_alg_none_has_an_empty_signature(key: jose.SigningKey) -> None:
    token = jose.encode({"a": 1}, key, typ="x+jwt", alg="none")
    header, _payload, sig = _parts(token)
    assert header["alg"] == "none"
    assert sig == ""
    assert token.endswith(".")


def test_hs256_is_an_hmac_keyed_with_the_public_jwk(key: jose.SigningKey) -> None:
    token = jose.encode({"a": 1}, key, typ="x+jwt", alg="HS256")
    signing_input, sig = token.rsplit(".", 1)
    secret = jose.hmac_secret(key.public_jwk)
    assert secret == jose.jcs(key.public_jwk)
    expected = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    assert jose.b64d(sig) == expected
    assert _parts(token)[0]["alg"] == "HS256"


def test_other_alg_only_changes_the_header(key: jose.SigningKey) -> None:
    token = jose.encode({"a": 1}, key, typ="x+jwt", alg="ES384")
    signing_input, sig = token.rsplit(".", 1)
    assert _parts(token)[0]["alg"] == "ES384"
    assert jose.verify_signature(key.public_jwk, signing_input.encode(), jose.b64d(sig))


@pytest.mark.parametrize("alg", ["none", "HS256", "ES384", "RS256"])
def test_verify_refuses_every_alg_but_es256(key: jose.SigningKey, alg: str) -> None:
    token = jose.encode({"a": 1}, key, typ="x+jwt", alg=alg)
    with pytest.raises(JoseError) as err:
        jose.verify(token, [key.public_jwk], typ="x+jwt", prefix="certificaat")
    assert err.value.code == "certificaat/algoritme-niet-toegestaan"


@pytest.mark.parametrize(
    ("header", "code"),
    [
        ({"jku": "https://evil.example/jwks"}, "certificaat/verboden-header"),
        ({"cty": "JWT"}, "certificaat/verboden-header"),
        ({"typ": "sessie-bewijs+jwt"}, "certificaat/verkeerd-type"),
        ({"kid": jose.OMIT}, "certificaat/sleutel-onbekend"),
    ],
)
def test_header_overrides_are_refused_even_when_signed(
    key: jose.SigningKey, header: dict, code: str
) -> None:
    token = jose.encode({"a": 1}, key, typ="app-certificaat+jwt", header=header)
    with pytest.raises(JoseError) as err:
        jose.verify(token, [key.public_jwk], typ="app-certificaat+jwt", prefix="certificaat")
    assert err.value.code == code


def test_a_tampered_payload_breaks_the_signature(key: jose.SigningKey) -> None:
    head, _payload, sig = jose.encode({"a": 1}, key, typ="x+jwt").split(".")
    other_payload = jose.b64e(b'{"a":2}')
    forged = f"{head}.{other_payload}.{sig}"
    with pytest.raises(JoseError) as err:
        jose.verify(forged, [key.public_jwk], typ="x+jwt", prefix="p")
    assert err.value.code == "p/handtekening-ongeldig"


def test_a_key_of_another_issuer_is_unknown(key: jose.SigningKey) -> None:
    token = jose.encode({"a": 1}, key, typ="x+jwt")
    with pytest.raises(JoseError) as err:
        jose.verify(token, [jose.SigningKey.generate().public_jwk], typ="x+jwt", prefix="p")
    assert err.value.code == "p/sleutel-onbekend"


def test_certificate_defaults_and_overrides(suite_keys) -> None:
    actors = Actors(suite_keys, target_oin="0" * 20, clock=lambda: 1_000_000)
    app = actors.new_app_key()
    cert = actors.certificate(
        "999993653", app, claims={"betrouwbaarheidsniveau": jose.OMIT, "extra": 1}
    )
    header, payload = jose.verify(
        cert, [suite_keys.app_manager_key.public_jwk], typ="app-certificaat+jwt", prefix="c"
    )
    assert header["kid"] == suite_keys.app_manager_key.kid
    assert payload["iss"] == suite_keys.app_manager_id
    assert payload["cnf"] == {"jwk": app.public_jwk}
    assert payload["iat"] == payload["nbf"] == 1_000_000
    assert payload["exp"] == 1_000_600
    assert "betrouwbaarheidsniveau" not in payload
    assert payload["extra"] == 1
    rogue = actors.certificate("999993653", app, signing_key=suite_keys.rogue_app_manager_key)
    with pytest.raises(JoseError):
        jose.verify(
            rogue, [suite_keys.app_manager_key.public_jwk], typ="app-certificaat+jwt", prefix="c"
        )


def test_proof_is_signed_by_the_app_key_for_the_target(suite_keys) -> None:
    actors = Actors(suite_keys, target_oin="00000001234567890000")
    app = actors.new_app_key()
    proof = actors.proof(app, "n" * 43)
    header, payload = jose.verify(proof, [app.public_jwk], typ="sessie-bewijs+jwt", prefix="b")
    assert header["kid"] == app.thumbprint
    assert payload["aud"] == "00000001234567890000"
    assert payload["nonce"] == "n" * 43


def _valid_document() -> dict:
    case = json.loads((VECTORS / "document" / "geldig.json").read_text("utf-8"))[0]
    return case["tests"][0]["data"]


def _scheme_with(oin: str, key: jose.SigningKey) -> dict:
    return {"organisaties": [{"oin": oin, "sleutels": {"keys": [key.published_jwk()]}}]}


def test_detached_envelope_round_trip(key: jose.SigningKey) -> None:
    document = _valid_document()
    scheme = _scheme_with(document["bron"]["oin"], key)
    signature = jose.sign_detached(document, key)
    assert signature.split(".")[1] == ""
    envelope = {"document": document, "handtekening": signature}
    assert jose.verify_envelope(envelope, scheme) is None
    assert jose.verify_envelope(envelope, scheme, expected_bsn="123456782") == (
        "envelop/bsn-onjuist"
    )
    changed = copy.deepcopy(envelope)
    changed["document"]["financiele_zaken"][0]["omschrijving"] = "anders"
    assert jose.verify_envelope(changed, scheme) == "envelop/handtekening-ongeldig"
    other = _scheme_with("0" * 20, key)
    assert jose.verify_envelope(envelope, other) == "envelop/bron-onbekend"
    assert jose.verify_envelope({"document": document}, scheme) == "envelop/ongeldig-formaat"


def _vector_tests(kind: str) -> list:
    cases = json.loads((VECTORS / "tokens" / f"{kind}.json").read_text("utf-8"))
    out = []
    for case in cases:
        for test in case["tests"]:
            context = {**case.get("context", {}), **test.get("context", {})}
            out.append(pytest.param(test, context, id=f"{case['rule']}: {test['description']}"))
    return out


@pytest.mark.parametrize(("test", "context"), _vector_tests("envelop"))
def test_envelope_vectors(test: dict, context: dict) -> None:
    code = jose.verify_envelope(
        test["token"], context["stelsel"], expected_bsn=context.get("expected_bsn")
    )
    assert code == (None if test["valid"] else test["code"])


@pytest.mark.parametrize(("test", "context"), _vector_tests("stelseldocument"))
def test_scheme_vectors(test: dict, context: dict) -> None:
    try:
        jose.verify_scheme(
            test["token"],
            context["pinned_key"],
            omgeving=context["expected_omgeving"],
            now=context["now"],
            last_volgnummer=context["last_volgnummer"],
        )
        code = None
    except JoseError as exc:
        code = exc.code
    assert code == (None if test["valid"] else test["code"])
