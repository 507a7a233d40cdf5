"""Bounds on what a client can make the server read: URL, headers, body size and time.

An ASGI middleware in front of every route. A request over a bound is answered at once
with a GraphQL-shaped JSON error (413, 414, 431, or 408 for a body that does not arrive in
time) and its connection closed, without reading the rest: a client sending a 100 MB body,
or a body one byte a minute, costs the hub one small response.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.settings import Settings

_REASONS = {
    400: ("BAD_REQUEST", "The request is not valid HTTP."),
    408: ("REQUEST_TIMEOUT", "The request body did not arrive within {limit:g} s."),
    413: ("PAYLOAD_TOO_LARGE", "The request body is larger than {limit:,} bytes."),
    414: ("URI_TOO_LONG", "The URL is longer than {limit:,} bytes."),
    431: ("REQUEST_HEADER_FIELDS_TOO_LARGE", "The request headers exceed {limit:,} bytes."),
}


@dataclass(frozen=True, slots=True)
class HTTPLimits:
    """The bounds; each is a setting (hub.settings)."""

    max_body_bytes: int = 1_048_576
    body_timeout: float = 10.0
    max_url_bytes: int = 16_384
    max_header_bytes: int = 16_384

    @classmethod
    def of(cls, settings: Settings) -> HTTPLimits:
        return cls(
            max_body_bytes=settings.max_body_bytes,
            body_timeout=settings.body_timeout,
            max_url_bytes=settings.max_url_bytes,
            max_header_bytes=settings.max_header_bytes,
        )


class _Refused(Exception):
    def __init__(self, status: int, limit: float) -> None:
        super().__init__(status)
        self.status, self.limit = status, limit


def error_body(message: str, code: str) -> bytes:
    """The JSON of a request refused before reaching GraphQL (GraphQL-shaped, coded)."""
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


def refusal(status: int, limit: float) -> bytes:
    """The JSON body of a request refused for a bound."""
    code, message = _REASONS[status]
    return error_body(message.format(limit=limit), code)


class BoundedRequests:
    """Refuses requests over the bounds and cuts bodies that are too large or too slow."""

    def __init__(self, app: ASGIApp, limits: HTTPLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limits = self.limits
        refused = self._check_head(scope)
        if refused is not None:
            await _answer(send, refused)
            return
        started = False

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        deadline = asyncio.get_running_loop().time() + limits.body_timeout
        received = 0

        async def bounded_receive() -> Message:
            nonlocal received
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise _Refused(408, limits.body_timeout) from None
            received += len(message.get("body", b""))
            if received > limits.max_body_bytes:
                raise _Refused(413, limits.max_body_bytes)
            return message

        try:
            await self.app(scope, bounded_receive, tracked_send)
        except _Refused as refusal_:
            if started:  # the response is under way: all that is left is to stop
                raise
            await _answer(send, refusal_)

    def _check_head(self, scope: Scope) -> _Refused | None:
        limits = self.limits
        url = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        if url > limits.max_url_bytes:
            return _Refused(414, limits.max_url_bytes)
        headers = scope.get("headers") or ()
        if sum(len(name) + len(value) for name, value in headers) > limits.max_header_bytes:
            return _Refused(431, limits.max_header_bytes)
        for name, value in headers:
            if name == b"content-length":
                try:
                    length = int(value)
                except ValueError:
                    return None  # the server itself rejects a malformed length
                if length > limits.max_body_bytes:
                    return _Refused(413, limits.max_body_bytes)
        return None


async def _answer(send: Send, refused: _Refused) -> None:
    body = refusal(refused.status, refused.limit)
    await send(
        {
            "type": "http.response.start",
            "status": refused.status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                # The unread rest of the request makes the connection unusable.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
