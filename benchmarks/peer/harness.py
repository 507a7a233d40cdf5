"""The peer benchmark end to end: Node dependencies, the two databases, the servers, the
checked answers, body-checked warm-ups, the interleaved measured runs and the report.
Everything it starts (databases, processes) is removed again, whatever happens."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any
from urllib.parse import quote, urlencode

import asyncpg
import httpx

from benchmarks.peer import catalogue, floor
from benchmarks.peer.load import Cell, Request, bench, measured_run
from benchmarks.peer.report import Ratio, ceiling_values, ratio_values, table
from benchmarks.peer.servers import HOST, Server, ServerError, free_port, start, stop, wait_ready

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
QUERIES_DIR = HERE / "queries"

TARGETS = (
    "postgraphile",
    "hub-compiled",
    "hub-general",
    "hub-cached-get",
    "static-get",
    "hub-workers",
    "hub-general-workers",
)
MODES: dict[str, tuple[str, ...]] = {
    "compiled": ("postgraphile", "hub-compiled"),
    "general": ("postgraphile", "hub-general"),
    "cached-get": ("hub-cached-get", "static-get"),
    # Workers scale what the server process spends: the general executor, CPU-bound in
    # Python. The compiled path leaves most of the work to PostgreSQL on the same cores.
    "workers": ("hub-general", "hub-general-workers", "hub-compiled", "hub-workers"),
}
QUERIES = ("q1_flat", "q2_nested")
DESCRIPTIONS = {
    "q1_flat": "50 offerings, scalar fields",
    "q2_nested": "50 offerings + provider + locations",
}
# Which server answers each target.
SERVER_OF = {
    "postgraphile": "postgraphile",
    "hub-compiled": "hub",
    "hub-general": "hub",
    "hub-cached-get": "hub-cached",
    "static-get": "static",
    "hub-workers": "hub-workers",
    "hub-general-workers": "hub-workers",
}
PAGE = 50


@dataclass
class Options:
    """What the command line asked for (see __main__)."""

    pg: str = "postgresql://postgres@127.0.0.1:5432/postgres"
    hub_db: str = "postgresql"
    targets: tuple[str, ...] = TARGETS
    modes: tuple[str, ...] = tuple(MODES)
    queries: tuple[str, ...] = QUERIES
    duration: float = 10.0
    warmup: float = 5.0
    repeat: int = 3
    connections: int = 32
    max_requests: int = 1_000_000
    pool: int = 10
    workers: int | None = None
    workers_check: int = 2
    skip_workers: bool = False


class BenchmarkError(RuntimeError):
    """The benchmark cannot go on."""


def log(message: str) -> None:
    print(f"[peer {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def document(path: Path) -> str:
    """A .graphql file without its comment lines (as the shared harness's to_body.py)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("#")).strip()


def post_body(query: str) -> bytes:
    """The JSON POST body of every run: {"query": ...} (byte for byte what to_body.py writes)."""
    return json.dumps({"query": query}).encode("utf-8")


def get_query_string(query: str) -> str:
    return urlencode({"query": query}, quote_via=quote)


def postgraphile_items(raw: bytes) -> list[Any]:
    """The 50 nodes of PostGraphile's answer; ValueError unless it is a clean 50-node result."""
    answer = json.loads(raw)
    if answer.get("errors"):
        raise ValueError(f"errors: {json.dumps(answer['errors'])[:500]}")
    nodes = answer["data"]["allOfferings"]["nodes"]
    if len(nodes) != PAGE:
        raise ValueError(f"{len(nodes)} nodes, not {PAGE}")
    return list(nodes)


def hub_items(raw: bytes) -> list[Any]:
    """The 50 offerings of the hub's answer (`nodes`); ValueError unless it is a clean
    50-item result."""
    try:
        answer = json.loads(raw)
    except json.JSONDecodeError as error:
        raise ValueError(f"not JSON ({error}): {raw[:200]!r}") from None
    if not isinstance(answer, dict) or answer.get("errors") or not answer.get("data"):
        raise ValueError(f"errors: {json.dumps(answer)[:500]}")
    items = list(answer["data"]["offerings"]["nodes"])
    if len(items) != PAGE:
        raise ValueError(f"{len(items)} offerings, not {PAGE}")
    return items


def _version(package: str) -> str:
    try:
        manifest = json.loads((HERE / "node_modules" / package / "package.json").read_text())
    except (OSError, ValueError):
        return "?"
    return str(manifest.get("version", "?"))


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM raises KeyboardInterrupt, so the clean-up runs as for Ctrl-C."""

    def interrupt(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@dataclass
class Harness:
    options: Options
    work: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="concilia-peer-")))
    servers: dict[str, Server] = field(default_factory=dict)
    databases: list[str] = field(default_factory=list)
    ports: set[int] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    requests: dict[tuple[str, str], Request] = field(default_factory=dict)
    cells: dict[tuple[str, str], Cell] = field(default_factory=dict)
    node: str = "node"
    postgres_pid: int | None = None
    hub_url: str = ""
    peer_url: str = ""
    hub_variant: dict[str, str] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)
    # Per query: req/s graphql-core alone allows a new document (benchmarks.peer.floor).
    ceilings: dict[str, float] = field(default_factory=dict)

    # ------------------------------------------------------------ the whole run

    def run(self) -> int:
        """The benchmark; 0 when every check and run was clean, 1 otherwise."""
        for name in ("results", "logs", "bodies", "answers"):
            (self.work / name).mkdir(parents=True, exist_ok=True)
        targets = self.selected_targets()
        log(f"targets {', '.join(targets)}; queries {', '.join(self.options.queries)}")
        log(f"work directory {self.work}")
        with _sigterm_as_interrupt():
            try:
                self.node_dependencies()
                self.databases_up()
                live = self.check_answers(self.servers_up(targets))
                self.warm_up(live)
                self.measure(live)
            finally:
                self.clean_up()
        if "hub-general" in targets and "postgraphile" in targets:
            # Measured here, once the servers are stopped: this process has a core to itself.
            log("measuring graphql-core's ceiling for a new document (benchmarks.peer.floor)")
            for query in self.options.queries:
                text = document(QUERIES_DIR / "hub" / f"{query}.graphql")
                self.ceilings[query] = floor.ceiling(text)
        self.report(targets)
        return 1 if self.failures else 0

    def selected_targets(self) -> list[str]:
        wanted = {target for mode in self.options.modes for target in MODES[mode]}
        targets = [t for t in TARGETS if t in self.options.targets and t in wanted]
        for workers in ("hub-workers", "hub-general-workers"):
            if self.options.skip_workers and workers in targets:
                targets.remove(workers)
            elif workers in targets and not self.hub_has_workers_option():
                self.notes.append(f"{workers} skipped: `concilia serve` has no --workers option")
                targets.remove(workers)
        if self.options.workers is not None and not self.hub_has_workers_option():
            raise BenchmarkError("--workers given, but `concilia serve` has no --workers option")
        if not targets:
            raise BenchmarkError("no target left to measure (see --targets, --modes)")
        return targets

    def hub_has_workers_option(self) -> bool:
        if "workers_option" not in self.facts:
            env = {**self.base_env(), "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "200"}
            done = subprocess.run(  # noqa: S603 - the hub's own command
                [str(self.concilia()), "serve", "--help"],
                capture_output=True,
                text=True,
                env=env,
                cwd=REPO,
                timeout=60,
                check=False,
            )
            self.facts["workers_option"] = "--workers" in done.stdout
        return bool(self.facts["workers_option"])

    # ------------------------------------------------------------ setting up

    def node_dependencies(self) -> None:
        node, npm = shutil.which("node"), shutil.which("npm")
        if node is None:
            raise BenchmarkError("node is not on PATH (Node 20 is needed)")
        self.node = node
        ready = (HERE / "node_modules" / ".bin" / "postgraphile").exists() and (
            HERE / "node_modules" / "autocannon" / "package.json"
        ).exists()
        if ready:
            return
        if npm is None:
            raise BenchmarkError("npm is not on PATH and benchmarks/peer/node_modules is missing")
        log("npm ci in benchmarks/peer (postgraphile 4.14.1, autocannon 9.0.0)")
        subprocess.run(  # noqa: S603 - npm installing this package's lock file
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=HERE,
            stdout=sys.stderr,
            check=True,
            timeout=900,
        )

    def databases_up(self) -> None:
        options = self.options
        catalogue.check_loopback(options.pg)
        peer = catalogue.unique_name("pg")
        hub = catalogue.unique_name("hub") if options.hub_db == "postgresql" else None
        self.peer_url = catalogue.database_url(options.pg, peer, "postgresql")
        if hub is None:
            self.hub_url = f"sqlite+aiosqlite:///{self.work / 'hub.db'}"
        else:
            self.hub_url = catalogue.database_url(options.pg, hub, "postgresql+asyncpg")

        async def main() -> None:
            for name in (peer, hub):
                if name is not None:
                    await catalogue.create_database(options.pg, name)
                    self.databases.append(name)
            log(f"peer database {peer}: schema.sql + seed.sql")
            counts = await catalogue.load_peer(self.peer_url)
            self.facts["seed"] = counts
            bundle = await catalogue.hsds_bundle(self.peer_url)
            started = time.monotonic()
            log(f"hub database {hub or self.hub_url}: init_db + sync of the HSDS bundle")
            load = await catalogue.load_hub(self.hub_url, bundle, self.work)
            self.facts["hub_sync"] = {**asdict(load), "seconds": time.monotonic() - started}
            log(
                f"hub sync {load.status}: {load.created} records created ({load.offerings}"
                f" offerings, {load.offering_locations} offering locations) in"
                f" {self.facts['hub_sync']['seconds']:.1f} s"
            )
            await catalogue.maintain(self.peer_url)
            if hub is not None:
                await catalogue.maintain(catalogue.database_url(options.pg, hub, "postgresql"))
            self.postgres_pid = await catalogue.postmaster_pid(options.pg)
            connection = await asyncpg.connect(options.pg)
            try:
                self.facts["postgres"] = str(await connection.fetchval("SHOW server_version"))
            finally:
                await connection.close()

        asyncio.run(main())

    def base_env(self) -> dict[str, str]:
        """This process's environment without CONCILIA_* settings (each server gets its own)."""
        return {k: v for k, v in os.environ.items() if not k.startswith("CONCILIA_")}

    def concilia(self) -> Path:
        found = Path(sys.executable).with_name("concilia")
        return found if found.exists() else REPO / ".venv" / "bin" / "concilia"

    def servers_up(self, targets: list[str]) -> list[str]:
        """Starts the servers of `targets`; the targets whose servers are ready."""
        needed = {SERVER_OF[target] for target in targets}
        if "static" in needed:
            needed.add("hub-cached")  # static-get serves the cached hub's bytes
        starters: dict[str, Callable[[], Server]] = {
            "postgraphile": self.start_postgraphile,
            "hub": lambda: self.start_hub("hub", {"CONCILIA_RESPONSE_CACHE_MB": "0"}),
            "hub-cached": lambda: self.start_hub("hub-cached", {}),
            "hub-workers": lambda: self.start_hub(
                "hub-workers", {"CONCILIA_RESPONSE_CACHE_MB": "0"}, self.options.workers_check
            ),
        }
        for name, starter in starters.items():
            if name in needed:
                self.servers[name] = starter()
        first = self.options.queries[0]
        live = list(targets)
        for name, server in self.servers.items():
            folder = "postgraphile" if name == "postgraphile" else "hub"
            body = post_body(document(QUERIES_DIR / folder / f"{first}.graphql"))
            try:
                wait_ready(server, path="/graphql", body=body)
            except ServerError as error:
                for target in [t for t in live if SERVER_OF[t] == name]:
                    for query in self.options.queries:
                        self.fail(target, query, str(error))
                    live.remove(target)
                if name == "hub-cached" and "static-get" in live:
                    for query in self.options.queries:
                        self.fail("static-get", query, f"hub-cached did not start: {error}")
                    live.remove("static-get")
                continue
            log(f"{name} ready on {server.base} (pid {server.process.pid})")
        return live

    def start_postgraphile(self) -> Server:
        port = free_port(self.ports)
        url = self.peer_url.replace("postgresql://", "postgres://", 1)
        command = [
            str(HERE / "node_modules" / ".bin" / "postgraphile"),
            "-c",
            url,
            "--host",
            HOST,
            "--port",
            str(port),
            "--max-pool-size",
            str(self.options.pool),
            "--disable-query-log",
            "--simple-collections",
            "both",
            "--disable-graphiql",
        ]
        self.facts["postgraphile_command"] = "NODE_ENV=production postgraphile " + " ".join(
            command[1:]
        )
        env = {**self.base_env(), "NODE_ENV": "production"}
        log(f"starting PostGraphile on {HOST}:{port}")
        return start(
            "postgraphile",
            command,
            port=port,
            env=env,
            cwd=HERE,
            log=self.work / "logs" / "postgraphile.log",
        )

    def start_hub(self, name: str, extra: dict[str, str], workers: int | None = None) -> Server:
        port = free_port(self.ports)
        command = [str(self.concilia()), "serve", "--host", HOST, "--port", str(port)]
        env = {
            **self.base_env(),
            "CONCILIA_DATABASE_URL": self.hub_url,
            "CONCILIA_ENV": "production",
            # One load generator is one address: the limiter still counts every request
            # (its cost is in the figures) but never refuses one.
            "CONCILIA_RATE_LIMIT_ANONYMOUS": "1000000000/minute",
            **extra,
        }
        processes = workers if workers is not None else self.options.workers
        if processes is not None:
            command += ["--workers", str(processes)]
        else:
            # `serve` defaults to one process per core where --workers exists: the single-
            # process figures ask for one through the hub's own setting.
            env["CONCILIA_WORKERS"] = "1"
        settings = " ".join(f"{k}={v}" for k, v in sorted(env.items()) if k.startswith("CONCILIA_"))
        self.facts[f"{name}_command"] = f"{settings} concilia " + " ".join(command[1:])
        log(f"starting the hub ({name}) on {HOST}:{port}")
        return start(
            name, command, port=port, env=env, cwd=REPO, log=self.work / "logs" / f"{name}.log"
        )

    # ------------------------------------------------------------ answers

    def fetch(self, method: str, url: str, body: bytes | None = None) -> tuple[int, bytes]:
        headers = {"accept": "application/json"}
        if body is not None:
            headers["content-type"] = "application/json"
        with httpx.Client(trust_env=False, timeout=60.0) as client:
            response = client.request(method, url, content=body, headers=headers)
        return response.status_code, response.content

    def save(self, name: str, raw: bytes) -> Path:
        path = self.work / "answers" / name
        path.write_bytes(raw)
        return path

    def hub_query(self, query: str) -> str:
        """The hub's document for `query` (queries/hub/), checked once to answer 50 items."""
        if query in self.hub_variant:
            return self.hub_variant[query]
        server = next(
            (
                s
                for n, s in self.servers.items()
                if n.startswith("hub") and s.process.poll() is None
            ),
            None,
        )
        if server is None:
            raise BenchmarkError("no hub server is running")
        text = document(QUERIES_DIR / "hub" / f"{query}.graphql")
        status, raw = self.fetch("POST", server.base + "/graphql", post_body(text))
        try:
            hub_items(raw)
        except (ValueError, KeyError, TypeError) as error:
            raise BenchmarkError(f"the hub answers {query} with HTTP {status}: {error}") from None
        self.hub_variant[query] = text
        return text

    def check_answers(self, targets: list[str]) -> list[str]:
        """The request of every target and query, each answer checked (a wrong one is a
        failure of that target and query); the targets with a request left.
        The hub's answers must all be the same JSON value; where their bytes differ (the
        hub's execution paths format JSON differently) a note says so, and the warm-ups of
        hub targets compare JSON values rather than bytes."""
        for query in self.options.queries:
            first: tuple[str, Any, bytes] | None = None
            for target in targets:
                try:
                    request = self.request_for(target, query)
                except (BenchmarkError, ServerError, ValueError, KeyError, TypeError) as error:
                    self.fail(target, query, f"answer check: {error}")
                    continue
                self.requests[target, query] = request
                raw = request.expected.read_bytes()
                if target == "postgraphile":
                    continue
                data = json.loads(raw)["data"]
                if first is None:
                    first = (target, data, raw)
                elif first[1] != data:
                    del self.requests[target, query]
                    self.fail(target, query, f"its data differ from {first[0]}'s")
                elif first[2] != raw:
                    self.notes.append(
                        f"{query}: {target} answers the same JSON as {first[0]} in other bytes"
                        f" ({len(raw)} vs {len(first[2])}): the hub formats its paths' answers"
                        " differently; hub warm-ups compare JSON values"
                    )
            self.compare_catalogues(query)
        return [t for t in targets if any((t, q) in self.requests for q in self.options.queries)]

    def request_for(self, target: str, query: str) -> Request:
        server = self.servers[SERVER_OF[target]] if target != "static-get" else None
        if target == "postgraphile":
            assert server is not None
            text = document(QUERIES_DIR / "postgraphile" / f"{query}.graphql")
            body = self.body_file(f"postgraphile-{query}.json", post_body(text))
            url = server.base + "/graphql"
            status, raw = self.fetch("POST", url, body.read_bytes())
            postgraphile_items(raw)
            expected = self.save(f"postgraphile-{query}.json", raw)
            log(f"{query}: PostGraphile answers {PAGE} nodes, {len(raw)} bytes (HTTP {status})")
            return Request("POST", url, body, expected)
        text = self.hub_query(query)
        if target in {"hub-cached-get", "static-get"}:
            cached = self.servers["hub-cached"]
            path = "/graphql?" + get_query_string(text)
            name = f"hub-cached-get-{query}.json"
            if not (self.work / "answers" / name).exists():
                self.fetch("GET", cached.base + path)  # the first answer fills the cache
                status, raw = self.fetch("GET", cached.base + path)
                hub_items(raw)
                self.save(name, raw)
                log(f"{query}: hub-cached-get answers {len(raw)} bytes (HTTP {status})")
            expected = self.work / "answers" / name
            if target == "hub-cached-get":
                return Request("GET", cached.base + path, None, expected, check="json")
            static = self.static_server()
            status, raw = self.fetch("GET", static.base + path)
            if raw != expected.read_bytes():
                raise ValueError("static-get does not answer the hub's bytes")
            return Request("GET", static.base + path, None, expected)
        assert server is not None
        body = self.body_file(f"hub-{query}.json", post_body(text))
        url = server.base + "/graphql"
        unique = target in {"hub-general", "hub-general-workers"}
        # hub-general: the answer to a document the server has not seen (a comment appended).
        sent = post_body(f"{text}\n# check") if unique else body.read_bytes()
        status, raw = self.fetch("POST", url, sent)
        hub_items(raw)
        expected = self.save(f"{target}-{query}.json", raw)
        log(f"{query}: {target} answers {PAGE} offerings, {len(raw)} bytes (HTTP {status})")
        return Request("POST", url, body, expected, unique=unique, check="json")

    def body_file(self, name: str, body: bytes) -> Path:
        path = self.work / "bodies" / name
        path.write_bytes(body)
        return path

    def static_server(self) -> Server:
        """The static-bytes app, started once every query's cached hub answer is known."""
        if "static" in self.servers:
            return self.servers["static"]
        manifest: dict[str, str] = {}
        for query in self.options.queries:
            answer = self.work / "answers" / f"hub-cached-get-{query}.json"
            if not answer.exists():
                self.request_for("hub-cached-get", query)
            manifest[get_query_string(self.hub_query(query))] = str(answer)
        manifest_path = self.work / "static-manifest.json"
        manifest_path.write_text(json.dumps(manifest, indent=2))
        port = free_port(self.ports)
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.peer.static_app:app",
            "--host",
            HOST,
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        env = {**self.base_env(), "PEER_STATIC_MANIFEST": str(manifest_path)}
        log(f"starting static-get on {HOST}:{port}")
        server = start(
            "static", command, port=port, env=env, cwd=REPO, log=self.work / "logs" / "static.log"
        )
        self.servers["static"] = server
        wait_ready(server, path="/graphql", body=b"{}")
        return server

    def compare_catalogues(self, query: str) -> None:
        """The hub's page checked against the peer database's rows of the same titles (a
        failure when they differ), and whether it is PostGraphile's page (informative)."""
        found = [
            self.work / "answers" / f"{target}-{query}.json"
            for target in (
                "hub-compiled",
                "hub-general",
                "hub-cached-get",
                "hub-workers",
                "hub-general-workers",
            )
        ]
        ours = next((path for path in found if path.exists()), None)
        if ours is None:
            return
        items = hub_items(ours.read_bytes())
        problems = asyncio.run(catalogue.page_problems(self.peer_url, items))
        if problems:
            self.failures.append(
                f"{query}: the hub's page differs from the seed in {len(problems)} place(s),"
                f" e.g. {'; '.join(problems[:3])}"
            )
        else:
            self.notes.append(
                f"{query}: the hub's {PAGE} offerings match the seed's rows of the same titles"
            )
        theirs = self.work / "answers" / f"postgraphile-{query}.json"
        if not theirs.exists():
            return
        hub_titles = [item.get("title") for item in items]
        peer_titles = [item.get("title") for item in postgraphile_items(theirs.read_bytes())]
        if hub_titles == peer_titles:
            self.notes.append(f"{query}: the hub's page has PostGraphile's {PAGE} titles in order")
        else:
            common = len(set(hub_titles) & set(peer_titles))
            self.notes.append(
                f"{query}: {common} of the {PAGE} titles are on PostGraphile's page too (the"
                " hub's default order is not the primary key order of PostGraphile's query)"
            )

    # ------------------------------------------------------------ load

    def fail(self, target: str, query: str, message: str) -> None:
        cell = self.cells.setdefault((target, query), Cell(target, query))
        cell.failure = cell.failure or message
        self.failures.append(f"{target}/{query}: {message}")
        log(f"FAILED {target}/{query}: {message}")

    def warm_up(self, targets: list[str]) -> None:
        if self.options.warmup <= 0:
            return
        for query in self.options.queries:
            for target in targets:
                request = self.requests.get((target, query))
                if request is None:
                    continue
                log(f"{target} {query}: warm-up {self.options.warmup:g} s (every body checked)")
                ok, _, digest = bench(
                    name=f"{target}/{query} warm-up",
                    request=request,
                    duration=self.options.warmup,
                    connections=self.options.connections,
                    max_requests=self.options.max_requests,
                    out=self.work / "results" / f"warmup-{target}-{query}.json",
                    check_bodies=True,
                    node=self.node,
                )
                log(digest)
                if not ok:
                    self.fail(target, query, f"warm-up had errors or body mismatches: {digest}")

    def measure(self, targets: list[str]) -> None:
        """Interleaved: each repeat runs each query on every target in turn, the order of the
        targets reversed every other repeat, so that all see the same machine state."""
        for repeat in range(1, self.options.repeat + 1):
            order = targets if repeat % 2 else list(reversed(targets))
            for query in self.options.queries:
                for target in order:
                    request = self.requests.get((target, query))
                    cell = self.cells.setdefault((target, query), Cell(target, query))
                    if request is None or cell.failure is not None:
                        continue
                    server = self.servers[SERVER_OF[target]]
                    if server.process.poll() is not None:
                        self.fail(target, query, f"{server.name} died: {server.log_tail()}")
                        continue
                    run = measured_run(
                        target=target,
                        query=query,
                        repeat=repeat,
                        request=request,
                        server_pid=server.process.pid,
                        postgres_pid=self.postgres_pid,
                        duration=self.options.duration,
                        connections=self.options.connections,
                        max_requests=self.options.max_requests,
                        out=self.work / "results" / f"{target}-{query}-{repeat}.json",
                        node=self.node,
                    )
                    log(f"run {repeat}/{self.options.repeat}: {run.digest}")
                    cell.runs.append(run)
                    if not run.ok:
                        self.failures.append(f"{target}/{query} run {repeat}: {run.digest}")

    # ------------------------------------------------------------ tearing down, report

    def clean_up(self) -> None:
        """Stops every server (process group) and drops the databases; Ctrl-C and SIGTERM
        are ignored meanwhile, so that nothing is left behind."""
        previous = {
            sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)
        }
        try:
            for name, server in reversed(self.servers.items()):
                stop(server)
                log(f"stopped {name}")
            self.servers.clear()
            if self.databases:
                asyncio.run(self._drop_databases())
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    async def _drop_databases(self) -> None:
        for name in list(self.databases):
            try:
                await catalogue.drop_database(self.options.pg, name)
            except (OSError, asyncpg.PostgresError) as error:
                log(f"could not drop database {name}: {error}")
            else:
                log(f"dropped database {name}")
                self.databases.remove(name)

    def report(self, targets: list[str]) -> None:
        options = self.options
        hub_workers = str(options.workers or 1)
        ratios = (
            Ratio("hub-compiled / postgraphile", "hub-compiled", "postgraphile", 1.5),
            Ratio("hub-general / postgraphile", "hub-general", "postgraphile", 0.5),
            Ratio("hub-cached-get / static-get", "hub-cached-get", "static-get", 0.5),
            Ratio(
                f"workers {options.workers_check} / workers {hub_workers}, general executor",
                "hub-general-workers",
                "hub-general",
                1.6,
            ),
            Ratio(
                f"workers {options.workers_check} / workers {hub_workers}, compiled path",
                "hub-workers",
                "hub-compiled",
                None,
                "no target: PostgreSQL on the same two cores does most of the work",
            ),
        )
        seed = self.facts.get("seed", {})
        print()
        print(
            f"Concilia Hub vs PostGraphile {_version('postgraphile')}: {seed.get('offering', '?')}"
            f" offerings, {seed.get('provider', '?')} providers, {seed.get('location', '?')}"
            f" locations, {seed.get('offering_location', '?')} offering locations;"
            f" {options.connections} connections, {options.duration:g} s runs after"
            f" {options.warmup:g} s warm-up, median of {options.repeat} interleaved repeat(s)"
        )
        print(
            f"hub database: {'PostgreSQL' if options.hub_db == 'postgresql' else 'SQLite'};"
            f" PostgreSQL {self.facts.get('postgres', '?')}; autocannon"
            f" {_version('autocannon')}; node {self._node_version()}; python"
            f" {sys.version.split()[0]}; {os.cpu_count()} cores"
        )
        sync = self.facts.get("hub_sync")
        if sync:
            print(
                f"hub catalogue: one HSDS 3 bundle synced by the hsds connector, {sync['status']},"
                f" {sync['created']} records created in {sync['seconds']:.1f} s"
            )
        summary: dict[str, Any] = {
            "options": asdict(options),
            "facts": self.facts,
            "cells": [],
            "ratios": [],
        }
        for query in options.queries:
            cells = [self.cells.get((t, query), Cell(t, query)) for t in targets]
            print()
            for line in table(f"{query} ({DESCRIPTIONS.get(query, '')})", cells):
                print(line)
            values = ratio_values(ratios, {cell.target: cell for cell in cells})
            peer = self.cells.get(("postgraphile", query))
            values += ceiling_values(self.ceilings.get(query), peer)
            if values:
                print("ratios (median req/s):")
                for value in values:
                    print(f"  {value['line']}")
            summary["ratios"] += [{**value, "query": query} for value in values]
            for cell in cells:
                summary["cells"].append(
                    {
                        "target": cell.target,
                        "query": query,
                        "failure": cell.failure,
                        "medianReqPerSec": cell.median_req_per_sec(),
                        "runs": [str(run.path) for run in cell.runs],
                    }
                )
        summary.update(notes=self.notes, failures=self.failures)
        if self.notes:
            print()
            for note in self.notes:
                print(f"note: {note}")
        if self.failures:
            print()
            for failure in self.failures:
                print(f"FAILED: {_one_line(failure)}")
        summary_path = self.work / "summary.json"
        summary_path.write_text(json.dumps(summary, indent=2, default=str) + "\n")
        print()
        print(f"raw per-run JSON: {self.work / 'results'} (summary: {summary_path})")
        print(f"server logs: {self.work / 'logs'}")

    def _node_version(self) -> str:
        try:
            done = subprocess.run(  # noqa: S603 - node --version
                [self.node, "--version"], capture_output=True, text=True, timeout=30, check=False
            )
        except OSError:
            return "?"
        return done.stdout.strip() or "?"


def _one_line(text: str, limit: int = 400) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."
