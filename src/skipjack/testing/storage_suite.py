"""The storage conformance suite: one set of tests every storage must pass unchanged.

Use it by subclassing::

    class TestMyStorage(StorageConformance):
        @pytest.fixture
        def storage(self):
            return MyStorage(...)

        # optional: a URL / factory other processes can open, to run the multi-process checks
        @pytest.fixture
        def storage_factory(self):
            return functools.partial(MyStorage, ...)   # picklable, opens the same data

Each test gets a fresh, empty storage.
"""

from __future__ import annotations

import copy
import datetime
import multiprocessing
import pickle
import threading
from collections.abc import Callable
from typing import Any

import pytest

from skipjack._records import FrozenTrial, StudyDirection, TrialState, create_trial
from skipjack.distributions import (
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from skipjack.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from skipjack.storages import BaseStorage

__all__ = ["StorageConformance"]

MIN = [StudyDirection.MINIMIZE]
MAX = [StudyDirection.MAXIMIZE]


def _finish(storage: BaseStorage, trial_id: int, value: float) -> None:
    assert storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [value])


def _process_worker(factory: Callable[[], BaseStorage], study_name: str, n: int, q: Any) -> None:
    storage = factory()
    study_id = storage.get_study_id_from_name(study_name)
    numbers = []
    for i in range(n):
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_param(trial_id, "x", float(i), FloatDistribution(0, 1000))
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [float(i)])
        numbers.append(storage.get_trial_number_from_id(trial_id))
    q.put(numbers)


def _process_popper(factory: Callable[[], BaseStorage], study_name: str, q: Any) -> None:
    storage = factory()
    study_id = storage.get_study_id_from_name(study_name)
    taken = []
    while True:
        trial_id = storage.pop_waiting_trial_id(study_id)
        if trial_id is None:
            break
        taken.append(trial_id)
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [0.0])
    q.put(taken)


class StorageConformance:
    """The shared tests. Subclasses provide the ``storage`` fixture."""

    @pytest.fixture
    def storage_factory(self) -> Callable[[], BaseStorage] | None:
        """A picklable callable opening the same storage from another process (None: skip)."""
        return None

    # --- studies ----------------------------------------------------------------------------------

    def test_create_and_name_studies(self, storage: BaseStorage) -> None:
        a = storage.create_new_study(MIN, "a")
        b = storage.create_new_study(MAX + MIN)
        assert a != b
        assert storage.get_study_name_from_id(a) == "a"
        assert storage.get_study_id_from_name("a") == a
        assert storage.get_study_directions(a) == MIN
        assert storage.get_study_directions(b) == MAX + MIN
        assert storage.get_study_name_from_id(b).startswith("no-name-")
        names = [s.study_name for s in storage.get_all_studies()]
        assert "a" in names and len(names) == 2

    def test_duplicate_study_name_raises(self, storage: BaseStorage) -> None:
        storage.create_new_study(MIN, "dup")
        with pytest.raises(DuplicatedStudyError):
            storage.create_new_study(MIN, "dup")

    def test_unknown_study_raises_key_error_listing_names(self, storage: BaseStorage) -> None:
        storage.create_new_study(MIN, "exists")
        with pytest.raises(KeyError) as info:
            storage.get_study_id_from_name("missing")
        assert "exists" in str(info.value)
        with pytest.raises(KeyError):
            storage.get_study_name_from_id(10**6)

    def test_delete_study(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "gone")
        trial_id = storage.create_new_trial(study_id)
        storage.delete_study(study_id)
        with pytest.raises(KeyError):
            storage.get_study_id_from_name("gone")
        with pytest.raises(KeyError):
            storage.get_trial(trial_id)
        # the name can be reused
        storage.create_new_study(MIN, "gone")

    def test_study_attrs(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "attrs")
        storage.set_study_user_attr(study_id, "u", {"nested": [1, 2]})
        storage.set_study_system_attr(study_id, "s", "v")
        storage.set_study_user_attr(study_id, "u2", 1.5)
        assert storage.get_study_user_attrs(study_id) == {"u": {"nested": [1, 2]}, "u2": 1.5}
        assert storage.get_study_system_attrs(study_id) == {"s": "v"}
        attrs = storage.get_study_user_attrs(study_id)
        attrs["u"]["nested"].append(3)  # pass-by-value: the stored value does not change
        assert storage.get_study_user_attrs(study_id)["u"] == {"nested": [1, 2]}
        [frozen] = [s for s in storage.get_all_studies() if s.study_id == study_id]
        assert frozen.user_attrs == {"u": {"nested": [1, 2]}, "u2": 1.5}

    # --- trials -----------------------------------------------------------------------------------

    def test_trial_numbers_are_contiguous_per_study(self, storage: BaseStorage) -> None:
        a = storage.create_new_study(MIN, "a")
        b = storage.create_new_study(MIN, "b")
        ids_a = [storage.create_new_trial(a) for _ in range(3)]
        ids_b = [storage.create_new_trial(b) for _ in range(2)]
        assert [storage.get_trial_number_from_id(i) for i in ids_a] == [0, 1, 2]
        assert [storage.get_trial_number_from_id(i) for i in ids_b] == [0, 1]
        assert len(set(ids_a + ids_b)) == 5
        assert storage.get_trial_id_from_study_id_trial_number(a, 2) == ids_a[2]
        with pytest.raises(KeyError):
            storage.get_trial_id_from_study_id_trial_number(a, 3)

    def test_new_trial_is_running_with_start_time(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        trial = storage.get_trial(storage.create_new_trial(study_id))
        assert trial.state == TrialState.RUNNING
        assert isinstance(trial.datetime_start, datetime.datetime)
        assert trial.datetime_complete is None
        assert trial.values is None and trial.params == {} and trial.intermediate_values == {}

    def test_params(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_param(trial_id, "x", 0.5, FloatDistribution(0, 1))
        storage.set_trial_param(trial_id, "n", 3.0, IntDistribution(1, 10, log=True))
        storage.set_trial_param(trial_id, "c", 1.0, CategoricalDistribution(["a", None, 2.5]))
        trial = storage.get_trial(trial_id)
        assert trial.params == {"x": 0.5, "n": 3, "c": None}
        assert isinstance(trial.params["n"], int)
        assert trial.distributions["n"] == IntDistribution(1, 10, log=True)
        assert storage.get_trial_param(trial_id, "c") == 1.0
        assert storage.get_trial_params(trial_id) == {"x": 0.5, "n": 3, "c": None}

    def test_incompatible_distribution_in_study_raises(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        t0 = storage.create_new_trial(study_id)
        storage.set_trial_param(t0, "x", 0.5, FloatDistribution(0, 1))
        t1 = storage.create_new_trial(study_id)
        with pytest.raises(ValueError):
            storage.set_trial_param(t1, "x", 1.0, CategoricalDistribution([1, 2]))
        # a changed range is fine (dynamic search spaces)
        storage.set_trial_param(t1, "x", 5.0, FloatDistribution(0, 10))

    def test_state_values_and_times(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MAX + MIN)
        trial_id = storage.create_new_trial(study_id)
        assert storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0, -2.0])
        trial = storage.get_trial(trial_id)
        assert trial.state == TrialState.COMPLETE
        assert trial.values == [1.0, -2.0]
        assert trial.datetime_complete is not None and trial.datetime_start is not None
        assert trial.datetime_complete >= trial.datetime_start

    def test_infinite_values_round_trip(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN + MIN)
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [float("inf"), float("-inf")])
        assert storage.get_trial(trial_id).values == [float("inf"), float("-inf")]

    def test_finished_trial_cannot_change(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        for state in (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL):
            trial_id = storage.create_new_trial(study_id)
            storage.set_trial_state_values(
                trial_id, state, [0.0] if state == TrialState.COMPLETE else None
            )
            with pytest.raises(UpdateFinishedTrialError):
                storage.set_trial_param(trial_id, "x", 0.1, FloatDistribution(0, 1))
            with pytest.raises(UpdateFinishedTrialError):
                storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [1.0])
            with pytest.raises(UpdateFinishedTrialError):
                storage.set_trial_intermediate_value(trial_id, 0, 1.0)
            with pytest.raises(UpdateFinishedTrialError):
                storage.set_trial_user_attr(trial_id, "k", 1)
            with pytest.raises(UpdateFinishedTrialError):
                storage.set_trial_system_attr(trial_id, "k", 1)
            assert storage.get_trial(trial_id).state == state

    def test_intermediate_values_and_attrs(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        trial_id = storage.create_new_trial(study_id)
        storage.set_trial_intermediate_value(trial_id, 0, 0.5)
        storage.set_trial_intermediate_value(trial_id, 3, float("nan"))
        storage.set_trial_intermediate_value(trial_id, 5, float("inf"))
        storage.set_trial_user_attr(trial_id, "u", {"a": [1]})
        storage.set_trial_system_attr(trial_id, "s", [1, "x"])
        trial = storage.get_trial(trial_id)
        assert trial.intermediate_values[0] == 0.5
        assert trial.intermediate_values[3] != trial.intermediate_values[3]  # NaN kept
        assert trial.intermediate_values[5] == float("inf")
        assert trial.user_attrs == {"u": {"a": [1]}}
        assert trial.system_attrs == {"s": [1, "x"]}
        assert trial.last_step == 5

    # --- the trial session ------------------------------------------------------------------------

    def test_session_writes_reach_the_storage(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        session = storage.start_trial(study_id)
        assert session.storage is storage
        record = session.record
        assert record.state == TrialState.RUNNING and record.datetime_start is not None
        assert record.params == {} and record.trial_id == session.trial_id
        dist = IntDistribution(0, 5)
        session.set_param("n", 3.0, 3, dist)
        session.set_param("x", 0.25, 0.25, FloatDistribution(0, 1))
        session.set_intermediate_value(2, 0.5)
        session.set_user_attr("u", {"a": 1})
        session.set_system_attr("s", [1])
        trial = storage.get_trial(session.trial_id)
        assert trial.params == {"n": 3, "x": 0.25} and trial.distributions["n"] == dist
        assert storage.get_trial_param(session.trial_id, "n") == 3.0
        assert trial.intermediate_values == {2: 0.5}
        assert (trial.user_attrs, trial.system_attrs) == ({"u": {"a": 1}}, {"s": [1]})
        assert record.params == {}  # the opening record does not change under the caller
        with pytest.raises(ValueError):  # incompatible with the study's "x"
            session.set_param("x", 1.0, "b", CategoricalDistribution(["a", "b"]))
        _finish(storage, session.trial_id, 1.0)
        with pytest.raises(UpdateFinishedTrialError):
            session.set_param("y", 0.5, 0.5, FloatDistribution(0, 1))
        with pytest.raises(UpdateFinishedTrialError):
            session.set_intermediate_value(3, 1.0)
        with pytest.raises(UpdateFinishedTrialError):
            session.set_user_attr("v", 1)
        assert "y" not in storage.get_trial(session.trial_id).params

    def test_session_takes_enqueued_trials_first(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        waiting = storage.create_new_trial(
            study_id, template_trial=create_trial(state=TrialState.WAITING)
        )
        first = storage.start_trial(study_id)
        assert first.trial_id == waiting and first.record.state == TrialState.RUNNING
        second = storage.start_trial(study_id)
        assert second.trial_id != waiting
        assert storage.get_trial(second.trial_id).number == 1
        opened = storage.open_trial(second.trial_id)
        opened.set_param("x", 0.5, 0.5, FloatDistribution(0, 1))
        assert storage.get_trial(second.trial_id).params == {"x": 0.5}
        with pytest.raises(KeyError):
            storage.open_trial(10**9)

    def test_records_are_snapshots(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        trial_id = storage.create_new_trial(study_id)
        before = storage.get_trial(trial_id)
        storage.set_trial_param(trial_id, "x", 0.5, FloatDistribution(0, 1))
        storage.set_trial_user_attr(trial_id, "u", 1)
        assert before.params == {} and before.user_attrs == {}
        assert before.state == TrialState.RUNNING
        deep = storage.get_all_trials(study_id, deepcopy=True)[0]
        deep.user_attrs["u"] = 2
        assert storage.get_trial(trial_id).user_attrs == {"u": 1}

    def test_get_all_trials_filters_states(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        ids = [storage.create_new_trial(study_id) for _ in range(4)]
        _finish(storage, ids[0], 1.0)
        storage.set_trial_state_values(ids[1], TrialState.PRUNED)
        storage.set_trial_state_values(ids[2], TrialState.FAIL)
        trials = storage.get_all_trials(study_id, deepcopy=False)
        assert [t.number for t in trials] == [0, 1, 2, 3]
        complete = storage.get_all_trials(study_id, states=(TrialState.COMPLETE,))
        assert [t.number for t in complete] == [0]
        assert storage.get_n_trials(study_id) == 4
        assert storage.get_n_trials(study_id, TrialState.RUNNING) == 1
        assert storage.get_n_trials(study_id, (TrialState.PRUNED, TrialState.FAIL)) == 2

    def test_best_trial(self, storage: BaseStorage) -> None:
        for directions, expected in ((MIN, -1.0), (MAX, 7.0)):
            study_id = storage.create_new_study(directions)
            with pytest.raises(ValueError):
                storage.get_best_trial(study_id)
            for v in (3.0, -1.0, 7.0):
                _finish(storage, storage.create_new_trial(study_id), v)
            storage.create_new_trial(study_id)  # running: not a candidate
            assert storage.get_best_trial(study_id).value == expected
        multi = storage.create_new_study(MIN + MIN)
        with pytest.raises(RuntimeError):
            storage.get_best_trial(multi)

    def test_template_trial(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        template = create_trial(
            value=2.0,
            params={"x": 0.25, "c": "b"},
            distributions={
                "x": FloatDistribution(0, 1),
                "c": CategoricalDistribution(["a", "b"]),
            },
            user_attrs={"u": 1},
            system_attrs={"s": 2},
            intermediate_values={1: 0.5, 2: 0.25},
        )
        trial_id = storage.create_new_trial(study_id, template_trial=template)
        trial = storage.get_trial(trial_id)
        assert trial.number == 0 and trial.trial_id == trial_id
        assert trial.state == TrialState.COMPLETE and trial.value == 2.0
        assert trial.params == {"x": 0.25, "c": "b"}
        assert trial.user_attrs == {"u": 1} and trial.system_attrs == {"s": 2}
        assert trial.intermediate_values == {1: 0.5, 2: 0.25}
        assert trial.datetime_start == template.datetime_start
        assert storage.get_best_trial(study_id).number == 0

    def test_waiting_trial_taken_once(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        waiting = create_trial(state=TrialState.WAITING, system_attrs={"fixed_params": {"x": 1}})
        w0 = storage.create_new_trial(study_id, template_trial=waiting)
        w1 = storage.create_new_trial(study_id, template_trial=waiting)
        record = storage.get_trial(w0)
        assert record.state == TrialState.WAITING and record.datetime_start is None
        assert storage.set_trial_state_values(w0, TrialState.RUNNING)
        assert not storage.set_trial_state_values(w0, TrialState.RUNNING)
        assert storage.get_trial(w0).datetime_start is not None
        assert storage.pop_waiting_trial_id(study_id) == w1
        assert storage.pop_waiting_trial_id(study_id) is None

    def test_pop_waiting_in_order(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        ids = [
            storage.create_new_trial(study_id, template_trial=create_trial(state=TrialState.WAITING))
            for _ in range(5)
        ]
        assert [storage.pop_waiting_trial_id(study_id) for _ in range(5)] == ids
        assert storage.pop_waiting_trial_id(study_id) is None

    def test_get_trials_since_watermark(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        ids = [storage.create_new_trial(study_id) for _ in range(3)]
        trials, mark = storage.get_trials_since(study_id, None)
        assert [t.number for t in trials] == [0, 1, 2]
        _finish(storage, ids[1], 1.0)
        new_id = storage.create_new_trial(study_id)
        changed, mark2 = storage.get_trials_since(study_id, mark)
        by_number = {t.number: t for t in changed}
        assert 1 in by_number and 3 in by_number  # superset allowed, misses not
        assert by_number[1].state == TrialState.COMPLETE
        assert by_number[3].trial_id == new_id
        storage.set_trial_user_attr(ids[0], "k", "v")
        changed, _ = storage.get_trials_since(study_id, mark2)
        assert {t.number: t for t in changed}[0].user_attrs == {"k": "v"}

    def test_pickle_round_trip(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN, "pickled")
        _finish(storage, storage.create_new_trial(study_id), 1.0)
        restored = pickle.loads(pickle.dumps(storage))
        restored_id = restored.get_study_id_from_name("pickled")
        assert restored.get_all_trials(restored_id)[0].value == 1.0

    # --- concurrency ------------------------------------------------------------------------------

    def test_threads_numbers_unique_and_contiguous(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        errors: list[BaseException] = []

        def work() -> None:
            try:
                for i in range(25):
                    trial_id = storage.create_new_trial(study_id)
                    storage.set_trial_param(trial_id, "x", 0.5, FloatDistribution(0, 1))
                    storage.set_trial_intermediate_value(trial_id, 0, float(i))
                    _finish(storage, trial_id, float(i))
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        trials = storage.get_all_trials(study_id, deepcopy=False)
        assert sorted(t.number for t in trials) == list(range(200))
        assert all(t.state == TrialState.COMPLETE and t.params == {"x": 0.5} for t in trials)

    def test_threads_take_waiting_trials_once(self, storage: BaseStorage) -> None:
        study_id = storage.create_new_study(MIN)
        for _ in range(60):
            storage.create_new_trial(study_id, template_trial=create_trial(state=TrialState.WAITING))
        taken: list[int] = []
        lock = threading.Lock()

        def work() -> None:
            while (trial_id := storage.pop_waiting_trial_id(study_id)) is not None:
                with lock:
                    taken.append(trial_id)

        threads = [threading.Thread(target=work) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert len(taken) == 60 and len(set(taken)) == 60

    def test_processes_numbers_unique_and_contiguous(
        self, storage: BaseStorage, storage_factory: Callable[[], BaseStorage] | None
    ) -> None:
        if storage_factory is None:
            pytest.skip("this storage is not shared between processes")
        storage.create_new_study(MIN, "mp")
        ctx = multiprocessing.get_context("spawn")
        q = ctx.Queue()
        procs = [ctx.Process(target=_process_worker, args=(storage_factory, "mp", 25, q))
                 for _ in range(4)]
        for p in procs:
            p.start()
        numbers = [n for _ in procs for n in q.get(timeout=300)]
        for p in procs:
            p.join(timeout=60)
            assert p.exitcode == 0
        assert sorted(numbers) == list(range(100))
        study_id = storage.get_study_id_from_name("mp")
        trials = storage.get_all_trials(study_id, deepcopy=False)
        assert len(trials) == 100
        assert all(t.state == TrialState.COMPLETE for t in trials)

    def test_processes_take_waiting_trials_once(
        self, storage: BaseStorage, storage_factory: Callable[[], BaseStorage] | None
    ) -> None:
        if storage_factory is None:
            pytest.skip("this storage is not shared between processes")
        study_id = storage.create_new_study(MIN, "mpq")
        for _ in range(40):
            storage.create_new_trial(study_id, template_trial=create_trial(state=TrialState.WAITING))
        ctx = multiprocessing.get_context("spawn")
        q = ctx.Queue()
        procs = [ctx.Process(target=_process_popper, args=(storage_factory, "mpq", q))
                 for _ in range(4)]
        for p in procs:
            p.start()
        taken = [t for _ in procs for t in q.get(timeout=300)]
        for p in procs:
            p.join(timeout=60)
        assert sorted(taken) == sorted(set(taken)) and len(taken) == 40


_ = (copy, FrozenTrial)
