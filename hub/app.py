"""The Starlette application: /graphql (GraphiQL for browsers), /healthz, /readyz, /metrics
and /."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.config import ConfigError, SourceConfig, load_sources
from connectors.fetch import http_client
from connectors.live import LiveRefresher
from hub import graphiql, metrics
from hub.auth import Authentication, for_admins
from hub.graphql import GraphQLEndpoint
from hub.headers import SecurityHeaders, cors
from hub.home import home
from hub.http_limits import BoundedRequests, HTTPLimits
from hub.keys import Keys
from hub.observing import Observed
from hub.pipeline import Pipeline
from hub.ratelimit import RateLimiter
from hub.runtime import tune_gc
from hub.settings import Settings
from models.db import init_db, ping, session_factory
from models.redaction import redact
from resolvers.availability import LiveAvailability

log = logging.getLogger("concilia.hub")


def create_app(
    settings: Settings | None = None,
    *,
    engine: AsyncEngine | None = None,
    live: LiveAvailability | None = None,
) -> Starlette:
    """The hub as an ASGI app; it owns the engine it creates, not one it is given.

    Remaining places are refreshed live from the sources that declare
    `live_availability` (see connectors.live), unless a `live` refresher is given.
    """
    settings = settings or Settings()
    owned = engine is None
    db = engine or settings.engine()
    sessions = session_factory(db)
    client = http_client()
    if live is None:
        live = LiveRefresher.for_sources(client, sessions, _declared_sources(settings))
    pipeline = Pipeline.of(settings, sessions, live)
    ide = graphiql.load() if settings.serves_graphiql else None

    async def healthz(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> JSONResponse:
        try:
            await ping(db)
        except (SQLAlchemyError, OSError) as error:
            log.warning("database not reachable: %s", error)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
        return JSONResponse({"status": "ready", "database": "ok"})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if owned:
            await init_db(db)
        tune_gc()
        yield
        await pipeline.close()
        await client.aclose()
        if owned:
            await db.dispose()

    middleware = [
        # Outermost: every answer, refusals included, has a request id, a count, a log line.
        Middleware(Observed),
        Middleware(SecurityHeaders, production=settings.production),
        *filter(None, [cors(settings.allowed_origins())]),
        Middleware(BoundedRequests, limits=HTTPLimits.of(settings)),
        Middleware(
            Authentication,
            keys=Keys(sessions, settings.key_cache_ttl),
            limiter=RateLimiter(pipeline.cache.shared),
            policy=settings.rate_policy,
            paths=("/graphql", "/metrics"),
            on_limited=metrics.rate_limited,
        ),
    ]
    app = Starlette(
        routes=[
            Route(
                "/graphql", GraphQLEndpoint(pipeline, graphiql=ide, max_age=settings.cache_max_age)
            ),
            Route("/graphiql/{path:path}", graphiql.files(ide), methods=["GET"]),
            Route("/", home(graphiql=ide is not None), methods=["GET"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route(
                "/metrics",
                for_admins(metrics.endpoint(db)) if settings.production else metrics.endpoint(db),
                methods=["GET"],
            ),
        ],
        middleware=middleware,
        lifespan=lifespan,
    )
    app.state.pipeline = pipeline
    metrics.worker_started()
    return app


def _declared_sources(settings: Settings) -> list[SourceConfig]:
    """The sources file's declarations, for their live endpoints; none if it is unreadable
    (the hub serves what it has; `concilia sync` reports a bad sources file)."""
    try:
        return load_sources(settings.sources)
    except ConfigError as error:
        shown = redact(str(error), (settings.sources.resolve().parent,))
        log.warning("live availability off: %s", shown)
        return []
