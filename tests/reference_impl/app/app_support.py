"""Test support for the app: keys, scheme documents and signed envelopes made at test time.

`Operator` plays the scheme operator (its key is what the app pins) and signs scheme
documents listing organisations whose keys it also makes; `envelope(...)` signs the example
claims document of spec/openapi/bron.yaml for one of them.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml
from joserfc.jwk import ECKey

from reference_impl.common.envelope import sign_envelope
from reference_impl.common.jose import generate_key, public_jwk, sign
from reference_impl.common.spec import openapi_path

SANNE = "999993653"
OTHER_BSN = "999990019"
APP_MANAGER_ID = "test-app-manager"
SCHEME_TYP = "stelsel-v2+jwt"


@cache
def _example_document() -> dict[str, Any]:
    document = yaml.safe_load(openapi_path("bron").read_text(encoding="utf-8"))
    return document["components"]["examples"]["EnvelopGemeente"]["value"]["document"]


def example_document(oin: str, naam: str, bsn: str = SANNE) -> dict[str, Any]:
    """A valid claims document (the spec's example) for organisation `oin` about `bsn`."""
    document = copy.deepcopy(_example_document())
    document["bron"] = {"oin": oin, "naam": naam}
    document["bsn"] = bsn
    return document


@dataclass
class Organisation:
    oin: str
    naam: str
    soort: str = "gemeente"
    key: ECKey = field(default_factory=generate_key)
    api_url: str = "http://127.0.0.1:9/vorderingen/v2"
    diensten: tuple[str, ...] = ("vorderingenoverzicht",)
    key_window: dict[str, int] = field(default_factory=lambda: {"geldig_vanaf": 0})

    def entry(self) -> dict[str, Any]:
        return {"oin": self.oin, "naam": self.naam, "soort": self.soort,
                "eindpunten": [{"api_url": self.api_url, "major": 2}],
                "sleutels": [{"jwk": public_jwk(self.key), **self.key_window}],
                "diensten": list(self.diensten), "status": "actief"}

    def envelope(self, bsn: str = SANNE, **changes: Any) -> dict[str, Any]:
        document = example_document(self.oin, self.naam, bsn)
        document.update(changes)
        return sign_envelope(document, self.key)


@dataclass
class Operator:
    """The scheme operator of a test: signs scheme documents with its own key."""

    organisations: list[Organisation] = field(default_factory=list)
    key: ECKey = field(default_factory=generate_key)
    app_manager_key: ECKey = field(default_factory=generate_key)
    omgeving: str = "test"

    @property
    def pinned(self) -> dict[str, str]:
        return public_jwk(self.key)

    def payload(self, volgnummer: int = 1, *, now: int | None = None, **changes: Any) -> dict:
        moment = int(time.time()) if now is None else now
        payload = {
            "versie": "2.0", "iss": "test-stelselbeheerder", "iat": moment,
            "exp": moment + 3600,
            "volgnummer": volgnummer, "omgeving": self.omgeving,
            "organisaties": [o.entry() for o in self.organisations],
            "app_managers": [{"id": APP_MANAGER_ID, "naam": "Test App Manager",
                              "sleutels": [{"jwk": public_jwk(self.app_manager_key),
                                            "geldig_vanaf": 0}],
                              "status": "actief"}],
            "ingetrokken_certificaten": [],
        }
        payload.update(changes)
        return payload

    def token(self, volgnummer: int = 1, *, key: ECKey | None = None, **changes: Any) -> str:
        return sign(self.payload(volgnummer, **changes), key or self.key, typ=SCHEME_TYP)
