"""A real HTTP server on 127.0.0.1 (uvicorn) serving programmable responses and faults,
for testing connectors and the fetcher against real HTTP: status codes, Retry-After,
timeouts (a response that never comes in time), truncated bodies, malformed documents.

    server.serve("/feed.json", {"items": []})            # the steady answer
    server.then("/feed.json", Reply(503, headers={"Retry-After": "2"}))  # one-shot first
    url = server.url("/feed.json")
"""

from __future__ import annotations

import asyncio
import socket
from collections import defaultdict, deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True)
class Reply:
    """A complete response."""

    status: int = 200
    body: bytes | str | dict[str, Any] | list[Any] = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None


@dataclass(frozen=True)
class Hang:
    """No response for `seconds` (longer than the client's timeout)."""

    seconds: float = 5.0


@dataclass(frozen=True)
class Truncated:
    """A response announcing `body` but closing the connection halfway through it."""

    body: bytes


Answer = Reply | Hang | Truncated


@dataclass(frozen=True)
class Seen:
    """A request the server received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


def _encode(reply: Reply) -> tuple[bytes, str]:
    if isinstance(reply.body, dict | list):
        return orjson.dumps(reply.body), reply.content_type or "application/json"
    if isinstance(reply.body, str):
        return reply.body.encode(), reply.content_type or "text/plain; charset=utf-8"
    return reply.body, reply.content_type or "application/octet-stream"


class FeedServer:
    """Answers each path with its queued one-shot answers, then its steady answer
    (404 when it has none); records every request."""

    def __init__(self) -> None:
        self.steady: dict[str, Answer] = {}
        self.queued: defaultdict[str, deque[Answer]] = defaultdict(deque)
        self.seen: list[Seen] = []
        self.base_url = ""

    def serve(
        self,
        path: str,
        body: bytes | str | dict[str, Any] | list[Any],
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str | None = None,
    ) -> None:
        self.steady[path] = Reply(status, body, headers or {}, content_type)

    def then(self, path: str, *answers: Answer) -> None:
        """Answers given once each, in order, before the steady one."""
        self.queued[path].extend(answers)

    def reset(self) -> None:
        """Forget every answer and request (between tests sharing the server)."""
        self.steady.clear()
        self.queued.clear()
        self.seen.clear()

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def hits(self, path: str) -> int:
        return sum(1 for request in self.seen if request.path == path)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        path = scope["path"]
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        query = scope["query_string"].decode()
        self.seen.append(Seen(scope["method"], path, query, headers, body))
        queue = self.queued.get(path)
        answer = queue.popleft() if queue else self.steady.get(path, Reply(404, "not found"))
        await self._answer(answer, send)

    async def _answer(self, answer: Answer, send: Send) -> None:
        if isinstance(answer, Hang):
            await asyncio.sleep(answer.seconds)
            answer = Reply(504, "too late")
        if isinstance(answer, Truncated):
            length = str(len(answer.body)).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-length", length)],
                }
            )
            await send(
                {
                    "type": "http.response.body",
                    "body": answer.body[: len(answer.body) // 2],
                    "more_body": True,
                }
            )
            raise ConnectionAbortedError("truncated on purpose")
        content, content_type = _encode(answer)
        headers = [(b"content-type", content_type.encode())]
        headers += [(k.lower().encode(), v.encode()) for k, v in answer.headers.items()]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": content})


async def running(server: FeedServer) -> AsyncIterator[FeedServer]:
    """Run `server` under uvicorn on a free 127.0.0.1 port until the iterator closes."""
    async for base_url in serving(server):
        server.base_url = base_url
        yield server


async def serving(
    app: ASGIApp, *, lifespan: bool = False, http: type[asyncio.Protocol] | str = "auto"
) -> AsyncIterator[str]:
    """Run an ASGI app under uvicorn on a free 127.0.0.1 port; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    host, port = sock.getsockname()
    config = uvicorn.Config(
        app,
        log_level="critical",
        lifespan="on" if lifespan else "off",
        access_log=False,
        http=http,
    )
    uv = uvicorn.Server(config)
    task = asyncio.create_task(uv.serve(sockets=[sock]))
    while not uv.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)  # uvicorn signals start-up only through this flag
    try:
        yield f"http://{host}:{port}"
    finally:
        uv.should_exit = True
        await task
        sock.close()
