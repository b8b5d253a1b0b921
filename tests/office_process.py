"""Start `visitapp-office serve` as a real process on 127.0.0.1 and wait for `/health`:
one copy of that loop for the end-to-end tests, the office browser tests and the sync
benchmark."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
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
    # stderr (the access log) goes to a file, not a pipe: nobody reads a pipe while the
    # office runs, and once its 64 KiB filled, every log line, so every request, would
    # block (500 tablets in bench_load did that: timeouts, not the office's own limits).
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([*command, "serve", "--database-url", url, "--host", "127.0.0.1",
                             "--port", str(port), *extra], env=env, cwd=REPO, stdout=stdout,
                            stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                log.close()  # the process keeps its own handle on the file
                return base, proc
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            proc.wait()
            log.seek(0)
            said = log.read()
            log.close()
            raise RuntimeError(f"office did not start: {said!r}")
        time.sleep(0.1)


def stop_office(proc: subprocess.Popen[bytes]) -> None:
    """Stop an office `start_office` started: asked to end, killed after 10 s."""
    proc.terminate()
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
