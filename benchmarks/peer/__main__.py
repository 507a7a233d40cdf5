"""Peer benchmark: Concilia Hub against PostGraphile 4.14.1 serving the same catalogue.

    .venv/bin/python -m benchmarks.peer [--quick] [--duration 10] [--warmup 5] [--repeat 3]
        [--connections 32] [--modes compiled,general,cached-get,workers]
        [--targets postgraphile,hub-compiled,...] [--queries q1_flat,q2_nested]
        [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--hub-db postgresql|sqlite]
        [--workers N] [--workers-check 2] [--skip-workers]

What it does, everything on 127.0.0.1:

1. `npm ci` in benchmarks/peer when node_modules is missing (postgraphile 4.14.1 and
   autocannon 9.0.0, pinned by package-lock.json).
2. Creates two uniquely named databases on the PostgreSQL server of `--pg` (dropped at the
   end, also on failure or Ctrl-C): the peer database gets benchmarks/peer/schema.sql and
   seed.sql (40 providers, 120 locations, 10,000 offerings, 20,000 offering locations); the
   hub database gets the same catalogue through the hub's write path, an HSDS 3 bundle synced
   by the `hsds` connector (`--hub-db sqlite`: a temporary SQLite file instead).
3. Starts PostGraphile (NODE_ENV=production, pool 10, as the shared harness does) and the hub
   (`concilia serve`, CONCILIA_ENV=production, CONCILIA_WORKERS=1 unless --workers is given)
   on free ports, each in a process group of its own, all stopped at the end; a server is
   ready when it answers a POST of the query with anything but a 5xx.
4. Checks every answer before measuring (PostGraphile: 50 nodes; the hub: 50 offerings; no
   errors; the hub's offerings against the seed's rows of the same titles). Each
   warm-up checks every response body: byte for byte for PostGraphile and static-get, as the
   same JSON value for the hub (whose execution paths may format whitespace differently).
5. Measures, interleaved (each repeat runs each query on every target in turn, the order
   reversed every other repeat), with `bench.js` (autocannon, 32 connections):
   - postgraphile    the reference (queries/postgraphile/);
   - hub-compiled    the hub without response cache (CONCILIA_RESPONSE_CACHE_MB=0), the same
                     document every request: compiled once, during the warm-up;
   - hub-general     the same server, a never-seen document every request (a comment line
                     with a counter appended): the general executor, nothing cached;
   - hub-cached-get  a hub with its response cache on, `GET /graphql?query=...`;
   - static-get      static_app.py answering that GET with the hub's exact bytes;
   - hub-workers and hub-general-workers
                     hub-compiled and hub-general on a hub started with `--workers 2`
                     (--skip-workers: not measured).
   `--modes` picks comparisons (compiled, general, cached-get, workers), `--targets` targets.

It prints, per query, a table: target, median req/s of the repeats, p50 and p99 latency (ms,
per-request float timings) of the median run, the CPU use of the server's process tree and of
PostgreSQL's (% of one core; all of the server's backends, other clients' included), the
load generator's CPU, the response size, and the req/s of each run; then the ratios with
their targets, each MET or NOT MET:

    hub-compiled / postgraphile (target >= 1.5x)   hub-general / postgraphile (>= 0.5x)
    hub-cached-get / static-get (>= 0.5x)          workers 2 / workers 1, general (>= 1.6x)
    workers 2 / workers 1, compiled (no target: PostgreSQL shares the two cores)

and where the raw per-run JSON (bench.js summaries with CPU figures) and the server logs are.
`--quick` is a smoke run: 3 s runs, 2 s warm-ups, one repeat. Exit status: 0 when every check
and run was clean, whether or not the targets were met; 1 when an answer was wrong or a run had
errors, timeouts, non-2xx answers or body mismatches; 130 on Ctrl-C.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Callable

import asyncpg

from benchmarks.peer.harness import MODES, QUERIES, TARGETS, BenchmarkError, Harness, Options
from benchmarks.peer.servers import ServerError


def _list(allowed: tuple[str, ...]) -> Callable[[str], tuple[str, ...]]:
    """An argparse type: a comma-separated subset of `allowed`."""

    def parse(text: str) -> tuple[str, ...]:
        items = tuple(item.strip() for item in text.split(",") if item.strip())
        unknown = [item for item in items if item not in allowed]
        if unknown or not items:
            raise argparse.ArgumentTypeError(
                f"expected a comma-separated list of {', '.join(allowed)}"
            )
        return items

    return parse


def parse(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.peer",
        description="Concilia Hub against PostGraphile 4.14.1 on the same catalogue.",
    )
    defaults = Options()
    parser.add_argument("--pg", default=defaults.pg, help="PostgreSQL admin URL (loopback).")
    parser.add_argument(
        "--hub-db",
        choices=("postgresql", "sqlite"),
        default=defaults.hub_db,
        help="Where the hub's catalogue lives (default: a PostgreSQL database).",
    )
    parser.add_argument(
        "--targets", type=_list(TARGETS), default=TARGETS, help=f"of {','.join(TARGETS)}"
    )
    parser.add_argument(
        "--modes",
        type=_list(tuple(MODES)),
        default=tuple(MODES),
        help=f"comparisons, of {','.join(MODES)} (each brings its targets)",
    )
    parser.add_argument(
        "--queries", type=_list(QUERIES), default=QUERIES, help=f"of {','.join(QUERIES)}"
    )
    parser.add_argument("--duration", type=float, default=defaults.duration, help="s per run")
    parser.add_argument("--warmup", type=float, default=defaults.warmup, help="s per warm-up")
    parser.add_argument("--repeat", type=int, default=defaults.repeat, help="measured runs")
    parser.add_argument("--connections", type=int, default=defaults.connections)
    parser.add_argument("--max-requests", type=int, default=defaults.max_requests)
    parser.add_argument("--pool", type=int, default=defaults.pool, help="PostGraphile's pool")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="Pass --workers N to the hub of hub-compiled, hub-general and hub-cached-get"
        " (default: CONCILIA_WORKERS=1, one process).",
    )
    parser.add_argument(
        "--workers-check",
        type=int,
        default=defaults.workers_check,
        help="Processes of the hub-workers server (default 2).",
    )
    parser.add_argument(
        "--skip-workers", action="store_true", help="Leave out the two-worker targets."
    )
    parser.add_argument(
        "--quick", action="store_true", help="Smoke run: --duration 3 --warmup 2 --repeat 1."
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.repeat = 3.0, 2.0, 1
    if args.duration <= 0 or args.warmup < 0 or args.repeat < 1 or args.connections < 1:
        parser.error("--duration and --connections must be positive, --repeat at least 1")
    return Options(
        pg=args.pg,
        hub_db=args.hub_db,
        targets=args.targets,
        modes=args.modes,
        queries=args.queries,
        duration=args.duration,
        warmup=args.warmup,
        repeat=args.repeat,
        connections=args.connections,
        max_requests=args.max_requests,
        pool=args.pool,
        workers=args.workers,
        workers_check=args.workers_check,
        skip_workers=args.skip_workers,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse(argv)
    try:
        return Harness(options).run()
    except KeyboardInterrupt:
        print("interrupted: servers stopped, databases dropped", file=sys.stderr)
        return 130
    except (
        BenchmarkError,
        ServerError,
        RuntimeError,
        ValueError,
        OSError,
        subprocess.SubprocessError,
        asyncpg.PostgresError,
    ) as error:
        print(f"peer benchmark failed: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
