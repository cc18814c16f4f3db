"""The signed-envelope cache on its own (signed_cache.py): when it serves an entry, and that
the bytes it serves are the handlers' encoding of the very envelope it keeps. Whether a
cached envelope is what a fresh build signs, and that every write by another process is
seen, is test_overview_cache.py's."""

from __future__ import annotations

import json

from reference_impl.source.signed_cache import SignedCache, response_body

ENVELOPE = {"document": {"bsn": "999993653", "omschrijving": "Naheffing – € 12,50"},
            "handtekening": "eyJhbGciOiJFUzI1NiJ9..c2ln"}
INPUTS = (("cases",), "2.2")


def test_the_cached_body_is_the_answer_encoding_of_the_cached_envelope() -> None:
    cache = SignedCache()
    cache.put("999993653", INPUTS, 100.0, 200.0, ENVELOPE)
    body = cache.get_body("999993653", INPUTS, 101.0)
    assert body == json.dumps(ENVELOPE, ensure_ascii=False, separators=(",", ":")).encode()
    assert "€".encode() in body  # UTF-8, not \\u escapes
    assert cache.get_body("999993653", INPUTS, 102.0) is body  # encoded once
    assert cache.get("999993653", INPUTS, 102.0) is ENVELOPE


def test_a_body_the_caller_encoded_is_kept() -> None:
    cache = SignedCache()
    body = response_body(ENVELOPE)
    cache.put("999993653", INPUTS, 100.0, 200.0, ENVELOPE, body)
    assert cache.get_body("999993653", INPUTS, 100.5) is body


def test_an_entry_is_served_only_while_inputs_age_and_day_allow() -> None:
    cache = SignedCache(max_age_s=5)
    cache.put("999993653", INPUTS, 100.0, 103.0, ENVELOPE)
    assert cache.get_body("999993653", (("other cases",), "2.2"), 101.0) is None
    assert cache.get_body("999990019", INPUTS, 101.0) is None
    assert cache.get_body("999993653", INPUTS, 99.0) is None  # before it was signed
    assert cache.get_body("999993653", INPUTS, 103.0) is None  # the document changes then
    cache.put("999993653", INPUTS, 100.0, 1000.0, ENVELOPE)
    assert cache.get_body("999993653", INPUTS, 105.0) is not None
    assert cache.get_body("999993653", INPUTS, 105.5) is None  # older than max_age_s
    assert (cache.hits, cache.misses) == (1, 5)


def test_it_keeps_the_citizens_asked_for_last() -> None:
    cache = SignedCache(max_entries=2)
    for bsn in ("999990007", "999990019", "999990020"):
        cache.put(bsn, INPUTS, 100.0, 200.0, ENVELOPE)
    assert cache.get_body("999990007", INPUTS, 100.0) is None
    assert cache.get_body("999990020", INPUTS, 100.0) is not None


def test_no_caching_with_no_age() -> None:
    cache = SignedCache(max_age_s=0)
    cache.put("999993653", INPUTS, 100.0, 200.0, ENVELOPE)
    assert cache.get_body("999993653", INPUTS, 100.0) is None
