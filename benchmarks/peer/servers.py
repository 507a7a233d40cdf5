"""The servers under test as child processes: free ports on 127.0.0.1, each server in a
process group of its own (stopped as a group), readiness checks, and CPU time of a process
tree read from /proc/<pid>/stat (utime + stime), as the shared harness's cpu_delta.py does."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

HOST = "127.0.0.1"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ServerError(RuntimeError):
    """A server did not start, or died."""


def free_port(taken: set[int]) -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (and not in `taken`)."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind((HOST, 0))
            port = int(probe.getsockname()[1])
        if port not in taken:
            taken.add(port)
            return port


@dataclass
class Server:
    """One started server: its base URL, its process (the root of its tree) and its log."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    command: list[str] = field(default_factory=list)

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def check_alive(self) -> None:
        code = self.process.poll()
        if code is not None:
            raise ServerError(
                f"{self.name} exited with status {code}; the end of {self.log}:\n{self.log_tail()}"
            )


def start(
    name: str,
    command: Sequence[str],
    *,
    port: int,
    env: Mapping[str, str],
    cwd: Path,
    log: Path,
) -> Server:
    """Starts `command` in a new session (so its process group is its own and a Ctrl-C in
    the terminal does not reach it), its output in `log`."""
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 - commands built by this package
            list(command),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(name, port, process, log, list(command))


def stop(server: Server, grace: float = 10.0) -> None:
    """SIGTERM to the server's process group, SIGKILL after `grace` seconds."""
    pgid = server.process.pid  # the session leader: its group id is its pid
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline and _group_alive(pgid):
            server.process.poll()
            time.sleep(0.05)
        if not _group_alive(pgid):
            break
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.process.wait(timeout=1)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def wait_ready(
    server: Server,
    *,
    path: str,
    body: bytes,
    timeout: float = 90.0,
) -> None:
    """POSTs `body` to `path` until the server answers anything but a 5xx (a hub that lacks a
    field answers with GraphQL errors: it is up; the answer is checked afterwards)."""
    deadline = time.monotonic() + timeout
    headers = {"content-type": "application/json", "accept": "application/json"}
    with httpx.Client(trust_env=False, timeout=10.0) as client:
        while time.monotonic() < deadline:
            server.check_alive()
            try:
                response = client.post(server.base + path, content=body, headers=headers)
            except httpx.TransportError:
                time.sleep(0.1)
                continue
            if response.status_code < 500:
                return
            time.sleep(0.1)
    raise ServerError(f"{server.name} was not ready after {timeout:.0f} s:\n{server.log_tail()}")


# ---------------------------------------------------------------- CPU time of process trees


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, utime + stime in clock ticks) of a process, None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rsplit(")", 1)[1].split()  # the command name may hold spaces and brackets
    return int(fields[1]), int(fields[11]) + int(fields[12])


def tree_ticks(root: int) -> dict[int, int]:
    """CPU ticks of `root` and of every process below it, by pid."""
    children: dict[int, list[int]] = defaultdict(list)
    ticks: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            found = _stat(int(entry.name))
            if found is not None:
                children[found[0]].append(int(entry.name))
                ticks[int(entry.name)] = found[1]
    result: dict[int, int] = {}
    pending = [root]
    while pending:
        pid = pending.pop()
        if pid in ticks and pid not in result:
            result[pid] = ticks[pid]
            pending.extend(children.get(pid, ()))
    return result


def cpu_percent(before: Mapping[int, int], after: Mapping[int, int], wall: float) -> float:
    """CPU use over `wall` seconds in % of one core: each process's ticks at the end minus
    at the start (processes born meanwhile count from 0; those that exited are not counted)."""
    if wall <= 0:
        return 0.0
    used = sum(max(0, ticks - before.get(pid, 0)) for pid, ticks in after.items())
    return 100.0 * used / CLOCK_TICKS / wall
