"""The Node.js tools the suite drives (tests/node, installed by `python3 tasks.py test`):
the graphql-http audit, an Apollo Federation gateway, Playwright over Debian's Chromium.

Where node, the installed tools or chromium are missing, the tests that need them skip
with the reason, and fail under CI=true (`.ci/run` installs them).
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

NODE_TOOLS = Path(__file__).resolve().parents[1] / "node"
CHROMIUM = ("chromium", "chromium-browser")


@dataclass(frozen=True)
class Finished:
    """A Node.js script's exit code and output."""

    code: int
    stdout: str
    stderr: str


def _missing(what: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {what}")
    pytest.skip(what)


def node() -> str:
    """The node executable, with tests/node's packages installed."""
    executable = shutil.which("node")
    if executable is None:
        _missing("node is not installed (Node.js 20, see README)")
    if not (NODE_TOOLS / "node_modules" / ".installed").exists():
        _missing("tests/node is not installed: run `python3 tasks.py test`")
    assert executable is not None
    return executable


def chromium() -> str:
    """Debian's Chromium, for the browser test."""
    for name in CHROMIUM:
        found = shutil.which(name)
        if found is not None:
            return found
    _missing("chromium is not installed (Debian's `chromium` package, see README)")
    raise AssertionError("unreachable")


async def run_script(
    script: str,
    *args: str,
    timeout: float = 120.0,  # noqa: ASYNC109 - a bound on a child process, not on a call
    env: dict[str, str] | None = None,
) -> Finished:
    """Run tests/node/`script` without blocking the event loop (the hub under test may be
    served by this very loop)."""
    process = await asyncio.create_subprocess_exec(
        node(),
        str(NODE_TOOLS / script),
        *args,
        cwd=NODE_TOOLS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, **(env or {})},
    )
    try:
        async with asyncio.timeout(timeout):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    return Finished(process.returncode or 0, stdout.decode(), stderr.decode())
