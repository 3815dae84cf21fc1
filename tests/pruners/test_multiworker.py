"""Four processes pruning one study on SQLite and PostgreSQL make decisions a single process
would make on the same stored history.

Every decision logged by ``should_prune`` names the trials it compared. For each one, the test
rebuilds exactly that history (those trials' stored reports, and the deciding trial's reports up
to the step) in a fresh in-memory study and asks the same pruner again: the verdict, threshold and
value must be identical. This is what makes pruning correct with asynchronous workers: the
decision is a pure function of the shared history, never of per-process state.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

import skipjack
from skipjack._records import TrialState, create_trial
from skipjack.pruners import NopPruner, decision_log
from skipjack.pruners._decision import Rule, parse_numbers

from tests.pruners._mw_worker import N_STEPS, make_pruner

ROOT = Path(__file__).resolve().parents[2]
N_WORKERS = 4
N_TRIALS = 200

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("skipjack.storages._rdb") is None,
    reason="the RDB storage (skipjack.storages._rdb) is not built yet",
)


def _url(backend: str, tmp_path: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'mw.db'}"
    from tests.storages._rdb_servers import server_url

    return server_url("postgresql")  # this test session's database (fails under CI without it)


def _run_workers(url: str, name: str, kind: str) -> None:
    env = {**os.environ, "PYTHONPATH": f"{ROOT / 'src'}{os.pathsep}{ROOT}"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.pruners._mw_worker", url, name, kind,
             str(N_TRIALS // N_WORKERS)],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for _ in range(N_WORKERS)
    ]
    for p in procs:
        out, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-3000:]


def _replay(kind: str, trials: dict[int, skipjack.trial.FrozenTrial], number: int,
            d: skipjack.pruners.PruneDecision) -> skipjack.pruners.PruneDecision:
    """The decision one process makes on exactly the history ``d`` says it compared."""
    study = skipjack.create_study(pruner=NopPruner())
    for n in parse_numbers(d.compared["trials"]):
        t = trials[n]
        if t.state == TrialState.COMPLETE:
            study.add_trial(create_trial(value=t.value,
                                         intermediate_values=t.intermediate_values))
        else:  # a competitor still running at the time (ASHA): its reports count
            study.add_trial(create_trial(state=TrialState.PRUNED,
                                         intermediate_values=t.intermediate_values))
    me = study.ask()
    for step, value in sorted(trials[number].intermediate_values.items()):
        if step <= d.step:
            me.report(value, step)
    return make_pruner(kind).decide(study, me._view)


@pytest.mark.parametrize("kind", ["median", "asha"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_four_workers_decide_as_one_process_would(backend: str, kind: str,
                                                  tmp_path: Path) -> None:
    url = _url(backend, tmp_path)
    name = f"mw-{kind}-{uuid.uuid4().hex[:8]}"
    skipjack.create_study(study_name=name, storage=url)
    try:
        _run_workers(url, name, kind)
        study = skipjack.load_study(study_name=name, storage=url)
        records = study.get_trials(deepcopy=False)
        assert len(records) == N_TRIALS
        assert sorted(t.number for t in records) == list(range(N_TRIALS))
        by_number = {t.number: t for t in records}
        states = {t.state for t in records}
        assert states <= {TrialState.COMPLETE, TrialState.PRUNED}
        n_pruned = sum(t.state == TrialState.PRUNED for t in records)
        assert 0 < n_pruned < N_TRIALS
        checked = 0
        for t in records:
            log = decision_log(t)
            assert [d.step for d in log] == sorted(t.intermediate_values)
            assert [d.prune for d in log] == [False] * (len(log) - 1) + [
                t.state == TrialState.PRUNED]
            if t.state == TrialState.PRUNED:
                assert t.value == t.intermediate_values[t.last_step]
            else:
                assert t.last_step == N_STEPS - 1
            for d in log:
                comparing = d.rule == Rule.PERCENTILE or "rung_step" in d.compared
                if not comparing:
                    continue
                again = _replay(kind, by_number, t.number, d)
                assert (again.verdict, again.rule, again.threshold, again.value) == (
                    d.verdict, d.rule, d.threshold, d.value), (t.number, d, again)
                checked += 1
        assert checked > 100
    finally:
        skipjack.delete_study(study_name=name, storage=url)
