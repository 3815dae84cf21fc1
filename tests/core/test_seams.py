"""Declared seams: heartbeats go through public storage methods, backends share URL helpers from
below the factory, and samplers and pruners are typed against the read-only study protocol."""

from __future__ import annotations

import ast
import pathlib
import time
from typing import Any

import skipjack
from skipjack.storages.journal import JournalFileBackend, JournalStorage
from skipjack.trial import TrialState

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "skipjack"


class _CountingJournal(JournalStorage):
    """A subclass that overrides the public heartbeat seam, as a wrapper would."""

    calls: list[int]

    def get_stale_trial_ids(self, study_id: int) -> list[int]:
        self.calls.append(study_id)
        return super().get_stale_trial_ids(study_id)


def test_fail_stale_trials_uses_the_public_heartbeat_method(tmp_path: pathlib.Path) -> None:
    storage = _CountingJournal(
        JournalFileBackend(str(tmp_path / "log.jsonl")), heartbeat_interval=1, grace_period=1
    )
    storage.calls = []
    study = skipjack.create_study(storage=storage)
    trial_id = storage.create_new_trial(study.study_id)
    storage.record_heartbeat(trial_id)
    time.sleep(2.2)
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=1)
    assert study.study_id in storage.calls
    assert storage.get_trial(trial_id).state == TrialState.FAIL


def test_timed_storage_times_the_public_heartbeat_method(tmp_path: pathlib.Path) -> None:
    from skipjack.observability._histogram import HistogramFamily
    from skipjack.observability._timed_storage import TIMED_OPERATIONS, timed_storage

    inner = JournalStorage(
        JournalFileBackend(str(tmp_path / "log.jsonl")), heartbeat_interval=1, grace_period=1
    )
    family = HistogramFamily("t_seconds", "test", ["operation"])
    wrapped: Any = timed_storage(inner, family)
    study_id = wrapped.create_new_study([skipjack.study.StudyDirection.MINIMIZE], "s")
    assert "get_stale_trial_ids" in TIMED_OPERATIONS
    assert wrapped.get_stale_trial_ids(study_id) == []
    assert wrapped._get_stale_trial_ids(study_id) == []


def _imports(path: pathlib.Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def test_backends_do_not_import_the_url_factory() -> None:
    # The factory imports the backends (when it opens one); a backend importing the factory
    # (for mask_password, as it once did) made a cycle. The shared helpers are in storages/_url.py.
    storages = SRC / "storages"
    offenders = [
        str(p.relative_to(SRC))
        for p in storages.rglob("*.py")
        if p.name not in ("_factory.py", "__init__.py")
        and "skipjack.storages._factory" in _imports(p)
    ]
    assert offenders == []
    assert "skipjack.storages._factory" not in _imports(storages / "_url.py")


def test_samplers_and_pruners_type_against_the_protocol() -> None:
    from skipjack._study_protocol import ReadOnlyStudy

    users = [
        p for area in ("samplers", "pruners") for p in (SRC / area).rglob("*.py")
        if "skipjack._study_protocol" in _imports(p)
    ]
    assert len(users) > 20
    assert ReadOnlyStudy.__module__ == "skipjack._study_protocol"


SUGGEST_METHODS = ("suggest_float", "suggest_int", "suggest_categorical", "suggest_uniform",
                   "suggest_loguniform", "suggest_discrete_uniform")


def test_every_trial_kind_uses_the_one_front_end() -> None:
    from skipjack._records._suggest import SuggestAPI
    from skipjack.study._isolated import RemoteTrial
    from skipjack.trial import FixedTrial, FrozenTrial, Trial

    for kind in (Trial, FixedTrial, FrozenTrial, RemoteTrial):
        for method in SUGGEST_METHODS:
            assert getattr(kind, method) is getattr(SuggestAPI, method), (kind, method)
    # kinds without a fast path draw through their one primitive
    for kind in (FixedTrial, FrozenTrial, RemoteTrial):
        assert kind._suggest_plain is kind._suggest


def test_the_front_end_checks_arguments_for_every_kind() -> None:
    import pytest

    from skipjack.trial import FixedTrial, create_trial

    frozen = create_trial(value=1.0, params={"x": 0.5}, distributions={
        "x": skipjack.distributions.FloatDistribution(0, 1)})
    for trial in (FixedTrial({"x": 0.5}), frozen):
        with pytest.raises(TypeError, match="name"):
            trial.suggest_float(1, 0, 1)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="'high'"):
            trial.suggest_float("x", 0, float("inf"))
        assert trial.suggest_float("x", 0, 1) == 0.5


def test_fixed_and_frozen_trials_hand_out_the_distributions_type() -> None:
    from skipjack.trial import FixedTrial

    trial = FixedTrial({"x": 1, "n": 2.0})
    x, n = trial.suggest_float("x", 0, 2), trial.suggest_int("n", 0, 3)
    assert (type(x), type(n)) == (float, int)
    assert trial.params == {"x": 1, "n": 2.0}  # the given values, as Optuna keeps them


def test_a_trial_subclass_overriding_suggest_sees_every_suggest() -> None:
    from skipjack.trial import Trial

    seen: list[str] = []

    class Logged(Trial):
        def _suggest(self, name: str, distribution: Any, _stacklevel: int = 3) -> Any:
            seen.append(name)
            return super()._suggest(name, distribution, _stacklevel)

    study = skipjack.create_study(sampler=skipjack.samplers.RandomSampler(seed=0))
    session = study.storage.start_trial(study.study_id)
    trial = Logged(study, session.trial_id, _session=session)
    trial.suggest_float("a", 0, 1)
    trial.suggest_int("b", 0, 3)
    trial.suggest_categorical("c", ["p", "q"])
    assert seen == ["a", "b", "c"]
    assert set(study.storage.get_trial(session.trial_id).params) == {"a", "b", "c"}


def test_in_memory_session_finish_matches_the_public_path() -> None:
    study = skipjack.create_study()
    study.optimize(lambda t: t.suggest_float("x", 0, 1), n_trials=3)
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    frozen = study.tell(trial, 0.25)
    stored = study.storage.get_trial(trial._trial_id)
    assert frozen == stored and stored.state == TrialState.COMPLETE
    assert study.best_value <= 0.25 and study.storage.get_n_trials(study.study_id) == 4
    import pytest

    with pytest.raises(ValueError, match="already finished"):
        study.tell(trial, 0.5)


def test_suggest_warnings_point_at_the_objective() -> None:
    import pytest

    study = skipjack.create_study()
    trial = study.ask()
    trial.suggest_float("x", 0, 1)
    with pytest.warns(RuntimeWarning, match="Inconsistent") as plain:
        trial.suggest_float("x", 0, 2)  # multi-valued: through _suggest_plain
    with pytest.warns(RuntimeWarning, match="Inconsistent") as single:
        trial.suggest_float("x", 3, 3)  # single-valued: straight to _suggest
    assert plain[0].filename == single[0].filename == __file__
