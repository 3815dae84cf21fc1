"""A throwaway three-node Redis Cluster on 127.0.0.1 for the cluster-mode journal tests.

``redis-server`` and ``redis-cli`` (Debian's redis-server package, which also runs the standalone
server the other Redis tests use) start three cluster-enabled nodes in a temporary directory, with
no persistence, and join them with ``redis-cli --cluster create``. ``stop()`` shuts them down.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _three_free_ports() -> list[int]:
    # a node also listens on port + 10000 (the cluster bus). The search starts at a place of
    # this process's own, so that two test sessions starting clusters at once (two xdist
    # workers, two engineers) do not both find the same free ports and race for them.
    bases = list(range(17100, 19900, 7))
    start = os.getpid() % len(bases)
    for base in bases[start:] + bases[:start]:
        ports = [base, base + 1, base + 2]
        if all(_free(p) and _free(p + 10000) for p in ports):
            return ports
    raise RuntimeError("no three free ports (and bus ports) between 17100 and 19900")


class RedisCluster:
    """Three master nodes; ``url`` points at the first (clients discover the others)."""

    def __init__(self) -> None:
        server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
        if server is None or cli is None:
            raise FileNotFoundError(
                "redis-server and redis-cli are needed for the Redis Cluster tests "
                "(apt-get install redis-server)"
            )
        self._dir = Path(tempfile.mkdtemp(prefix="skipjack-redis-cluster-"))
        self.ports = _three_free_ports()
        self._procs = []
        for port in self.ports:
            node_dir = self._dir / str(port)
            node_dir.mkdir()
            self._procs.append(subprocess.Popen(
                [server, "--port", str(port), "--bind", "127.0.0.1", "--cluster-enabled", "yes",
                 "--cluster-config-file", str(node_dir / "nodes.conf"), "--dir", str(node_dir),
                 "--save", "", "--appendonly", "no", "--cluster-node-timeout", "2000"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
        try:
            self._wait(lambda: all(self._cli(cli, p, "ping") == "PONG" for p in self.ports))
            subprocess.run(
                [cli, "--cluster", "create", *(f"127.0.0.1:{p}" for p in self.ports),
                 "--cluster-replicas", "0", "--cluster-yes"],
                check=True, capture_output=True, timeout=30,
            )
            self._wait(lambda: all("cluster_state:ok" in self._cli(cli, p, "cluster", "info")
                                   for p in self.ports))
        except BaseException:
            self.stop()
            raise
        self.url = f"redis://127.0.0.1:{self.ports[0]}"

    @staticmethod
    def _cli(cli: str, port: int, *args: str) -> str:
        out = subprocess.run([cli, "-p", str(port), *args], capture_output=True, text=True,
                             timeout=10)
        return out.stdout.strip()

    @staticmethod
    def _wait(ready, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
        deadline = time.monotonic() + timeout
        while not ready():
            if time.monotonic() > deadline:
                raise TimeoutError("the Redis Cluster did not come up within 30 s")
            time.sleep(0.1)

    def stop(self) -> None:
        for proc in self._procs:
            proc.terminate()
        for proc in self._procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(self._dir, ignore_errors=True)
