"""Journal interop with real Optuna: a journal written by Optuna reads back identically in
skipjack, and the other way round (file and Redis backends).

Deliberate differences: none in the log. skipjack's snapshot (``<journal>.snapshot``,
``<prefix>:skipjack:snapshot``) and heartbeats (``<journal>.heartbeats/``,
``<prefix>:skipjack:heartbeats``) live beside the log, where Optuna does not look.
"""

from __future__ import annotations

import math

import pytest

import skipjack
from skipjack._records import TrialState
from skipjack.distributions import distribution_to_json

from tests.storages._journal_helpers import open_file_storage, open_redis_storage
from tests.storages.test_journal import REJECTED_OPS, redis_prefix  # noqa: F401 - fixture

optuna = pytest.importorskip("optuna", reason="Optuna is a test-only dependency (test extra)")
from optuna.storages import JournalStorage as OptunaJournalStorage  # noqa: E402
from optuna.storages.journal import (  # noqa: E402
    JournalFileBackend as OptunaFileBackend,
    JournalRedisBackend as OptunaRedisBackend,
)

pytestmark = pytest.mark.filterwarnings("ignore::optuna.exceptions.ExperimentalWarning")


@pytest.fixture(autouse=True)
def _quiet():
    """Both libraries' loggers at ERROR for this module's tests (tests/conftest.py restores
    skipjack's; set at import, the level stayed for every later test of the session)."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    skipjack.logging.set_verbosity(skipjack.logging.ERROR)
    yield
    optuna.logging.set_verbosity(level)


def _objective(lib):
    def objective(trial):
        x = trial.suggest_float("x", -1, 1)
        n = trial.suggest_int("n", 1, 64, log=True)
        c = trial.suggest_categorical("c", ["a", None, 2.5])
        s = trial.suggest_float("s", 0, 1, step=0.25)
        trial.set_user_attr("u", {"list": [1, 2], "c": c})
        for step in range(3):
            trial.report(x + step, step)
        if trial.number == 3:
            raise lib.TrialPruned()
        if trial.number == 4:
            raise RuntimeError("boom")
        return x * x + n + s

    return objective


def _write(lib, storage):
    study = lib.create_study(storage=storage, study_name="interop")
    study.set_user_attr("owner", "me")
    study.enqueue_trial({"x": 0.5, "n": 2, "c": None, "s": 0.75})
    study.optimize(_objective(lib), n_trials=8, catch=(RuntimeError,))
    study.add_trial(
        lib.trial.create_trial(
            value=0.125,
            params={"x": 0.25},
            distributions={"x": lib.distributions.FloatDistribution(-1, 1)},
            user_attrs={"added": True},
            intermediate_values={1: 0.5, 2: float("inf")},
        )
    )
    running = study.ask()
    running.suggest_float("x", -1, 1)
    mo = lib.create_study(storage=storage, study_name="mo", directions=["minimize", "maximize"])
    mo.optimize(lambda t: (t.suggest_float("y", 0, 1), float("inf")), n_trials=2)
    gone = lib.create_study(storage=storage, study_name="gone")
    gone.optimize(lambda t: t.suggest_float("z", 0, 1), n_trials=2)
    lib.delete_study(study_name="gone", storage=storage)
    after = lib.create_study(storage=storage, study_name="after")
    after.optimize(lambda t: t.suggest_float("z", 0, 1), n_trials=1)


def _digest(storage, lib):
    """Everything observable of every study, in plain values (comparable across libraries)."""
    out = []
    for summary in sorted(storage.get_all_studies(), key=lambda s: s._study_id):
        study_id = summary._study_id
        trials = []
        for t in storage.get_all_trials(study_id, deepcopy=False):
            trials.append(
                (
                    t.number,
                    t._trial_id,
                    int(t.state),
                    None if t.values is None else [v if math.isfinite(v) else str(v)
                                                   for v in t.values],
                    str(t.datetime_start),
                    str(t.datetime_complete),
                    t.params,
                    {k: _dist_json(d, lib) for k, d in t.distributions.items()},
                    t.user_attrs,
                    {k: v for k, v in t.system_attrs.items()},
                    {k: (v if math.isfinite(v) else str(v)) for k, v in
                     t.intermediate_values.items()},
                )
            )
        out.append(
            (
                study_id,
                summary.study_name,
                [int(d) for d in summary.directions],
                summary.user_attrs,
                trials,
            )
        )
    return out


def _dist_json(dist, lib):
    if lib is optuna:
        return optuna.distributions.distribution_to_json(dist)
    return distribution_to_json(dist)


def _same(a, b):
    import json

    assert json.loads(json.dumps(a, sort_keys=True, default=str)) == json.loads(
        json.dumps(b, sort_keys=True, default=str)
    )


@pytest.fixture(params=["file", "redis"])
def pair(request, tmp_path):
    """(skipjack storage factory, Optuna storage factory) on one journal."""
    if request.param == "file":
        path = str(tmp_path / "interop.log")
        return (lambda: open_file_storage(path),
                lambda: OptunaJournalStorage(OptunaFileBackend(path)))
    prefix = request.getfixturevalue("redis_prefix")
    return (lambda: open_redis_storage(prefix),
            lambda: OptunaJournalStorage(
                OptunaRedisBackend("redis://127.0.0.1:6379", prefix=prefix)))


def test_optuna_journal_reads_identically_in_skipjack(pair):
    open_skipjack, open_optuna = pair
    writer = open_optuna()
    _write(optuna, writer)
    expected = _digest(writer, optuna)
    assert [s[1] for s in expected] == ["interop", "mo", "after"]
    assert len(expected[0][4]) == 10 and expected[2][0] == 3  # deleted study 2 keeps its id
    ours = open_skipjack()
    _same(_digest(ours, skipjack), expected)
    states = [t.state for t in ours.get_all_trials(0)]
    assert states.count(TrialState.PRUNED) == 1 and states.count(TrialState.FAIL) == 1
    # and skipjack continues the Optuna study where it stopped
    study = skipjack.load_study(study_name="interop", storage=ours)
    study.optimize(_objective(skipjack), n_trials=2)
    _same(_digest(open_optuna(), optuna), _digest(open_skipjack(), skipjack))


def test_skipjack_journal_reads_identically_in_optuna(pair):
    open_skipjack, open_optuna = pair
    writer = open_skipjack()
    _write(skipjack, writer)
    expected = _digest(writer, skipjack)
    theirs = open_optuna()
    _same(_digest(theirs, optuna), expected)
    study = optuna.load_study(study_name="interop", storage=theirs)
    study.optimize(_objective(optuna), n_trials=2)
    _same(_digest(open_skipjack(), skipjack), _digest(open_optuna(), optuna))


def test_rejected_operations_get_the_same_ids_as_in_optuna(tmp_path):
    import json

    path = tmp_path / "j.log"
    path.write_text("".join(json.dumps(o) + "\n" for o in REJECTED_OPS))
    theirs = OptunaJournalStorage(OptunaFileBackend(str(path)))
    ours = open_file_storage(str(path))
    _same(_digest(ours, skipjack), _digest(theirs, optuna))
    assert [s._study_id for s in ours.get_all_studies()] == [0, 2]
