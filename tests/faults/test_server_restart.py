"""A database server restarted while 8 workers run (a PostgreSQL, MariaDB and Redis instance of
the test's own, on a free port in a temporary folder: the shared servers are never restarted).
The outage (about 3 s plus the restart itself) is shorter than the documented connection wait
(SKIPJACK_CONNECT_TIMEOUT, 30 s): every worker rides it out, and the invariant checker finds no
violation."""

from __future__ import annotations

import uuid

import pytest

from tests.faults._harness import run_with_server_restart
from tests.faults._own_servers import OwnMariaDB, OwnPostgres, OwnRedis

SERVERS = {"postgresql": OwnPostgres, "mysql": OwnMariaDB, "redis": OwnRedis}


@pytest.mark.parametrize("backend", ["postgresql", "mysql", "redis"])
def test_workers_ride_out_a_server_restart(backend, tmp_path):
    server = SERVERS[backend]()
    try:
        spec = {"backend": backend, "url": server.url}
        if backend == "redis":
            spec["prefix"] = f"restart-{uuid.uuid4().hex[:8]}"
        figures, violations = run_with_server_restart(spec, tmp_path, f"restart-{backend}",
                                                      server.restart)
    finally:
        server.stop()
    print("\n" + figures.line(f"server-restart/{backend}"))
    assert figures.restarts == 1
    assert not violations, "\n".join(violations[:20])
