"""The fetcher against a real HTTP server on 127.0.0.1: retries, Retry-After, timeouts,
truncated bodies, conditional requests, the concurrency limit."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from connectors.config import SourceConfig
from connectors.fetch import Fetcher, FetchError, NotModified, Validators, http_client
from tests.utils.fetching import Sleeps
from tests.utils.server import FeedServer, Hang, Reply, Truncated


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.2)) as http:
        yield http


@pytest.fixture
def fetcher(client: httpx.AsyncClient, sleeps: Sleeps) -> Fetcher:
    return Fetcher(client, attempts=4, backoff=0.5, max_delay=30, sleep=sleeps)


async def test_success_returns_body_type_and_validators(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve("/a.json", {"ok": True}, headers={"ETag": '"v1"'})
    document = await fetcher.get(feed_server.url("/a.json"))
    assert document.content == b'{"ok":true}'
    assert document.content_type == "application/json"
    assert document.validators == Validators(etag='"v1"')


async def test_server_errors_are_retried_with_exponential_backoff(
    feed_server: FeedServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    feed_server.then("/a", Reply(500), Reply(502), Reply(504))
    feed_server.serve("/a", "fine")
    assert (await fetcher.get(feed_server.url("/a"))).content == b"fine"
    assert sleeps.delays == [0.5, 1.0, 2.0]
    assert feed_server.hits("/a") == 4


async def test_retry_after_is_honoured(
    feed_server: FeedServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    feed_server.then("/a", Reply(503, headers={"Retry-After": "7"}))
    feed_server.serve("/a", "fine")
    await fetcher.get(feed_server.url("/a"))
    assert sleeps.delays == [7.0]


async def test_retry_after_longer_than_allowed_fails_at_once(
    feed_server: FeedServer, fetcher: Fetcher, sleeps: Sleeps
) -> None:
    feed_server.serve("/a", "busy", status=503, headers={"Retry-After": "3600"})
    with pytest.raises(FetchError, match="retry after 3600"):
        await fetcher.get(feed_server.url("/a"))
    assert sleeps.delays == []


async def test_persistent_failure_gives_up_after_the_last_attempt(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve("/a", "down", status=500)
    with pytest.raises(FetchError, match=r"HTTP 500: down \(after 4 attempts\)"):
        await fetcher.get(feed_server.url("/a"))
    assert feed_server.hits("/a") == 4


async def test_client_errors_are_not_retried(feed_server: FeedServer, fetcher: Fetcher) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        await fetcher.get(feed_server.url("/missing"))
    assert feed_server.hits("/missing") == 1


async def test_failures_and_retries_are_reported_without_credentials(
    feed_server: FeedServer, fetcher: Fetcher, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="connectors.fetch")
    feed_server.serve("/a", "down", status=503)
    url = feed_server.url("/a?token=t0k").replace("://", "://hub:s3cret@")
    shown = feed_server.url("/a?token=***").replace("://", "://***@")

    with pytest.raises(FetchError) as raised:
        await fetcher.get(url)

    assert str(raised.value) == f"{shown} answered HTTP 503: down (after 4 attempts)"
    assert f"{shown} answered HTTP 503: down; retrying in 0.5 s" in caplog.text
    assert "s3cret" not in caplog.text
    assert "t0k" not in caplog.text


async def test_a_redirect_loop_fails_at_once_without_credentials(
    feed_server: FeedServer, sleeps: Sleeps
) -> None:
    feed_server.serve("/loop", "", status=302, headers={"Location": "/loop?token=t0k"})
    url = feed_server.url("/loop").replace("://", "://hub:s3cret@")

    async with http_client() as client:  # the sync's: it follows redirects
        with pytest.raises(FetchError) as raised:
            await Fetcher(client, sleep=sleeps).get(url)

    shown = feed_server.url("/loop").replace("://", "://***@")
    assert str(raised.value) == f"cannot fetch {shown}: Exceeded maximum allowed redirects."
    assert feed_server.hits("/loop") == 21  # the first request and httpx's 20 redirects
    assert sleeps.delays == []


async def test_timeout_is_retried_then_reported(feed_server: FeedServer, fetcher: Fetcher) -> None:
    feed_server.then("/slow", Hang(0.6))
    feed_server.serve("/slow", "late but fine")
    assert (await fetcher.get(feed_server.url("/slow"))).content == b"late but fine"


async def test_truncated_body_is_a_transport_failure(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve("/cut", "never whole", status=200)
    feed_server.then("/cut", *[Truncated(b'{"items": [1, 2, 3, 4]}')] * 4)
    with pytest.raises(FetchError, match="cannot fetch"):
        await fetcher.get(feed_server.url("/cut"))


async def test_conditional_request_sends_validators_and_reports_not_modified(
    feed_server: FeedServer, fetcher: Fetcher
) -> None:
    feed_server.serve("/a", b"", status=304)
    validators = Validators(etag='"v1"', last_modified="Wed, 25 Nov 2026 08:00:00 GMT")
    with pytest.raises(NotModified):
        await fetcher.get(feed_server.url("/a"), validators=validators)
    sent = feed_server.seen[-1].headers
    assert sent["if-none-match"] == '"v1"'
    assert sent["if-modified-since"] == "Wed, 25 Nov 2026 08:00:00 GMT"


async def test_concurrency_is_limited_per_fetcher(
    feed_server: FeedServer, client: httpx.AsyncClient
) -> None:
    feed_server.serve("/a", "x")
    fetcher = Fetcher(client, concurrency=2)
    original = client.request
    running, peak = 0, 0

    async def counting(*args: object, **kwargs: object) -> httpx.Response:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        try:
            return await original(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            running -= 1

    client.request = counting  # type: ignore[method-assign]
    await asyncio.gather(*(fetcher.get(feed_server.url("/a")) for _ in range(8)))
    assert peak == 2
    assert feed_server.hits("/a") == 8


async def test_local_files_are_read_and_missing_ones_reported(
    tmp_path: Path, fetcher: Fetcher
) -> None:
    path = tmp_path / "feed.json"
    path.write_bytes(b"{}")
    source = SourceConfig(name="local", kind="hsds", url=str(path))
    assert (await fetcher.read(source)).content == b"{}"
    missing = SourceConfig(name="gone", kind="hsds", url=str(path) + ".nope")
    with pytest.raises(FetchError, match="cannot read"):
        await fetcher.read(missing)
