"""How `concilia serve` runs the hub under uvicorn: workers, the fast event loop and HTTP
parser, and a protocol that bounds what a client can make the server read.

uvicorn's own HTTP protocol reads a request line and headers of any length, keeps a
connection whose headers arrive a byte at a time forever, and answers what its parser
refuses with plain text. HubHttpProtocol stops reading at the URL and header limits,
answers in JSON (414, 431, 400), and closes a connection whose request head has not
arrived within the body timeout (408). Bodies are bounded by hub.http_limits.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
from functools import cache
from multiprocessing.connection import wait
from multiprocessing.process import BaseProcess
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from hub import logs, metrics
from hub.http_limits import HTTPLimits, refusal
from hub.settings import Settings
from models.db import create_engine, init_db

log = logging.getLogger("concilia.serve")


@cache
def _limits() -> HTTPLimits:
    # uvicorn makes protocols itself, in each worker: they read the settings there.
    return HTTPLimits.of(Settings())


class _Refused(Exception):
    pass


# After refusing a request, what the client still sends is read and dropped for this long
# before closing: closing with unread data would reset the connection and could destroy
# the answer before the client reads it (a "lingering close").
LINGER = 1.0


class HubHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the hub's bounds on the request head."""

    _status = 400
    _head_bytes = 0
    _head_timer: asyncio.TimerHandle | None = None
    _lingering = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        if self._lingering:
            return
        if self._head_timer is None and (self.cycle is None or self.cycle.response_complete):
            self._arm()  # the first bytes of the next request on a kept-alive connection
        super().data_received(data)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._status, self._head_bytes = 400, 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        if len(self.url) > _limits().max_url_bytes:
            self._status = 414
            raise _Refused

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value)
        if self._head_bytes > _limits().max_header_bytes:
            self._status = 431
            raise _Refused
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        """What the parser refuses, in JSON: a URL or headers over the limits, or a
        request that is not HTTP."""
        del msg
        limits = _limits()
        if self._status == 414:
            body = refusal(414, limits.max_url_bytes)
        elif self._status == 431:
            body = refusal(431, limits.max_header_bytes)
        else:
            body = refusal(400, 0)
        self._answer(self._status, body)

    def _arm(self) -> None:
        self._head_timer = self.loop.call_later(_limits().body_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_too_slow(self) -> None:
        self._head_timer = None
        if self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            return  # a request is being served: the body's own timeout applies
        self._answer(408, refusal(408, _limits().body_timeout))

    def _answer(self, status: int, body: bytes) -> None:
        reason = {400: b"Bad Request", 408: b"Request Timeout", 414: b"URI Too Long"}.get(
            status, b"Request Header Fields Too Large"
        )
        head = [b"HTTP/1.1 %d %s\r\n" % (status, reason)]
        head += [
            name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers
        ]
        # The app never sees this request: its id and access line are given here.
        rid = logs.request_id_of(None)
        head += [
            b"content-type: application/json\r\n",
            b"content-length: %d\r\n" % len(body),
            b"x-request-id: %s\r\n" % rid.encode(),
            b"connection: close\r\n\r\n",
        ]
        self.transport.write(b"".join(head) + body)
        logs.access("-", "-", status, 0.0, "-", len(body), request=rid)
        self._lingering = True
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER, self.transport.close)


def worker_count(settings: Settings, workers: int | None) -> int:
    """Server processes: the option, else CONCILIA_WORKERS, else one per core."""
    return workers or settings.workers or os.cpu_count() or 1


def serve(settings: Settings, host: str, port: int, processes: int) -> None:
    """Run the hub with `processes` workers until it is stopped."""
    from hub.app import create_app  # noqa: PLC0415 - the CLI's other commands need no app

    # Built here first, so that a bad setting is one line on stderr, not one per worker.
    app = create_app(settings)
    if processes > 1:
        # Migrated once, here, rather than by every worker at the same moment.
        asyncio.run(_init_db(settings.database_url))
    if processes == 1:
        uvicorn.run(app, host=host, port=port, **_uvicorn_options(settings))
        return
    # Each worker keeps its counts there; a scrape of any of them adds them all up.
    with metrics.worker_directory():
        if hasattr(socket, "SO_REUSEPORT"):
            Workers(settings, host, port, processes).run()
        else:
            uvicorn.run(
                "hub.app:create_app",
                factory=True,
                workers=processes,
                host=host,
                port=port,
                **_uvicorn_options(settings),
            )


async def _init_db(url: str) -> None:
    engine = create_engine(url)
    try:
        await init_db(engine)
    finally:
        await engine.dispose()


def _uvicorn_options(settings: Settings) -> dict[str, Any]:
    access_log = settings.access_log if settings.access_log is not None else not settings.production
    return {
        "http": "hub.serving:HubHttpProtocol",
        "log_level": settings.log_level,
        "log_config": logs.uvicorn_log_config(
            settings.log_format, settings.log_level, access=access_log
        ),
        # The hub writes its own access line (hub.observing): no query string in it.
        "access_log": False,
    }


class Workers:
    """Worker processes that each listen on the port with SO_REUSEPORT.

    uvicorn's own workers share one listening socket, and whichever wakes first accepts: a
    client with a few keep-alive connections often ended up on one worker while the other
    idled (two workers measured no faster than one). With a socket per worker the kernel
    spreads connections over them. A worker that dies is started again; SIGINT or SIGTERM
    stops them all, each finishing its requests.
    """

    def __init__(self, settings: Settings, host: str, port: int, processes: int) -> None:
        self.settings = settings
        self.host, self.port = host, port
        self.processes = processes
        self._context = multiprocessing.get_context("spawn")
        self._stopping = False

    def run(self) -> None:
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGINT, signal.SIGTERM)}
        workers = [self._start() for _ in range(self.processes)]
        try:
            while not self._stopping:
                wait([w.sentinel for w in workers], timeout=1.0)
                for index, worker in enumerate(workers):
                    if not worker.is_alive() and not self._stopping:
                        log.warning(
                            "worker %s exited (%s); starting another", worker.pid, worker.exitcode
                        )
                        _exited(worker)
                        workers[index] = self._start()
        finally:
            for worker in workers:
                if worker.is_alive():
                    worker.terminate()
            for worker in workers:
                worker.join(timeout=30)
                if worker.is_alive():
                    worker.kill()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _stop(self, *_: Any) -> None:
        self._stopping = True

    def _start(self) -> BaseProcess:
        worker = self._context.Process(
            target=_worker,
            args=(self.host, self.port, _uvicorn_options(self.settings)),
            daemon=False,
        )
        worker.start()
        return worker


def _exited(worker: BaseProcess) -> None:
    if worker.pid is not None:
        metrics.worker_exited(worker.pid)


def _worker(host: str, port: int, options: dict[str, Any]) -> None:
    """One worker: its own socket on the shared port, and a uvicorn server on it."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    config = uvicorn.Config("hub.app:create_app", factory=True, host=host, port=port, **options)
    uvicorn.Server(config).run(sockets=[sock])
