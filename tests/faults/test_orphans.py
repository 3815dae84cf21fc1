"""No trial left RUNNING without an owner: a worker whose write that starts a trial took effect on
the server, while the answer was lost with the connection (as in a server restart), must take that
trial, not start another one and leave the first RUNNING forever (without a heartbeat, so that
``fail_stale_trials`` never fails it). Real PostgreSQL and MariaDB behind the TCP proxy
(``cut_after``: the statement reaches the server, the connection dies before the answer)."""

from __future__ import annotations

import os

import pytest

import skipjack
from skipjack._records import TrialState
from skipjack.storages import RDBStorage
from tests.storages._proxy import TcpProxy
from tests.storages._rdb_servers import empty_database, server_url

PORTS = {"postgresql": 5432, "mysql": 3306}
# The statement that takes an enqueued trial: one UPDATE on PostgreSQL (autocommit), a
# transaction ended by COMMIT on MariaDB.
MARKERS = {"postgresql": b"UPDATE trials SET state", "mysql": b"COMMIT"}


@pytest.mark.parametrize("backend", ["postgresql", "mysql"])
def test_taking_an_enqueued_trial_whose_answer_was_lost_leaves_no_orphan(backend):
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    url = server_url(backend, f"skipjack_faults_orphans_{os.getpid()}")
    empty_database(url)
    proxy = TcpProxy(PORTS[backend])
    try:
        proxied = url.replace(f":{PORTS[backend]}/", f":{proxy.port}/")
        storage = RDBStorage(proxied, heartbeat_interval=1, grace_period=2)
        study = skipjack.create_study(storage=storage, study_name="orphans")
        for i in range(3):
            study.enqueue_trial({"x": float(i)})
        proxy.cut_after(MARKERS[backend])
        taken = storage.pop_waiting_trial_id(study._study_id)
        assert proxy.cuts == 1
    finally:
        proxy.close()
    trials = skipjack.load_study(study_name="orphans", storage=url).get_trials(deepcopy=False)
    running = [t.number for t in trials if t.state == TrialState.RUNNING]
    assert taken is not None
    assert running == [storage.get_trial_number_from_id(taken)], (
        f"trials {running} are RUNNING, the worker took only trial "
        f"{storage.get_trial_number_from_id(taken)}: the others have no owner")
