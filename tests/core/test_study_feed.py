"""The study view (``skipjack/_study_feed.py``): finished trials once each, in number order;
unfinished trials never handed out, RUNNING ones kept as last read. On the local backends."""

from __future__ import annotations

import pathlib
from typing import Any

import pytest

import skipjack
from skipjack._study_feed import TrialFeed
from skipjack.distributions import FloatDistribution
from skipjack.storages.journal import JournalFileBackend, JournalStorage
from skipjack.trial import TrialState


def _storage(kind: str, tmp_path: pathlib.Path) -> Any:
    if kind == "memory":
        return skipjack.storages.InMemoryStorage()
    if kind == "sqlite":
        return skipjack.storages.RDBStorage(f"sqlite:///{tmp_path}/feed.db")
    return JournalStorage(JournalFileBackend(str(tmp_path / "feed.jsonl")))


@pytest.mark.parametrize("kind", ["memory", "sqlite", "journal"])
def test_the_feed_rule(kind: str, tmp_path: pathlib.Path) -> None:
    study = skipjack.create_study(storage=_storage(kind, tmp_path),
                                  sampler=skipjack.samplers.RandomSampler(seed=0))
    feed = TrialFeed((TrialState.COMPLETE, TrialState.PRUNED), keep=True)
    assert feed.poll(study) == [] and feed.running == {}

    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    running = study.ask()
    running.suggest_float("x", 0, 1)
    running.suggest_float("y", 0, 1)
    study.enqueue_trial({"x": 0.5})  # WAITING: never handed out, never running
    first = feed.poll(study)
    assert [t.number for t in first] == [0, 1, 2]
    assert list(feed.running) == [3] and set(feed.running[3].params) == {"x", "y"}
    assert feed.search_space == {"x": FloatDistribution(0, 1)}

    assert feed.poll(study) == []  # nothing finished since: nothing handed out again
    study.tell(running, state=TrialState.PRUNED)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)  # runs the enqueued one
    second = feed.poll(study)
    assert [(t.number, t.state) for t in second] == [
        (3, TrialState.PRUNED), (4, TrialState.COMPLETE)]
    assert feed.running == {}
    assert sorted(feed.finished) == [0, 1, 2, 3, 4]
    assert feed.search_space == {"x": FloatDistribution(0, 1)}  # "y" is not in every trial


def test_another_study_starts_over() -> None:
    storage = skipjack.storages.InMemoryStorage()
    first = skipjack.create_study(storage=storage)
    second = skipjack.create_study(storage=storage)
    first.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=2)
    second.optimize(lambda t: t.suggest_int("n", 0, 3), n_trials=1)
    feed = TrialFeed()
    assert len(feed.poll(first)) == 2
    assert [t.params for t in feed.poll(second)] == [second.trials[0].params]
    assert set(feed.search_space) == {"n"}
    # a key names the study for the consumer: the same key goes on where it stopped
    again = skipjack.load_study(study_name=first.study_name, storage=storage)
    assert len(feed.poll(first, key="first")) == 2
    assert feed.poll(again, key="first") == []
