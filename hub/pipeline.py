"""The request pipeline: from a GraphQL request to the bytes of its response.

    document (by text, or by hash when persisted) -> parsed, measured, validated once
      -> operation, cost with the variables -> response cache
      -> compiled plan (known documents) or graphql-core + strawberry (any document)
      -> response bytes

Every request is bounded before it runs (hub.limits) and while it runs (a timeout).
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeGuard, cast

import orjson
from graphql import GraphQLError, GraphQLSchema, execute
from graphql.execution.values import VariableValues, get_variable_values
from strawberry.execution.is_awaitable import optimized_is_awaitable

from hub import metrics
from hub.access import ANONYMOUS, Principal, refusal, without_suggestions
from hub.caching import ResponseCache, Shared, VersionClock, cache_key, redis_client
from hub.documents import Document, DocumentError, Documents, Operation
from hub.limits import LimitExceeded, Limits, check_cost, cost
from hub.settings import Settings
from models.db import engine_of
from models.enums import Language, Role
from models.reader import DATABASE_ERRORS, Reader
from models.types import local_today
from resolvers.availability import LiveAvailability
from resolvers.compiled import Compiled, Unsupported
from resolvers.context import Context
from resolvers.errors import DomainError
from resolvers.queries import Sessions
from schema import HubSchema, build_schema
from schema.errors import coded
from schema.plans import Planner, Template

log = logging.getLogger("concilia.pipeline")


@dataclass(frozen=True, slots=True)
class Budget:
    """What a request may use, besides the document limits."""

    limits: Limits = field(default_factory=Limits)
    # The cost limit of requests with a key (anonymous ones have `limits.max_cost`).
    key_max_cost: int | None = None
    execution_timeout: float = 10.0
    # Put `extensions.cost` in every response, not only in refused ones.
    report_cost: bool = False

    @classmethod
    def of(cls, settings: Settings) -> Budget:
        return cls(
            limits=settings.limits(),
            key_max_cost=settings.key_max_cost,
            execution_timeout=settings.execution_timeout,
            report_cost=settings.report_cost,
        )


@dataclass(frozen=True, slots=True)
class Compiling:
    """Whether and when documents are run by the compiled path (resolvers.compiled)."""

    enabled: bool = True
    # Requests of a document before it is planned (known documents are planned at once).
    hot_after: int = 2
    # Run the general executor too and answer an error when they differ (tests).
    verify: bool = False


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    """A GraphQL request as the transport decoded it (GraphQL over HTTP, or the CLI)."""

    query: str | None
    variables: Mapping[str, Any] | None = None
    operation_name: str | None = None
    extensions: Mapping[str, Any] | None = None
    # A persisted document's id (GraphQL over HTTP's `documentId`).
    document_id: str | None = None
    lang: Language = Language.IT
    # Whether the request may change data (POST) or only read it (GET).
    mutable: bool = True
    # Who asks (hub.access): what it may select, its cost budget; answers are cached per role.
    principal: Principal = ANONYMOUS
    # The ETags the client already holds (If-None-Match).
    if_none_match: str | None = None


@dataclass(frozen=True, slots=True)
class GraphQLResponse:
    """The response to a request: JSON bytes, and what HTTP needs to know about them."""

    body: bytes
    ok: bool = True
    # Whether the request failed before executing (parse, validation, limits, variables):
    # a request error in GraphQL over HTTP's sense, whose body has no `data` entry.
    request_error: bool = False
    # A request error's code (its first error's `extensions.code`).
    code: str | None = None
    # The request used an operation the transport must not run (a mutation over GET).
    not_allowed: bool = False
    # A cacheable answer's ETag (its cache key); the client's copy is current when
    # `not_modified` (nothing was executed, the body is empty).
    etag: str | None = None
    not_modified: bool = False
    # The data version a cacheable answer was computed at.
    version: int | None = None
    # The request selects what its key may not (hub.access): HTTP 403.
    forbidden: bool = False


class RequestError(Exception):
    """A request that cannot run: its errors carry their `extensions.code`."""

    def __init__(self, errors: list[GraphQLError]) -> None:
        super().__init__(errors[0].message)
        self.errors = errors


def error(message: str, code: str, **extensions: Any) -> GraphQLError:
    """A request error with its code."""
    return GraphQLError(message, extensions={"code": code, **extensions})


class Pipeline:
    """Runs GraphQL requests against one schema and database; shared by every request."""

    def __init__(
        self,
        schema: HubSchema,
        sessions: Sessions,
        *,
        budget: Budget | None = None,
        live: LiveAvailability | None = None,
        document_cache_size: int = 1_000,
        trusted_only: bool = False,
        compiled: Compiling | None = None,
        cache: ResponseCache | None = None,
        version_ttl: float = 1.0,
        production: bool = False,
    ) -> None:
        self.schema = schema
        self.graphql: GraphQLSchema = schema._schema
        self.sessions = sessions
        self.budget = budget or Budget()
        self.live = live
        self.documents = Documents(self.graphql, self.budget.limits, document_cache_size)
        # Only documents registered from a manifest may run (no text, no APQ).
        self.trusted_only = trusted_only
        self.compiling = compiled or Compiling()
        self.planner = Planner(schema)
        self.reader = Reader(engine_of(sessions))
        self.compiled = Compiled(self.reader) if self.compiling.enabled else None
        self.cache = cache or ResponseCache(0)
        self.clock = VersionClock(self.reader, version_ttl)
        # Production (hub.settings): introspection only for keys that allow it, and no
        # hints that spell out the schema to others.
        self.production = production
        # Requests answered by each executor ("compiled", "general").
        self.executed: Counter[str] = Counter()

    @classmethod
    def of(
        cls, settings: Settings, sessions: Sessions, live: LiveAvailability | None = None
    ) -> Pipeline:
        """The pipeline the settings describe, with their trusted documents loaded."""
        pipeline = cls(
            build_schema(),
            sessions,
            budget=Budget.of(settings),
            live=live,
            document_cache_size=settings.document_cache_size,
            trusted_only=settings.trusted_only,
            compiled=Compiling(
                enabled=settings.executor == "auto",
                hot_after=settings.hot_after,
                verify=settings.verify_compiled,
            ),
            cache=ResponseCache(
                settings.response_cache_mb * 2**20,
                Shared(redis_client(settings.redis_url), str(engine_of(sessions).url)),
            ),
            version_ttl=settings.cache_version_ttl,
            production=settings.production,
        )
        if settings.trusted_documents is not None:
            pipeline.documents.load_manifest(settings.trusted_documents)
        return pipeline

    async def run(self, request: GraphQLRequest) -> GraphQLResponse:
        """The response to a request; never raises for anything the client sent."""
        metrics.note_operation(request.operation_name)
        try:
            document = await self.document(request)
            operation = document.operation(request.operation_name)
            named = operation.node.name
            metrics.note_operation(named.value if named else None, known=document.known)
            if not operation.is_query and not request.mutable:
                only_queries = error("Only queries can be sent with GET.", "BAD_REQUEST")
                return replace(_refusal([only_queries]), not_allowed=True)
            forbidden = refusal(operation.guarded, request.principal, self.production)
            if forbidden is not None:
                return replace(_refusal([forbidden]), forbidden=True)
            spent = self.cost(document, operation, request)
        except (RequestError, DocumentError) as refused:
            errors = refused.errors
            if not request.principal.may_explore(self.production):
                errors = [without_suggestions(e) for e in errors]
            return _refusal(errors)
        extensions = {"cost": spent} if self.budget.report_cost else None
        return await self.answer(document, operation, request, extensions)

    async def answer(
        self,
        document: Document,
        operation: Operation,
        request: GraphQLRequest,
        extensions: dict[str, Any] | None,
    ) -> GraphQLResponse:
        """A valid request's answer: from the response cache, or executed (and kept)."""
        # A key serves the cache, and the ETag of a GET: a POST with the cache off needs none.
        keyed = self.cache.enabled or not request.mutable
        version = await self.clock.current() if keyed and operation.cacheable else None
        if version is None or not operation.is_query:
            return await self.bounded(document, operation, request, extensions)
        key = cache_key(
            version,
            document.sha256,
            request.operation_name,
            request.variables,
            request.lang.value,
            request.principal.role.value,
            local_today(),
        )
        if key is None:
            return await self.bounded(document, operation, request, extensions)
        etag = f'"{key[:32]}"'
        if matches(request.if_none_match, etag):
            return GraphQLResponse(b"", etag=etag, not_modified=True, version=version)
        cached = await self.cache.get(key) if self.cache.enabled else None
        if cached is not None:
            return GraphQLResponse(cached, etag=etag, version=version)
        response = await self.bounded(document, operation, request, extensions)
        if not response.ok:
            return response
        if self.cache.enabled:
            await self.cache.put(key, response.body)
        return replace(response, etag=etag, version=version)

    async def bounded(
        self,
        document: Document,
        operation: Operation,
        request: GraphQLRequest,
        extensions: dict[str, Any] | None,
    ) -> GraphQLResponse:
        """Execute within the execution timeout: past it, the work is cancelled."""
        try:
            async with asyncio.timeout(self.budget.execution_timeout):
                return await self.execute(document, operation, request, extensions)
        except TimeoutError:
            log.warning(
                "a request ran past the %ss execution timeout", self.budget.execution_timeout
            )
            timed_out = error(
                f"The request took longer than {self.budget.execution_timeout:g} s.",
                "EXECUTION_TIMEOUT",
            )
            return GraphQLResponse(_body(None, [timed_out], None), ok=False)

    async def execute(
        self,
        document: Document,
        operation: Operation,
        request: GraphQLRequest,
        extensions: dict[str, Any] | None,
    ) -> GraphQLResponse:
        """Run a valid operation: compiled when the document is known and the planner
        takes it, else by the general executor."""
        # GraphQL spec 6.1 (ExecuteRequest): variables that cannot be coerced are a
        # request error, answered before either executor runs.
        variables = get_variable_values(
            self.graphql, operation.node.variable_definitions or (), dict(request.variables or {})
        )
        if isinstance(variables, list):
            return _refusal([coded(e) for e in variables])
        if self.compiled is not None and (
            document.known or document.seen >= self.compiling.hot_after
        ):
            data = await self.compiled_data(self.compiled, document, operation, request, variables)
            if data is not None:
                if self.compiling.verify:
                    mismatch = await self.compare(data, document, request)
                    if mismatch is not None:
                        return mismatch
                self.executed["compiled"] += 1
                metrics.executed("compiled")
                return GraphQLResponse(_data_body(data, extensions))
        self.executed["general"] += 1
        metrics.executed("general")
        context = Context(
            self.sessions,
            lang=request.lang,
            live=self.live,
            role=request.principal.role,
            editor_of=request.principal.provider_id,
            actor=request.principal.actor,
        )
        data, errors = await self.general(document, request, context)
        return GraphQLResponse(_body(data, errors, extensions), ok=not errors)

    async def compiled_data(
        self,
        compiled: Compiled,
        document: Document,
        operation: Operation,
        request: GraphQLRequest,
        variables: VariableValues,
    ) -> bytes | None:
        """The JSON of `data` from the compiled path, or None when it does not take the
        request (the general executor then answers, errors included); `variables` are the
        request's, coerced."""
        name = request.operation_name
        if name not in document.plans:
            assert document.ast is not None
            try:
                document.plans[name] = self.planner.template(document.ast, operation.node)
            except Exception:
                # A planner's bug must not cost a valid request its answer: the general
                # executor answers it, and the log says what to fix.
                log.exception("the planner failed on %s", document.text[:200])
                document.plans[name] = None
        template: Template | None = document.plans[name]
        if template is None:
            return None
        plan = template.bind(variables, request.lang)
        if plan is None:
            return None
        try:
            prepared = compiled.prepare(plan)
        except (Unsupported, DomainError):
            return None
        try:
            return await compiled.data(prepared)
        except DATABASE_ERRORS:
            # The general executor runs it again: it gives the same masked error if the
            # database is down, and the answer if the statement was the problem.
            log.exception("compiled statement failed; running the general executor")
            return None

    async def compare(
        self, data: bytes, document: Document, request: GraphQLRequest
    ) -> GraphQLResponse | None:
        """Run the general executor too and compare (CONCILIA_VERIFY_COMPILED, for tests):
        a difference is answered as an internal error naming both results."""
        context = Context(self.sessions, lang=request.lang, live=self.live)
        general, errors = await self.general(document, request, context)
        compiled = orjson.loads(data)
        if not errors and same(compiled, general):
            return None
        log.error("compiled and general results differ for %s", document.text)
        message = (
            f"compiled and general executors differ: {orjson.dumps(compiled).decode()} "
            f"!= {orjson.dumps(general).decode()} {[e.message for e in errors]}"
        )
        different = error(message, "INTERNAL_SERVER_ERROR")
        return GraphQLResponse(_body(None, [different], None), ok=False)

    async def close(self) -> None:
        await self.reader.close()
        await self.cache.shared.close()

    async def document(self, request: GraphQLRequest) -> Document:
        """The request's document: its text, or a persisted document named by hash."""
        persisted = _persisted_hash(request)
        if persisted is None:
            if request.query is None:
                raise RequestError([error("The request has no `query`.", "BAD_REQUEST")])
            document = self.documents.get(request.query)
            if self.trusted_only and not document.known:
                raise RequestError(
                    [error("Only trusted documents are accepted here.", "DOCUMENT_NOT_TRUSTED")]
                )
        elif request.query is None:
            found = self.documents.by_id(persisted) or await self._shared_document(persisted)
            if found is None:
                raise RequestError([error("PersistedQueryNotFound", "PERSISTED_QUERY_NOT_FOUND")])
            document = found
        elif self.trusted_only:
            raise RequestError(
                [error("Only trusted documents are accepted here.", "DOCUMENT_NOT_TRUSTED")]
            )
        else:
            document = self._register(persisted, request.query)
            if document.known:
                await self.cache.shared.put("document", document.sha256, document.text.encode())
        document.seen += 1
        if document.errors:
            raise DocumentError(document.errors)
        return document

    async def _shared_document(self, digest: str) -> Document | None:
        """A persisted query another worker or replica registered (through Redis)."""
        text = await self.cache.shared.get("document", digest.lower())
        if text is None:
            return None
        document = self.documents.register(text.decode())
        return document if document.sha256 == digest.lower() else None

    def _register(self, digest: str, text: str) -> Document:
        """An automatic persisted query sent with its text: checked, then remembered."""
        document = self.documents.get(text)
        if document.sha256 != digest.lower():
            raise RequestError(
                [error("provided sha does not match query", "PERSISTED_QUERY_HASH_MISMATCH")]
            )
        if not document.errors:
            self.documents.register(text)
        return document

    def cost(self, document: Document, operation: Operation, request: GraphQLRequest) -> int:
        """The operation's cost with the request's variables; RequestError when over the
        limit of the request's principal."""
        limits = self.budget.limits
        if request.principal.role is not Role.ANONYMOUS and self.budget.key_max_cost:
            limits = replace(limits, max_cost=self.budget.key_max_cost)
        value = operation.shape.cost
        try:
            if value is None:  # the variables say how large it is (or how many representations)
                assert document.ast is not None
                value = cost(self.graphql, document.ast, operation.node, request.variables)
            check_cost(value, limits)
        except LimitExceeded as over:
            raise RequestError([GraphQLError(str(over), extensions=over.extensions)]) from None
        return value

    async def general(
        self, document: Document, request: GraphQLRequest, context: Context
    ) -> tuple[Any, list[GraphQLError]]:
        """Execute with graphql-core over strawberry's resolvers: any valid document."""
        assert document.ast is not None
        outcome = execute(
            self.graphql,
            document.ast,
            context_value=context,
            variable_values=dict(request.variables) if request.variables else None,
            operation_name=request.operation_name,
            is_awaitable=cast("Callable[[Any], TypeGuard[Awaitable[Any]]]", optimized_is_awaitable),
        )
        result = await outcome if isinstance(outcome, Awaitable) else outcome
        return result.data, [coded(e) for e in result.errors or ()]


def _refusal(errors: list[GraphQLError]) -> GraphQLResponse:
    """The response to a request error: its errors and no `data` entry, for the request
    stopped before execution (GraphQL spec 7.1.1, Data)."""
    metrics.note_errors(errors)
    code = (errors[0].extensions or {}).get("code") if errors else None
    return GraphQLResponse(
        orjson.dumps({"errors": [e.formatted for e in errors]}),
        ok=False,
        request_error=True,
        code=code if isinstance(code, str) else None,
    )


def _persisted_hash(request: GraphQLRequest) -> str | None:
    """The hash of a persisted document: GraphQL over HTTP's `documentId`, or Apollo's
    automatic persisted queries (`extensions.persistedQuery.sha256Hash`)."""
    if request.document_id is not None:
        return request.document_id
    persisted = (request.extensions or {}).get("persistedQuery")
    if persisted is None:
        return None
    if not isinstance(persisted, dict):
        persisted = {}
    digest = persisted.get("sha256Hash")
    if persisted.get("version", 1) != 1 or not isinstance(digest, str) or not digest:
        raise RequestError(
            [error("`persistedQuery` needs version 1 and a sha256Hash.", "BAD_REQUEST")]
        )
    return digest


def same(a: Any, b: Any) -> bool:
    """Equal JSON values, objects with their keys in the same order (GraphQL responses
    are ordered); numbers compare by value (45 and 45.0 are one number)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return bool(a == b)


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an If-None-Match header names this ETag (RFC 9110 section 13.1.2)."""
    if not if_none_match:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return etag in tags or "*" in tags


def _data_body(data: bytes, extensions: dict[str, Any] | None) -> bytes:
    if extensions:
        return b'{"data":' + data + b',"extensions":' + orjson.dumps(extensions) + b"}"
    return b'{"data":' + data + b"}"


def _body(data: Any, errors: list[GraphQLError], extensions: dict[str, Any] | None) -> bytes:
    response: dict[str, Any] = {"data": data}
    if errors:
        response["errors"] = [e.formatted for e in errors]
        metrics.note_errors(errors)
    if extensions:
        response["extensions"] = extensions
    return orjson.dumps(response)
