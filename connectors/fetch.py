"""Reading a source document from a local file or over HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from connectors.config import SourceConfig

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class FetchError(RuntimeError):
    """A source document could not be read; the sync fails and keeps the last good data."""


def http_client() -> httpx.AsyncClient:
    """The HTTP client connectors share during a sync."""
    return httpx.AsyncClient(
        timeout=DEFAULT_TIMEOUT,
        follow_redirects=True,
        headers={"User-Agent": "concilia-hub (+sync)"},
    )


async def fetch_document(source: SourceConfig, client: httpx.AsyncClient) -> bytes:
    """The bytes at the source's URL, or FetchError with the reason."""
    if not source.is_remote:
        try:
            return await asyncio.to_thread(Path(source.url).read_bytes)
        except OSError as error:
            raise FetchError(f"cannot read {source.url}: {error.strerror or error}") from None
    try:
        response = await client.get(source.url)
        response.raise_for_status()
    except httpx.HTTPStatusError as error:
        raise FetchError(f"{source.url} answered HTTP {error.response.status_code}") from None
    except httpx.HTTPError as error:
        raise FetchError(f"cannot fetch {source.url}: {error!r}") from None
    return response.content
