#!/usr/bin/env python3
"""The README's two commands, with only python3 (>= 3.11) installed.

    python3 tasks.py demo    # set up .venv, build the demo database, serve the hub
    python3 tasks.py test    # set up .venv with the dev extra, run the whole test suite

Both create (or reuse) `.venv/` at the repository root and install the project into it.
Extra arguments go to `concilia serve` (demo) or to pytest (test).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / ("python.exe" if os.name == "nt" else "python")


def _stamp(extra: str) -> Path:
    return VENV / f".installed-{extra}"


def _fingerprint() -> str:
    return hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()


def ensure_venv(extra: str | None = None) -> None:
    """Create .venv if needed and install the project (editable) with `extra`,
    skipping the install when pyproject.toml has not changed since the last one."""
    if sys.version_info < (3, 11):  # noqa: UP036 - this script runs under any python3
        sys.exit("Concilia Hub needs Python 3.11 or newer")
    if not PYTHON.exists():
        print("Creating .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    name = extra or "base"
    if _stamp(name).exists() and _stamp(name).read_text() == _fingerprint():
        return
    target = f".[{extra}]" if extra else "."
    print(f"Installing concilia-hub {target} into .venv ...", flush=True)
    pip = [str(PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "--quiet"]
    _quietly([*pip, "--upgrade", "pip"])
    _quietly([*pip, "--editable", target])
    _stamp(name).write_text(_fingerprint())


def _quietly(command: list[str]) -> None:
    """Run a set-up step, showing its output only when it fails."""
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode:
        sys.stderr.write(done.stdout + done.stderr)
        raise subprocess.CalledProcessError(done.returncode, command)


NODE_TOOLS = ROOT / "tests" / "node"


def ensure_node_tools() -> None:
    """Install the Node.js tools the suite drives (tests/node: the graphql-http audit, the
    Federation gateway, Playwright) from their lock file, when npm is here and the lock
    changed since the last install. Without npm those tests skip, and fail under CI=true."""
    npm = shutil.which("npm")
    if npm is None:
        print("npm not found: the Node.js tests will be skipped (see README)", flush=True)
        return
    lock = NODE_TOOLS / "package-lock.json"
    stamp = NODE_TOOLS / "node_modules" / ".installed"
    fingerprint = hashlib.sha256(lock.read_bytes()).hexdigest()
    if stamp.exists() and stamp.read_text() == fingerprint:
        return
    print("Installing the Node.js test tools into tests/node ...", flush=True)
    _quietly([npm, "ci", "--prefix", str(NODE_TOOLS), "--no-audit", "--no-fund"])
    stamp.write_text(fingerprint)


def run(*args: str) -> int:
    return subprocess.run([str(BIN / args[0]), *args[1:]], cwd=ROOT, check=False).returncode


def demo(args: list[str]) -> int:
    ensure_venv()
    code = run("concilia", "demo")
    return code if code else run("concilia", "serve", *args)


def test(args: list[str]) -> int:
    ensure_venv("dev")
    ensure_node_tools()
    return run("pytest", *args)


def main() -> int:
    commands = {"demo": demo, "test": test}
    if len(sys.argv) < 2 or sys.argv[1] not in commands:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        return commands[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as error:
        print(
            f"set-up failed: {' '.join(map(str, error.cmd))} exited {error.returncode}",
            file=sys.stderr,
        )
        return error.returncode or 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
