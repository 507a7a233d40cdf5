"""The printed report: a table per query and the ratios against their targets."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from benchmarks.peer.load import Cell


@dataclass(frozen=True, slots=True)
class Ratio:
    """numerator req/s / denominator req/s, and the least value the project aims for (None:
    printed for information, with why it has no target)."""

    label: str
    numerator: str
    denominator: str
    target: float | None
    why: str = ""


def _number(value: object, digits: int = 2) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:,.{digits}f}"
    return "-"


def table(query: str, cells: Sequence[Cell]) -> list[str]:
    """One line per target: median req/s of the repeats, p50/p99 and CPU of the median run."""
    header = (
        f"{'target':<16} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'server CPU %':>12}"
        f" {'procs':>5} {'postgres CPU %':>14} {'loadgen CPU %':>13} {'resp B':>7}"
        f"  req/s of each run"
    )
    lines = [f"{query}:", header, "-" * len(header)]
    for cell in cells:
        run = cell.median_run()
        if cell.failure is not None or run is None:
            reason = (cell.failure or "no measured run").strip().splitlines()[0][:160]
            lines.append(f"{cell.target:<16} FAILED: {reason}")
            continue
        summary = run.summary
        latency = summary.get("latencyMs") or {}
        each = ", ".join(f"{r.req_per_sec:,.0f}" + ("" if r.ok else " (errors)") for r in cell.runs)
        lines.append(
            f"{cell.target:<16} {_number(cell.median_req_per_sec(), 0):>9}"
            f" {_number(latency.get('p50')):>8} {_number(latency.get('p99')):>8}"
            f" {_number(summary.get('serverCpuPct'), 0):>12}"
            f" {summary.get('serverProcesses', '-'):>5}"
            f" {_number(summary.get('postgresCpuPct'), 0):>14}"
            f" {_number(summary.get('loadgenCpuPct'), 0):>13}"
            f" {summary.get('responseBytes', '-'):>7}  {each}"
        )
    return lines


def ratio_values(ratios: Sequence[Ratio], cells: Mapping[str, Cell]) -> list[dict[str, Any]]:
    """Each ratio whose two sides ran: its value, whether it meets its target, and its line
    `label = 1.62x (target >= 1.5x) MET|NOT MET`."""
    values: list[dict[str, Any]] = []
    for ratio in ratios:
        top, bottom = cells.get(ratio.numerator), cells.get(ratio.denominator)
        if top is None or bottom is None:
            continue
        numerator, denominator = top.median_req_per_sec(), bottom.median_req_per_sec()
        value: float | None = None
        if not (top.failure or bottom.failure or not numerator or not denominator):
            value = numerator / denominator
        shown = "n/a" if value is None else f"{value:.2f}x"
        if ratio.target is None:
            met = None
            line = f"{ratio.label} = {shown} ({ratio.why})"
        else:
            met = value is not None and value >= ratio.target
            verdict = "NOT MEASURED" if value is None else ("MET" if met else "NOT MET")
            line = f"{ratio.label} = {shown} (target >= {ratio.target:g}x) {verdict}"
        values.append(
            {
                "label": ratio.label,
                "value": value,
                "target": ratio.target,
                "met": met,
                "line": line,
            }
        )
    return values


def ceiling_values(ceiling: float | None, peer: Cell | None) -> list[dict[str, Any]]:
    """graphql-core's own ceiling for a new document (benchmarks.peer.floor) against
    PostGraphile: no general executor built on graphql-core can pass it."""
    rate = peer.median_req_per_sec() if peer is not None and peer.failure is None else None
    if ceiling is None or not rate:
        return []
    value = ceiling / rate
    line = (
        f"graphql-core alone, new document / postgraphile = {value:.2f}x ({ceiling:,.0f} req/s"
        " on one core, parse + validate + execute only: the most hub-general can reach)"
    )
    return [
        {
            "label": "graphql-core ceiling / postgraphile",
            "value": value,
            "target": None,
            "met": None,
            "line": line,
        }
    ]
