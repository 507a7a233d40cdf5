"""Reading source documents from local files or over HTTP, the same for every connector:
timeouts, retries with exponential backoff on transient failures, `Retry-After`
(RFC 9110 section 10.2.3), a per-source concurrency limit, and conditional requests
(ETag / Last-Modified, RFC 9110 section 13)."""

from __future__ import annotations

import asyncio
import email.utils
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import Message
from pathlib import Path
from typing import Any

import httpx

from connectors.config import SourceConfig
from models.redaction import redact

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class FetchError(RuntimeError):
    """A source document could not be read; the sync fails and keeps the last good data."""


class NotModified(Exception):
    """The source answered a conditional request with 304: nothing changed since."""


@dataclass(frozen=True, slots=True)
class Validators:
    """What a conditional request sends back: the document's ETag and Last-Modified."""

    etag: str | None = None
    last_modified: str | None = None

    def headers(self) -> dict[str, str]:
        found = {"If-None-Match": self.etag, "If-Modified-Since": self.last_modified}
        return {name: value for name, value in found.items() if value}

    def state(self) -> dict[str, object]:
        """The validators as checkpoint state (see `from_state`)."""
        return {"etag": self.etag, "last_modified": self.last_modified}

    @classmethod
    def from_state(cls, state: Mapping[str, object]) -> Validators:
        etag, modified = state.get("etag"), state.get("last_modified")
        return cls(
            etag if isinstance(etag, str) else None,
            modified if isinstance(modified, str) else None,
        )


@dataclass(frozen=True, slots=True)
class Document:
    """A fetched document and what identifies its version."""

    url: str
    content: bytes
    content_type: str | None = None
    validators: Validators = Validators()

    def text(self) -> str:
        """The content decoded with the charset its media type declares, else as UTF-8
        (a BOM is dropped); FetchError when it cannot be."""
        charset = None
        if self.content_type:
            header = Message()
            header["content-type"] = self.content_type
            charset = header.get_content_charset()
        codec = charset if charset and charset not in {"utf-8", "utf8"} else "utf-8-sig"
        try:
            return self.content.decode(codec)
        except (LookupError, UnicodeDecodeError) as error:
            raise FetchError(f"{self.url} cannot be decoded: {error}") from None


def http_client() -> httpx.AsyncClient:
    """The HTTP client connectors share during a sync."""
    return httpx.AsyncClient(
        timeout=DEFAULT_TIMEOUT,
        follow_redirects=True,
        headers={"User-Agent": "concilia-hub (+sync)"},
    )


Sleep = Callable[[float], Awaitable[None]]


class Fetcher:
    """Fetches one source's documents; connectors never call httpx themselves."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        *,
        attempts: int = 4,
        backoff: float = 0.5,
        max_delay: float = 60.0,
        concurrency: int = 4,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.client = client
        self.attempts = attempts
        self.backoff = backoff
        self.max_delay = max_delay
        self.sleep = sleep
        self._slots = asyncio.Semaphore(concurrency)

    async def read(self, source: SourceConfig, validators: Validators | None = None) -> Document:
        """The source's own document: a local file or a GET of its URL."""
        return await self.fetch(source.url, validators)

    async def fetch(self, location: str, validators: Validators | None = None) -> Document:
        """A document by location: an http(s) URL, or a local path (as feeds in files
        link their pages, e.g. RPDE `next`)."""
        if location.startswith(("http://", "https://")):
            return await self.get(location, validators=validators)
        path = Path(location.removeprefix("file://"))
        try:
            content = await asyncio.to_thread(path.read_bytes)
        except OSError as error:
            raise FetchError(f"cannot read {location}: {error.strerror or error}") from None
        return Document(url=str(path), content=content)

    async def get(
        self,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        validators: Validators | None = None,
    ) -> Document:
        """GET `url`; raises NotModified on 304 and FetchError when it cannot be read."""
        sent = {**(headers or {}), **(validators.headers() if validators else {})}
        return await self._request("GET", url, params=params, headers=sent)

    async def post_json(
        self, url: str, payload: object, *, headers: Mapping[str, str] | None = None
    ) -> Document:
        """POST a JSON body (a GraphQL request, say) with the same retry policy."""
        return await self._request("POST", url, json=payload, headers=dict(headers or {}))

    async def _request(self, method: str, url: str, **options: Any) -> Document:
        for attempt in range(1, self.attempts + 1):
            async with self._slots:
                try:
                    response = await self.client.request(method, url, **options)
                except httpx.TooManyRedirects as error:  # a loop: asking again loops again
                    raise FetchError(redact(f"cannot fetch {url}: {error}")) from None
                except httpx.TransportError as error:  # connection, timeout, truncated body
                    # httpx's messages may quote the URL, credentials included.
                    failure = redact(f"cannot fetch {url}: {error!r}")
                    delay = self._backoff(attempt)
                else:
                    if response.status_code == 304:
                        raise NotModified(url)
                    if response.is_success:
                        return _document(url, response)
                    failure = redact(f"{url} answered HTTP {response.status_code}{_said(response)}")
                    if response.status_code not in RETRY_STATUSES:
                        raise FetchError(failure)
                    delay = _retry_after(response) or self._backoff(attempt)
            if attempt == self.attempts:
                break
            if delay > self.max_delay:
                raise FetchError(f"{failure}; asked to retry after {delay:.0f} s, too long")
            log.info("%s; retrying in %.1f s (attempt %d)", failure, delay, attempt + 1)
            await self.sleep(delay)
        raise FetchError(f"{failure} (after {self.attempts} attempts)")

    def _backoff(self, attempt: int) -> float:
        return float(min(self.backoff * 2 ** (attempt - 1), self.max_delay))


def _document(url: str, response: httpx.Response) -> Document:
    return Document(
        url=str(response.url) or url,
        content=response.content,
        content_type=response.headers.get("content-type"),
        validators=Validators(response.headers.get("etag"), response.headers.get("last-modified")),
    )


# How much of an error answer's body a run's error keeps.
SAID_CHARS = 300


def _said(response: httpx.Response) -> str:
    """What an error answer says, when it is text: the API's own explanation ("invalid API
    key", a problem+json detail) is what an operator needs; collapsed and bounded."""
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if not (kind.startswith("text/") or kind.endswith(("json", "xml"))):
        return ""
    text = " ".join(response.content[: SAID_CHARS * 4].decode("utf-8", "replace").split())
    if not text or text.casefold() == response.reason_phrase.casefold():
        return ""  # nothing but the status's own name
    return f": {text[:SAID_CHARS]}{'...' if len(text) > SAID_CHARS else ''}"


def _retry_after(response: httpx.Response) -> float | None:
    """The delay a `Retry-After` header asks for: seconds, or an HTTP date."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
