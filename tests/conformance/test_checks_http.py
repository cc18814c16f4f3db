"""The API Design Rules probes proven both ways: each passes on the gallery's correct source and
fails, naming its rule and the cause, on a source with that one defect."""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import warnings
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from conformance import runner
from conformance.actors import Actors
from conformance.checks import http, transport
from conformance.context import CheckContext, Target
from conformance.model import Outcome
from tests.conformance.gallery_harness import (
    CORRECT_SOURCES,
    OIN,
    Federation,
    Rewrite,
    assert_passes,
    build,
    check_id,
    problem,
    rewrite_json,
    run,
    session_body_answered,
    without,
)

CHECKS = [
    http.configuratie_public,
    http.configuratie_valid,
    http.diensten_match_operations,
    http.api_version_on_success,
    http.api_version_on_errors,
    http.unknown_path_not_found,
    http.wrong_method_refused,
    http.errors_are_problem_documents,
    http.problem_documents_valid,
    http.trailing_slash_not_served,
    http.cors_on_responses,
    http.cors_on_authenticated_answers,
    http.cors_preflight_answered,
    http.security_headers_present,
    http.authenticated_answers_not_stored,
    transport.https_with_hsts,
    http.non_json_body_refused,
    http.malformed_json_refused,
    http.schema_breaking_body_refused,
    http.bad_requests_never_5xx,
]


def overview_cacheable(fed: Federation):
    return rewrite_json(fed.source(), "GET", "/vorderingenoverzicht", lambda _s, _b: None,
                        headers=lambda h: [*without(h, "cache-control"),
                                           ("cache-control", "private, max-age=60")])


CORS_HEADERS = ("access-control-allow-origin", "access-control-expose-headers")
SECURITY_HEADERS = ("x-content-type-options", "referrer-policy", "content-security-policy")


def overview_headers_changed(status: int, change):
    """A source whose `status` answers to GET /vorderingenoverzicht `change` alters the
    headers of (the header middleware skipped on that path)."""
    def factory(fed: Federation):
        def response(code, headers, body):
            return code, (change(headers) if code == status else headers), body
        return Rewrite(fed.source(), method="GET", path="/vorderingenoverzicht",
                       response=response)
    return factory


def _drop(*names):
    return lambda headers: without(headers, *names)


def _with_credentials(headers):
    return [*headers, ("access-control-allow-credentials", "true")]


def no_hsts(fed: Federation):
    return rewrite_json(fed.source(), "GET", "/configuratie", lambda _s, _b: None,
                        headers=lambda h: without(h, "strict-transport-security"))


def crashes_on_ill_typed_members(fed: Federation):
    """A source whose session handler crashes on members of the wrong type (500)."""
    def when(body):
        if isinstance(body, dict) and not all(isinstance(v, str) for v in body.values()):
            return problem(500, "algemeen/interne-fout")
        return None

    return session_body_answered(fed, when)


def configuratie_as_text(fed: Federation):
    """A source serving its configuration as text/plain (a source that refuses it without a
    credential cannot be run at all: the runner stops with exit code 3)."""
    return rewrite_json(fed.source(), "GET", "/configuratie", lambda _s, _b: None,
                        headers=lambda h: [*without(h, "content-type"),
                                           ("content-type", "text/plain")])


def overview_problem_changed(change):
    def factory(fed: Federation):
        def edit(status, body):
            if status == 401:
                change(body)
        return rewrite_json(fed.source(), "GET", "/vorderingenoverzicht", edit)
    return factory


def configuratie_changed(change):
    """A source whose /configuratie `change` alters."""
    def factory(fed: Federation):
        return rewrite_json(fed.source(), "GET", "/configuratie", lambda _s, body: change(body))
    return factory


def hulpvragen_unlisted(fed: Federation):
    """A source that serves hulpvragen but does not list it in diensten."""
    def edit(_status, body):
        body["diensten"].remove("hulpvragen")
        body["minimaal_betrouwbaarheidsniveau"].pop("hulpvragen", None)
    return rewrite_json(fed.source(), "GET", "/configuratie", edit)


BROKEN = [
    (http.wrong_method_refused, "geen-allow-header", "/http/methode-niet-toegestaan",
     "Allow is None"),
    (http.problem_documents_valid, "probleem-zonder-detail", "/http/probleem",
     "'detail' is a required property"),
    (http.diensten_match_operations, "dienst-niet-vermeld", "/configuratie/diensten",
     "expected problem 404 algemeen/dienst-niet-aangeboden"),
    (http.unknown_path_not_found, "auth-voor-routering", "/http/niet-gevonden",
     "expected HTTP 404, got 401"),
    (http.configuratie_public, configuratie_as_text, "/configuratie/publiek",
     "content-type is 'text/plain'"),
    (http.configuratie_valid, configuratie_changed(lambda b: b.update(api_versie="2.0.0")),
     "/configuratie/schema-open", "/api_versie: '2.0.0' does not match"),
    (http.configuratie_valid, configuratie_changed(lambda b: b.pop("contact")),
     "/configuratie/schema-open", "'contact' is a required property"),
    (http.diensten_match_operations, hulpvragen_unlisted, "/configuratie/diensten",
     "expected problem 404 algemeen/dienst-niet-aangeboden"),
    (http.errors_are_problem_documents,
     overview_problem_changed(lambda b: b.update(type="about:blank")), "/http/problem-details",
     "type 'about:blank'"),
    (http.problem_documents_valid, overview_problem_changed(lambda b: b.pop("detail")),
     "/http/probleem", "'detail' is a required property"),
    (http.bad_requests_never_5xx, "5xx-bij-fout-verzoek", "/http/geen-5xx-bij-fout-verzoek",
     "answered 500"),
    (http.api_version_on_success, "geen-api-version", "/http/api-version-header",
     "API-Version is None"),
    (http.api_version_on_errors, "geen-api-version", "/http/api-version-header",
     "on a 404 answer"),
    (http.unknown_path_not_found, "geen-problem-json", "/http/problem-details",
     "content-type 'text/plain'"),
    (http.wrong_method_refused, "geen-problem-json", "/http/problem-details",
     "content-type 'text/plain'"),
    (http.trailing_slash_not_served, "trailing-slash-geaccepteerd", "/http/geen-trailing-slash",
     "/configuratie/ is answered 200"),
    (http.cors_on_responses, "geen-cors", "/http/cors", "Access-Control-Allow-Origin is None"),
    (http.cors_on_responses, overview_headers_changed(401, _drop(*CORS_HEADERS)), "/http/cors",
     "Access-Control-Allow-Origin is None on a 401 answer"),
    (http.cors_on_responses, overview_headers_changed(401, _with_credentials), "/http/cors",
     "Access-Control-Allow-Credentials is 'true' on a 401 answer"),
    (http.cors_on_authenticated_answers, "geen-cors", "/http/cors",
     "Access-Control-Allow-Origin is None on a 200 answer"),
    (http.cors_on_authenticated_answers, overview_headers_changed(200, _drop(*CORS_HEADERS)),
     "/http/cors", "Access-Control-Allow-Origin is None on a 200 answer"),
    (http.cors_on_authenticated_answers, overview_headers_changed(200, _with_credentials),
     "/http/cors", "Access-Control-Allow-Credentials is 'true' on a 200 answer"),
    (http.cors_preflight_answered, "geen-cors", "/http/cors", "expected HTTP 204, got 405"),
    (http.security_headers_present, "geen-nosniff", "/http/security-headers",
     "'x-content-type-options': None"),
    (http.security_headers_present, overview_headers_changed(401, _drop(*SECURITY_HEADERS)),
     "/http/security-headers", "on a 401 answer: {'x-content-type-options': None"),
    (http.authenticated_answers_not_stored, overview_cacheable, "/http/security-headers",
     "expected no-store"),
    (http.authenticated_answers_not_stored,
     overview_headers_changed(200, _drop(*SECURITY_HEADERS)), "/http/security-headers",
     "on a 200 answer: {'x-content-type-options': None"),
    (transport.https_with_hsts, no_hsts, "/http/https", "Strict-Transport-Security is ''"),
    (http.non_json_body_refused, "mediatype-niet-gecontroleerd", "/http/json",
     "expected problem 415 verzoek/mediatype-niet-ondersteund; got status 400"),
    (http.malformed_json_refused, "5xx-bij-fout-verzoek", "/http/geen-5xx-bij-fout-verzoek",
     "answered 500"),
    (http.schema_breaking_body_refused, crashes_on_ill_typed_members,
     "/http/geen-5xx-bij-fout-verzoek", "answered 500"),
    (http.schema_breaking_body_refused, "onbekende-velden-geaccepteerd",
     "/http/ongeldige-invoer-geweigerd", "expected problem 400 verzoek/ongeldig"),
]


@pytest.mark.anyio
@pytest.mark.parametrize("correct", sorted(CORRECT_SOURCES))
@pytest.mark.parametrize("fn", CHECKS, ids=check_id)
async def test_passes_on_correct_source(fn, correct, suite_keys):
    await assert_passes(fn, correct, suite_keys)


@pytest.mark.anyio
@pytest.mark.parametrize(("fn", "broken_source", "rule", "fragment"), BROKEN, ids=check_id)
async def test_fails_on_broken_source(fn, broken_source, rule, fragment, suite_keys):
    fed = Federation(suite_keys)
    result = await run(fn, build(fed, broken_source), fed)
    assert result.outcome is Outcome.FAILED, result.message
    assert (result.rule, fragment in result.message) == (rule, True), result.message


def test_every_http_check_is_proven_broken():
    assert {fn for fn, *_ in BROKEN} == set(CHECKS)


@pytest.mark.anyio
async def test_plain_http_on_a_public_host_fails(suite_keys):
    fed = Federation(suite_keys)
    result = await run(transport.https_with_hsts, fed.source(), fed,
                       base_url="http://bron.gemeente.example")
    assert result.outcome is Outcome.FAILED
    assert "plain HTTP on a non-loopback host" in result.message


@pytest.mark.anyio
@pytest.mark.parametrize("base_url", ["http://127.0.0.1:8000", "http://localhost:8000",
                                      "http://[::1]:8000"])
async def test_plain_http_on_loopback_is_skipped(base_url, suite_keys):
    fed = Federation(suite_keys)
    result = await run(transport.https_with_hsts, fed.source(), fed, base_url=base_url)
    assert result.outcome is Outcome.SKIPPED
    assert "loopback" in result.message


@pytest.mark.anyio
async def test_trailing_slash_404_in_plain_text_is_a_problem_details_finding(suite_keys):
    """A plain-text 404 for /configuratie/ keeps the trailing-slash rule; the finding names
    the rule actually broken."""
    fed = Federation(suite_keys)
    result = await run(http.trailing_slash_not_served, fed.source("geen-problem-json"), fed)
    assert result.outcome is Outcome.FAILED
    assert result.rule == "/http/problem-details"


# --- TLS versions, against real TLS listeners on loopback ----------------------------------------


@pytest.fixture
def server_certificate(tmp_path):
    """A self-signed P-256 certificate for 127.0.0.1 in a temp dir: (cert path, key path)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=1)).not_valid_after(now + timedelta(hours=1))
            .sign(key, hashes.SHA256()))
    cert_path, key_path = tmp_path / "server.pem", tmp_path / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@contextlib.asynccontextmanager
async def tls_listener(certificate, minimum, maximum=ssl.TLSVersion.MAXIMUM_SUPPORTED):
    """A loopback TLS listener accepting exactly `minimum`…`maximum`; yields its port."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*certificate)
        context.set_ciphers("DEFAULT:@SECLEVEL=0")
        context.minimum_version, context.maximum_version = minimum, maximum

    async def close(_reader, writer):
        writer.close()

    server = await asyncio.start_server(close, "127.0.0.1", 0, ssl=context)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        await server.wait_closed()


async def run_transport(fn, port, suite_keys):
    target = Target(base_url=f"https://127.0.0.1:{port}", oin=OIN, timeout_s=5.0)
    ctx = CheckContext(target, client=httpx.AsyncClient(), config={}, scheme={},
                       actors=Actors(suite_keys, target_oin=OIN), keys=suite_keys)
    try:
        return await runner.run_check(ctx, fn, 30.0)
    finally:
        await ctx.aclose()


def _tls1():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return ssl.TLSVersion.TLSv1


@pytest.mark.live
@pytest.mark.anyio
@pytest.mark.parametrize(("minimum", "maximum", "fn", "outcome", "fragment"), [
    ("TLSv1_2", "MAXIMUM_SUPPORTED", transport.old_tls_refused, Outcome.PASSED, ""),
    ("TLSv1", "MAXIMUM_SUPPORTED", transport.old_tls_refused, Outcome.FAILED,
     "completed a TLS 1.0 handshake"),
    ("TLSv1_2", "MAXIMUM_SUPPORTED", transport.tls13_offered, Outcome.PASSED, ""),
    ("TLSv1_2", "TLSv1_2", transport.tls13_offered, Outcome.FAILED, "TLS 1.3 handshake failed"),
])
async def test_tls_versions(minimum, maximum, fn, outcome, fragment, server_certificate,
                            suite_keys):
    low = _tls1() if minimum == "TLSv1" else ssl.TLSVersion[minimum]
    async with tls_listener(server_certificate, low, ssl.TLSVersion[maximum]) as port:
        result = await run_transport(fn, port, suite_keys)
    assert result.outcome is outcome, result.message
    assert fragment in result.message


@pytest.mark.anyio
@pytest.mark.parametrize("fn", [transport.old_tls_refused, transport.tls13_offered], ids=check_id)
async def test_tls_checks_skip_plain_http(fn, suite_keys):
    fed = Federation(suite_keys)
    result = await run(fn, fed.source(), fed, base_url="http://127.0.0.1:8000")
    assert result.outcome is Outcome.SKIPPED
    assert "not an HTTPS endpoint" in result.message


@pytest.mark.anyio
async def test_diensten_check_passes_on_a_source_offering_only_the_overview(suite_keys):
    fed = Federation(suite_keys)
    app = fed.source(diensten=("vorderingenoverzicht",))
    result = await run(http.diensten_match_operations, app, fed)
    assert result.outcome is Outcome.PASSED, result.message
