"""The response cache: answers kept by (data version, document, variables, language, role).

A response is looked up before it is computed and stored after, when it has no errors.
Entries are never invalidated one by one: every sync and registry change moves the data
version (models.version), and the version is part of each key, so earlier answers stop
being found. The version is read from the database at most every `version_ttl` seconds
per process (one read shared by the requests that arrive meanwhile); an answer can outlive
a change by that long. Caches live in the process (a bounded LRU) and, when
CONCILIA_REDIS_URL is set, in Redis too, shared by every worker and replica.

Not cached: responses to documents that take a beneficiary profile (`eligibility`,
`eligibleFor`: a profile is never stored, not even as a cache entry), ask for live
availability (remaining places are refreshed from sources on read), or read the audit
trail (`changes`: who changed what is for admins, and `public` would let a shared HTTP
cache keep it).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast

import orjson
from graphql import (
    DocumentNode,
    FieldNode,
    ObjectFieldNode,
    OperationDefinitionNode,
    VariableDefinitionNode,
)
from graphql.language import Visitor, visit
from redis.asyncio import Redis
from redis.exceptions import RedisError

from hub import metrics
from models.reader import DATABASE_ERRORS, Reader
from models.version import READ

log = logging.getLogger("concilia.cache")

# Fields and inputs whose answers are never kept (see the module's docstring).
PRIVATE_FIELDS = frozenset({"eligibility", "availability", "changes"})
PRIVATE_INPUTS = frozenset({"eligibleFor", "BeneficiaryProfileInput"})
REDIS_PREFIX = "concilia:"
# How long Redis keeps an entry (the data version retires it earlier, usually).
REDIS_TTL = 3_600
REDIS_TIMEOUT = 0.25


class _Private(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_field(self, node: FieldNode, *_: Any) -> None:
        if node.name.value in PRIVATE_FIELDS:
            self.found = True

    def enter_object_field(self, node: ObjectFieldNode, *_: Any) -> None:
        if node.name.value in PRIVATE_INPUTS:
            self.found = True

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: Any) -> None:
        if _type_name(node.type) in PRIVATE_INPUTS:
            self.found = True


def _type_name(node: Any) -> str:
    while hasattr(node, "type"):
        node = node.type
    return str(node.name.value)


def cacheable(document: DocumentNode, operation: OperationDefinitionNode) -> bool:
    """Whether answers to this operation may be kept (its fragments included)."""
    finder = _Private()
    visit(operation, finder)
    for definition in document.definitions:
        if not isinstance(definition, OperationDefinitionNode):
            visit(definition, finder)
    return not finder.found


# How answers are written: a new hub whose answers differ for the same data (2: times in
# Rome's offset) must not serve, nor confirm with a 304, what an older one kept in Redis.
FORMAT = 2


def cache_key(
    version: int,
    document_hash: str,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    language: str,
    role: str,
    day: date,
) -> str | None:
    """The key of a response (also its ETag): a hash of everything it depends on (the day
    too: an offering past its last valid day leaves the lists at midnight); None for
    variables JSON cannot write back (nested past orjson's 255 levels), never a key."""
    try:
        parts = orjson.dumps(
            [FORMAT, version, document_hash, operation_name, variables or {}, language, role, day],
            option=orjson.OPT_SORT_KEYS,
        )
    except orjson.JSONEncodeError:
        return None
    return hashlib.sha256(parts).hexdigest()


class VersionClock:
    """The current data version, read at most every `ttl` seconds."""

    def __init__(self, reader: Reader, ttl: float) -> None:
        self.reader = reader
        self.ttl = ttl
        self._value: int | None = None
        self._read_at: float | None = None
        self._reading: asyncio.Future[int | None] | None = None

    async def current(self) -> int | None:
        """The version, or None when the database cannot say (then nothing is cached)."""
        now = asyncio.get_running_loop().time()
        if self._read_at is not None and now - self._read_at < self.ttl:
            return self._value
        if self._reading is None:
            self._reading = asyncio.ensure_future(self._read())
        return await asyncio.shield(self._reading)

    async def _read(self) -> int | None:
        try:
            found = await self.reader.statement_value(READ)
        except DATABASE_ERRORS as error:
            # Asked again after `ttl`, like a version read: not at every request.
            if self._value is not None or self._read_at is None:
                log.warning("data version unreadable, responses not cached: %s", error)
            self._value = None
        else:
            self._value = int(found or 0)
        finally:
            self._reading = None
        self._read_at = asyncio.get_running_loop().time()
        return self._value


class Shared:
    """Redis, when configured, under a prefix of the hub's database: hubs serving other
    databases can share one Redis without seeing each other's entries. Redis failing is
    logged and answered as a miss, never as an error of the request."""

    def __init__(self, redis: Redis | None, database_url: str = "") -> None:
        # The URL as SQLAlchemy prints it: its password masked.
        self.redis = redis
        database = hashlib.sha256(database_url.encode()).hexdigest()[:12]
        self.prefix = f"{REDIS_PREFIX}{database}:"

    async def get(self, kind: str, key: str) -> bytes | None:
        if self.redis is None:
            return None
        try:
            return cast("bytes | None", await self.redis.get(f"{self.prefix}{kind}:{key}"))
        except (RedisError, OSError, TimeoutError) as error:
            log.warning("Redis unavailable: %s", error)
            return None

    async def put(self, kind: str, key: str, value: bytes) -> None:
        if self.redis is None:
            return
        try:
            await self.redis.set(f"{self.prefix}{kind}:{key}", value, ex=REDIS_TTL)
        except (RedisError, OSError, TimeoutError) as error:
            log.warning("Redis unavailable: %s", error)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


class ResponseCache:
    """Responses by key: an LRU of at most `max_bytes` in the process, then Redis."""

    def __init__(self, max_bytes: int, shared: Shared | None = None) -> None:
        self.max_bytes = max_bytes
        self.shared = shared or Shared(None)
        self._entries: OrderedDict[str, bytes] = OrderedDict()
        self._size = 0

    @property
    def enabled(self) -> bool:
        """Off when its size is 0 (CONCILIA_RESPONSE_CACHE_MB=0), Redis or not."""
        return self.max_bytes > 0

    async def get(self, key: str) -> bytes | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
            metrics.cache_lookup("response", hit=True)
            return found
        shared = await self.shared.get("response", key)
        if shared is not None:
            self._keep(key, shared)
        metrics.cache_lookup("response", hit=shared is not None)
        return shared

    async def put(self, key: str, body: bytes) -> None:
        self._keep(key, body)
        await self.shared.put("response", key, body)

    def _keep(self, key: str, body: bytes) -> None:
        if len(body) > self.max_bytes:
            return
        previous = self._entries.pop(key, None)
        if previous is not None:
            self._size -= len(previous)
        self._entries[key] = body
        self._size += len(body)
        while self._size > self.max_bytes:
            _, evicted = self._entries.popitem(last=False)
            self._size -= len(evicted)


def redis_client(url: str | None) -> Redis | None:
    """A Redis client of CONCILIA_REDIS_URL, with short timeouts: a slow Redis must not
    slow requests down (a cache that does not answer in time is a miss)."""
    if not url:
        return None
    client: Redis = Redis.from_url(
        url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT
    )
    return client


@dataclass(frozen=True, slots=True)
class Kept:
    """An answer to a GET request, with the data version it was computed at."""

    version: int
    etag: str
    body: bytes


class UrlCache:
    """Answers to GET requests by their exact query string and language, in front of the
    pipeline: the portal sends the same URLs again and again, and a hit needs no decoding,
    parsing or hashing. Entries of an older data version are not served."""

    def __init__(self, size: int = 2_000, max_body: int = 256 * 1024) -> None:
        self.size = size
        self.max_body = max_body
        self._entries: OrderedDict[tuple[bytes, bytes], Kept] = OrderedDict()

    def get(self, key: tuple[bytes, bytes], version: int) -> Kept | None:
        kept = self._entries.get(key)
        if kept is None or kept.version != version:
            metrics.cache_lookup("url", hit=False)
            return None
        self._entries.move_to_end(key)
        metrics.cache_lookup("url", hit=True)
        return kept

    def put(self, key: tuple[bytes, bytes], kept: Kept) -> None:
        if len(kept.body) > self.max_body:
            return
        self._entries[key] = kept
        self._entries.move_to_end(key)
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
