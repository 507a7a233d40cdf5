"""Fixtures the connector tests share: an HTTP client with a short timeout, and a fetcher
whose backoff delays are recorded instead of waited out."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.fetch import Fetcher
from tests.utils.fetching import Sleeps


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    """One client per module: building one (its TLS context) costs more than most tests."""
    async with httpx.AsyncClient(timeout=httpx.Timeout(0.5)) as http:
        yield http


@pytest.fixture
def fetcher(client: httpx.AsyncClient, sleeps: Sleeps) -> Fetcher:
    return Fetcher(client, sleep=sleeps)
