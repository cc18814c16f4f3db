"""Every actor's server freezes its start-up heap (full garbage collections then skip it:
no pause of every client at once after a request that made many objects) and thaws it at
shutdown, so an embedded server leaves no trace in its process."""

from __future__ import annotations

import asyncio
import gc

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from reference_impl.common.serving import is_trusted_proxy, server_config

pytestmark = pytest.mark.anyio


async def test_the_start_up_heap_is_frozen_while_serving_and_thawed_after():
    app = Starlette(routes=[Route("/", lambda _request: PlainTextResponse("ja"))])
    server = uvicorn.Server(server_config(app, host="127.0.0.1", port=0, log_level="warning",
                                          lifespan="on"))
    gc.unfreeze()  # whatever another embedded server in this test process left
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        assert gc.get_freeze_count() > 1000  # modules, routes, schemas: everything so far
        port = server.servers[0].sockets[0].getsockname()[1]
        async with httpx.AsyncClient() as client:
            assert (await client.get(f"http://127.0.0.1:{port}/")).text == "ja"
    finally:
        server.should_exit = True
        await task
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize(("allowed", "address", "trusted"), [
    ("127.0.0.1,::1", "127.0.0.1", True),  # uvicorn's default
    ("127.0.0.1,::1", "127.0.0.2", False),
    ("10.0.0.0/8", "10.1.2.3", True),  # a load balancer's network
    (["192.0.2.7"], "192.0.2.8", False),
    ("*", "198.51.100.1", True),
    ("lb.intern", "192.0.2.7", False),  # a host name never matches a peer address
])
def test_a_trusted_proxy_is_not_capped_as_one_client(allowed, address, trusted):
    config = server_config(object(), host="127.0.0.1", port=0, max_connections=10,
                           forwarded_allow_ips=allowed)
    assert is_trusted_proxy(config, address) is trusted
    without = server_config(object(), host="127.0.0.1", port=0, max_connections=10,
                            forwarded_allow_ips=allowed, proxy_headers=False)
    assert not is_trusted_proxy(without, address)
