"""The `uitfasering` configuration of a source and the headers it puts on the retired major's
responses (governance §4, /versie/oude-major-deprecation). The whole source with two majors is
played in tests/reference_impl/test_e2e_rollout.py."""

from __future__ import annotations

import datetime
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from reference_impl.common.errors import ConfigError
from reference_impl.source.retirement import RetirementHeaders, retirement_from_mapping

pytestmark = pytest.mark.anyio
GOOD = {"major": 2, "deprecation": datetime.date(2027, 6, 1), "sunset": "2028-06-01",
        "migratie_url": "https://standaard.example/vorderingen/v3-migratie"}


def test_dates_become_an_sf_date_and_an_http_date() -> None:
    retirement = retirement_from_mapping(GOOD)
    assert retirement is not None and retirement_from_mapping(None) is None
    assert retirement.headers() == {
        "deprecation": "@1811808000", "sunset": "Thu, 01 Jun 2028 00:00:00 GMT",
        "link": '<https://standaard.example/vorderingen/v3-migratie>; rel="deprecation"'}
    with_offset = retirement_from_mapping({**GOOD, "deprecation": "2027-06-01T02:00:00+02:00"})
    assert with_offset is not None and with_offset.deprecation == 1_811_808_000


@pytest.mark.parametrize(("change", "key"), [
    ({"major": "2"}, "uitfasering.major"),
    ({"major": True}, "uitfasering.major"),
    ({"deprecation": "1 juni 2027"}, "uitfasering.deprecation"),
    ({"deprecation": "2027-06-01T00:00:00"}, "uitfasering.deprecation"),  # no offset
    ({"sunset": datetime.date(2027, 6, 1)}, "uitfasering.sunset"),  # not after deprecation
    ({"migratie_url": "ftp://x"}, "uitfasering.migratie_url"),
    ({"migratie_url": "https://x.example/v3\n"}, "uitfasering.migratie_url"),  # $ before \n
    ({"extra": 1}, "uitfasering"),
])
def test_a_bad_value_names_its_key(change: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        retirement_from_mapping({**GOOD, **change})
    assert raised.value.key == key


async def test_only_the_retired_base_path_carries_the_headers() -> None:
    async def ok(_request: Any) -> PlainTextResponse:
        return PlainTextResponse("ok")

    retirement = retirement_from_mapping(GOOD)
    app = Starlette(routes=[Route("/vorderingen/v2/x", ok), Route("/vorderingen/v3/x", ok),
                            Route("/vorderingen/v20/x", ok)],
                    middleware=[Middleware(RetirementHeaders, base_path="/vorderingen/v2",
                                           retirement=retirement)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://bron") as client:
        for path, retired in (("/vorderingen/v2/x", True), ("/vorderingen/v2/onbekend", True),
                              ("/vorderingen/v3/x", False), ("/vorderingen/v20/x", False)):
            response = await client.get(path)
            assert ("deprecation" in response.headers) is retired, path
            assert ("sunset" in response.headers) is retired, path
