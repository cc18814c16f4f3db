"""Test support for the scheme operator: keys, descriptions, a fake App Manager that
publishes a revocation list, and openapi-core validation against spec/openapi/stelsel.yaml."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from clock_support import FakeClock
from joserfc.jwk import ECKey
from openapi_support import openapi, validate_exchange
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_impl.common.jose import generate_key, public_jwk, sign
from reference_impl.scheme.config import SchemeServiceConfig
from reference_impl.scheme.description import SchemeDescription, description_from_mapping
from reference_impl.scheme.signing import create_operator_key

MANAGER_ID = "test-app-manager"
MANAGER_URL = "http://127.0.0.1:8002/app-manager/v2"
OIN = "00000001001234567000"


def organisation(key: ECKey, **changes: Any) -> dict[str, Any]:
    return {"oin": OIN, "naam": "Gemeente Voorbeeldstad", "soort": "gemeente",
            "api_url": "http://127.0.0.1:8001/vorderingen/v2", "sleutels": [public_jwk(key)],
            "diensten": ["vorderingenoverzicht", "hulpvragen"], **changes}


def description(source_key: ECKey, manager_key: ECKey, **changes: Any) -> SchemeDescription:
    return description_from_mapping({
        "iss": "test-stelselbeheerder", "omgeving": "test",
        "organisaties": [organisation(source_key)],
        "app_managers": [{"id": MANAGER_ID, "naam": "Test App Manager", "api_url": MANAGER_URL,
                          "sleutels": [public_jwk(manager_key)]}],
        **changes,
    })


def service_config(tmp_path: Path, desc: SchemeDescription) -> tuple[SchemeServiceConfig, Path]:
    """A config with a fresh operator key in tmp_path; returns it and the public key file."""
    private, public = create_operator_key(tmp_path / "stelsel")
    return SchemeServiceConfig(description=desc, key_file=private,
                               state_dir=tmp_path / "stelsel"), public


@dataclass
class FakeAppManager:
    """Publishes `GET /app-manager/v2/intrekkingen`, a list signed with `key` (or refuses)."""

    clock: FakeClock
    key: ECKey = field(default_factory=generate_key)
    revoked: list[str] = field(default_factory=list)
    iss: str = MANAGER_ID
    lifetime_s: int = 86_400
    status: int = 200

    def token(self) -> str:
        now = int(self.clock())
        return sign({"iss": self.iss, "iat": now, "exp": now + self.lifetime_s,
                     "ingetrokken": self.revoked}, self.key, typ="intrekkingenlijst+jwt")

    def app(self) -> Starlette:
        async def intrekkingen(_request: Request) -> Response:
            if self.status != 200:
                return Response(status_code=self.status)
            return Response(self.token(), media_type="application/jose")

        return Starlette(routes=[Route("/app-manager/v2/intrekkingen", intrekkingen)])

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app()))


# --- openapi-core ----------------------------------------------------------------------------


def validate_stelsel(response: httpx.Response) -> None:
    """Request and response checked against spec/openapi/stelsel.yaml."""
    validate_exchange(openapi("stelsel"), response)


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))
