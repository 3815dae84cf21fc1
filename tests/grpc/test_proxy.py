"""The gRPC storage proxy: conformance over the wire, several client processes, errors."""

from __future__ import annotations

import functools
import multiprocessing
import subprocess
import sys
import warnings

import pytest

pytest.importorskip("grpc", reason="grpcio is in the test extra")

import skipjack  # noqa: E402
from skipjack.exceptions import ExperimentalWarning  # noqa: E402
from skipjack.storages import GrpcStorageProxy, InMemoryStorage, JournalStorage  # noqa: E402
from skipjack.storages.journal import JournalFileBackend  # noqa: E402
from skipjack.testing.storage_suite import StorageConformance  # noqa: E402
from skipjack.trial import TrialState  # noqa: E402
from tests.grpc._servers import serving, skipjack_env  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::skipjack.exceptions.ExperimentalWarning")


def _proxy(port: int) -> GrpcStorageProxy:
    proxy = GrpcStorageProxy(host="localhost", port=port)
    proxy.wait_server_ready(timeout=30)
    return proxy


class TestOverInMemory(StorageConformance):
    @pytest.fixture
    def port(self):
        with serving(InMemoryStorage()) as port:
            yield port

    @pytest.fixture
    def storage(self, port):
        proxy = _proxy(port)
        yield proxy
        proxy.close()

    @pytest.fixture
    def storage_factory(self, port):
        return functools.partial(GrpcStorageProxy, host="localhost", port=port)


class TestOverJournalFile(StorageConformance):
    @pytest.fixture
    def port(self, tmp_path):
        with serving(JournalStorage(JournalFileBackend(str(tmp_path / "journal.log")))) as port:
            yield port

    @pytest.fixture
    def storage(self, port):
        proxy = _proxy(port)
        yield proxy
        proxy.close()

    @pytest.fixture
    def storage_factory(self, port):
        return functools.partial(GrpcStorageProxy, host="localhost", port=port)


def _optimize_worker(port: int, n: int) -> None:
    warnings.filterwarnings("ignore", category=ExperimentalWarning)
    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    study = skipjack.load_study(study_name="shared", storage=GrpcStorageProxy(port=port))
    study.optimize(lambda t: (t.suggest_float("x", -3, 3) - 1) ** 2, n_trials=n)


def test_several_processes_share_one_study_through_the_proxy():
    backend = InMemoryStorage()
    with serving(backend) as port:
        skipjack.create_study(study_name="shared", storage=_proxy(port))
        ctx = multiprocessing.get_context("spawn")
        procs = [ctx.Process(target=_optimize_worker, args=(port, 15)) for _ in range(3)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=300)
            assert p.exitcode == 0
        # the backend itself holds every trial, numbered 0..44
        study = skipjack.load_study(study_name="shared", storage=backend)
        trials = study.get_trials(deepcopy=False)
        assert sorted(t.number for t in trials) == list(range(45))
        assert all(t.state == TrialState.COMPLETE for t in trials)
        # the later trials (TPE) concentrate near the optimum x = 1
        assert study.best_value < 0.1


def test_client_cache_sees_other_clients_writes():
    with serving(InMemoryStorage()) as port:
        a, b = _proxy(port), _proxy(port)
        study_id = a.create_new_study([skipjack.study.StudyDirection.MINIMIZE], "s")
        t0 = a.create_new_trial(study_id)
        assert [t.state for t in b.get_all_trials(study_id)] == [TrialState.RUNNING]
        a.set_trial_user_attr(t0, "k", 1)
        a.set_trial_state_values(t0, TrialState.COMPLETE, [2.0])
        t1 = a.create_new_trial(study_id)
        seen = b.get_all_trials(study_id)
        assert [(t.state, t.values) for t in seen] == [
            (TrialState.COMPLETE, [2.0]),
            (TrialState.RUNNING, None),
        ]
        assert seen[0].user_attrs == {"k": 1} and seen[1].trial_id == t1
        # deleting the study through one client: the other one gets KeyError, not stale trials
        a.delete_study(study_id)
        with pytest.raises(KeyError):
            b.get_all_trials(study_id)


def test_errors_keep_their_types_and_messages():
    with serving(InMemoryStorage()) as port:
        proxy = _proxy(port)
        with pytest.raises(KeyError, match="999"):
            proxy.get_trial(999)
        with pytest.raises(KeyError, match="Studies in this storage"):
            proxy.get_study_id_from_name("missing")


def test_bad_arguments_and_unreachable_server():
    with pytest.raises(ValueError, match="port"):
        GrpcStorageProxy(port=0)
    with pytest.raises(ValueError, match="port"):
        GrpcStorageProxy(port="13000")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="host"):
        GrpcStorageProxy(host="")
    from tests.grpc._servers import free_port

    proxy = GrpcStorageProxy(port=free_port())
    with pytest.raises(ConnectionError, match="not reachable"):
        proxy.wait_server_ready(timeout=0.5)
    with pytest.raises(TypeError, match="storage"):
        skipjack.storages.run_grpc_proxy_server("sqlite:///x.db")  # type: ignore[arg-type]


def test_proxy_is_experimental_as_in_optuna():
    with serving(InMemoryStorage()) as port:
        with pytest.warns(ExperimentalWarning, match="GrpcStorageProxy"):
            GrpcStorageProxy(port=port).close()


def test_missing_grpcio_names_the_extra():
    code = (
        "import sys; sys.modules['grpc'] = None\n"
        "from skipjack.storages import GrpcStorageProxy\n"
        "try:\n    GrpcStorageProxy(port=13000)\n"
        "except ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=skipjack_env(), capture_output=True, text=True, timeout=60
    )
    assert "pip install 'skipjack[grpc]'" in out.stdout, out.stderr


def test_run_grpc_proxy_server_serves_until_stopped(tmp_path):
    from tests.grpc._servers import free_port, wait_port

    port = free_port()
    path = tmp_path / "j.log"
    code = (
        "import skipjack\n"
        "from skipjack.storages import JournalStorage, run_grpc_proxy_server\n"
        "from skipjack.storages.journal import JournalFileBackend\n"
        f"run_grpc_proxy_server(JournalStorage(JournalFileBackend({str(path)!r})), port={port})\n"
    )
    server = subprocess.Popen(
        [sys.executable, "-c", code], env=skipjack_env(), stderr=subprocess.PIPE, text=True
    )
    try:
        wait_port(port)
        study = skipjack.create_study(study_name="cli", storage=_proxy(port))
        study.optimize(lambda t: t.suggest_int("n", 0, 9), n_trials=5)
    finally:
        server.terminate()
        _, err = server.communicate(timeout=30)
    assert "Server started at localhost:" in err
    # the server wrote through to its journal: a plain journal client sees the trials
    direct = skipjack.load_study(
        study_name="cli", storage=JournalStorage(JournalFileBackend(str(path)))
    )
    assert len(direct.trials) == 5
