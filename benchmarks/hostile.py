"""Hostile clients against a running hub: an attack corpus, while a client polls.

    .venv/bin/python -m benchmarks.hostile [--only NAME ...] [--list]
        [--database-url URL] [--workers N] [--max-seconds 900] [--hub-tree DIR]

Builds a temporary SQLite database from the demo sources (`concilia demo`, ~20 s; or uses
`--database-url`), starts `concilia serve` on a free 127.0.0.1 port with
`CONCILIA_BODY_TIMEOUT=2`, and starts a poller (its own process, one keep-alive
connection) sending `{ areas { area offeringCount } }` every 20 ms and `/healthz` every
tenth time. After a 3 s quiet baseline it records the server's RSS and runs the attacks one
after another, each on its own connection(s):

- every request must be answered within 1 s with a coded error: a JSON body with
  `errors[0].extensions.code`, not INTERNAL_SERVER_ERROR, no 5xx, no dropped connection
  (the client waits 5 s so it can say how long a late answer really took);
- slowloris (900 half-sent bodies) instead: every connection answered or closed within
  the body timeout + 1 s, and the poller's p99 under 200 ms meanwhile.

After each case the hub must answer /healthz within 15 s; a hub that died or hung is
restarted (and the case fails). 5 s after the last attack the RSS is read again.

Prints progress on stderr, then on stdout: a table (case, HTTP status, error code, seconds,
verdict, the expected answer, the poller's p99 during the case, a note), the poller's
latency during the attacks against the baseline, RSS before/after, and a last line

    hostile: N/M cases met; poller p99 X ms (target < 200); RSS ratio Y (target <= 1.10)

Exit code 0 when every case, the p99 and the RSS ratio meet their targets, 1 otherwise.
Only 127.0.0.1 traffic; the whole run is capped (`--max-seconds`), the server's process
group is always killed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.synchronize import Event
from pathlib import Path

import httpx
import orjson

from benchmarks import hostile_corpus as corpus

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

CLIENT_TIMEOUT = 5.0  # every request of the script gives up after this
ANSWER_WITHIN = 1.0  # the rule for every hostile request but slowloris
BODY_TIMEOUT = 2.0  # CONCILIA_BODY_TIMEOUT given to the server
RATE_LIMIT = "1000000000/minute"  # never reached, still counted
HEALTH_WAIT = 15.0  # after a case: longer without /healthz means hung, restart
CASE_CAP = 60.0  # wall time of one case, whatever it does
POLL_INTERVAL = 0.02
BASELINE_SECONDS = 3.0
SETTLE_SECONDS = 5.0
P99_TARGET_MS = 200.0
RSS_TARGET = 1.10
SLOWLORIS_CONNECTIONS = 900
HUGE_BODY_BYTES = 100 * 1024 * 1024
INTERNAL = "INTERNAL_SERVER_ERROR"

# Processes this script started (pid -> leads its own group), for the watchdog.
_CHILDREN: dict[int, bool] = {}


# --- results ---------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one case saw."""

    status: str = "-"
    code: str = "-"
    seconds: float = 0.0
    met: bool = False
    note: str = ""
    # Slowloris: its verdict also needs the poller's p99 over the case.
    needs_fast_poller: bool = False


@dataclass
class Record:
    """A case's outcome and the monotonic window it ran in (up to the hub's recovery)."""

    name: str
    expect: str
    outcome: Outcome
    start: float
    end: float
    poller_p99_ms: float | None = None


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    port: int

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    summary: str
    expect: str
    run: Callable[[Target], Awaitable[Outcome]]


def error_code(body: bytes) -> str | None:
    """`errors[0].extensions.code` of a JSON body, if there is one."""
    try:
        document = orjson.loads(body)
        code = document["errors"][0]["extensions"]["code"]
    except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
        return None
    return code if isinstance(code, str) else None


def judge(status: int | None, body: bytes, seconds: float, error: str | None) -> Outcome:
    """The general rule: answered within 1 s, with a code, neither internal nor 5xx."""
    shown = "-" if status is None else str(status)
    if error is not None:
        return Outcome(shown, "-", seconds, met=False, note=error)
    code = error_code(body)
    outcome = Outcome(shown, code or "-", seconds)
    if status is not None and status >= 500:
        outcome.note = "5xx"
    elif code is None:
        accepted = status == 200 and b'"data"' in body[:200]
        outcome.note = "accepted: data, no error" if accepted else "no extensions.code"
        outcome.note += f": {body[:60]!r}"
    elif code == INTERNAL:
        outcome.note = "internal error"
    elif seconds > ANSWER_WITHIN:
        outcome.note = f"answered after {seconds:.1f} s"
    else:
        outcome.met = True
    return outcome


# --- requests ------------------------------------------------------------------------


async def post_graphql(target: Target, body: bytes) -> Outcome:
    """One POST on a connection of its own."""
    async with httpx.AsyncClient(base_url=target.base, timeout=CLIENT_TIMEOUT) as client:
        start = time.perf_counter()
        try:
            async with asyncio.timeout(CLIENT_TIMEOUT):
                response = await client.post(
                    "/graphql", content=body, headers={"content-type": "application/json"}
                )
        except (TimeoutError, httpx.TimeoutException):
            return judge(None, b"", time.perf_counter() - start, "no answer in 5 s")
        except httpx.HTTPError as exc:
            return judge(None, b"", time.perf_counter() - start, f"dropped: {type(exc).__name__}")
        return judge(response.status_code, response.content, time.perf_counter() - start, None)


@dataclass
class RawResponse:
    status: int | None = None
    body: bytes = b""
    error: str | None = None
    seconds: float = 0.0
    sent: int = 0


class SocketReader:
    """Buffered reads on a non-blocking socket, independent of its writes: a server that
    answers early and closes makes our writes fail, and must not lose us its answer (an
    asyncio StreamReader would raise the write error instead of the buffered answer)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.loop = asyncio.get_running_loop()

    async def _more(self) -> None:
        data = await self.loop.sock_recv(self.sock, 65536)
        if not data:
            raise asyncio.IncompleteReadError(self.buffer, None)
        self.buffer += data

    async def readuntil(self, separator: bytes, limit: int = 1 << 20) -> bytes:
        while (index := self.buffer.find(separator)) < 0:
            if len(self.buffer) > limit:
                raise ValueError("response head too long")
            await self._more()
        end = index + len(separator)
        out, self.buffer = self.buffer[:end], self.buffer[end:]
        return out

    async def readexactly(self, size: int) -> bytes:
        while len(self.buffer) < size:
            await self._more()
        out, self.buffer = self.buffer[:size], self.buffer[size:]
        return out

    async def read_to_eof(self, limit: int = 1 << 20) -> bytes:
        with contextlib.suppress(asyncio.IncompleteReadError):
            while len(self.buffer) < limit:
                await self._more()
        out, self.buffer = self.buffer, b""
        return out


async def read_response(reader: SocketReader) -> tuple[int, bytes]:
    """An HTTP/1.1 response's status and body (Content-Length, chunked, or to EOF)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {
        name.strip().lower(): value.strip()
        for name, _, value in (line.partition(":") for line in lines[1:] if line)
    }
    if "content-length" in headers:
        return status, await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
        return status, b"".join(chunks)
    return status, await reader.read_to_eof()


async def connect(target: Target) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setblocking(False)
    try:
        async with asyncio.timeout(CLIENT_TIMEOUT):
            await asyncio.get_running_loop().sock_connect(sock, (target.host, target.port))
    except BaseException:
        sock.close()
        raise
    return sock


async def raw_exchange(
    target: Target, head: bytes, body: AsyncIterator[bytes] | None = None
) -> RawResponse:
    """Send `head` then `body` while reading the response: the answer may come (and the
    connection close) before the body is sent, which is the point."""
    result = RawResponse()
    start = time.perf_counter()
    try:
        sock = await connect(target)
    except (OSError, TimeoutError) as exc:
        result.error = f"no connection: {type(exc).__name__}"
        return result
    loop = asyncio.get_running_loop()
    write_error: list[str] = []

    async def send() -> None:
        try:
            await loop.sock_sendall(sock, head)
            result.sent += len(head)
            if body is not None:
                async for chunk in body:
                    await loop.sock_sendall(sock, chunk)
                    result.sent += len(chunk)
        except OSError as exc:
            write_error.append(type(exc).__name__)

    sender = asyncio.create_task(send())
    try:
        async with asyncio.timeout(CLIENT_TIMEOUT):
            result.status, result.body = await read_response(SocketReader(sock))
    except TimeoutError:
        result.error = "no answer in 5 s"
    except asyncio.IncompleteReadError:
        result.error = "closed without an answer"
    except (OSError, ValueError, IndexError) as exc:
        result.error = f"dropped: {type(exc).__name__}"
    finally:
        result.seconds = time.perf_counter() - start
        sender.cancel()
        with contextlib.suppress(BaseException):
            await sender
        sock.close()
    if result.error is not None and write_error:
        result.error += f" (our writes failed: {write_error[0]})"
    return result


def judge_raw(response: RawResponse) -> Outcome:
    outcome = judge(response.status, response.body, response.seconds, response.error)
    if response.sent > 2**20:
        sent = f"{response.sent / 2**20:.1f} MiB sent"
        outcome.note = f"{outcome.note}; {sent}" if outcome.note else sent
    return outcome


def request_head(method: str, target: Target, path: str, *headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {target.host}:{target.port}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


# --- cases that need raw sockets ------------------------------------------------------

_PAD_PREFIX = b'{"query": "{ areas { area } }", "variables": {"pad": "'
_PAD_SUFFIX = b'"}}'


async def padded_json(total: int) -> AsyncIterator[bytes]:
    """A valid JSON request of `total` bytes, most of it an unused variable."""
    yield _PAD_PREFIX
    remaining = total - len(_PAD_PREFIX) - len(_PAD_SUFFIX)
    block = b"a" * (256 * 1024)
    while remaining > 0:
        chunk = block[:remaining]
        remaining -= len(chunk)
        yield chunk
    yield _PAD_SUFFIX


async def chunked(parts: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """`parts` in chunked transfer encoding."""
    async for part in parts:
        yield f"{len(part):x}\r\n".encode() + part + b"\r\n"
    yield b"0\r\n\r\n"


async def huge_body_length(target: Target) -> Outcome:
    head = request_head(
        "POST",
        target,
        "/graphql",
        "Content-Type: application/json",
        f"Content-Length: {HUGE_BODY_BYTES}",
    )
    return judge_raw(await raw_exchange(target, head, padded_json(HUGE_BODY_BYTES)))


async def huge_body_chunked(target: Target) -> Outcome:
    head = request_head(
        "POST",
        target,
        "/graphql",
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
    )
    body = chunked(padded_json(HUGE_BODY_BYTES))
    return judge_raw(await raw_exchange(target, head, body))


async def long_url(target: Target) -> Outcome:
    path = "/graphql?query=%7B%20areas%20%7B%20area%20%7D%20%7D&pad="
    path += "a" * (100 * 1024 - len(path))
    head = request_head("GET", target, path, "Accept: application/json")
    return judge_raw(await raw_exchange(target, head))


def big_header_request(target: Target) -> bytes:
    """A small POST with a 64 KB header."""
    body = corpus.request(corpus.POLL_QUERY)
    head = request_head(
        "POST",
        target,
        "/graphql",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        "X-Padding: " + "a" * (64 * 1024),
    )
    return head + body


async def big_header(target: Target) -> Outcome:
    return judge_raw(await raw_exchange(target, big_header_request(target)))


async def trickle(data: bytes, piece: int = 4096, pause: float = 0.005) -> AsyncIterator[bytes]:
    """`data` in small writes, as a slow network delivers it."""
    for offset in range(0, len(data), piece):
        yield data[offset : offset + piece]
        await asyncio.sleep(pause)


async def big_header_trickled(target: Target) -> Outcome:
    """The 64 KB header again, arriving in 4 KB segments: the server cannot count on
    reading the whole head at once."""
    return judge_raw(await raw_exchange(target, b"", trickle(big_header_request(target))))


@dataclass
class Stalled:
    """One slowloris connection: when it was answered or closed, after its stall began."""

    outcome: str  # answered, closed, open, refused
    seconds: float = 0.0
    status: int | None = None
    code: str | None = None


async def _stall_one(target: Target, window: float) -> Stalled:
    head = request_head(
        "POST", target, "/graphql", "Content-Type: application/json", "Content-Length: 10000"
    )
    try:
        async with asyncio.timeout(CLIENT_TIMEOUT):
            reader, writer = await asyncio.open_connection(target.host, target.port)
    except (OSError, TimeoutError):
        return Stalled("refused")
    try:
        async with asyncio.timeout(CLIENT_TIMEOUT):
            writer.write(head + b'{"query": "{ ar')
            await writer.drain()
    except (OSError, TimeoutError):
        writer.close()
        return Stalled("refused")
    stalled = time.perf_counter()
    received = b""
    first: float | None = None
    try:
        with contextlib.suppress(TimeoutError, OSError):  # OSError: reset, a close too
            async with asyncio.timeout(window):
                while chunk := await reader.read(65536):
                    first = first if first is not None else time.perf_counter() - stalled
                    received += chunk
    finally:
        writer.close()
    closed_at = time.perf_counter() - stalled
    if first is None:
        return Stalled("closed" if closed_at < window else "open", closed_at)
    status = None
    if received.startswith(b"HTTP/"):
        with contextlib.suppress(ValueError, IndexError):
            status = int(received.split(b" ", 2)[1])
    start, end = received.find(b"{"), received.rfind(b"}")
    code = error_code(received[start : end + 1]) if 0 <= start < end else None
    return Stalled("answered", first, status, code)


async def slowloris(target: Target) -> Outcome:
    """900 connections that send headers announcing 10,000 bytes, then 15, then stall."""
    window = BODY_TIMEOUT + 1 + 2  # watch 2 s longer than the rule, to say how late
    start = time.perf_counter()
    stalls = await asyncio.gather(
        *(_stall_one(target, window) for _ in range(SLOWLORIS_CONNECTIONS))
    )
    kinds = Counter(s.outcome for s in stalls)
    statuses = Counter(str(s.status) for s in stalls if s.status is not None)
    codes = Counter(s.code for s in stalls if s.code is not None)
    limit = BODY_TIMEOUT + 1
    late = sum(1 for s in stalls if s.outcome in {"open", "refused"} or s.seconds > limit)
    worst = max((s.seconds for s in stalls), default=0.0)
    note = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
    note += f"; {late} not answered/closed within {limit:g} s"
    note += f"; slowest {worst:.1f} s; case took {time.perf_counter() - start:.1f} s"
    return Outcome(
        status=" ".join(f"{s}x{n}" for s, n in statuses.most_common(3)) or "-",
        code=codes.most_common(1)[0][0] if codes else "-",
        seconds=worst,
        met=late == 0,
        note=note,
        needs_fast_poller=True,
    )


def all_cases() -> list[Case]:
    """The corpus, in order."""

    def post(body: corpus.BodyBuilder) -> Callable[[Target], Awaitable[Outcome]]:
        async def run(target: Target) -> Outcome:
            return await post_graphql(target, body())

        return run

    graphql = [Case(c.name, c.summary, c.expect, post(c.body)) for c in corpus.graphql_cases()]
    by_name = {c.name: c for c in graphql}
    first = [by_name.pop(name) for name in list(by_name)[:7]]  # 1-4: documents
    raw = [
        Case(
            "huge-body-length",
            "100 MB POST with Content-Length",
            "413 PAYLOAD_TOO_LARGE",
            huge_body_length,
        ),
        Case(
            "huge-body-chunked",
            "100 MB POST, chunked",
            "413 PAYLOAD_TOO_LARGE",
            huge_body_chunked,
        ),
    ]
    head_cases = [
        Case("long-url", "GET /graphql?... of 100 KB", "414 URI_TOO_LONG", long_url),
        Case(
            "big-header",
            "a 64 KB header",
            "431 REQUEST_HEADER_FIELDS_TOO_LARGE",
            big_header,
        ),
        Case(
            "big-header-trickled",
            "a 64 KB header sent in 4 KB segments",
            "431 REQUEST_HEADER_FIELDS_TOO_LARGE",
            big_header_trickled,
        ),
        Case(
            "slowloris",
            f"{SLOWLORIS_CONNECTIONS} connections stalling mid-body",
            f"408 REQUEST_TIMEOUT after {BODY_TIMEOUT:g} s",
            slowloris,
        ),
    ]
    shape = [by_name.pop(name) for name in list(by_name) if name.startswith(("many", "deep"))]
    return first + raw + list(by_name.values()) + head_cases + shape


# --- the server ---------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def concilia() -> str:
    """The venv's `concilia` script, next to the running interpreter."""
    beside = Path(sys.executable).parent / "concilia"
    found = str(beside) if beside.exists() else shutil.which("concilia")
    if found is None:
        raise SystemExit("no `concilia` command: install the project in the venv")
    return found


def hub_env(tree: Path) -> dict[str, str]:
    """The environment running the hub from `tree` (this checkout, or --hub-tree)."""
    env = dict(os.environ)
    if tree != ROOT:  # its modules first, the venv's dependencies after
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tree), env.get("PYTHONPATH")]))
    return env


def build_database(directory: Path, tree: Path) -> str:
    url = f"sqlite+aiosqlite:///{directory / 'hub.db'}"
    print("building the demo database (concilia demo, ~20 s)...", file=sys.stderr, flush=True)
    env = {**hub_env(tree), "CONCILIA_DATABASE_URL": url}
    with (directory / "demo.log").open("wb") as log:
        done = subprocess.run(  # noqa: S603 - our own command line
            [concilia(), "demo"],
            env=env,
            cwd=tree,
            stdout=log,
            stderr=log,
            timeout=300,
            check=False,
        )
    if done.returncode != 0:
        tail = (directory / "demo.log").read_text(errors="replace")[-2000:]
        raise SystemExit(f"concilia demo failed:\n{tail}")
    return url


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def rss_kib(root: int) -> int:
    """VmRSS of a process and its descendants (uvicorn workers), KiB."""
    total = 0
    for pid in _descendants(root):
        with contextlib.suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) of a process and its descendants, seconds."""
    ticks = 0
    for pid in _descendants(root):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


class Server:
    """`concilia serve` in a process group of its own."""

    def __init__(self, database_url: str, workers: int | None, log_path: Path, tree: Path) -> None:
        self.target = Target(HOST, free_port())
        self.tree = tree
        self.env = {
            **hub_env(tree),
            "CONCILIA_DATABASE_URL": database_url,
            "CONCILIA_BODY_TIMEOUT": str(BODY_TIMEOUT),
            # Every client here is one address: the limits measured are the request's own,
            # not the rate limit's (which would answer the floods with 429 first).
            "CONCILIA_RATE_LIMIT_ANONYMOUS": RATE_LIMIT,
        }
        if workers is not None:
            self.env["CONCILIA_WORKERS"] = str(workers)
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.restarts = 0
        self.idle_cpu = 0.5  # share of a core while only the poller runs (set by baseline)

    def start(self) -> None:
        command = [concilia(), "serve", "--host", HOST, "--port", str(self.target.port)]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(  # noqa: S603 - our own command line
                command,
                env=self.env,
                cwd=self.tree,
                stdout=log,
                stderr=log,
                start_new_session=True,
            )
        _CHILDREN[self.process.pid] = True

    def stop(self, grace: float = 5.0) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        _CHILDREN.pop(process.pid, None)
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(wait)
                # the group may hold workers still: make sure with SIGKILL below
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def healthy(self, within: float) -> bool:
        """Whether /healthz answers 200 within `within` seconds."""
        deadline = time.monotonic() + within
        while self.alive:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            with contextlib.suppress(httpx.HTTPError, TimeoutError):
                async with (
                    httpx.AsyncClient(base_url=self.target.base, timeout=1.0) as client,
                    asyncio.timeout(min(1.0, remaining)),
                ):
                    if (await client.get("/healthz")).status_code == 200:
                        return True
            await asyncio.sleep(0.1)
        return False

    async def cpu_share(self, seconds: float) -> float:
        """The server's CPU use over the next `seconds`, in cores."""
        before = cpu_seconds(self.pid)
        await asyncio.sleep(seconds)
        return (cpu_seconds(self.pid) - before) / seconds

    async def settled(self, within: float) -> float | None:
        """Seconds until the server's CPU use is back to the poller's alone (work a case
        left running after its client gave up), None if not within `within`."""
        start = time.monotonic()
        while time.monotonic() - start < within and self.alive:
            if await self.cpu_share(0.5) <= self.idle_cpu + 0.15:
                return time.monotonic() - start
        return None

    async def restart(self) -> bool:
        self.stop(grace=1.0)
        self.restarts += 1
        self.start()
        return await self.healthy(60)

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


# --- the poller (a process of its own, so the attacks' CPU does not delay it) --------

Sample = tuple[float, float, str, bool]  # monotonic start, seconds, kind, ok


async def _poll(base: str, stop: Event, conn: Connection) -> list[Sample]:
    samples: list[Sample] = []
    body = corpus.request(corpus.POLL_QUERY)
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, timeout=CLIENT_TIMEOUT, limits=limits) as client:
        conn.send("ready")
        count = 0
        while not stop.is_set():
            kind = "healthz" if count % 10 == 9 else "graphql"
            count += 1
            started, clock = time.monotonic(), time.perf_counter()
            ok = False
            with contextlib.suppress(httpx.HTTPError, TimeoutError, orjson.JSONDecodeError):
                async with asyncio.timeout(CLIENT_TIMEOUT):
                    if kind == "graphql":
                        response = await client.post(
                            "/graphql", content=body, headers={"content-type": "application/json"}
                        )
                        document = orjson.loads(response.content)
                        ok = response.status_code == 200 and "errors" not in document
                    else:
                        ok = (await client.get("/healthz")).status_code == 200
            samples.append((started, time.perf_counter() - clock, kind, ok))
            await asyncio.sleep(POLL_INTERVAL)
    return samples


def poller_main(base: str, stop: Event, conn: Connection) -> None:
    """The poller process: poll until `stop`, then send the samples back."""
    conn.send(asyncio.run(_poll(base, stop, conn)))
    conn.close()


@dataclass
class Poller:
    base: str
    samples: list[Sample] = field(default_factory=list)

    def __post_init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.stop_event = context.Event()
        self.conn, child = context.Pipe(duplex=False)
        self.process = context.Process(
            target=poller_main, args=(self.base, self.stop_event, child), daemon=True
        )

    def start(self) -> None:
        self.process.start()
        if self.process.pid is not None:
            _CHILDREN[self.process.pid] = False
        if not self.conn.poll(60) or self.conn.recv() != "ready":
            raise RuntimeError("the poller did not start")

    def finish(self) -> None:
        self.stop_event.set()
        if self.conn.poll(CLIENT_TIMEOUT + 10):
            self.samples = self.conn.recv()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()

    def between(self, start: float, end: float) -> list[Sample]:
        """The samples started in [start, end)."""
        return [s for s in self.samples if start <= s[0] < end]

    def overlapping(self, start: float, end: float) -> list[Sample]:
        """The samples in flight at some time of [start, end)."""
        return [s for s in self.samples if s[0] < end and s[0] + s[1] > start]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)] if ordered else math.nan


def p99_ms(samples: Iterable[Sample]) -> float:
    return percentile([s[1] for s in samples], 0.99) * 1000


def latency_line(label: str, samples: list[Sample]) -> str:
    seconds = [s[1] for s in samples]
    errors = sum(1 for s in samples if not s[3])
    return (
        f"{label:<16} {len(samples):>7} {percentile(seconds, 0.5) * 1000:>8.1f} "
        f"{percentile(seconds, 0.99) * 1000:>8.1f} {max(seconds, default=math.nan) * 1000:>9.1f} "
        f"{errors:>7}"
    )


# --- the run ------------------------------------------------------------------------


def progress(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


async def run_case(case: Case, server: Server, budget: float) -> Record:
    start = time.monotonic()
    progress(f"- {case.name}: {case.summary}")
    try:
        async with asyncio.timeout(min(CASE_CAP, budget)):
            outcome = await case.run(server.target)
    except TimeoutError:
        outcome = Outcome(note=f"case stopped after {min(CASE_CAP, budget):.0f} s")
    except Exception as exc:  # a harness bug must not lose the other cases
        outcome = Outcome(note=f"harness error: {exc!r}")
    if not server.alive:
        outcome.met = False
        outcome.note += "; server DIED, restarted"
        await server.restart()
    elif not await server.healthy(HEALTH_WAIT):
        outcome.met = False
        outcome.note += f"; server HUNG (no /healthz in {HEALTH_WAIT:g} s), restarted"
        await server.restart()
    else:
        busy = await server.settled(HEALTH_WAIT)
        if busy is None:
            outcome.met = False
            outcome.note += f"; server still BUSY {HEALTH_WAIT:g} s after the case, restarted"
            await server.restart()
        elif busy > 1:
            outcome.note += f"; server busy {busy:.0f} s after the case"
    words = (word.strip("()") for word in case.expect.split())
    expected = [word for word in words if "_" in word and word.isupper()]
    if expected and outcome.code != "-" and outcome.code not in expected:
        outcome.note += f"; expected {'/'.join(expected)}"
    outcome.note = outcome.note.lstrip("; ")
    verdict = "met" if outcome.met else "FAILED"
    progress(f"  {outcome.status} {outcome.code} {outcome.seconds:.2f} s {verdict} {outcome.note}")
    return Record(case.name, case.expect, outcome, start, time.monotonic())


@dataclass
class Report:
    records: list[Record]
    baseline: list[Sample]
    attacks: list[Sample]
    rss_before: int
    rss_after: int | None
    restarts: int


def finalize(records: list[Record], poller: Poller) -> None:
    for record in records:
        window = poller.overlapping(record.start, record.end)
        record.poller_p99_ms = p99_ms(window) if window else None
        slow = record.poller_p99_ms is None or record.poller_p99_ms >= P99_TARGET_MS
        if record.outcome.needs_fast_poller and record.outcome.met and slow:
            record.outcome.met = False
            record.outcome.note += "; poller slow meanwhile"


def print_report(report: Report) -> bool:
    header = (
        f"{'case':<24} {'status':>10} {'code':<34} {'seconds':>7} {'verdict':<7} "
        f"{'expected':<36} {'poll p99':>8}  note"
    )
    print(header)
    print("-" * len(header))
    for r in report.records:
        o = r.outcome
        poll = "-" if r.poller_p99_ms is None else f"{r.poller_p99_ms:.0f}"
        print(
            f"{r.name:<24} {o.status:>10} {o.code:<34} {o.seconds:>7.2f} "
            f"{'met' if o.met else 'FAILED':<7} {r.expect:<36} {poll:>8}  {o.note}"
        )
    print()
    print(f"{'poller':<16} {'count':>7} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>9} {'errors':>7}")
    print(latency_line("quiet baseline", report.baseline))
    print(latency_line("during attacks", report.attacks))
    print()
    before = report.rss_before / 1024
    if report.rss_after is None:
        ratio = math.nan
        print(
            f"RSS before {before:.1f} MiB; after: n/a (the server was restarted "
            f"{report.restarts} time(s))"
        )
    else:
        ratio = report.rss_after / report.rss_before
        after = report.rss_after / 1024
        print(f"RSS before {before:.1f} MiB, after {after:.1f} MiB, ratio {ratio:.2f}")
    met = sum(1 for r in report.records if r.outcome.met)
    p99 = p99_ms(report.attacks) if report.attacks else math.nan
    print(
        f"hostile: {met}/{len(report.records)} cases met; poller p99 {p99:.0f} ms "
        f"(target < {P99_TARGET_MS:.0f}); RSS ratio {ratio:.2f} (target <= {RSS_TARGET:.2f})"
    )
    return met == len(report.records) and p99 < P99_TARGET_MS and ratio <= RSS_TARGET


async def attack(server: Server, cases: list[Case], deadline: float) -> Report:
    """Baseline, attacks, settle; the server is up and healthy."""
    poller = Poller(server.target.base)
    poller.start()
    records: list[Record] = []
    try:
        quiet = time.monotonic()
        server.idle_cpu = await server.cpu_share(BASELINE_SECONDS)
        progress(f"server CPU with the poller alone: {server.idle_cpu:.2f} cores")
        rss_before = rss_kib(server.pid)
        began = time.monotonic()
        for case in cases:
            budget = deadline - time.monotonic()
            if budget < 1:
                now = time.monotonic()
                records.append(
                    Record(case.name, case.expect, Outcome(note="not run: cap"), now, now)
                )
                continue
            records.append(await run_case(case, server, budget))
        ended = time.monotonic()
        progress(f"settling {SETTLE_SECONDS:g} s before reading RSS...")
        await asyncio.sleep(SETTLE_SECONDS)
        rss_after = rss_kib(server.pid) if server.restarts == 0 else None
    finally:
        poller.finish()
    finalize(records, poller)
    baseline = poller.between(quiet, quiet + BASELINE_SECONDS)
    attacks = poller.between(began, ended)
    return Report(records, baseline, attacks, rss_before, rss_after, server.restarts)


async def main_async(args: argparse.Namespace, cases: list[Case], directory: Path) -> bool:
    deadline = time.monotonic() + args.max_seconds
    tree = args.hub_tree.resolve() if args.hub_tree else ROOT
    database_url = args.database_url or build_database(directory, tree)
    server = Server(database_url, args.workers, directory / "server.log", tree)
    server.start()
    try:
        if not await server.healthy(60):
            progress(f"the hub did not start:\n{server.log_tail()}")
            return False
        progress(f"hub up on {server.target.base} (pid {server.pid}); 3 s quiet baseline...")
        report = await attack(server, cases, deadline)
    finally:
        server.stop()
    if server.restarts:
        progress(f"the server was restarted {server.restarts} time(s)")
    return print_report(report)


def raise_file_limit() -> None:
    """Room for the slowloris sockets (the server inherits it)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4 * SLOWLORIS_CONNECTIONS
    if soft != resource.RLIM_INFINITY and soft < wanted:
        ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))


def watchdog(seconds: float) -> None:
    """Whatever happens, end the process (and the server's group) after `seconds`."""

    def fire() -> None:
        print(f"hostile: run exceeded {seconds:.0f} s, aborted", file=sys.stderr, flush=True)
        for pid, group in list(_CHILDREN.items()):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL) if group else os.kill(pid, signal.SIGKILL)
        os._exit(2)

    timer = threading.Timer(seconds, fire)
    timer.daemon = True
    timer.start()


def parse_args(names: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="Run only this case (repeatable, or comma-separated); see --list.",
    )
    parser.add_argument("--list", action="store_true", help="List the cases and exit.")
    parser.add_argument("--database-url", help="Use this database instead of building one.")
    parser.add_argument("--workers", type=int, help="CONCILIA_WORKERS for the server.")
    parser.add_argument(
        "--hub-tree",
        type=Path,
        help="Serve the hub's code from this source tree (e.g. a `git archive` export of an "
        "older commit) with this venv's dependencies; default: this checkout.",
    )
    parser.add_argument(
        "--max-seconds", type=float, default=900.0, help="Cap of the whole run (default 900)."
    )
    args = parser.parse_args()
    if args.only:
        wanted = [n.strip() for value in args.only for n in value.split(",") if n.strip()]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            parser.error(f"unknown case(s) {', '.join(unknown)}; one of {', '.join(names)}")
        args.only = wanted
    return args


def main() -> int:
    cases = all_cases()
    args = parse_args([c.name for c in cases])
    if args.list:
        for case in cases:
            print(f"{case.name:<24} {case.summary}  [expect {case.expect}]")
        return 0
    if args.only:
        cases = [c for c in cases if c.name in args.only]
    raise_file_limit()
    watchdog(args.max_seconds + 420)  # the cap stops new cases; this stops everything
    with tempfile.TemporaryDirectory(prefix="hostile-") as directory:
        ok = asyncio.run(main_async(args, cases, Path(directory)))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
