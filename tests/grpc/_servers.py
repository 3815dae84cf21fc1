"""Helpers: a skipjack proxy server in this process, and Optuna's in a child process."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

from skipjack.storages import BaseStorage
from skipjack.storages._grpc.server import start_server

REPO = Path(__file__).resolve().parents[2]


@contextlib.contextmanager
def serving(storage: BaseStorage) -> Iterator[int]:
    """Serve ``storage`` on a free loopback port for the duration of the block; yield the port."""
    server, port = start_server(storage, "localhost", 0)
    server.start()
    try:
        yield port
    finally:
        server.stop(None).wait()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def real_optuna_env() -> dict[str, str]:
    """Environment of a child process that imports the real optuna package (no alias)."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SKIPJACK_AS_OPTUNA")}
    return env


def skipjack_env() -> dict[str, str]:
    env = real_optuna_env()
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + str(REPO)
    return env


def run_python(code: str, env: dict[str, str], timeout: float = 120) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=timeout
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout


def wait_port(port: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on port {port} after {timeout} s")
