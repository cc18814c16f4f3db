"""`envelope.canonical` takes a fast path through orjson; it must give exactly the bytes
(and the refusals) of the rfc8785 reference implementation for every value."""

from __future__ import annotations

from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from reference_impl.common.envelope import canonical

# Keys and strings from all of Unicode (surrogates included), numbers across the JSON range.
_scalars = (st.none() | st.booleans() | st.text()
            | st.integers(min_value=-(2**60), max_value=2**60)
            | st.floats(allow_nan=False, allow_infinity=False))
_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=6)
    | st.dictionaries(st.text(max_size=8) | st.sampled_from(["a", "b", "ab", "\ue000", "😀"]),
                      children, max_size=6),
    max_leaves=40,
)


def _reference(value: Any) -> bytes | type[Exception]:
    try:
        return rfc8785.dumps(value)
    except rfc8785.CanonicalizationError:
        return rfc8785.CanonicalizationError


def _fast(value: Any) -> bytes | type[Exception]:
    try:
        return canonical(value)
    except rfc8785.CanonicalizationError:
        return rfc8785.CanonicalizationError


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _values, max_size=6))
def test_canonical_is_rfc8785_for_any_document(document: dict[str, Any]) -> None:
    assert _fast(document) == _reference(document)


@pytest.mark.parametrize("document", [
    {"tekst": "\x00\x1f\x7f\u2028\u2029\\\"\b\f\n\r\t é 😀"},  # every escape decision
    {"\ue000": 1, "😀": 2},  # UTF-16 order differs from code-point order here
    {"n": 2**53 - 1, "m": -(2**53 - 1), "b": True, "z": None, "l": [], "o": {}},
    {"n": 2**53},  # outside the exact range: refused, as rfc8785 does
    {"s": "\ud800"},  # a lone surrogate: refused
    {"f": 1e21, "g": 0.1, "h": -0.0},
    {"c0": "".join(map(chr, range(0x20))), "c1": "".join(map(chr, range(0x7f, 0xa0)))},
    {"bom": "\ufeff", "nonchar": "\uffff", "astral": "\U0010ffff", "slash": "</script>"},
    {"t": ("tuple", 1), "deep": [[[[[[[[[[["x"]]]]]]]]]]]},
])
def test_canonical_edge_cases_match_rfc8785(document: dict[str, Any]) -> None:
    assert _fast(document) == _reference(document)


def test_nesting_beyond_the_fast_path_is_still_rfc8785() -> None:
    # orjson stops at 254 levels; rfc8785 writes what it refuses (and Python's limit binds it)
    deep: Any = "bodem"
    for _ in range(300):
        deep = {"n": [deep]}
    assert canonical({"diep": deep}) == rfc8785.dumps({"diep": deep})


def test_a_cyclic_value_is_refused_not_walked_forever() -> None:
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    with pytest.raises(RecursionError):  # what rfc8785 itself does
        canonical({"a": cyclic})
