"""Load runs: `bench.js` (autocannon) against one target, with the CPU time of the target's
process tree and of PostgreSQL measured around it."""

from __future__ import annotations

import json
import statistics
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.peer.servers import cpu_percent, tree_ticks

HERE = Path(__file__).resolve().parent
BENCH_JS = HERE / "bench.js"


@dataclass(frozen=True, slots=True)
class Request:
    """What every request of a target's runs is: method, full URL (a loopback one), the POST
    body, the answer every response must be (`check`: "bytes", byte for byte, or "json", the
    same JSON value whatever the whitespace), and whether each body is a never-seen document."""

    method: str
    url: str
    body: Path | None
    expected: Path
    unique: bool = False
    check: str = "bytes"


@dataclass
class Run:
    """One load run's summary (bench.js's JSON, with CPU figures added)."""

    target: str
    query: str
    repeat: int
    ok: bool
    summary: dict[str, Any]
    path: Path
    digest: str

    @property
    def req_per_sec(self) -> float:
        return float(self.summary.get("reqPerSec") or 0.0)


@dataclass
class Cell:
    """The measured runs of one target on one query."""

    target: str
    query: str
    runs: list[Run] = field(default_factory=list)
    failure: str | None = None

    def median_run(self) -> Run | None:
        """The run whose req/s is the median (the lower one of an even count)."""
        if not self.runs:
            return None
        ordered = sorted(self.runs, key=lambda run: run.req_per_sec)
        return ordered[(len(ordered) - 1) // 2]

    def median_req_per_sec(self) -> float | None:
        return statistics.median(run.req_per_sec for run in self.runs) if self.runs else None


def bench(
    *,
    name: str,
    request: Request,
    duration: float,
    connections: int,
    max_requests: int,
    out: Path,
    check_bodies: bool,
    node: str = "node",
) -> tuple[bool, dict[str, Any], str]:
    """One bench.js run: (no errors, its JSON summary, its one-line digest or error output)."""
    command = [
        node,
        str(BENCH_JS),
        "--name",
        name,
        "--url",
        request.url,
        "--method",
        request.method,
        "--connections",
        str(connections),
        "--duration",
        f"{duration:g}",
        "--max-requests",
        str(max_requests),
        "--out",
        str(out),
    ]
    if request.body is not None:
        command += ["--body-file", str(request.body)]
    if check_bodies:
        flag = "--expect-json" if request.check == "json" else "--expect"
        command += [flag, str(request.expected)]
    if request.unique:
        command.append("--unique")
    out.unlink(missing_ok=True)
    try:
        done = subprocess.run(  # noqa: S603 - node running this package's bench.js
            command,
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=duration + 60,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return False, {}, f"{name}: bench.js did not finish within {duration + 60:g} s"
    summary: dict[str, Any] = json.loads(out.read_text()) if out.exists() else {}
    digest = (done.stdout.strip() + "\n" + done.stderr.strip()).strip()
    return done.returncode == 0 and bool(summary), summary, digest


def measured_run(
    *,
    target: str,
    query: str,
    repeat: int,
    request: Request,
    server_pid: int,
    postgres_pid: int | None,
    duration: float,
    connections: int,
    max_requests: int,
    out: Path,
    node: str = "node",
) -> Run:
    """A run without body checks, with the CPU use of the server's process tree and of
    PostgreSQL's (when it runs on this machine) over the run added to its JSON."""
    server0 = tree_ticks(server_pid)
    postgres0 = tree_ticks(postgres_pid) if postgres_pid else {}
    wall0 = time.monotonic()
    ok, summary, digest = bench(
        name=f"{target}/{query}",
        request=request,
        duration=duration,
        connections=connections,
        max_requests=max_requests,
        out=out,
        check_bodies=False,
        node=node,
    )
    wall = time.monotonic() - wall0
    server1 = tree_ticks(server_pid)
    postgres1 = tree_ticks(postgres_pid) if postgres_pid else {}
    summary.update(
        target=target,
        query=query,
        run=repeat,
        serverCpuPct=cpu_percent(server0, server1, wall),
        serverProcesses=len(server1),
        postgresCpuPct=cpu_percent(postgres0, postgres1, wall) if postgres_pid else None,
        ok=ok,
    )
    out.write_text(json.dumps(summary, indent=2) + "\n")
    return Run(target, query, repeat, ok, summary, out, digest)
