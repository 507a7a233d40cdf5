"""Every request seen from the outside: it gets an id (X-Request-Id, echoed on its answer
and carried by every log record written while it is handled); once answered, it is
counted (hub.metrics) and gets its access line (hub.logs).

The outermost middleware, so that what the others refuse (limits, rate limits) is seen too.
"""

from __future__ import annotations

import logging
import time

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub import logs, metrics
from hub.http_limits import error_body

log = logging.getLogger("concilia.hub")

GRAPHQL_PATH = "/graphql"
# Refusals are small JSON bodies; their codes are read from at most this much of them.
MAX_READ_REFUSAL = 65_536
_INTERNAL = error_body("Internal server error.", "INTERNAL_SERVER_ERROR")


class Observed:
    """Gives each request its id; counts and logs it once it is answered."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        rid = logs.request_id_of(_header(scope, logs.REQUEST_ID_HEADER))
        id_header = (logs.REQUEST_ID_HEADER, rid.encode())
        status, size, refusal = 0, 0, bytearray()

        async def observed(message: Message) -> None:
            nonlocal status, size
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), id_header]}
            elif message["type"] == "http.response.body":
                body = message.get("body", b"")
                size += len(body)
                if status >= 400 and len(refusal) < MAX_READ_REFUSAL:
                    refusal.extend(body[:MAX_READ_REFUSAL])
            await send(message)

        noted = metrics.Exchange()
        rid_token, noted_token = logs.request_id.set(rid), metrics.current.set(noted)
        try:
            await self.app(scope, receive, observed)
        except Exception:
            log.exception("unhandled error answering %s %s", scope["method"], scope["path"])
            if status:  # the answer is under way: the server can only cut it
                raise
            await _internal_error(observed)
        finally:
            if refusal and not noted.codes:
                noted.codes.extend(_codes(bytes(refusal)))
            seconds = time.perf_counter() - started
            if scope["path"] == GRAPHQL_PATH:
                metrics.observe(noted, status, seconds)
            operation = metrics.operation_name(noted.operation)
            logs.access(scope["method"], scope["path"], status, seconds, operation, size)
            metrics.current.reset(noted_token)
            logs.request_id.reset(rid_token)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return bytes(value)
    return None


def _codes(body: bytes) -> list[str]:
    """The `extensions.code` of each error in a refusal's JSON body."""
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        return []
    errors = answer.get("errors") if isinstance(answer, dict) else None
    if not isinstance(errors, list):
        return []
    return [
        str(error["extensions"].get("code", "-"))
        for error in errors
        if isinstance(error, dict) and isinstance(error.get("extensions"), dict)
    ]


async def _internal_error(send: Send) -> None:
    """The answer to a request the app failed on: coded JSON, never a traceback."""
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(_INTERNAL))]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": _INTERNAL})
