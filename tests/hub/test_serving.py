"""The HTTP protocol `concilia serve` runs: a request head over the limits, or one that
does not arrive in time, is answered in JSON before the app sees it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

import orjson
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

import hub.serving
from hub.app import create_app
from hub.http_limits import HTTPLimits
from hub.serving import HubHttpProtocol
from tests.utils.server import serving

# A head timeout a loaded CI machine never reaches by accident; the stall test shortens it.
LIMITS = HTTPLimits(max_url_bytes=2_000, max_header_bytes=4_000, body_timeout=5.0)
STALLING = replace(LIMITS, body_timeout=0.3)


@pytest.fixture
def limits() -> HTTPLimits:
    return LIMITS


@pytest.fixture
async def served(
    demo_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch, limits: HTTPLimits
) -> AsyncIterator[str]:
    monkeypatch.setattr(hub.serving, "_limits", lambda: limits)
    app = create_app(engine=demo_engine)
    async for base_url in serving(app, http=HubHttpProtocol):
        yield base_url
    await app.state.pipeline.close()


async def exchange(base_url: str, request: bytes) -> tuple[int, dict[str, Any], float]:
    """Send raw bytes; the status, JSON body and seconds until the server closed."""
    url = urlsplit(base_url)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    started = time.monotonic()
    writer.write(request)
    await writer.drain()
    answer = await asyncio.wait_for(reader.read(), timeout=5)
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), orjson.loads(body), time.monotonic() - started


def code(body: dict[str, Any]) -> Any:
    [error] = body["errors"]
    return error["extensions"]["code"]


@pytest.mark.parametrize("length", [3_000, 100_000, 1_000_000])
async def test_a_url_over_the_limit_is_414_in_json(served: str, length: int) -> None:
    request = b"GET /graphql?query=" + b"a" * length + b" HTTP/1.1\r\nhost: hub\r\n\r\n"
    status, body, _ = await exchange(served, request)
    assert (status, code(body)) == (414, "URI_TOO_LONG")


async def test_headers_over_the_limit_are_431_in_json(served: str) -> None:
    request = b"GET /healthz HTTP/1.1\r\nhost: hub\r\nx-pad: " + b"a" * 2_000_000 + b"\r\n\r\n"
    status, body, _ = await exchange(served, request)
    assert (status, code(body)) == (431, "REQUEST_HEADER_FIELDS_TOO_LARGE")


@pytest.mark.parametrize("limits", [STALLING])
async def test_a_head_that_stalls_is_408_after_the_timeout(served: str) -> None:
    status, body, seconds = await exchange(served, b"GET /healthz HTTP/1.1\r\nhost: hub\r\n")
    assert (status, code(body)) == (408, "REQUEST_TIMEOUT")
    assert seconds >= STALLING.body_timeout


async def test_bytes_that_are_not_http_are_400_in_json(served: str) -> None:
    status, body, _ = await exchange(served, b"\x00\x01 nonsense\r\n\r\n")
    assert (status, code(body)) == (400, "BAD_REQUEST")


async def test_a_kept_alive_connection_serves_requests_one_after_another(served: str) -> None:
    url = urlsplit(served)
    reader, writer = await asyncio.open_connection(url.hostname, url.port)
    for _ in range(3):
        writer.write(b"GET /healthz HTTP/1.1\r\nhost: hub\r\n\r\n")
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
        assert head.startswith(b"HTTP/1.1 200")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.startswith(b"content-length")
        )
        await reader.readexactly(length)
    writer.close()
