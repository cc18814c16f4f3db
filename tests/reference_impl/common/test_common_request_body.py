"""`read_body` judges a declared Content-Length only when it is ASCII digits."""

from __future__ import annotations

import pytest
from starlette.requests import Request

from reference_impl.common.problems import Problem
from reference_impl.common.request_body import read_body

pytestmark = pytest.mark.anyio


def _request(content_length: bytes, body: bytes) -> Request:
    scope = {"type": "http", "method": "POST", "path": "/",
             "headers": [(b"content-length", content_length)]}

    async def receive() -> dict:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


async def test_a_declared_length_in_other_digits_is_not_a_number() -> None:
    # "²" is a digit to str.isdigit() but not to int(): it must not end in a ValueError.
    assert await read_body(_request("²".encode("latin-1"), b"{}"), 100) == b"{}"
    with pytest.raises(Problem):
        await read_body(_request(b"101", b"{}"), 100)
