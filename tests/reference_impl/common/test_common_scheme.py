"""The scheme document, format 2: the verifier with a pinned key set and its code-checked
rules, the lookups of `Scheme` (endpoints, key entries with windows), and `SchemeSource`,
which loads it from a file or over HTTP (with ETag), refreshes it, and keeps the last good
document until it expires when a newer one fails."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from reference_impl.common.errors import SchemeUnavailable, StateFileError, TokenError
from reference_impl.common.jose import generate_key, public_jwk, sign
from reference_impl.common.scheme import (
    TYP,
    FileVolgnummer,
    MemoryVolgnummer,
    Scheme,
    SchemeSource,
    SchemeVerifier,
    key_entry,
)

pytestmark = pytest.mark.anyio
NOW = 1_767_225_600
MANAGER_OLD, MANAGER_NEW = generate_key(), generate_key()
APP_MANAGER = {"id": "am", "naam": "AM", "status": "actief",
               "api_url": "https://am.example/app-manager/v2",
               "sleutels": [key_entry(public_jwk(MANAGER_OLD), 0, geldig_tot=NOW - 600),
                            key_entry(public_jwk(MANAGER_NEW), NOW - 900)]}
OIN = "00000001001234567000"


def organisation(**changes) -> dict:
    return {"oin": OIN, "naam": "Gemeente", "soort": "gemeente",
            "eindpunten": [{"api_url": "https://api.gemeente.example/vorderingen/v2", "major": 2},
                           {"api_url": "https://api.gemeente.example/vorderingen/v3", "major": 3}],
            "sleutels": [key_entry(public_jwk(generate_key()), 0)],
            "diensten": ["vorderingenoverzicht"], "status": "actief", **changes}


class Clock:
    def __init__(self) -> None:
        self.now = float(NOW)

    def __call__(self) -> float:
        return self.now


def scheme_token(key, volgnummer: int, iat: int = NOW, typ: str = TYP, **changes) -> str:
    claims = {"versie": "2.0", "iss": "test", "iat": iat, "exp": iat + 3600,
              "volgnummer": volgnummer, "omgeving": "test", "organisaties": [organisation()],
              "app_managers": [APP_MANAGER],
              "ingetrokken_certificaten": ["5b0b6f0e-3f43-4a43-9d4c-1c1f7a3b9e01"], **changes}
    return sign(claims, key, typ=typ)


async def test_file_source_refreshes_and_keeps_the_last_good(tmp_path: Path) -> None:
    key, clock = generate_key(), Clock()
    path = tmp_path / "stelsel.jwt"
    path.write_text(scheme_token(key, 2))
    state = FileVolgnummer(tmp_path / "volgnummer")
    source = SchemeSource(path, SchemeVerifier(public_jwk(key), "test", state), clock=clock,
                          refresh_s=300)
    scheme = await source.current()
    assert scheme.payload["volgnummer"] == 2 and state.highest() == 2
    assert scheme.trusted_app_manager("am") is not None and scheme.app_manager("x") is None
    assert scheme.is_revoked("5b0b6f0e-3f43-4a43-9d4c-1c1f7a3b9e01")

    path.write_text(scheme_token(key, 1))  # a rollback: refused, the last good one stays
    clock.now += 301
    assert (await source.current()).payload["volgnummer"] == 2
    path.write_text(scheme_token(key, 3, iat=NOW + 301))
    clock.now += 301
    assert (await source.current()).payload["volgnummer"] == 3
    path.write_text("kapot")
    clock.now += 3600  # the last good one (volgnummer 3) has expired by now
    with pytest.raises(SchemeUnavailable):
        await source.current()


async def test_http_source_uses_the_etag(tmp_path: Path) -> None:
    key, clock = generate_key(), Clock()
    body = scheme_token(key, 1).encode()
    etag = '"' + hashlib.sha256(body).hexdigest() + '"'
    seen: list[str | None] = []

    async def stelseldocument(request: Request) -> Response:
        seen.append(request.headers.get("if-none-match"))
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(body, media_type="application/jose", headers={"ETag": etag})

    app = Starlette(routes=[Route("/stelsel/v2/stelseldocument", stelseldocument)])
    source = SchemeSource("http://stelsel.test/stelsel/v2/stelseldocument",
                          SchemeVerifier(public_jwk(key), "test", MemoryVolgnummer()),
                          clock=clock, transport=httpx.ASGITransport(app=app))
    assert (await source.current()).payload["volgnummer"] == 1
    clock.now += 301
    assert (await source.current()).payload["volgnummer"] == 1
    assert seen == [None, etag]


async def test_unreachable_scheme_is_unavailable() -> None:
    key = generate_key()
    source = SchemeSource("http://127.0.0.1:9/stelseldocument",
                          SchemeVerifier(public_jwk(key), "test"), timeout_s=0.5)
    with pytest.raises(SchemeUnavailable):
        await source.current()


def verify(token: str, pinned) -> dict:
    return SchemeVerifier(pinned, "test").verify(token, now=NOW)


def code_of(token: str, pinned) -> str:
    with pytest.raises(TokenError) as refused:
        verify(token, pinned)
    return refused.value.code


def test_the_pinned_set_accepts_a_document_signed_by_its_second_key() -> None:
    current, following, stranger = generate_key(), generate_key(), generate_key()
    pinned = [public_jwk(current), public_jwk(following)]
    assert verify(scheme_token(following, 1), pinned)["volgnummer"] == 1
    assert verify(scheme_token(current, 1), pinned)["volgnummer"] == 1
    assert code_of(scheme_token(stranger, 1), pinned) == "stelsel/sleutel-onbekend"
    assert verify(scheme_token(current, 1), public_jwk(current))  # 1.0 config: a set of one
    with pytest.raises(ValueError, match="1 tot 5"):
        SchemeVerifier([public_jwk(generate_key()) for _ in range(6)], "test")


@pytest.mark.parametrize(("changes", "code"), [
    ({"versie": "3.0"}, "stelsel/versie-niet-ondersteund"),
    ({"versie": "1.0.0"}, "stelsel/versie-niet-ondersteund"),
    ({"versie": 2}, "stelsel/claims-ongeldig"),
    ({"versie": "2.01"}, "stelsel/claims-ongeldig"),
    ({"organisaties": [organisation(), organisation(oin="00000001009999999000")]},
     "stelsel/claims-ongeldig"),  # the same api_urls twice
    ({"organisaties": [organisation(eindpunten=[
        {"api_url": "https://api.gemeente.example/vorderingen/v2", "major": 2},
        {"api_url": "https://api.gemeente.example/v2-bis", "major": 2}])]},
     "stelsel/claims-ongeldig"),  # two endpoints for one major
    ({"app_managers": [{**APP_MANAGER,
                        "api_url": "https://api.gemeente.example/vorderingen/v2"}]},
     "stelsel/claims-ongeldig"),  # an App Manager at an organisation's api_url
    ({"organisaties": [organisation(sleutels=[key_entry(
        {**public_jwk(generate_key()), "kid": public_jwk(generate_key())["kid"]}, 0)])]},
     "stelsel/claims-ongeldig"),  # a kid that is not the thumbprint
    ({"uitbreidingen": {"2.1": {"nieuw": True}}, "versie": "2.1"}, None),
])
def test_versie_and_the_code_checked_rules(changes: dict, code: str | None) -> None:
    key = generate_key()
    token = scheme_token(key, 1, **changes)
    if code is None:
        assert verify(token, [public_jwk(key)])["versie"] == "2.1"
    else:
        assert code_of(token, [public_jwk(key)]) == code


def test_a_document_of_the_first_format_is_the_wrong_type() -> None:
    key = generate_key()
    assert code_of(scheme_token(key, 1, typ="stelsel+jwt"), [public_jwk(key)]) == (
        "stelsel/verkeerd-type")


def test_scheme_lookups() -> None:
    key = generate_key()
    token = scheme_token(key, 1)
    scheme = Scheme(verify(token, [public_jwk(key)]), token)
    v2, v3 = (f"https://api.gemeente.example/vorderingen/v{n}" for n in (2, 3))
    assert scheme.api_url(OIN) == v2 and scheme.api_url(OIN, 3) == v3
    assert scheme.api_url(OIN, 4) is None and scheme.api_url("00000001009999999000") is None
    organisation_entry, endpoint = scheme.endpoint(v3)
    assert organisation_entry["oin"] == OIN and endpoint["major"] == 3
    assert scheme.endpoint(v2 + "/") is None
    manager = scheme.app_manager("am")
    old_kid = public_jwk(MANAGER_OLD)["kid"]
    assert scheme.key_entry(manager, old_kid)["geldig_tot"] == NOW - 600
    assert scheme.key_entry(manager, "onbekend") is None
    # The App Manager's retired key may have signed a certificate issued before it retired
    # (+ skew), never one issued after; the new key only from its geldig_vanaf (− skew).
    assert scheme.app_manager_keys("am", NOW - 3600) == [public_jwk(MANAGER_OLD)]
    assert scheme.app_manager_keys("am", NOW - 580) == [public_jwk(MANAGER_OLD),
                                                        public_jwk(MANAGER_NEW)]
    assert scheme.app_manager_keys("am", NOW) == [public_jwk(MANAGER_NEW)]
    assert scheme.app_manager_keys("onbekend", NOW) == []


async def test_without_a_valid_document_the_source_retries_soon(tmp_path: Path) -> None:
    key, clock = generate_key(), Clock()
    path = tmp_path / "stelsel.jwt"
    path.write_text("nog-niet")
    source = SchemeSource(path, SchemeVerifier(public_jwk(key), "test"), clock=clock,
                          refresh_s=300, retry_s=10)
    with pytest.raises(SchemeUnavailable):
        await source.current()
    path.write_text(scheme_token(key, 1))
    clock.now += 5
    with pytest.raises(SchemeUnavailable):  # not yet: within the retry interval
        await source.current()
    clock.now += 5
    assert (await source.current()).payload["volgnummer"] == 1


@pytest.mark.parametrize("content", [b"garbage", b"1796\xff", b"", b" 12", b"-5", b"\xd9\xa5",
                                     b"1_000", b"12\n\n"])
def test_a_corrupt_volgnummer_file_fails_closed_and_is_kept(tmp_path: Path,
                                                           content: bytes) -> None:
    """/app/volgnummer-bewaard, /stelsel/volgnummer-bewaard: never read as 0, never replaced."""
    path = tmp_path / "volgnummer"
    path.write_bytes(content)
    store = FileVolgnummer(path)
    with pytest.raises(StateFileError, match="volgnummer") as refused:
        store.highest()
    assert str(path) in str(refused.value) and "\n" not in str(refused.value)
    with pytest.raises(StateFileError):
        store.remember(1)
    with pytest.raises(StateFileError):  # the verifier refuses even a higher document
        SchemeVerifier(public_jwk(key := generate_key()), "test", store).verify(
            scheme_token(key, 5), now=NOW)
    assert path.read_bytes() == content


def test_a_volgnummer_path_that_is_a_directory_or_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "map").mkdir()
    with pytest.raises(StateFileError, match="dat is een map"):
        FileVolgnummer(tmp_path / "map").highest()
    (tmp_path / "bestand").write_text("")
    with pytest.raises(StateFileError, match="niet lezen"):
        FileVolgnummer(tmp_path / "bestand" / "volgnummer").highest()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")
def test_a_volgnummer_directory_that_cannot_be_made_is_named() -> None:
    blocked = FileVolgnummer(Path("/proc/geen-map/volgnummer"))
    assert blocked.highest() == 0
    with pytest.raises(StateFileError, match=r"kan /proc/geen-map/volgnummer .*niet schrijven"):
        blocked.remember(3)


def test_a_missing_volgnummer_file_is_nothing_accepted_yet(tmp_path: Path) -> None:
    store = FileVolgnummer(tmp_path / "nieuw" / "volgnummer")
    assert store.highest() == 0
    store.remember(7)
    assert store.highest() == 7 and store.path.read_text() == "7\n"
    assert [p.name for p in store.path.parent.iterdir()] == ["volgnummer"]


async def test_a_source_keeps_its_last_good_document_when_the_volgnummer_file_breaks(
        tmp_path: Path) -> None:
    key, clock = generate_key(), Clock()
    path, state = tmp_path / "stelsel.jwt", FileVolgnummer(tmp_path / "volgnummer")
    path.write_text(scheme_token(key, 2))
    source = SchemeSource(path, SchemeVerifier(public_jwk(key), "test", state), clock=clock,
                          refresh_s=300)
    assert (await source.current()).payload["volgnummer"] == 2
    state.path.write_text("kapot")
    path.write_text(scheme_token(key, 3, iat=NOW + 301))
    clock.now += 301
    assert (await source.current()).payload["volgnummer"] == 2  # nothing new accepted
    assert state.path.read_text() == "kapot"
