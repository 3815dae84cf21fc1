"""The pieces under the routes: the incremental study view, the table query, plot downsampling,
the serializer."""

from __future__ import annotations

import math

import pytest

import skipjack
from skipjack.dashboard import _plots
from skipjack.dashboard._cache import StudyNotFound, TrialNotFound, Views
from skipjack.dashboard._query import BadQuery, TrialQuery
from skipjack.dashboard._serialize import jsonable, number, trial_row
from skipjack.samplers import RandomSampler
from skipjack.storages import InMemoryStorage
from skipjack.trial import TrialState


class CountingStorage(InMemoryStorage):
    """An in-memory storage that counts full reads and incremental reads."""

    def __init__(self) -> None:
        super().__init__()
        self.full_reads = 0
        self.since_reads = 0

    def get_all_trials(self, study_id, deepcopy=True, states=None):  # type: ignore[no-untyped-def]
        self.full_reads += 1
        return super().get_all_trials(study_id, deepcopy=deepcopy, states=states)

    def get_trials_since(self, study_id, watermark):  # type: ignore[no-untyped-def]
        self.since_reads += 1
        return super().get_trials_since(study_id, watermark)


def _study(storage, n=30, name="s"):  # type: ignore[no-untyped-def]
    skipjack.logging.set_verbosity(skipjack.logging.ERROR)
    study = skipjack.create_study(study_name=name, storage=storage, sampler=RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=n)
    return study


def test_the_view_reads_incrementally_and_tracks_changes():
    storage = CountingStorage()
    study = _study(storage)
    views = Views(storage, min_interval=0.0)
    view = views.get(study._study_id)
    assert len(view.trials()) == 30
    seq = view.seq
    full_before = storage.full_reads
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=3)
    seq2, changed = view.changed_since(seq, limit=100)
    assert seq2 > seq and [t.number for t in changed or []] == [30, 31, 32]
    assert view.changed_since(seq2, limit=100) == (seq2, [])
    assert storage.full_reads == full_before  # never re-reads the whole study
    assert storage.since_reads >= 2
    assert view.changed_since(0, limit=5)[1] is None  # too many: the client reloads
    with pytest.raises(TrialNotFound):
        view.trial(99)
    with pytest.raises(StudyNotFound):
        views.get(12345)


def test_refreshes_are_throttled():
    storage = CountingStorage()
    study = _study(storage, n=3)
    now = [0.0]
    from skipjack.dashboard._cache import StudyView

    view = StudyView(storage, study._study_id, "s", min_interval=1.0, clock=lambda: now[0])
    view.trials()
    reads = storage.since_reads
    for _ in range(10):
        view.trials()
    assert storage.since_reads == reads
    now[0] = 2.0
    view.trials()
    assert storage.since_reads == reads + 1


def test_query_filters_and_sorts():
    from skipjack.distributions import CategoricalDistribution, FloatDistribution
    from skipjack.trial import create_trial

    study = skipjack.create_study()
    fx, fo = FloatDistribution(-5, 5), CategoricalDistribution(["adam", "sgd"])
    for x, opt, value in [(0.5, "adam", 3.0), (-1.0, "sgd", 1.0), (2.0, "adam", None),
                          (None, "sgd", 2.0)]:
        params = {"opt": opt} if x is None else {"x": x, "opt": opt}
        dists = {"opt": fo} if x is None else {"x": fx, "opt": fo}
        state = TrialState.FAIL if value is None else TrialState.COMPLETE
        study.add_trial(create_trial(params=params, distributions=dists, value=value, state=state))
    trials = study.get_trials()
    total, page = TrialQuery(params=["opt=adam"]).run(trials)
    assert total == 2 and {t.params["opt"] for t in page} == {"adam"}
    total, page = TrialQuery(params=["x>=0.5", "opt!=sgd"]).run(trials)
    assert [t.number for t in page] == [0, 2]
    for order in ("asc", "desc"):
        _, page = TrialQuery(sort="value", order=order).run(trials)
        assert page[-1].number == 2  # no value: last, whatever the order
    _, page = TrialQuery(sort="value").run(trials)
    assert [t.number for t in page] == [1, 3, 0, 2]
    _, page = TrialQuery(sort="param:x", order="desc").run(trials)
    assert [t.number for t in page] == [2, 0, 1, 3]
    _, page = TrialQuery(sort="number", order="desc", offset=1, limit=2).run(trials)
    assert [t.number for t in page] == [2, 1]
    with pytest.raises(BadQuery, match="'param'"):
        TrialQuery(params=["x"]).run(trials)
    with pytest.raises(BadQuery, match="'state'"):
        TrialQuery(states=["DONE"]).check()


def test_plots_stay_small_for_many_trials():
    storage = InMemoryStorage()
    study = skipjack.create_study(storage=storage, sampler=RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2 + t.suggest_float("y", 0, 1),
                   n_trials=5000)
    trials = study.get_trials()
    directions = study.directions
    h = _plots.plot_data("history", trials, directions)
    assert h["n"] == 5000 and len(h["x"]) <= _plots.MAX_POINTS
    assert h["best_y"][-1] == study.best_value  # the best point survives downsampling
    assert min(h["y"]) == study.best_value
    s = _plots.plot_data("slice", trials, directions)
    assert len(s["params"]["x"]["x"]) <= _plots.MAX_POINTS
    assert study.best_trial.number in s["params"]["x"]["numbers"]
    c = _plots.plot_data("contour", trials, directions)
    assert len(c["z"]) <= _plots.GRID and len(c["z"][0]) <= _plots.GRID
    e = _plots.plot_data("edf", trials, directions)
    assert len(e["x"]) <= _plots.EDF_POINTS and e["y"][-1] == 1.0
    p = _plots.plot_data("parallel", trials, directions)
    assert len(p["objective"]) <= _plots.MAX_POINTS
    assert len(_plots.plot_data("timeline", trials, directions)["bars"]) <= _plots.MAX_POINTS


def test_serializer_handles_non_finite_and_odd_values():
    assert number(float("inf")) == "inf" and number(float("-inf")) == "-inf"
    assert number(float("nan")) == "nan" and number(1.5) == 1.5
    assert jsonable({"a": (1, float("nan")), 2: object.__new__(object)})["a"] == [1, "nan"]
    study = skipjack.create_study()
    t = study.ask()
    t.suggest_float("x", 0, 1)
    study.tell(t, state=TrialState.FAIL)
    row = trial_row(study.trials[0])
    assert row["state"] == "FAIL" and row["values"] is None and math.isfinite(row["params"]["x"])


def test_counts_and_best_follow_every_change():
    """The view's counts by state and best trial, kept incrementally, equal a full recount."""
    from skipjack.dashboard._cache import count_states

    storage = InMemoryStorage()
    study = _study(storage, n=10)
    view = Views(storage, min_interval=0.0).get(study._study_id)
    view.trials()
    running = [study.ask() for _ in range(3)]
    study.enqueue_trial({"x": 0.0})
    view.trials()
    study.tell(running[0], -1.0)  # a new best
    study.tell(running[1], state=TrialState.PRUNED)
    study.tell(running[2], state=TrialState.FAIL)
    study.optimize(lambda t: t.suggest_float("x", -1, 1) ** 2, n_trials=2)  # runs the enqueued
    trials = view.trials()
    assert [t.number for t in trials] == list(range(len(trials)))
    assert view.counts == count_states(storage.get_all_trials(study._study_id))
    assert view.best is not None and view.best.number == study.best_trial.number
    assert view.best.value == -1.0


def test_the_pareto_front_is_kept_in_place_and_equals_a_recount():
    from skipjack._mo import pareto_front_trials

    storage = InMemoryStorage()
    skipjack.logging.set_verbosity(skipjack.logging.ERROR)
    study = skipjack.create_study(storage=storage, directions=["minimize", "maximize"],
                                  sampler=RandomSampler(seed=3))

    def objective(t):  # type: ignore[no-untyped-def]
        a = t.suggest_float("a", 0, 1)
        b = t.suggest_int("b", 0, 3)  # ties: equal value pairs
        return round(a, 1), float(b)

    views = Views(storage, min_interval=0.0)
    view = views.get(study._study_id)
    for _ in range(6):  # grow the study in steps: the front is updated from the changes only
        study.optimize(objective, n_trials=40)
        view.refresh()
        expected = pareto_front_trials(study.get_trials(states=(TrialState.COMPLETE,)),
                                       study.directions, consider_constraints=False)
        assert [t.number for t in view.front] == sorted(t.number for t in expected)
