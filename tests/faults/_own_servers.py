"""Database servers of the fault suite's own, on free ports in temporary folders, so a test may
restart them (the shared servers on 5432/3306/6379 are never restarted: other engineers use them).

``OwnPostgres`` (initdb + pg_ctl, run as the ``postgres`` user: PostgreSQL refuses root),
``OwnMariaDB`` (mariadb-install-db + mariadbd as ``mysql``) and ``OwnRedis`` (redis-server, no
persistence); each has ``url``, ``restart(down_seconds)`` and ``stop()``. A missing program fails
the test under CI and skips it elsewhere (``tests._servers.require_binary``).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from tests._servers import require_binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no server came up on 127.0.0.1:{port} within {timeout:g} s")


def _as(user: str, *cmd: str) -> list[str]:
    return ["runuser", "-u", user, "--", *cmd] if os.geteuid() == 0 else list(cmd)


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else require_binary(name)


class OwnPostgres:
    """``password``: the server asks for it (scram-sha-256) instead of trusting every client."""

    def __init__(self, password: str | None = None) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="skipjack-faults-pg-"))
        self.data = self.dir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        auth = ["-A", "trust"]
        env = dict(os.environ)
        if password is not None:
            pwfile = self.dir / "pw"
            pwfile.write_text(password + "\n")
            if os.geteuid() == 0:
                shutil.chown(pwfile, "postgres", "postgres")
            auth = ["-A", "scram-sha-256", f"--pwfile={pwfile}"]
            env["PGPASSWORD"] = password
        subprocess.run(_as("postgres", _pg_bin("initdb"), "-D", str(self.data), *auth,
                           "-U", "postgres", "--no-sync"), check=True, capture_output=True)
        self._ctl("start")
        subprocess.run(_as("postgres", _pg_bin("createdb"), "-h", "127.0.0.1", "-p",
                           str(self.port), "-U", "postgres", "faults"),
                       check=True, capture_output=True, env=env)
        user = "postgres" if password is None else f"postgres:{password}"
        self.url = f"postgresql+psycopg://{user}@127.0.0.1:{self.port}/faults"

    def _ctl(self, action: str) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(_as("postgres", _pg_bin("pg_ctl"), "-D", str(self.data), "-o", opts,
                           "-l", str(self.dir / "log"), "-w", "-m", "fast", action),
                       check=True, capture_output=True)

    def restart(self, down_seconds: float) -> None:
        self._ctl("stop")
        time.sleep(down_seconds)
        self._ctl("start")

    def stop(self) -> None:
        try:
            self._ctl("stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class OwnMariaDB:
    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="skipjack-faults-maria-"))
        self.data = self.dir / "data"
        install = require_binary("mariadb-install-db")
        self._server = shutil.which("mariadbd") or "/usr/sbin/mariadbd"
        subprocess.run([install, "--no-defaults", f"--datadir={self.data}", "--user=root",
                        "--auth-root-authentication-method=normal", "--skip-test-db"],
                       check=True, capture_output=True)
        self._proc: subprocess.Popen[bytes] | None = None
        self._start()
        subprocess.run(["mariadb", "-h", "127.0.0.1", "-P", str(self.port), "-u", "root",
                        "-e", "CREATE DATABASE faults"], check=True, capture_output=True)
        self.url = f"mysql+pymysql://root@127.0.0.1:{self.port}/faults"

    def _start(self) -> None:
        self._proc = subprocess.Popen(
            [self._server, "--no-defaults", f"--datadir={self.data}", "--user=root",
             f"--port={self.port}", "--bind-address=127.0.0.1",
             f"--socket={self.dir / 'sock'}", f"--pid-file={self.dir / 'pid'}",
             "--innodb-buffer-pool-size=32M", "--skip-log-bin", "--innodb-flush-log-at-trx-commit=2"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port)

    def restart(self, down_seconds: float) -> None:
        assert self._proc is not None
        self._proc.terminate()
        self._proc.wait(60)
        time.sleep(down_seconds)
        self._start()

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(60)
        shutil.rmtree(self.dir, ignore_errors=True)


class OwnRedis:
    """``password``: the server requires it (``requirepass``)."""

    def __init__(self, password: str | None = None) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="skipjack-faults-redis-"))
        self._server = require_binary("redis-server")
        self._proc: subprocess.Popen[bytes] | None = None
        self._password = password
        self._start()
        auth = "" if password is None else f":{password}@"
        self.url = f"redis://{auth}127.0.0.1:{self.port}"

    def _start(self) -> None:
        # AOF on (fsync every second) so a restart keeps the journal, as a production Redis does
        extra = [] if self._password is None else ["--requirepass", self._password]
        self._proc = subprocess.Popen(
            [self._server, "--port", str(self.port), "--bind", "127.0.0.1", "--dir",
             str(self.dir), "--save", "", "--appendonly", "yes", "--appendfsync", "always",
             *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_port(self.port)

    def restart(self, down_seconds: float) -> None:
        assert self._proc is not None
        self._proc.terminate()  # SIGTERM: Redis writes its AOF and exits
        self._proc.wait(60)
        time.sleep(down_seconds)
        self._start()

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(60)
        shutil.rmtree(self.dir, ignore_errors=True)
