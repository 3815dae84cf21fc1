"""Shared studies for the dashboard tests (a SQLite file: the dashboard reads a real storage)."""

from __future__ import annotations

import pytest

import skipjack
from skipjack.samplers import RandomSampler

EVIL = '<script>alert("x")</script>'


def objective(trial):  # type: ignore[no-untyped-def]
    x = trial.suggest_float("x", -2, 2)
    trial.suggest_float("lr", 1e-4, 1.0, log=True)
    trial.suggest_categorical("kind", ["a", EVIL])
    trial.set_user_attr("tag", "even" if trial.number % 2 == 0 else "odd")
    for step in range(3):
        trial.report(x * x + 1.0 / (step + 1), step)
        if trial.should_prune():
            raise skipjack.TrialPruned()
    if trial.number % 7 == 6:
        raise skipjack.TrialPruned()
    if trial.number == 4:
        raise ValueError("boom")
    return x * x


@pytest.fixture
def url(tmp_path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'dash.db'}"
    skipjack.logging.set_verbosity(skipjack.logging.ERROR)
    study = skipjack.create_study(study_name="single", storage=url,
                                  sampler=RandomSampler(seed=0))
    study.optimize(objective, n_trials=20, catch=(ValueError,))
    mo = skipjack.create_study(study_name=EVIL, storage=url, directions=["minimize", "maximize"],
                               sampler=RandomSampler(seed=1))
    mo.set_metric_names(["loss", "accuracy"])
    mo.optimize(lambda t: (t.suggest_float("a", 0, 1), t.suggest_float("b", 0, 1)), n_trials=10)
    return url


def study_ids(url: str) -> dict[str, int]:
    storage = skipjack.storages.get_storage(url)
    return {s.study_name: s.study_id for s in storage.get_all_studies()}
