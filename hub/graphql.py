"""The GraphQL-over-HTTP endpoint: strawberry's ASGI view with the hub's context and errors."""

from __future__ import annotations

from typing import Any

import orjson
from cross_web import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from hub.language import negotiate
from resolvers.context import Context
from resolvers.queries import Sessions
from schema import HubSchema

_HTTP_CODES = {400: "BAD_REQUEST", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


def error_response(status: int, message: str, code: str | None = None) -> Response:
    """A GraphQL-shaped JSON error for requests that never reach execution."""
    body = {"errors": [{"message": message, "extensions": {"code": code or _code(status)}}]}
    return Response(orjson.dumps(body), status_code=status, media_type="application/json")


def _code(status: int) -> str:
    return _HTTP_CODES.get(status, "BAD_REQUEST")


class GraphQLApp(GraphQL[Context, None]):
    """POST and GET queries, GraphiQL for browsers, a fresh Context per request."""

    def __init__(self, schema: HubSchema, sessions: Sessions) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        try:
            response = await self.run(Request(scope=scope, receive=receive))
        except HTTPException as error:
            response = error_response(error.status_code, error.reason)
        await response(scope, receive, send)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        del response
        return Context(self.sessions, lang=negotiate(request.headers.get("accept-language")))

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)
