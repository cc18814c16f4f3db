"""The fan-out finds an envelope's organisation by OIN in an index made once per scheme
document (`Scheme.by_oin`, `scheme.organisations_by_oin`) instead of scanning the scheme per
envelope; every verdict must be what the scan gives, a repeated OIN included (the first
entry counts)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from reference_impl.common.envelope import sign_envelope, verify_envelope
from reference_impl.common.errors import TokenError
from reference_impl.common.jose import generate_key, public_jwk
from reference_impl.common.scheme import Scheme, organisations_by_oin
from reference_impl.common.spec import openapi_path

KEY_A, KEY_B = generate_key(), generate_key()
OIN_A, OIN_B, OIN_UNKNOWN = "00000001001234567000", "00000001007654321000", "00000009999999999000"


def _organisation(oin: str, key: Any) -> dict[str, Any]:
    return {"oin": oin, "naam": f"Organisatie {oin[-6:]}", "soort": "gemeente",
            "eindpunten": [{"api_url": f"https://{oin}.example/vorderingen/v2", "major": 2}],
            "sleutels": [{"jwk": public_jwk(key), "geldig_vanaf": 0}],
            "diensten": ["vorderingenoverzicht"], "status": "actief"}


# A repeated OIN: the first entry (key A) is the one a scan finds.
PAYLOAD = {"organisaties": [_organisation(OIN_A, KEY_A), _organisation(OIN_B, KEY_B),
                            _organisation(OIN_A, KEY_B)]}


def _document(oin: str) -> dict[str, Any]:
    spec = yaml.safe_load(openapi_path("bron").read_text(encoding="utf-8"))
    document = copy.deepcopy(spec["components"]["examples"]["EnvelopGemeente"]["value"]
                             ["document"])
    return {**document, "bron": {"oin": oin, "naam": "x"}}


def _verdict(envelope: Any, organisations: Any) -> str | None:
    try:
        verify_envelope(envelope, PAYLOAD, organisations=organisations)
    except TokenError as refused:
        return refused.code
    return None


@pytest.mark.parametrize(("oin", "key", "expected"), [
    (OIN_A, KEY_A, None),
    (OIN_B, KEY_B, None),
    (OIN_A, KEY_B, "envelop/sleutel-onbekend"),  # the repeated entry's key does not count
    (OIN_UNKNOWN, KEY_A, "envelop/bron-onbekend"),
])
def test_the_index_gives_the_verdict_of_the_scan(oin: str, key: Any,
                                                 expected: str | None) -> None:
    envelope = sign_envelope(_document(oin), key)
    assert _verdict(envelope, None) == expected
    assert _verdict(envelope, organisations_by_oin(PAYLOAD)) == expected


def test_a_document_without_an_oin_is_of_an_unknown_source() -> None:
    envelope = sign_envelope({**_document(OIN_A), "bron": "geen object"}, KEY_A)
    assert _verdict(envelope, None) == _verdict(envelope, organisations_by_oin(PAYLOAD)) \
        == "envelop/bron-onbekend"


def test_the_scheme_keeps_its_index() -> None:
    scheme = Scheme(payload=PAYLOAD, token="")
    assert scheme.by_oin is scheme.by_oin
    assert scheme.by_oin[OIN_A] is PAYLOAD["organisaties"][0]
