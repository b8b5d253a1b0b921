"""Start `visitapp-office serve` as a real process on 127.0.0.1 and wait for `/health`:
one copy of that loop for the end-to-end tests, the office browser tests and the sync
benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_office(command: Sequence[str], url: str, *, port: int | None = None,
                 timeout_s: float = 30, stdout: int = subprocess.PIPE,
                 extra: Sequence[str] = ()) -> tuple[str, subprocess.Popen[bytes]]:
    """Run `command serve --database-url URL` on a free port; return (base URL, process).

    `command` is how to run the office (its console script, or `python -m sync.cli`).
    A process that exits or does not answer in time is stopped and reported with its
    stderr.
    """
    port = port or free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([*command, "serve", "--database-url", url, "--host", "127.0.0.1",
                             "--port", str(port), *extra], env=env, cwd=REPO, stdout=stdout,
                            stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return base, proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"office did not start: {proc.communicate()[1]!r}")
        time.sleep(0.1)
