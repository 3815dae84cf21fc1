"""Optuna's own proxy client and server interoperate with skipjack's (real optuna, no alias).

The Optuna side runs in a child process with the real ``optuna`` package (PYTHONPATH cleared),
so nothing of skipjack is imported there.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("grpc", reason="grpcio is in the test extra")
pytest.importorskip("optuna", reason="real optuna is in the test extra")

import skipjack  # noqa: E402
from skipjack.storages import GrpcStorageProxy, InMemoryStorage  # noqa: E402
from skipjack.trial import TrialState  # noqa: E402
from tests.grpc._servers import (  # noqa: E402
    free_port,
    real_optuna_env,
    run_python,
    serving,
    wait_port,
)

pytestmark = pytest.mark.filterwarnings("ignore::skipjack.exceptions.ExperimentalWarning")

OPTUNA_CLIENT = textwrap.dedent(
    """
    import json, sys, warnings
    warnings.simplefilter("ignore")
    import optuna
    assert "site-packages" in optuna.__file__, optuna.__file__  # the real package
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    from optuna.storages import GrpcStorageProxy
    storage = GrpcStorageProxy(host="localhost", port={port})
    storage.wait_server_ready(timeout=30)
    study = optuna.load_study(study_name="mixed", storage=storage)

    def objective(trial):
        x = trial.suggest_float("x", -2, 2)
        n = trial.suggest_int("n", 1, 32, log=True)
        c = trial.suggest_categorical("c", ["a", None, 1.5])
        trial.set_user_attr("client", "optuna")
        trial.report(x, 0)
        if trial.number % 7 == 6:
            raise optuna.TrialPruned()
        return x * x + n

    study.optimize(objective, n_trials=12)
    # what Optuna's client sees of the trials skipjack's client wrote
    print(json.dumps([
        [t.number, t.state.name, t.params, t.user_attrs, t.intermediate_values.get(0)]
        for t in study.get_trials(deepcopy=False)
    ]))
    """
)


def _skipjack_objective(trial):
    x = trial.suggest_float("x", -2, 2)
    n = trial.suggest_int("n", 1, 32, log=True)
    trial.suggest_categorical("c", ["a", None, 1.5])
    trial.set_user_attr("client", "skipjack")
    trial.report(x, 0)
    return x * x + n


def test_optuna_client_and_skipjack_client_share_a_skipjack_proxy():
    backend = InMemoryStorage()
    with serving(backend) as port:
        proxy = GrpcStorageProxy(port=port)
        study = skipjack.create_study(study_name="mixed", storage=proxy)
        study.set_user_attr("owner", {"team": 1})
        study.optimize(_skipjack_objective, n_trials=5)
        seen_by_optuna = json.loads(
            run_python(OPTUNA_CLIENT.format(port=port), real_optuna_env()).strip().splitlines()[-1]
        )
        study.optimize(_skipjack_objective, n_trials=3)
        trials = study.get_trials(deepcopy=False)

    # Optuna saw skipjack's five trials as skipjack wrote them
    assert [row[0] for row in seen_by_optuna] == list(range(17))
    for row, trial in zip(seen_by_optuna[:5], trials[:5]):
        number, state, params, user_attrs, reported = row
        assert state == "COMPLETE" and params == trial.params
        assert user_attrs == {"client": "skipjack"} and reported == trial.intermediate_values[0]
    # skipjack sees Optuna's twelve trials, pruned ones included, then adds three more
    assert [t.number for t in trials] == list(range(20))
    by_client = [t.user_attrs["client"] for t in trials]
    assert by_client == ["skipjack"] * 5 + ["optuna"] * 12 + ["skipjack"] * 3
    pruned = [t.number for t in trials if t.state == TrialState.PRUNED]
    assert pruned == [6, 13]  # Optuna's numbers 6 and 13 (trial.number % 7 == 6)
    for t in trials[5:17]:
        assert set(t.params) == {"x", "n", "c"} and isinstance(t.params["n"], int)
        assert -2 <= t.params["x"] <= 2 and t.params["c"] in ("a", None, 1.5)
    # the backend behind the proxy holds the same records
    direct = skipjack.load_study(study_name="mixed", storage=backend)
    assert [t.params for t in direct.trials] == [t.params for t in trials]
    assert direct.user_attrs == {"owner": {"team": 1}}


OPTUNA_SERVER = textwrap.dedent(
    """
    import warnings
    warnings.simplefilter("ignore")
    import optuna
    assert "site-packages" in optuna.__file__, optuna.__file__
    from optuna.storages import InMemoryStorage, run_grpc_proxy_server
    run_grpc_proxy_server(InMemoryStorage(), host="localhost", port={port})
    """
)


def test_skipjack_client_on_optunas_proxy_server():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-c", OPTUNA_SERVER.format(port=port)],
        env=real_optuna_env(),
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        wait_port(port)
        proxy = GrpcStorageProxy(port=port)
        proxy.wait_server_ready(timeout=30)
        study = skipjack.create_study(study_name="on-optuna", storage=proxy)
        study.optimize(_skipjack_objective, n_trials=8)
        with pytest.raises(skipjack.exceptions.DuplicatedStudyError):
            skipjack.create_study(study_name="on-optuna", storage=proxy)
        finished = study.trials[0]
        with pytest.raises(skipjack.exceptions.UpdateFinishedTrialError):
            proxy.set_trial_user_attr(finished._trial_id, "late", 1)
        with pytest.raises(KeyError):
            proxy.get_study_id_from_name("absent")
        again = skipjack.load_study(study_name="on-optuna", storage=GrpcStorageProxy(port=port))
        assert [t.params for t in again.trials] == [t.params for t in study.trials]
        assert again.best_value == study.best_value
    finally:
        server.terminate()
        server.communicate(timeout=30)
