"""The Starlette application: /graphql, /healthz, /readyz and /metrics."""

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
from hub import metrics
from hub.graphql import GraphQLEndpoint
from hub.http_limits import BoundedRequests, HTTPLimits
from hub.observing import Observed
from hub.pipeline import Pipeline
from hub.runtime import tune_gc
from hub.settings import Settings
from models.db import init_db, ping, session_factory
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

    app = Starlette(
        routes=[
            Route("/graphql", GraphQLEndpoint(pipeline, max_age=settings.cache_max_age)),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics.endpoint(db), methods=["GET"]),
        ],
        middleware=[
            Middleware(Observed),
            Middleware(BoundedRequests, limits=HTTPLimits.of(settings)),
        ],
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
        log.warning("live availability off: %s", error)
        return []
