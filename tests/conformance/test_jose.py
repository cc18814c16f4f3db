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

from conformance import jose, scheme
from conformance.actors import Actors
from conformance.envelope import verify_envelope
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


def test_proof_names_the_endpoint_and_certificate_carries_login_evidence(suite_keys) -> None:
    actors = Actors(suite_keys, target_oin="0" * 20, api_url="https://bron.example/v2",
                    clock=lambda: 1_000_000)
    app = actors.new_app_key()
    _h, proof = _parts(actors.proof(app, "n" * 43))[:2]
    assert proof["api_url"] == "https://bron.example/v2"
    _h, cert = _parts(actors.certificate("999993653", app))[:2]
    assert cert["inlogmoment"] <= cert["iat"] and cert["identiteitsdienst"]


def test_request_proof_defaults_and_removals(suite_keys) -> None:
    actors = Actors(suite_keys, target_oin="0" * 20, clock=lambda: 1_000_000)
    app = actors.new_app_key()
    proof = actors.request_proof(app, method="get", url="https://b.example/v2/x", token="t")
    header, claims = jose.verify(proof, [app.public_jwk], typ="verzoek-bewijs+jwt", prefix="v")
    assert header == {"alg": "ES256", "typ": "verzoek-bewijs+jwt", "kid": app.kid}
    assert claims["htm"] == "GET" and claims["htu"] == "https://b.example/v2/x"
    assert claims["iat"] == 1_000_000 and claims["ath"] == jose.token_hash("t")
    assert len(claims["ath"]) == 43 and claims["jti"] == claims["jti"].lower()
    odd = actors.request_proof(app, method="GET", url="u", token="t", jti="j",
                               header={"kid": None, "cty": "JWT"}, claims={"ath": None})
    header, claims = _parts(odd)[:2]
    assert "kid" not in header and header["cty"] == "JWT"
    assert "ath" not in claims and claims["jti"] == "j"


def _valid_document() -> dict:
    case = json.loads((VECTORS / "document" / "geldig.json").read_text("utf-8"))[0]
    return {**case["tests"][0]["data"], "documentversie": "2.0"}


def _scheme_with(oin: str, key: jose.SigningKey, **window: int) -> dict:
    entry = {"jwk": key.published_jwk(), "geldig_vanaf": 0, **window}
    return {"organisaties": [{"oin": oin, "sleutels": [entry]}]}


def _envelope(document: dict, key: jose.SigningKey) -> dict:
    return {"document": document, "handtekening": jose.sign_detached(document, key)}


def _at(document: dict) -> int:
    from datetime import datetime

    return int(datetime.fromisoformat(document["opgesteld_op"]).timestamp())


def test_envelope_data_is_open_and_versions_are_checked(key: jose.SigningKey) -> None:
    document = _valid_document()
    scheme = _scheme_with(document["bron"]["oin"], key)
    later_minor = {**document, "documentversie": "2.7", "nieuw_in_2_7": {"x": 1}}
    wrapped = {**_envelope(later_minor, key), "bijlage": "genegeerd"}
    assert verify_envelope(wrapped, scheme) is None
    next_major = {**document, "documentversie": "3.0"}
    assert verify_envelope(_envelope(next_major, key), scheme) == (
        "envelop/versie-niet-ondersteund")
    no_version = {k: v for k, v in document.items() if k != "documentversie"}
    assert verify_envelope(_envelope(no_version, key), scheme) == "envelop/document-ongeldig"


def test_envelope_key_windows(key: jose.SigningKey) -> None:
    document = _valid_document()
    oin, signed = document["bron"]["oin"], _at(document)
    envelope = _envelope(document, key)
    cases = [
        ({"geldig_vanaf": signed + 61}, "envelop/sleutel-niet-geldig"),
        ({"geldig_vanaf": signed + 60}, None),  # CLOCK_SKEW_S
        ({"geldig_tot": signed - 61}, "envelop/sleutel-niet-geldig"),
        ({"geldig_tot": signed - 60}, None),
        ({"ingetrokken_op": signed}, "envelop/sleutel-ingetrokken"),
        ({"ingetrokken_op": signed + 1}, None),  # signed before the compromise: still valid
    ]
    for window, code in cases:
        assert verify_envelope(envelope, _scheme_with(oin, key, **window)) == code, window
    assert verify_envelope(envelope, _scheme_with(oin, key), now=signed - 61) == (
        "envelop/nog-niet-geldig")


def test_help_request_envelopes_are_fresh_and_the_citizens_own(key: jose.SigningKey) -> None:
    document = _valid_document()
    scheme, signed = _scheme_with(document["bron"]["oin"], key), _at(document)
    envelope, bsn = _envelope(document, key), document["bsn"]
    assert verify_envelope(envelope, scheme, expected_bsn=bsn, now=signed) is None
    assert verify_envelope(envelope, scheme, expected_bsn=bsn,
                                now=signed + 1209600) is None
    assert verify_envelope(envelope, scheme, expected_bsn=bsn,
                                now=signed + 1209601) == "envelop/verouderd"


def test_detached_envelope_round_trip(key: jose.SigningKey) -> None:
    document = _valid_document()
    scheme = _scheme_with(document["bron"]["oin"], key)
    signature = jose.sign_detached(document, key)
    assert signature.split(".")[1] == ""
    envelope = {"document": document, "handtekening": signature}
    assert verify_envelope(envelope, scheme) is None
    assert verify_envelope(envelope, scheme, expected_bsn="123456782") == (
        "envelop/bsn-onjuist"
    )
    changed = copy.deepcopy(envelope)
    changed["document"]["financiele_zaken"][0]["omschrijving"] = "anders"
    assert verify_envelope(changed, scheme) == "envelop/handtekening-ongeldig"
    other = _scheme_with("0" * 20, key)
    assert verify_envelope(envelope, other) == "envelop/bron-onbekend"
    assert verify_envelope({"document": document}, scheme) == "envelop/ongeldig-formaat"


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
    code = verify_envelope(
        test["token"], context["stelsel"], expected_bsn=context.get("expected_bsn"),
        now=context.get("now"),
    )
    assert code == (None if test["valid"] else test["code"])


@pytest.mark.parametrize(("test", "context"), _vector_tests("stelseldocument"))
def test_scheme_vectors(test: dict, context: dict) -> None:
    try:
        scheme.verify_scheme(
            test["token"],
            context.get("pinned_keys", context.get("pinned_key")),
            omgeving=context["expected_omgeving"],
            now=context["now"],
            last_volgnummer=context["last_volgnummer"],
        )
        code = None
    except JoseError as exc:
        code = exc.code
    assert code == (None if test["valid"] else test["code"])


def test_scheme_format_2_with_a_pinned_key_set(suite_keys, key: jose.SigningKey) -> None:
    from conformance import keys

    payload = keys.build_scheme(suite_keys, oin="0" * 20, api_url="https://b.example/v2",
                                bron_jwk=key.published_jwk())
    pinned = suite_keys.scheme_key_set()
    assert len(pinned["keys"]) == 2
    verified = scheme.verify_scheme(keys.sign_scheme(suite_keys, payload), pinned)
    assert verified["versie"] == keys.SCHEME_VERSIE
    # the backup key of the pinned set verifies too: the anchor rotates without a flag day
    by_backup = jose.encode(payload, suite_keys.scheme_backup_key, typ="stelsel-v2+jwt")
    assert scheme.verify_scheme(by_backup, pinned)["volgnummer"] == payload["volgnummer"]

    def code_of(changed: dict, typ: str = "stelsel-v2+jwt") -> str:
        token = jose.encode(changed, suite_keys.scheme_key, typ=typ)
        with pytest.raises(JoseError) as err:
            scheme.verify_scheme(token, pinned)
        return err.value.code

    assert code_of(payload, typ="stelsel+jwt") == "stelsel/verkeerd-type"
    assert code_of({**payload, "versie": "3.0"}) == "stelsel/versie-niet-ondersteund"
    assert code_of({**payload, "versie": "3.0", "onbekend": 1}) == (
        "stelsel/versie-niet-ondersteund")  # the major is read before the schema
    assert code_of({**payload, "onbekend": 1}) == "stelsel/claims-ongeldig"
    twice = copy.deepcopy(payload)
    twice["app_managers"][0]["api_url"] = "https://b.example/v2"
    assert code_of(twice) == "stelsel/claims-ongeldig"
    extended = {**payload, "uitbreidingen": {"2.1": {"iets": True}}}
    assert scheme.verify_scheme(jose.encode(extended, suite_keys.scheme_key,
                                          typ="stelsel-v2+jwt"), pinned)
