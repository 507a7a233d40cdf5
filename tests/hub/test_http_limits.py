"""Bounds on what a client can make the hub read: URL, headers, body size and body time,
each refused with a JSON error, over httpx's ASGI transport and over real uvicorn."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.app import create_app
from hub.settings import Settings
from tests.utils.hub import hub_client
from tests.utils.server import serving

AREAS = b'{"query": "{ areas { area } }"}'
LIMITS = Settings(max_body_bytes=2_000, body_timeout=0.3, max_url_bytes=1_000)


@pytest.fixture
async def bounded(demo_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    async with hub_client(create_app(LIMITS, engine=demo_engine)) as client:
        yield client


@pytest.fixture
async def served(demo_engine: AsyncEngine) -> AsyncIterator[str]:
    """The base URL of the hub under uvicorn on 127.0.0.1."""
    app = create_app(LIMITS, engine=demo_engine)
    async for base_url in serving(app):
        yield base_url
    await app.state.pipeline.close()


def refused(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == [code]


async def test_a_body_within_the_limit_is_read(bounded: httpx.AsyncClient) -> None:
    response = await bounded.post(
        "/graphql", content=AREAS, headers={"content-type": "application/json"}
    )
    assert response.json()["data"]["areas"]


async def test_a_body_announced_too_large_is_refused_unread(bounded: httpx.AsyncClient) -> None:
    body = b'{"query": "' + b" " * 5_000 + b'{ areas { area } }"}'
    response = await bounded.post(
        "/graphql", content=body, headers={"content-type": "application/json"}
    )
    refused(response, 413, "PAYLOAD_TOO_LARGE")
    assert response.headers["connection"] == "close"


async def test_a_chunked_body_is_cut_when_it_passes_the_limit(bounded: httpx.AsyncClient) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(1_000):
            sent += 1
            yield b" " * 500

    response = await bounded.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    refused(response, 413, "PAYLOAD_TOO_LARGE")
    assert sent < 10  # the rest of the megabyte was never read


async def test_a_long_url_is_refused(bounded: httpx.AsyncClient) -> None:
    response = await bounded.get("/graphql", params={"query": "{ areas { area } }" + " " * 2_000})
    refused(response, 414, "URI_TOO_LONG")


async def test_large_headers_are_refused(bounded: httpx.AsyncClient) -> None:
    response = await bounded.get("/healthz", headers={"x-padding": "x" * 20_000})
    refused(response, 431, "REQUEST_HEADER_FIELDS_TOO_LARGE")


async def test_a_body_that_stalls_is_answered_408_and_others_are_served(served: str) -> None:
    url = urlsplit(served)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    writer.write(
        b"POST /graphql HTTP/1.1\r\nhost: hub\r\ncontent-type: application/json\r\n"
        b"content-length: 500\r\n\r\n" + b'{"query": "{ ar'
    )
    await writer.drain()
    async with httpx.AsyncClient(base_url=served) as client:
        during = await client.post(
            "/graphql", content=AREAS, headers={"content-type": "application/json"}
        )
    assert during.json()["data"]["areas"]
    answer = await asyncio.wait_for(reader.read(), timeout=5)  # read to the server's close
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408")
    assert orjson.loads(body)["errors"][0]["extensions"]["code"] == "REQUEST_TIMEOUT"


async def test_a_body_over_the_limit_over_real_http(served: str) -> None:
    async with httpx.AsyncClient(base_url=served) as client:
        response = await client.post(
            "/graphql", content=b"[" * 50_000, headers={"content-type": "application/json"}
        )
    refused(response, 413, "PAYLOAD_TOO_LARGE")
