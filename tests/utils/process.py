"""`concilia serve` run as a real process on a free 127.0.0.1 port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

CONCILIA = Path(sys.executable).with_name("concilia")
# Worker processes each import the hub: on a busy machine that takes a while.
START_TIMEOUT = 120.0


def environment(database: Path | str, **settings: str) -> dict[str, str]:
    """This process's environment without CONCILIA_* settings, the hub pointed at a SQLite
    `database` file (or a database URL), and the given settings (`log_format="json"` is
    CONCILIA_LOG_FORMAT=json)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONCILIA_")}
    url = database if isinstance(database, str) else f"sqlite+aiosqlite:///{database}"
    env["CONCILIA_DATABASE_URL"] = url
    env.update({f"CONCILIA_{name.upper()}": value for name, value in settings.items()})
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Served:
    """A running `concilia serve`: its base URL and its process."""

    url: str
    process: subprocess.Popen[bytes]

    def wait_until(self, check: Callable[[], bool], what: str) -> None:
        """Poll `check` while the server starts (a real process: nothing to await)."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "the server exited"
            if check():
                return
            time.sleep(0.1)
        pytest.fail(f"the server did not {what} within {START_TIMEOUT:g} s")


@contextmanager
def concilia_serve(
    env: dict[str, str], output: Path, workers: int = 2, options: Sequence[str] = ()
) -> Iterator[Served]:
    """Run `concilia serve --workers N [options]`, its stdout and stderr into `output`,
    until the block ends (then SIGTERM); yields it once it answers /healthz."""
    port = str(free_port())
    command = [str(CONCILIA), "serve", "--host", "127.0.0.1", "--port", port, *options]
    with output.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [*command, "--workers", str(workers)], env=env, stdout=out, stderr=subprocess.STDOUT
        )
        served = Served(f"http://127.0.0.1:{port}", process)
        try:
            served.wait_until(lambda: _healthy(served.url), "answer /healthz")
            yield served
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _healthy(base_url: str) -> bool:
    try:
        return httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False
