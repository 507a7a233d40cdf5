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
from resolvers.availability import LiveAvailability
from resolvers.context import Context
from resolvers.queries import Sessions
from schema import HubSchema

_HTTP_CODES = {400: "BAD_REQUEST", 405: "METHOD_NOT_ALLOWED", 415: "UNSUPPORTED_MEDIA_TYPE"}


def error_response(status: int, message: str, code: str | None = None) -> Response:
    """A GraphQL-shaped JSON error for requests that never reach execution."""
    body = {"errors": [{"message": message, "extensions": {"code": code or _code(status)}}]}
    # RFC 9110 section 15.5.6: a 405 names the methods the resource supports.
    headers = {"Allow": "GET, POST"} if status == 405 else None
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def _code(status: int) -> str:
    return _HTTP_CODES.get(status, "BAD_REQUEST")


class GraphQLApp(GraphQL[Context, None]):
    """POST and GET queries, GraphiQL for browsers, a fresh Context per request."""

    def __init__(
        self, schema: HubSchema, sessions: Sessions, live: LiveAvailability | None = None
    ) -> None:
        super().__init__(schema, graphql_ide="graphiql", allow_queries_via_get=True)
        self.sessions = sessions
        self.live = live

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
        language = negotiate(request.headers.get("accept-language"))
        return Context(self.sessions, lang=language, live=self.live)

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        # orjson.JSONDecodeError is a json.JSONDecodeError, which the view maps to a 400;
        # unlike json.loads it also reports bodies that are not UTF-8 that way.
        return orjson.loads(data)

    def parse_json(self, data: str | bytes) -> Any:
        """The decoded body, which GraphQL over HTTP requires to be a JSON object."""
        value = super().parse_json(data)
        if not isinstance(value, dict | list):
            raise HTTPException(400, "The request body must be a JSON object")
        return value
