"""The three OpenAPI documents of the standard are valid, complete and agree with interface.md.

Every `$ref` resolves from disk (no network), every example validates against its schema with
format checking, every error is a problem document listing its codes, and the operations,
links and headers are the ones other parts of the project rely on.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urldefrag, urlencode, urljoin

import pytest
import vector_verifier as vv
import yaml
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from jsonschema import Draft202012Validator
from openapi_core import Config, OpenAPI
from openapi_core.deserializing.media_types.util import json_loads, plain_loads
from openapi_core.testing import MockRequest, MockResponse
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

SPEC_DIR = Path(__file__).resolve().parents[2] / "spec"
OPENAPI_DIR = SPEC_DIR / "openapi"
SCHEMA_DIR = SPEC_DIR / "schemas"
SCHEMA_BASE = "https://vorderingen.example/schemas/"
DOCUMENTS = ("bron.yaml", "app-manager.yaml", "stelsel.yaml")
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
PROBLEM_JSON = "application/problem+json"
PROBLEM_CODE = re.compile(r"^[a-z]+(/[a-z0-9-]+)+$")
COMPACT_JWS = re.compile(r"^(eyJ[A-Za-z0-9_-]+)\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{86})$")

# spec/interface.md, the operation tables: (method, path) -> (operationId, success status).
INTERFACE = {
    "bron.yaml": {
        ("get", "/openapi.json"): ("getOpenapiDocument", "200"),
        ("get", "/configuratie"): ("getConfiguratie", "200"),
        ("post", "/sessies/uitdagingen"): ("createUitdaging", "201"),
        ("post", "/sessies"): ("createSessie", "201"),
        ("delete", "/sessies/huidige"): ("deleteHuidigeSessie", "204"),
        ("get", "/vorderingenoverzicht"): ("getVorderingenoverzicht", "200"),
        ("post", "/betalingsregelingen/voorstellen"): ("createBetalingsregelingVoorstel", "201"),
        ("post", "/betalingsregelingen"): ("createBetalingsregeling", "201"),
        ("get", "/betalingsregelingen"): ("listBetalingsregelingen", "200"),
        ("get", "/betalingsregelingen/{betalingsregeling_id}"): ("getBetalingsregeling", "200"),
        ("delete", "/betalingsregelingen/{betalingsregeling_id}"): (
            "deleteBetalingsregeling", "204"),
        # since 2.2: the two-phase agreement
        ("post", "/betalingsregelingen/reserveringen"): ("createReservering", "201"),
        ("get", "/betalingsregelingen/reserveringen/{reservering_id}"): ("getReservering", "200"),
        ("delete", "/betalingsregelingen/reserveringen/{reservering_id}"): (
            "deleteReservering", "204"),
        ("post", "/betalingsregelingen/reserveringen/{reservering_id}/bevestiging"): (
            "bevestigReservering", "201"),
        ("post", "/pauzes"): ("createPauze", "201"),
        ("get", "/pauzes"): ("listPauzes", "200"),
        ("get", "/pauzes/{pauze_id}"): ("getPauze", "200"),
        ("delete", "/pauzes/{pauze_id}"): ("deletePauze", "204"),
        ("post", "/hulpvragen"): ("createHulpvraag", "201"),
        ("get", "/testklok"): ("getTestklok", "200"),
        ("put", "/testklok"): ("zetTestklok", "200"),
    },
    "app-manager.yaml": {
        ("get", "/openapi.json"): ("getOpenapiDocument", "200"),
        ("post", "/registraties"): ("createRegistratie", "201"),
        ("get", "/registraties/{registratie_id}/inloggen"): ("startInloggen", "200"),
        ("post", "/registraties/{registratie_id}/inloggen"): ("kiesInloggen", "302"),
        ("get", "/inloggen/terugkeer"): ("inlogTerugkeer", "302"),
        ("post", "/certificaten"): ("createCertificaat", "201"),
        ("post", "/intrekkingen"): ("createIntrekking", "201"),
        ("get", "/intrekkingen"): ("getIntrekkingenlijst", "200"),
        ("get", "/burger"): ("getBurgerStart", "200"),
        ("post", "/burger/inloggen"): ("startBurgerInloggen", "302"),
        ("get", "/burger/certificaten"): ("getBurgerCertificaten", "200"),
        ("post", "/burger/intrekkingen"): ("createBurgerIntrekkingen", "303"),
    },
    "stelsel.yaml": {
        ("get", "/openapi.json"): ("getOpenapiDocument", "200"),
        ("get", "/stelseldocument"): ("getStelseldocument", "200"),
    },
}
VERSION = "2.2.0"
SERVERS = {"bron.yaml": "/vorderingen/v2", "app-manager.yaml": "/app-manager/v2",
           "stelsel.yaml": "/stelsel/v2"}
# Pages for people (HTML answers, form posts) exist only on the App Manager.
HTML = "text/html"
FORM = "application/x-www-form-urlencoded"
# typ of a signed example -> the JSON Schema of its claims
CLAIM_SCHEMAS = {
    "stelsel-v2+jwt": "stelseldocument.schema.json",
    "app-certificaat+jwt": "app-certificaat.schema.json",
    "sessie-bewijs+jwt": "sessie-bewijs.schema.json",
    "certificaat-aanvraag+jwt": "certificaat-aanvraag.schema.json",
    "intrekking-verzoek+jwt": "intrekking-verzoek.schema.json",
    "intrekkingenlijst+jwt": "intrekkingenlijst.schema.json",
    "verzoek-bewijs+jwt": "verzoek-bewijs.schema.json",
}


# --------------------------------------------------------------------------- loading and refs


@cache
def load(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)


def uri_to_path(uri: str) -> Path:
    """Map a schema `$id` or a file URI inside spec/ to its file; anything else is refused."""
    if uri.startswith(SCHEMA_BASE):
        return SCHEMA_DIR / uri.removeprefix(SCHEMA_BASE)
    if uri.startswith("file://"):
        path = Path(uri.removeprefix("file://")).resolve()
        if SPEC_DIR in path.parents:
            return path
    raise NoSuchResource(ref=uri)


def retrieve(uri: str) -> Resource:
    path = uri_to_path(uri)
    if not path.is_file():
        raise NoSuchResource(ref=uri)
    return Resource.from_contents(load(path), default_specification=DRAFT202012)


REGISTRY: Registry = Registry(retrieve=retrieve)  # type: ignore[call-arg]


def base_of(path: Path) -> str:
    document = load(path)
    if isinstance(document, dict) and isinstance(document.get("$id"), str):
        return document["$id"]
    return path.as_uri()


def pointer(parts: tuple[Any, ...]) -> str:
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def follow(base: str, ref: str) -> tuple[Path, Any]:
    """Resolve `ref` against `base` to (file, value); raises KeyError/IndexError when it dangles."""
    target, fragment = urldefrag(urljoin(base, ref))
    path = uri_to_path(target)
    value = load(path)
    if fragment:
        assert fragment.startswith("/"), f"only JSON pointer fragments are used: {ref}"
        for segment in fragment[1:].split("/"):
            segment = segment.replace("~1", "/").replace("~0", "~")
            value = value[int(segment)] if isinstance(value, list) else value[segment]
    return path, value


def deref(document: str, node: Any) -> Any:
    """Follow local `$ref`s of an OpenAPI object (parameter, response, header, example)."""
    while isinstance(node, dict) and "$ref" in node:
        node = follow((OPENAPI_DIR / document).as_uri(), node["$ref"])[1]
    return node


def walk(node: Any, parts: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    yield parts, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from walk(value, (*parts, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from walk(value, (*parts, index))


def is_literal(parts: tuple[Any, ...]) -> bool:
    """Inside a literal example value, where `$ref` is data, not a reference."""
    return any(p == "example" for p in parts) or any(
        a == "examples" and c == "value" for a, c in zip(parts, parts[2:], strict=False)
    )


def operations(document: str) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in load(OPENAPI_DIR / document)["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def responses(document: str) -> Iterator[tuple[str, str, str, dict[str, Any]]]:
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            yield f"{method.upper()} {path}", str(status), method, deref(document, response)


def schema_validator(document: str, parts: tuple[Any, ...]) -> Draft202012Validator:
    """A validator for the schema at `parts` of `document`, refs resolved from disk."""
    uri = (OPENAPI_DIR / document).as_uri() + "#" + quote(pointer(parts), safe="/~")
    return Draft202012Validator(
        {"$ref": uri}, registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER
    )


def examples_of(document: str, parts: tuple[Any, ...], holder: dict) -> Iterator[tuple[str, Any]]:
    if "example" in holder:
        yield pointer(parts) + "/example", holder["example"]
    for name, example in holder.get("examples", {}).items():
        yield pointer(parts) + f"/examples/{name}", deref(document, example)["value"]


def all_examples(document: str) -> Iterator[tuple[str, tuple[Any, ...], Any]]:
    """(where, schema location, example) for media types, parameters, headers and schemas."""
    root = load(OPENAPI_DIR / document)
    for parts, node in walk(root):
        if not isinstance(node, dict) or is_literal(parts):
            continue
        parent = parts[-2] if len(parts) > 1 else None
        if parent in ("content", "headers", "parameters") and "schema" in node:
            for where, value in examples_of(document, parts, node):
                yield where, (*parts, "schema"), value
        if parent in ("schemas", "properties") and isinstance(node.get("examples"), list):
            for index, value in enumerate(node["examples"]):
                yield pointer(parts) + f"/examples/{index}", parts, value


def example_ids(document: str) -> list[str]:
    return [where for where, _, _ in all_examples(document)]


def elfproef(bsn: str) -> bool:
    digits = [int(d) for d in bsn]
    total = sum(w * d for w, d in zip(range(9, 1, -1), digits[:8], strict=True)) - digits[8]
    return len(bsn) == 9 and total % 11 == 0


def b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


# --------------------------------------------------------------------------- validity


@pytest.mark.parametrize("document", DOCUMENTS)
def test_document_is_valid_openapi_31(document: str) -> None:
    path = OPENAPI_DIR / document
    assert load(path)["openapi"].startswith("3.1.")
    validate_openapi(load(path), base_uri=path.as_uri())
    OpenAPI.from_file_path(str(path))  # openapi-core loads and validates it too


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_ref_resolves_from_disk(document: str) -> None:
    pending, seen, dangling = [OPENAPI_DIR / document], set(), []
    while pending:
        path = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        for parts, node in walk(load(path)):
            is_ref = isinstance(node, dict) and isinstance(node.get("$ref"), str)
            if is_ref and not is_literal(parts):
                try:
                    target, _ = follow(base_of(path), node["$ref"])
                except (KeyError, IndexError, NoSuchResource, FileNotFoundError) as exc:
                    dangling.append(f"{path.name}#{pointer(parts)}: {node['$ref']} ({exc!r})")
                else:
                    pending.append(target)
    assert not dangling, "\n".join(dangling)
    assert any(p.parent == SCHEMA_DIR for p in seen), "expected refs into spec/schemas/"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_info_version_major_equals_server_major(document: str) -> None:
    root = load(OPENAPI_DIR / document)
    assert root["info"]["version"] == VERSION
    assert [s["url"] for s in root["servers"]] == [SERVERS[document]]
    major = root["info"]["version"].split(".")[0]
    for server in root["servers"]:
        assert re.search(r"/v(\d+)$", server["url"]).group(1) == major


@pytest.mark.parametrize("document", DOCUMENTS)
def test_operations_are_those_of_interface_md(document: str) -> None:
    found = {(m, p): (op["operationId"], next(s for s in op["responses"] if str(s) < "4"))
             for p, m, op in operations(document)}
    assert found == INTERFACE[document]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_operation_has_id_summary_and_known_tags(document: str) -> None:
    root = load(OPENAPI_DIR / document)
    tags = {t["name"] for t in root["tags"]}
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        assert re.fullmatch(r"[a-z][A-Za-z]+", operation["operationId"]), where
        assert operation.get("summary"), where
        assert operation.get("tags") and set(operation["tags"]) <= tags, where


# --------------------------------------------------------------------------- examples


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_body_parameter_and_header_has_an_example(document: str) -> None:
    missing = []
    for parts, node in walk(load(OPENAPI_DIR / document)):
        if not isinstance(node, dict) or is_literal(parts) or len(parts) < 2:
            continue
        has_example = "example" in node or bool(node.get("examples"))
        if parts[-2] in ("content", "headers", "parameters") and "schema" in node \
                and not has_example:
            missing.append(pointer(parts))
    assert not missing, missing


@pytest.mark.parametrize(
    ("document", "where"),
    [(d, w) for d in DOCUMENTS for w in example_ids(d)],
)
def test_example_validates_against_its_schema(document: str, where: str) -> None:
    [(location, value)] = [(s, v) for w, s, v in all_examples(document) if w == where]
    errors = sorted(schema_validator(document, location).iter_errors(value), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_example_validation_can_fail() -> None:
    """The validator above asserts formats and follows refs into spec/schemas/."""
    good = load(OPENAPI_DIR / "bron.yaml")["components"]["examples"]["PauzeActief"]["value"]
    validator = schema_validator("bron.yaml", ("components", "schemas", "Pauze"))
    assert validator.is_valid(good)
    for change in (
        {"aangemaakt_op": "2026-03-02T10:20:05"},  # no offset (pattern in common.schema.json)
        {"einddatum": "2026-02-30"},  # no such day (format: date)
        {"id": "8402AAA1-0054-4A08-8264-6239B3C68581"},  # not lowercase
        {"zaakkenmerken": []},
        {"status": "gepland"},  # enums are closed
    ):
        assert not validator.is_valid({**good, **change}), change
    # a response is data, so open: a member of a later minor is ignored, not refused
    assert validator.is_valid({**good, "opmerking": "lid van een latere minor"})


def test_examples_are_realistic() -> None:
    """BSNs pass the elfproef, OINs have 20 digits, datetimes carry an offset."""
    strings: list[tuple[str, str, str]] = []
    for document in DOCUMENTS:
        for where, _, value in all_examples(document):
            for parts, node in walk(value):
                if isinstance(node, str) and parts:
                    strings.append((f"{document}{where}", str(parts[-1]), node))
                if isinstance(node, str) and COMPACT_JWS.match(node) and node.split(".")[1]:
                    claims = json.loads(b64decode(node.split(".")[1]))
                    strings += [(where, str(p[-1]), v) for p, v in walk(claims)
                                if isinstance(v, str) and p]
    bsns = [(w, v) for w, k, v in strings if k == "bsn"]
    assert bsns, "expected BSNs in the envelope and certificate examples"
    assert all(elfproef(v) for _, v in bsns), bsns
    assert all(re.fullmatch(r"\d{20}", v) for _, k, v in strings if k in ("oin", "aud")
               and v.isdigit())
    stamps = [v for _, k, v in strings if k.endswith(("_op", "datumtijd"))]
    assert stamps and all(re.search(r"(Z|[+-]\d\d:\d\d)$", v) for v in stamps), stamps


def test_signed_examples_carry_valid_claims() -> None:
    """Every compact JWS in an example has the header of its type and schema-valid claims."""
    seen_types = set()
    for document in DOCUMENTS:
        for where, _, value in all_examples(document):
            for _, node in walk(value):
                match = isinstance(node, str) and COMPACT_JWS.match(node)
                if not match:
                    continue
                header = json.loads(b64decode(match.group(1)))
                assert header["alg"] == "ES256" and set(header) == {"alg", "typ", "kid"}, where
                assert len(b64decode(match.group(3))) == 64, f"{where}: ES256 signature length"
                seen_types.add(header["typ"])
                if header["typ"] == "vorderingen-document+jws":
                    assert match.group(2) == "", f"{where}: envelope signature must be detached"
                    continue
                claims = json.loads(b64decode(match.group(2)))
                schema = {"$ref": SCHEMA_BASE + CLAIM_SCHEMAS[header["typ"]]}
                validator = Draft202012Validator(
                    schema, registry=REGISTRY, format_checker=Draft202012Validator.FORMAT_CHECKER)
                errors = [e.message for e in validator.iter_errors(claims)]
                assert not errors, f"{where} ({header['typ']}): {errors}"
    assert seen_types == set(CLAIM_SCHEMAS) | {"vorderingen-document+jws"}


def example(document: str, *path: str) -> Any:
    """The single example (or the named one, last path part) at `path` of `document`."""
    node: Any = load(OPENAPI_DIR / document)
    for part in path:
        node = deref(document, node)[part]
    return deref(document, node)


def claims_of(token: str) -> dict[str, Any]:
    return json.loads(b64decode(token.split(".")[1]))


def public_key(jwk: dict[str, str]) -> ec.EllipticCurvePublicKey:
    """Raises ValueError when (x, y) is not a point of P-256."""
    x, y = (int.from_bytes(b64decode(jwk[c]), "big") for c in ("x", "y"))
    return ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()


def signed_by(token: str, jwk: dict[str, str]) -> bool:
    head, payload, signature = token.split(".")
    raw = b64decode(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    try:
        public_key(jwk).verify(der, f"{head}.{payload}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def test_example_keys_are_real_p256_points() -> None:
    """Every JWK in an example (also inside the signed examples) is a public key on P-256."""
    keys = []
    for document in DOCUMENTS:
        for _, _, value in all_examples(document):
            values = [value] + [claims_of(node) for _, node in walk(value)
                                if isinstance(node, str) and COMPACT_JWS.match(node)
                                and node.split(".")[1]]
            keys += [node for v in values for _, node in walk(v)
                     if isinstance(node, dict) and node.get("kty") == "EC"]
    assert len(keys) >= 5
    for jwk in keys:
        public_key(jwk)
        assert "d" not in jwk
    with pytest.raises(ValueError):
        public_key({**keys[0], "y": keys[0]["x"]})


def test_signed_examples_verify_as_one_federation() -> None:
    """The examples are one consistent story: the scheme example lists the App Manager and the
    source whose keys signed the certificate, the envelopes and the revocation list; the app key
    of the certificate signed the session proof, the request proof, the certificate request and
    the revocation request (checked with the independent verifier of the vectors)."""
    stelsel = claims_of(example("stelsel.yaml", "paths", "/stelseldocument", "get", "responses",
                                "200", "content", "application/jose", "example"))
    am = "app-manager.yaml"
    issued = example(am, "paths", "/certificaten", "post", "responses", "201", "content",
                     "application/json", "example")["certificaat"]
    certificate = vv.verify_certificaat(issued, now=claims_of(issued)["iat"], stelsel=stelsel)
    app_key = certificate["cnf"]["jwk"]
    registered = example(am, "paths", "/registraties", "post", "requestBody", "content",
                         "application/json", "example")["publieke_sleutel"]
    assert registered == app_key
    body = example("bron.yaml", "paths", "/sessies", "post", "requestBody", "content",
                   "application/json", "example")
    assert body["certificaat"] == issued
    [gemeente] = [o for o in stelsel["organisaties"] if o["naam"] == "Gemeente Voorbeeldstad"]
    [endpoint] = [e["api_url"] for e in gemeente["eindpunten"] if e["major"] == 2]
    proof = claims_of(body["bewijs"])
    vv.verify_bewijs(body["bewijs"], now=proof["iat"], cnf=app_key, expected_aud=gemeente["oin"],
                     expected_api_url=endpoint,
                     nonces={"known": [proof["nonce"]], "expired": [], "used": []})
    session = example("bron.yaml", "paths", "/sessies", "post", "responses", "201", "content",
                      "application/json", "example")["sessietoken"]
    request_proof = example("bron.yaml", "components", "parameters", "VerzoekBewijs", "example")
    vv.verify_verzoekbewijs(request_proof, now=claims_of(request_proof)["iat"], cnf=app_key,
                            session_token=session, method="GET",
                            url=endpoint + "/vorderingenoverzicht", seen_jti=[])
    envelope = example("bron.yaml", "components", "examples", "EnvelopGemeente", "value")
    opgesteld = datetime.fromisoformat(envelope["document"]["opgesteld_op"]).timestamp()
    vv.verify_envelop(envelope, now=int(opgesteld), stelsel=stelsel)
    bundle = example("bron.yaml", "paths", "/hulpvragen", "post", "requestBody", "content",
                     "application/json", "example")["bundel"]
    for item in bundle["enveloppen"]:
        made = datetime.fromisoformat(item["document"]["opgesteld_op"]).timestamp()
        vv.verify_envelop(item, now=int(made), stelsel=stelsel, expected_bsn=certificate["bsn"])
    [manager] = stelsel["app_managers"]
    manager_keys = [entry["jwk"] for entry in manager["sleutels"]]
    revocations = example(am, "paths", "/intrekkingen", "get", "responses", "200", "content",
                          "application/jose", "example")
    assert any(signed_by(revocations, k) for k in manager_keys)
    assert claims_of(revocations)["ingetrokken"] == [certificate["jti"]]
    request = example(am, "paths", "/certificaten", "post", "requestBody", "content",
                      "application/json", "example")["aanvraag"]
    revoke = example(am, "paths", "/intrekkingen", "post", "requestBody", "content",
                     "application/json", "example")["verzoek"]
    assert signed_by(request, app_key) and signed_by(revoke, app_key)
    assert not signed_by(revoke, manager_keys[0])  # the check can fail
    nonce = example(am, "paths", "/registraties", "post", "responses", "201", "content",
                    "application/json", "example")["uitdaging"]
    assert claims_of(request)["nonce"] == nonce


# --------------------------------------------------------------------------- responses


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_response_declares_api_version(document: str) -> None:
    for where, status, _, response in responses(document):
        header = deref(document, response.get("headers", {}).get("API-Version"))
        assert header and header.get("required") is True, f"{where} {status}"


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_error_is_a_problem_document_listing_its_codes(document: str) -> None:
    for where, status, _, response in responses(document):
        if int(status) < 400:
            continue
        label = f"{where} {status}"
        codes = response.get("x-probleemcodes")
        assert codes and all(PROBLEM_CODE.match(c) for c in codes), label
        for code in codes:
            assert f"`{code}`" in response["description"], f"{label}: {code} not described"
        if document == "app-manager.yaml" and set(response.get("content", {})) == {HTML}:
            # A page for people (the identity provider cannot be reached) names its code.
            example = response["content"][HTML]["example"]
            assert all(code in example for code in codes), label
            continue
        assert set(response.get("content", {})) == {PROBLEM_JSON}, label
        media = response["content"][PROBLEM_JSON]
        assert media["schema"] == {"$ref": "../schemas/probleem.schema.json"}, label
        examples = list(examples_of(document, (), media))
        assert examples, label
        for _, example in examples:
            assert example["code"] in codes, f"{label}: example code {example['code']}"
            assert example["status"] == int(status), label
            assert example["type"] == "urn:nl-vorderingen:probleem:" + example["code"], label


def codes_in(document: str, extension: str) -> set[str]:
    return {code for parts, node in walk(load(OPENAPI_DIR / document))
            if parts and parts[-1] == extension and not is_literal(parts) for code in node}


def test_the_codes_of_2_0_are_declared_and_withdrawn_ones_are_gone() -> None:
    declared = set().union(*(codes_in(d, e) for d in DOCUMENTS for e in (
        "x-probleemcodes", "x-verificatiecodes", "x-algemene-probleemcodes")))
    required = {
        "bewijs/verkeerd-eindpunt", "registratie/redirect-uri-ongeldig", "inloggen/code-ongeldig",
        "inloggen/verifier-onjuist", "algemeen/te-veel-verzoeken",
        "algemeen/stelsel-niet-beschikbaar", "algemeen/methode-niet-toegestaan",
        "stelsel/versie-niet-ondersteund", "bundel/versie-niet-ondersteund",
        *(f"envelop/{name}" for name in (
            "versie-niet-ondersteund", "sleutel-niet-geldig", "sleutel-ingetrokken",
            "nog-niet-geldig", "verouderd", "bsn-onjuist")),
    }
    assert required <= declared, required - declared
    assert "registratie/niet-ingelogd" not in declared  # 1.0.0's polling code is withdrawn
    assert all(PROBLEM_CODE.match(code) for code in declared)


def test_the_codes_of_2_2_are_declared_where_they_are_answered() -> None:
    paths = load(OPENAPI_DIR / "bron.yaml")["paths"]

    def codes(path: str, method: str, status: str) -> set[str]:
        return set(deref("bron.yaml", paths[path][method]["responses"][status])["x-probleemcodes"])

    reservation = "/betalingsregelingen/reserveringen/{reservering_id}"
    assert "betalingsregeling/regeling-onbekend" in codes(
        "/betalingsregelingen/voorstellen", "post", "422")
    assert codes(reservation + "/bevestiging", "post", "409") == {
        "betalingsregeling/reservering-vervallen", "betalingsregeling/reservering-geannuleerd",
        "betalingsregeling/zaak-gewijzigd"}
    assert codes(reservation, "delete", "409") == {"betalingsregeling/reservering-bevestigd"}
    assert codes("/betalingsregelingen/reserveringen", "post", "409") == codes(
        "/betalingsregelingen", "post", "409")  # reserving refuses a quote as accepting does
    assert codes("/betalingsregelingen/reserveringen", "post", "422") == codes(
        "/betalingsregelingen", "post", "422")
    assert "pauze/niet-toegestaan" in codes("/pauzes", "post", "422")


@pytest.mark.parametrize("document", DOCUMENTS)
def test_codes_of_any_path_are_listed_once(document: str) -> None:
    root = load(OPENAPI_DIR / document)
    # 413 only where a request body is read: the scheme service takes none
    too_large = [] if document == "stelsel.yaml" else ["verzoek/te-groot"]
    assert root["x-algemene-probleemcodes"] == [
        "algemeen/niet-gevonden", "algemeen/methode-niet-toegestaan", "algemeen/te-veel-verzoeken",
        *too_large, "algemeen/interne-fout"]
    assert "x-algemene-probleemcodes" in root["info"]["description"]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_request_body_may_be_too_large(document: str) -> None:
    """Rule `/http/body-te-groot`: exactly the operations that take a request body declare 413
    `verzoek/te-groot`, in the precedence between 415 and 400."""
    with_body = 0
    for path, method, operation in operations(document):
        where = f"{method.upper()} {path}"
        declared = operation["responses"].get("413")
        if "requestBody" not in operation:
            assert declared is None, where
            continue
        with_body += 1
        assert declared == {"$ref": "#/components/responses/TeGroot413"}, where
        response = deref(document, declared)
        assert response["x-probleemcodes"] == ["verzoek/te-groot"], where
        example = response["content"]["application/problem+json"]["example"]
        assert (example["status"], example["code"]) == (413, "verzoek/te-groot"), where
        assert example["title"] == "Verzoek te groot", where
        assert {"400", "415"} <= set(operation["responses"]), where
    assert with_body == {"bron.yaml": 7, "app-manager.yaml": 5, "stelsel.yaml": 0}[document]


def test_help_request_reports_every_envelope_code_a_verifier_has() -> None:
    """The municipality's 422 can carry every envelope code of trust-model §3.5 (in
    `ongeldige_enveloppen`), the help-request-only ones included; and the precedence of the
    design is written down in each document."""
    help_request = load(OPENAPI_DIR / "bron.yaml")["paths"]["/hulpvragen"]["post"]
    in_422 = set(help_request["responses"]["422"]["x-probleemcodes"])
    app = set(load(OPENAPI_DIR / "bron.yaml")["paths"]["/vorderingenoverzicht"]["get"][
        "responses"]["200"]["x-verificatiecodes"])
    assert app | {"hulpvraag/envelop-ongeldig", "envelop/verouderd"} == in_422
    for document in DOCUMENTS:
        description = load(OPENAPI_DIR / document)["info"]["description"]
        assert "Error precedence" in description, document
        positions = [description.find(f"`{code}`") for code in (
            "algemeen/niet-gevonden", "algemeen/te-veel-verzoeken")]
        assert -1 not in positions and positions == sorted(positions), document


@pytest.mark.parametrize("document", ["bron.yaml", "app-manager.yaml"])
def test_every_401_carries_www_authenticate(document: str) -> None:
    statuses = [(where, response) for where, status, _, response in responses(document)
                if status == "401"]
    assert statuses
    for where, response in statuses:
        header = deref(document, response["headers"].get("WWW-Authenticate"))
        assert header and header["required"] is True, where
        assert header["example"] == 'Sessie realm="vorderingen"', where  # no Bearer scheme
        assert re.match(header["schema"]["pattern"], header["example"]), where


def secured(root: dict[str, Any], operation: dict[str, Any]) -> bool:
    return operation.get("security", root.get("security", [])) != []


def test_session_operations_answer_401_and_public_ones_do_not() -> None:
    root = load(OPENAPI_DIR / "bron.yaml")
    scheme = root["components"]["securitySchemes"]["sessietoken"]
    # `Sessie` (RFC 9110: scheme names are case-insensitive); lowercase because openapi-core
    # compares the lowercased Authorization scheme with this value
    assert (scheme["type"], scheme["scheme"]) == ("http", "sessie")
    description = scheme["description"].replace("`", "")
    assert "POST /sessies" in description and "Authorization: Sessie" in description
    assert "Verzoek-Bewijs" in description and "bearer" not in description.lower().replace(
        "not a bearer token", "")
    public = {"getOpenapiDocument", "getConfiguratie", "createUitdaging", "createSessie"}
    for _, _, operation in operations("bron.yaml"):
        is_secured = secured(root, operation)
        assert is_secured == (operation["operationId"] not in public), operation["operationId"]
        if is_secured:
            assert operation["responses"]["401"] == {"$ref": "#/components/responses/Sessie401"}


@pytest.mark.parametrize("document", DOCUMENTS)
def test_every_authenticated_operation_declares_verzoek_bewijs(document: str) -> None:
    """A session token never travels without a request proof (design: no bearer sessions)."""
    root = load(OPENAPI_DIR / document)
    proof = root.get("components", {}).get("parameters", {}).get("VerzoekBewijs")
    checked = 0
    for path, method, operation in operations(document):
        params = [deref(document, p) for p in
                  [*root["paths"][path].get("parameters", []), *operation.get("parameters", [])]]
        declared = [p for p in params if p["in"] == "header" and p["name"] == "Verzoek-Bewijs"]
        if secured(root, operation):
            checked += 1
            assert declared and declared[0]["required"] is True, f"{method} {path}"
        else:
            assert not declared, f"{method} {path}: a public operation takes no proof"
    if document == "bron.yaml":
        assert checked == 18 and proof is not None
        assert "verzoek-bewijs+jwt" in proof["description"]
        for code in load(OPENAPI_DIR / document)["components"]["responses"]["Sessie401"][
                "x-probleemcodes"]:
            assert code.startswith(("sessie/", "verzoekbewijs/")), code
    else:
        assert checked == 0


def test_session_401_lists_every_request_proof_code_in_the_order_of_the_design() -> None:
    codes = load(OPENAPI_DIR / "bron.yaml")["components"]["responses"]["Sessie401"][
        "x-probleemcodes"]
    assert codes == ["sessie/token-ontbreekt", "sessie/token-ongeldig"] + [
        f"verzoekbewijs/{name}" for name in (
            "ontbreekt", "ongeldig-formaat", "algoritme-niet-toegestaan", "verboden-header",
            "verkeerd-type", "sleutel-onbekend", "handtekening-ongeldig", "claims-ongeldig",
            "token-onjuist", "verkeerde-methode", "verkeerde-url", "nog-niet-geldig", "verlopen",
            "hergebruikt")]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_429_and_503_carry_retry_after(document: str) -> None:
    root = load(OPENAPI_DIR / document)
    for where, status, _, response in responses(document):
        if status in ("429", "503"):
            header = deref(document, response["headers"].get("Retry-After"))
            assert header and header["required"] is True, f"{where} {status}"
            assert re.fullmatch(header["schema"]["pattern"], "120"), where
    for path, method, operation in operations(document):
        codes = operation["responses"]
        assert "429" in codes, f"any operation may answer 429: {method} {path}"
        # Every source operation but /configuratie and /openapi.json needs the scheme
        # (interface.md), the challenge too: a nonce is only worth having with a session.
        trust_dependent = secured(root, operation) or operation["operationId"] in {
            "createSessie", "createUitdaging"}
        # The App Manager's posts that send a browser to the identity provider.
        to_provider = operation["operationId"] in {"kiesInloggen", "startBurgerInloggen"}
        assert ("503" in codes) == (trust_dependent or to_provider), f"{method} {path}"
        if "503" in codes:
            assert deref(document, codes["503"])["x-probleemcodes"] == [
                "algemeen/tijdelijk-niet-beschikbaar" if to_provider
                else "algemeen/stelsel-niet-beschikbaar"]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_openapi_json_is_served_at_the_base_path(document: str) -> None:
    """ADR /core/publish-openapi: the document itself, public, as JSON."""
    root = load(OPENAPI_DIR / document)
    operation = root["paths"]["/openapi.json"]["get"]
    assert operation.get("security", []) == []
    assert set(operation["responses"]["200"]["content"]) == {"application/json"}
    example = operation["responses"]["200"]["content"]["application/json"]["example"]
    assert example["info"]["version"] == root["info"]["version"]


@pytest.mark.parametrize("document", DOCUMENTS)
def test_html_and_forms_only_on_the_app_managers_pages_for_people(document: str) -> None:
    for path, method, operation in operations(document):
        media = {m for r in operation["responses"].values()
                 for m in deref(document, r).get("content", {})}
        media |= set(operation.get("requestBody", {}).get("content", {}))
        people = document == "app-manager.yaml" and (
            path.startswith("/burger") or path.endswith("/inloggen"))
        if not people:
            assert not media & {HTML, FORM}, f"{method} {path}"
        elif method == "get" and "200" in operation["responses"]:
            assert set(operation["responses"]["200"]["content"]) == {HTML}, path


def test_login_is_a_redirect_protocol_without_polling() -> None:
    root = load(OPENAPI_DIR / "app-manager.yaml")
    paths = root["paths"]
    terugkeer = paths["/inloggen/terugkeer"]["get"]["responses"]
    assert {"302", "303"} <= set(terugkeer) and "200" not in terugkeer
    location = terugkeer["302"]["headers"]["Location"]["example"]
    assert all(f"{name}=" in location for name in ("code", "state", "iss"))
    certificate = paths["/certificaten"]["post"]
    assert "409" not in certificate["responses"]  # 1.0.0's registratie/niet-ingelogd is gone
    body = deref("app-manager.yaml", certificate["requestBody"]["content"]["application/json"]
                 ["schema"])
    assert set(body["required"]) == {"registratie_id", "inlogcode", "code_verifier", "aanvraag"}
    assert set(certificate["responses"]["400"]["x-probleemcodes"]) == {
        "verzoek/ongeldig", "inloggen/code-ongeldig", "inloggen/verifier-onjuist"}
    registration = deref("app-manager.yaml", root["components"]["schemas"]["RegistratieVerzoek"])
    assert registration["properties"]["code_challenge_method"] == {"const": "S256"}
    example = paths["/registraties"]["post"]["requestBody"]["content"]["application/json"][
        "example"]
    verifier = paths["/certificaten"]["post"]["requestBody"]["content"]["application/json"][
        "example"]["code_verifier"]
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    assert example["code_challenge"] == digest.rstrip(b"=").decode()  # the examples agree


def test_citizen_pages_use_the_management_cookie() -> None:
    root = load(OPENAPI_DIR / "app-manager.yaml")
    cookie = root["components"]["parameters"]["Beheersessie"]
    assert (cookie["name"], cookie["in"]) == ("beheersessie", "cookie")
    for path in ("/burger/certificaten", "/burger/intrekkingen"):
        [operation] = [op for m, op in root["paths"][path].items() if m in METHODS]
        assert {"$ref": "#/components/parameters/Beheersessie"} in operation["parameters"], path
        assert "303" in operation["responses"], path
    set_cookie = root["components"]["headers"]["Set-Cookie-Beheersessie"]["example"]
    for attribute in ("HttpOnly", "SameSite=Strict", "Path=/app-manager/v2/burger"):
        assert attribute in set_cookie


def test_idempotent_acceptance_headers() -> None:
    operation = load(OPENAPI_DIR / "bron.yaml")["paths"]["/betalingsregelingen"]["post"]
    [parameter] = [deref("bron.yaml", p) for p in operation["parameters"]
                   if deref("bron.yaml", p)["name"] != "Verzoek-Bewijs"]
    assert (parameter["name"], parameter["in"], parameter["required"]) == (
        "Idempotency-Key", "header", True)
    assert parameter["schema"]["maxLength"] == 255
    pattern = re.compile(parameter["schema"]["pattern"])
    assert pattern.search("a") and pattern.search("x" * 10 + " y")
    for bad in (" lead", "trail ", "tab\there", "é", "x" * 256):
        assert not (pattern.search(bad) and len(bad) <= 255), bad
    headers = operation["responses"]["201"]["headers"]
    assert {"API-Version", "Location", "Idempotent-Replayed"} <= set(headers)
    # A reservation (since 2.2) is idempotent exactly as an acceptance.
    reserve = load(OPENAPI_DIR / "bron.yaml")["paths"]["/betalingsregelingen/reserveringen"]["post"]
    assert reserve["parameters"] == operation["parameters"]
    assert set(reserve["responses"]["201"]["headers"]) == set(headers)


# --------------------------------------------------------------------------- inputs


def input_names(root: dict[str, Any], base: str) -> Iterator[tuple[str, str]]:
    """Names of every parameter and request-body property, refs followed, the bundle excluded."""

    for path, item in root["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            operation, where = item[method], f"{method} {path}"
            for parameter in [*item.get("parameters", []), *operation.get("parameters", [])]:
                yield where, resolve_local(root, parameter)["name"]
            body = operation.get("requestBody", {}).get("content", {})
            pending = [(base, resolve_local(root, m["schema"])) for m in body.values()]
            seen: set[str] = set()
            while pending:
                here, node = pending.pop()
                for _, sub in walk(node):
                    if not isinstance(sub, dict):
                        continue
                    if isinstance(sub.get("properties"), dict):
                        yield from ((where, name) for name in sub["properties"])
                    ref = sub.get("$ref")
                    if not isinstance(ref, str) or "bundel.schema.json" in ref:
                        continue
                    target = urljoin(here, ref)
                    if target in seen:
                        continue
                    seen.add(target)
                    if ref.startswith("#/") and here == base:
                        pending.append((here, resolve_local(root, sub)))
                    else:
                        file, value = follow(here, ref)
                        pending.append((base_of(file), value))


def resolve_local(root: dict[str, Any], node: Any) -> Any:
    """Follow `#/...` refs within `root` itself (which may be an edited copy of a document)."""
    while isinstance(node, dict) and str(node.get("$ref", "")).startswith("#/"):
        target: Any = root
        for segment in node["$ref"][2:].split("/"):
            target = target[segment.replace("~1", "/").replace("~0", "~")]
        node = target
    return node


@pytest.mark.parametrize("document", DOCUMENTS)
def test_no_operation_takes_a_bsn(document: str) -> None:
    names = list(input_names(load(OPENAPI_DIR / document), (OPENAPI_DIR / document).as_uri()))
    assert names or document == "stelsel.yaml"
    offending = [(where, name) for where, name in names if "bsn" in name.lower()]
    assert not offending, offending


@pytest.mark.parametrize(
    "plant",
    ["query", "nested-property", "referenced-property"],
)
def test_bsn_check_finds_a_planted_bsn(plant: str) -> None:
    """The check above can fail: a BSN planted anywhere in the inputs is found."""
    root = copy.deepcopy(load(OPENAPI_DIR / "bron.yaml"))
    if plant == "query":
        root["paths"]["/pauzes"]["get"]["parameters"] = [
            {"name": "bsn", "in": "query", "schema": {"type": "string"}}]
    elif plant == "nested-property":
        contact = root["components"]["schemas"]["HulpvraagVerzoek"]["properties"]["contact"]
        contact["properties"]["burger_bsn"] = {"type": "string"}
    else:
        root["components"]["schemas"]["Termijn"]["properties"]["bsn"] = {"type": "string"}
        root["components"]["schemas"]["VoorstelVerzoek"]["properties"]["termijnen"] = {
            "$ref": "#/components/schemas/Termijnen"}
    names = [n for _, n in input_names(root, (OPENAPI_DIR / "bron.yaml").as_uri())]
    assert any("bsn" in n for n in names)


def request_schema_names(document: str) -> set[str]:
    """Component schemas used as a request body (directly or nested)."""
    names: set[str] = set()
    for _, _, operation in operations(document):
        for media in operation.get("requestBody", {}).get("content", {}).values():
            for _, node in walk(media["schema"]):
                if isinstance(node, dict) and str(node.get("$ref", "")).startswith(
                        "#/components/schemas/"):
                    names.add(node["$ref"].rsplit("/", 1)[1])
    changed = True
    while changed:  # nested component refs of a request schema are request schemas too
        changed = False
        schemas = load(OPENAPI_DIR / document)["components"]["schemas"]
        for name in list(names):
            for _, node in walk(schemas[name]):
                ref = node.get("$ref", "") if isinstance(node, dict) else ""
                if str(ref).startswith("#/components/schemas/"):
                    target = ref.rsplit("/", 1)[1]
                    changed |= target not in names
                    names.add(target)
    return names


@pytest.mark.parametrize("document", DOCUMENTS)
def test_requests_are_closed_and_responses_open(document: str) -> None:
    """spec/versioning.md: a request body refuses a member it does not know (typos), a response
    body is data and never restricts `additionalProperties`."""
    branches = {"if", "then", "else", "not", "oneOf", "anyOf", "allOf"}
    requests = request_schema_names(document)
    schemas = load(OPENAPI_DIR / document).get("components", {}).get("schemas", {})
    assert requests or document == "stelsel.yaml"
    for name, schema in schemas.items():
        for parts, node in walk(schema):
            if branches & set(parts):  # conditions constrain, they do not define objects
                continue
            is_object = isinstance(node, dict) and ("properties" in node
                                                    or node.get("type") == "object")
            if is_object and name in requests:
                assert node.get("additionalProperties") is False, f"{name}{pointer(parts)}"
            elif is_object:
                assert "additionalProperties" not in node, f"{name}{pointer(parts)}"


def test_bundle_in_a_help_request_is_data() -> None:
    """The `bundel` of POST /hulpvragen is checked for structure only; its envelopes are checked
    by envelope verification (422 per envelope), not by the body schema (400)."""
    validator = schema_validator("bron.yaml", ("components", "schemas", "HulpvraagVerzoek"))
    body = load(OPENAPI_DIR / "bron.yaml")["paths"]["/hulpvragen"]["post"]["requestBody"][
        "content"]["application/json"]["example"]
    assert validator.is_valid(body)
    broken_envelope = copy.deepcopy(body)
    broken_envelope["bundel"]["enveloppen"][0] = {"document": "geen object", "extra": 1}
    assert validator.is_valid(broken_envelope)
    for bad in ({"bundelversie": "3.0"}, {"bundelversie": "2.0.0"}, {"enveloppen": []},
                {"enveloppen": ["geen object"]}):
        assert not validator.is_valid({**body, "bundel": {**body["bundel"], **bad}}), bad
    assert validator.is_valid({**body, "bundel": {**body["bundel"], "bundelversie": "2.7",
                                                  "uit_latere_minor": True}})
    assert not validator.is_valid({**body, "tikfout": True})


@pytest.mark.parametrize("document", DOCUMENTS)
def test_path_ids_are_uuids(document: str) -> None:
    for path, item in load(OPENAPI_DIR / document)["paths"].items():
        for parameter in item.get("parameters", []):
            parameter = deref(document, parameter)
            if parameter["in"] == "path":
                assert parameter["name"].endswith("_id"), path
                assert parameter["schema"] == {"$ref": "../schemas/common.schema.json#/$defs/uuid"}


def test_quote_request_takes_exactly_one_way_of_splitting() -> None:
    validator = schema_validator("bron.yaml", ("components", "schemas", "VoorstelVerzoek"))
    assert validator.is_valid({"zaakkenmerken": ["A1"], "aantal_termijnen": 3})
    assert validator.is_valid({"zaakkenmerken": ["A1"], "termijnbedrag": 2500})
    assert not validator.is_valid({"zaakkenmerken": ["A1"], "termijnbedrag": 2500,
                                   "aantal_termijnen": 3})
    assert not validator.is_valid({"zaakkenmerken": ["A1"]})
    assert not validator.is_valid({"zaakkenmerken": ["A1", "A1"], "aantal_termijnen": 3})
    assert not validator.is_valid({"zaakkenmerken": [], "aantal_termijnen": 3})
    assert not validator.is_valid({"zaakkenmerken": ["A1"], "aantal_termijnen": 0})
    assert not validator.is_valid({"zaakkenmerken": ["A1"], "aantal_termijnen": 3, "bsn": "1"})


# --------------------------------------------------------------------------- links


@pytest.mark.parametrize("document", DOCUMENTS)
def test_links_target_existing_operations_and_parameters(document: str) -> None:
    by_id = {op["operationId"]: (path, op) for path, _, op in operations(document)}
    root = load(OPENAPI_DIR / document)
    for where, status, _, response in responses(document):
        for name, link in response.get("links", {}).items():
            label = f"{where} {status} link {name}"
            assert link["operationId"] in by_id, label
            path, target = by_id[link["operationId"]]
            params = [deref(document, p) for p in
                      [*root["paths"][path].get("parameters", []), *target.get("parameters", [])]]
            for key in link.get("parameters", {}):
                location, _, pname = key.partition(".")
                secured = target.get("security", root.get("security", [])) != []
                declared = any(p["in"] == location and p["name"] == pname for p in params)
                assert declared or (key == "header.Authorization" and secured), f"{label}: {key}"
            if "requestBody" in link:
                schema = deref(document, target["requestBody"]["content"]["application/json"]
                               ["schema"])
                assert set(link["requestBody"]) <= set(schema["properties"]), label


def test_links_connect_the_flows() -> None:
    edges = set()
    for document in DOCUMENTS:
        for _, _, operation in operations(document):
            for response in operation["responses"].values():
                for link in deref(document, response).get("links", {}).values():
                    edges.add((operation["operationId"], link["operationId"]))
    expected = {
        ("createUitdaging", "createSessie"),
        ("createSessie", "getVorderingenoverzicht"),
        ("createSessie", "listBetalingsregelingen"),
        ("createSessie", "listPauzes"),
        ("createBetalingsregelingVoorstel", "createBetalingsregeling"),
        ("createBetalingsregeling", "getBetalingsregeling"),
        ("createBetalingsregeling", "deleteBetalingsregeling"),
        ("createPauze", "listPauzes"),
        ("createPauze", "deletePauze"),
        ("createRegistratie", "startInloggen"),
        ("createRegistratie", "createCertificaat"),
        ("createSessie", "createHulpvraag"),
        ("createPauze", "getPauze"),
        ("getPauze", "deletePauze"),
        ("startInloggen", "kiesInloggen"),
        ("createCertificaat", "createIntrekking"),
        ("getBurgerStart", "startBurgerInloggen"),
        ("getBurgerCertificaten", "createBurgerIntrekkingen"),
        # since 2.2: reserve, then confirm or cancel; a confirmed one can be withdrawn
        ("createReservering", "getReservering"),
        ("createReservering", "bevestigReservering"),
        ("createReservering", "deleteReservering"),
        ("bevestigReservering", "getBetalingsregeling"),
        ("bevestigReservering", "deleteBetalingsregeling"),
    }
    assert expected <= edges, expected - edges


def test_schemathesis_builds_a_state_machine_from_the_links() -> None:
    schemathesis = pytest.importorskip("schemathesis")
    config = schemathesis.Config.from_dict({})
    schema = schemathesis.openapi.from_path(str(OPENAPI_DIR / "bron.yaml"), config=config)
    declared = sum(len(deref("bron.yaml", r).get("links", {}))
                   for _, _, op in operations("bron.yaml") for r in op["responses"].values())
    assert schema.statistic.transitions.total == declared == 24
    assert schema.as_state_machine() is not None


# --------------------------------------------------------------------------- openapi-core oracle


# openapi-core 0.23 reads only application/json as JSON; everyone validating these documents
# with it must register the standard's other media types (spec/README.md says so).
OPENAPI_CORE_CONFIG = Config(extra_media_type_deserializers={
    "application/problem+json": json_loads, "application/jose": plain_loads})


def mock_request(document: str, path: str, method: str, operation: dict) -> MockRequest:
    root = load(OPENAPI_DIR / document)
    params = [deref(document, p) for p in
              [*root["paths"][path].get("parameters", []), *operation.get("parameters", [])]]
    url, headers, query = path, {}, {}
    for p in params:
        if p["in"] == "path":
            url = url.replace("{" + p["name"] + "}", p["example"])
        elif p["in"] == "header" and p.get("required"):
            headers[p["name"]] = p["example"]
        elif p["in"] == "query":
            query[p["name"]] = p["example"]
    if operation.get("security", root.get("security", [])) != []:
        headers["Authorization"] = "Sessie dUFFW86OgUh8KAoTFoWwpgUl1nTcLYfHfed4cVDuyas"
    data, mimetype = None, "application/json"
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        data = json.dumps(next(examples_of(document, (), content["application/json"]))[1]).encode()
    elif FORM in content:
        data = urlencode(next(examples_of(document, (), content[FORM]))[1]).encode()
        mimetype = FORM
    server = root["servers"][0]["url"]
    return MockRequest("https://bron.example.nl", method, server + url, headers=headers,
                       args=query, data=data, content_type=mimetype)


@pytest.mark.parametrize(
    ("document", "path", "method"),
    [(d, p, m) for d in DOCUMENTS for p, m, _ in operations(d)],
)
def test_openapi_core_accepts_the_examples(document: str, path: str, method: str) -> None:
    """openapi-core, the second oracle other parts use, accepts every example request/response."""
    api = OpenAPI.from_file_path(str(OPENAPI_DIR / document), config=OPENAPI_CORE_CONFIG)
    operation = load(OPENAPI_DIR / document)["paths"][path][method]
    request = mock_request(document, path, method, operation)
    api.validate_request(request)
    for status, response in operation["responses"].items():
        response = deref(document, response)
        headers = {name: deref(document, h)["example"]
                   for name, h in response.get("headers", {}).items()
                   if deref(document, h).get("required")}
        for mediatype, media in response.get("content", {"": {}}).items():
            bodies = [v for _, v in examples_of(document, (), media)] or [None]
            for body in bodies:
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                api.validate_response(request, MockResponse(
                    data if body is not None else b"", status_code=int(status),
                    headers=headers, content_type=mediatype or None))


@pytest.mark.parametrize(
    ("document", "path", "method"),
    [(d, p, m) for d in DOCUMENTS for p, m, op in operations(d) if "requestBody" in op],
)
def test_request_schemas_are_satisfiable(document: str, path: str, method: str) -> None:
    """schemathesis can generate valid bodies, which jsonschema then accepts (no contradiction)."""
    from hypothesis import HealthCheck, given, settings
    from schemathesis import Config, GenerationMode
    from schemathesis import openapi as st_openapi

    schema = st_openapi.from_path(str(OPENAPI_DIR / document), config=Config.from_dict({}))
    operation = schema[path][method.upper()]
    [mediatype] = load(OPENAPI_DIR / document)["paths"][path][method]["requestBody"]["content"]
    parts = ("paths", path, method, "requestBody", "content", mediatype, "schema")
    validator = schema_validator(document, parts)
    bodies: list[Any] = []

    @given(operation.as_strategy(generation_mode=GenerationMode.POSITIVE))
    @settings(max_examples=3, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def generate(case: Any) -> None:
        bodies.append(case.body)

    generate()
    assert bodies
    for body in bodies:
        assert validator.is_valid(body), body


def test_a_dangling_ref_is_detected() -> None:
    """The resolver behind the ref test fails on a ref that points nowhere."""
    base = (OPENAPI_DIR / "bron.yaml").as_uri()
    assert follow(base, "#/components/schemas/Pauze")[1]["title"] == "Pause"
    for ref in ("#/components/schemas/Bestaatniet", "../schemas/bestaatniet.schema.json",
                "../schemas/common.schema.json#/$defs/bestaatniet",
                "https://elders.example/schema.json"):
        with pytest.raises((KeyError, NoSuchResource, FileNotFoundError)):
            follow(base, ref)
