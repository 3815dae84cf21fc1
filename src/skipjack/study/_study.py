"""``Study``: the facade users hold. Optimize, ask/tell, best trials, attributes.

The optimize loop lives in ``_optimize``, finishing a trial in ``_tell``, the dataframe export in
``_dataframe``; this module wires them together.
"""

from __future__ import annotations

import contextlib
import copy
import threading
import warnings
from collections.abc import Callable, Container, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from skipjack._deprecation import experimental
from skipjack._records import FrozenTrial, StudyDirection, TrialState, create_trial
from skipjack._records._frozen_trial import CONSTRAINTS_KEY
from skipjack._validation import (
    check_enqueue_params,
    check_json_value,
    check_param_name,
    check_pruner,
    check_sampler,
    check_study_name,
)
from skipjack.distributions import BaseDistribution, _convert_old_distribution_to_new_distribution
from skipjack.exceptions import UpdateFinishedTrialError
from skipjack.logging import get_logger
from skipjack.pruners import BasePruner
from skipjack.samplers import BaseSampler
from skipjack.storages import BaseStorage, get_storage
from skipjack.storages._in_memory import InMemoryStorage
from skipjack.study import _optimize
from skipjack.study._defaults import default_pruner, default_sampler
from skipjack.study._hooks import bind_global_hooks
from skipjack.study._tell import log_fields as _log_fields
from skipjack.study._tell import tell_with_warning
from skipjack.trial import Trial
from skipjack.trial._trial import FIXED_PARAMS_KEY

if TYPE_CHECKING:
    from concurrent.futures import Executor

    import pandas as pd

__all__ = ["Study", "METRIC_NAMES_KEY"]

_logger = get_logger(__name__)

METRIC_NAMES_KEY = "study:metric_names"


class Study:
    """A study: an optimization task, a set of trials, and the sampler and pruner that drive it.

    Create one with ``create_study`` or ``load_study`` rather than with this constructor.
    """

    # Instrumentation seam (``skipjack.study._hooks``): None means no instrumentation.
    _hooks: Any = None

    def __init__(
        self,
        study_name: str,
        storage: str | BaseStorage,
        sampler: BaseSampler | None = None,
        pruner: BasePruner | None = None,
    ) -> None:
        check_study_name(study_name, "Study")
        check_sampler(sampler, "Study")
        check_pruner(pruner, "Study")
        self.study_name = study_name
        self._storage = get_storage(storage)
        self._study_id = self._storage.get_study_id_from_name(study_name)
        self._directions = self._storage.get_study_directions(self._study_id)
        self.sampler = sampler if sampler is not None else default_sampler(len(self._directions))
        self.pruner = pruner if pruner is not None else default_pruner()
        self._optimizations = _Optimizations()
        self._stop_flag = False
        self._hooks = bind_global_hooks(self)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_optimizations"]
        state.pop("_hooks", None)  # instrumentation stays in its process
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._optimizations = _Optimizations()

    # --- directions and trials --------------------------------------------------------------------

    @property
    def direction(self) -> StudyDirection:
        """The direction of a single-objective study.

        Raises:
            RuntimeError: the study has several objectives; use ``directions``.
        """
        if self._is_multi_objective():
            raise RuntimeError(
                "A single direction cannot be retrieved from a multi-objective study. Consider "
                "using Study.directions to retrieve a list containing all directions."
            )
        return self._directions[0]

    @property
    def directions(self) -> list[StudyDirection]:
        """One direction per objective."""
        return list(self._directions)

    def _is_multi_objective(self) -> bool:
        return len(self._directions) > 1

    @property
    def trials(self) -> list[FrozenTrial]:
        """All trials, as deep copies (see ``get_trials(deepcopy=False)`` for shared records)."""
        return self.get_trials(deepcopy=True)

    def get_trials(
        self, deepcopy: bool = True, states: Container[TrialState] | None = None
    ) -> list[FrozenTrial]:
        """Return the study's trials ordered by number, optionally only those in ``states``.

        With ``deepcopy=True`` (the default) the records are the caller's own copies. With
        ``deepcopy=False`` they are shared with the storage (no copy; samplers read them this
        way): do not mutate them.
        """
        return self._get_trials(deepcopy, states, use_cache=False)

    def get_trials_since(self, watermark: Any | None = None) -> tuple[list[FrozenTrial], Any]:
        """Return the trials that changed since ``watermark``, and the watermark to pass next.

        A skipjack extension (not in Optuna) for samplers and tools that keep their own view of
        the history: pass None the first time (every trial), then the returned watermark. The
        result may include unchanged trials but never misses a changed one, and the records are
        shared snapshots (do not mutate them). This keeps a sampler's cost per trial flat as the
        study grows.
        """
        return self._storage.get_trials_since(self._study_id, watermark)

    def _get_trials(
        self,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
        use_cache: bool = False,
    ) -> list[FrozenTrial]:
        # Optuna's private spelling and direction: ``get_trials`` calls this, this reads the
        # storage. A subclass may override ``get_trials`` and call ``super()._get_trials``
        # (optuna-integration's LightGBM tuner does). ``use_cache`` is accepted for Optuna's
        # callers; storages keep their own caches.
        return self._storage.get_all_trials(self._study_id, deepcopy=deepcopy, states=states)

    @property
    def storage(self) -> BaseStorage:
        """The storage this study reads and writes (read-only)."""
        return self._storage

    @property
    def study_id(self) -> int:
        """The study's id in its storage (read-only)."""
        return self._study_id

    # --- best trials ------------------------------------------------------------------------------

    @property
    def best_trial(self) -> FrozenTrial:
        """The best COMPLETE trial (the best feasible one when trials have constraints).

        Raises:
            RuntimeError: the study has several objectives; use ``best_trials``.
            ValueError: no trial is complete (or feasible) yet.
        """
        if self._is_multi_objective():
            raise RuntimeError(
                "A single best trial cannot be retrieved from a multi-objective study. Consider "
                "using Study.best_trials to retrieve a list containing the best trials."
            )
        try:
            best = self._storage.get_best_trial(self._study_id)
        except ValueError:
            raise ValueError(
                f"No trials are completed yet in study {self.study_name!r}: run optimize() or "
                "tell() a COMPLETE trial first."
            ) from None
        if best.system_attrs.get(CONSTRAINTS_KEY) is not None and not _is_feasible(best):
            feasible = [
                t
                for t in self.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                if _is_feasible(t)
            ]
            if not feasible:
                raise ValueError("No feasible trials are completed yet.")
            key = lambda t: t.values[0]  # noqa: E731
            pick = max if self._directions[0] == StudyDirection.MAXIMIZE else min
            best = pick(feasible, key=key)
        return copy.deepcopy(best)

    @property
    def best_value(self) -> float:
        """The objective value of ``best_trial``."""
        value = self.best_trial.value
        assert value is not None
        return value

    @property
    def best_params(self) -> dict[str, Any]:
        """The parameters of ``best_trial``."""
        return self.best_trial.params

    @property
    def best_trials(self) -> list[FrozenTrial]:
        """The Pareto front: COMPLETE trials no other dominates (feasible ones, if constrained)."""
        trials = self.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        constrained = any(t.system_attrs.get(CONSTRAINTS_KEY) is not None for t in trials)
        return [
            copy.deepcopy(t)
            for t in _pareto_front(trials, self._directions, constrained)
        ]

    # --- attributes -------------------------------------------------------------------------------

    @property
    def user_attrs(self) -> dict[str, Any]:
        """User attributes of the study."""
        return self._storage.get_study_user_attrs(self._study_id)

    @property
    def system_attrs(self) -> dict[str, Any]:
        """Deprecated since Optuna 3.1: system attributes of the study."""
        warnings.warn(
            "Study.system_attrs has been deprecated in v3.1.0. This feature will be removed in "
            "v5.0.0. Use Study.user_attrs instead.",
            FutureWarning,
            stacklevel=2,
        )
        return self._storage.get_study_system_attrs(self._study_id)

    def set_user_attr(self, key: str, value: Any) -> None:
        """Set a JSON-serialisable user attribute of the study.

        Raises:
            TypeError: ``key`` is not a str, or ``value`` is not JSON-serializable and the
                storage writes JSON (every storage but the in-memory one).
        """
        if type(key) is not str:
            check_param_name(key, "Study.set_user_attr (its 'key')")
        if self._writes_json():
            check_json_value(value, "value", f"Study.set_user_attr({key!r}, ...)")
        self._storage.set_study_user_attr(self._study_id, key, value)

    def set_system_attr(self, key: str, value: Any) -> None:
        """Deprecated since Optuna 3.1: set a system attribute of the study."""
        warnings.warn(
            "Study.set_system_attr has been deprecated in v3.1.0. This feature will be removed "
            "in v5.0.0. Use Study.set_user_attr instead.",
            FutureWarning,
            stacklevel=2,
        )
        self._storage.set_study_system_attr(self._study_id, key, value)

    @property
    def metric_names(self) -> list[str] | None:
        """Names of the objectives set with ``set_metric_names``, or None."""
        return self._storage.get_study_system_attrs(self._study_id).get(METRIC_NAMES_KEY)

    @experimental("3.2.0", name="set_metric_names")
    def set_metric_names(self, metric_names: list[str]) -> None:
        """Name the objectives (used by ``trials_dataframe`` and plots).

        Raises:
            ValueError: the number of names differs from the number of objectives.
        """
        if len(metric_names) != len(self._directions):
            raise ValueError(
                f"The number of metric names ({len(metric_names)}) must match the number of "
                f"objectives ({len(self._directions)})."
            )
        self._storage.set_study_system_attr(self._study_id, METRIC_NAMES_KEY, list(metric_names))

    # --- optimize, ask, tell ----------------------------------------------------------------------

    def optimize(
        self,
        func: Callable[[Trial], float | Sequence[float]],
        n_trials: int | None = None,
        timeout: float | None = None,
        n_jobs: int = 1,
        catch: Iterable[type[BaseException]] | type[BaseException] = (),
        callbacks: Iterable[Callable[[Study, FrozenTrial], None]] | None = None,
        gc_after_trial: bool = False,
        show_progress_bar: bool = False,
        *,
        trial_timeout: float | None = None,
        trial_memory_mb: float | None = None,
        executor: Executor | None = None,
    ) -> None:
        """Run trials of ``func`` until ``n_trials`` ran, ``timeout`` seconds passed, or ``stop()``.

        Args:
            func: the objective; takes a ``Trial``, returns a float (or one per objective).
            n_trials: trials to run in this call (None: until timeout or stop).
            timeout: seconds after which no new trial starts.
            n_jobs: threads running trials in parallel (-1: one per CPU).
            catch: exception classes that fail a trial without stopping the study.
            callbacks: called with ``(study, frozen_trial)`` after each trial.
            gc_after_trial: run ``gc.collect()`` after each trial.
            show_progress_bar: show a tqdm progress bar.
            trial_timeout: (skipjack) seconds after which a trial is killed and marked FAIL; the
                objective then runs in a child process (it must be picklable). See
                ``docs/operations.md``.
            trial_memory_mb: (skipjack) resident memory in MB above which a trial is killed and
                marked FAIL; the objective then runs in a child process.

            executor: (skipjack) a ``concurrent.futures.Executor`` (process pool, Dask client
                executor...) that runs the trials; the study must use a persistent storage. See
                ``docs/distributed.md``.

        Raises:
            RuntimeError: called from inside an objective or callback of the same study.
            ValueError: invalid ``n_trials``, ``timeout`` or ``n_jobs``.
        """
        if executor is not None:
            from skipjack.study._executor import optimize_with_executor
            from skipjack.study._optimize import _normalize_catch

            with self._optimizations.running():
                optimize_with_executor(
                    self, func, n_trials, timeout, executor, _normalize_catch(catch), callbacks,
                    trial_timeout=trial_timeout, trial_memory_mb=trial_memory_mb,
                )
            return
        _optimize.optimize(
            self, func, n_trials, timeout, n_jobs, catch, callbacks, gc_after_trial,
            show_progress_bar, trial_timeout=trial_timeout, trial_memory_mb=trial_memory_mb,
        )

    def ask(self, fixed_distributions: dict[str, BaseDistribution] | None = None) -> Trial:
        """Start a trial (the oldest enqueued one if any) and return it.

        Args:
            fixed_distributions: parameters to suggest right away, by name.
        """
        session = self._storage.start_trial(self._study_id)
        trial = Trial(self, session.trial_id, _session=session)
        if fixed_distributions:
            for name, dist in fixed_distributions.items():
                trial._suggest(name, _convert_old_distribution_to_new_distribution(dist))
        return trial

    def tell(
        self,
        trial: Trial | int,
        values: float | Sequence[float] | None = None,
        state: TrialState | None = None,
        skip_if_finished: bool = False,
    ) -> FrozenTrial:
        """Finish a trial started with ``ask``.

        Bad values (NaN, None, a string, the wrong count) mark the trial FAIL with a warning that
        says why. ``state=PRUNED`` records the last reported value.

        Raises:
            ValueError: the trial has finished already (unless ``skip_if_finished``), or is WAITING.
            ValueError: values given with PRUNED/FAIL, or missing with COMPLETE.
        """
        try:
            frozen, _ = tell_with_warning(
                self, trial, value_or_values=values, state=state, skip_if_finished=skip_if_finished
            )
        except UpdateFinishedTrialError as e:
            # finished meanwhile (by another process or a heartbeat check): Optuna's error for
            # telling a finished trial
            raise ValueError(f"Cannot tell this trial: it has already finished ({e}).") from e
        return copy.deepcopy(frozen)

    def stop(self) -> None:
        """Stop ``optimize`` after the running trials finish (call it from an objective or callback).

        Raises:
            RuntimeError: no ``optimize`` is running on this study.
        """
        if not self._optimizations.active:
            raise RuntimeError(
                "`Study.stop` is supposed to be invoked inside an objective function or a "
                "callback."
            )
        self._stop_flag = True

    # --- enqueue and add --------------------------------------------------------------------------

    def enqueue_trial(
        self,
        params: dict[str, Any],
        user_attrs: dict[str, Any] | None = None,
        skip_if_exists: bool = False,
    ) -> None:
        """Queue a trial whose parameters ``params`` are fixed; the next ``ask`` takes it.

        Args:
            skip_if_exists: do nothing when a trial with the same parameters exists already.

        Raises:
            TypeError: ``params`` is not a dict of str names, a value (or a user attribute)
                is not JSON-serializable and the storage writes JSON; the message names it.
        """
        json = self._writes_json()
        check_enqueue_params(params, json=json)
        if user_attrs is not None:
            check_enqueue_params(user_attrs, "enqueue_trial (its 'user_attrs')", json=json)
        if skip_if_exists and self._should_skip_enqueue(params):
            _logger.info(f"Trial with params {params} already exists. Skipping enqueue.")
            return
        self.add_trial(
            create_trial(
                state=TrialState.WAITING,
                system_attrs={FIXED_PARAMS_KEY: params},
                user_attrs=user_attrs,
            )
        )

    def _writes_json(self) -> bool:
        """False for the in-memory storage (it keeps Python objects), True for the others."""
        return not isinstance(self._storage, InMemoryStorage)

    def _should_skip_enqueue(self, params: dict[str, Any]) -> bool:
        for trial in self.get_trials(deepcopy=False):
            existing = trial.system_attrs.get(FIXED_PARAMS_KEY, trial.params)
            if existing.keys() != params.keys():
                continue
            if all(_same_value(existing[k], params[k]) for k in params):
                return True
        return False

    def add_trial(self, trial: FrozenTrial) -> None:
        """Add a finished (or WAITING) trial record, e.g. from ``create_trial``.

        Raises:
            ValueError: the record is invalid, or its number of values differs from the study's
                number of objectives.
        """
        trial._validate()
        if trial.values is not None and len(trial.values) != len(self._directions):
            raise ValueError(
                f"The added trial has {len(trial.values)} values but the study has "
                f"{len(self._directions)} objectives."
            )
        self._storage.create_new_trial(self._study_id, template_trial=trial)

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None:
        """Add several trial records (see ``add_trial``)."""
        for trial in trials:
            self.add_trial(trial)

    # --- export -----------------------------------------------------------------------------------

    def trials_dataframe(
        self,
        attrs: tuple[str, ...] = (
            "number",
            "value",
            "datetime_start",
            "datetime_complete",
            "duration",
            "params",
            "user_attrs",
            "system_attrs",
            "state",
        ),
        multi_index: bool = False,
    ) -> pd.DataFrame:
        """Export the trials as a pandas DataFrame (pandas is imported on first use)."""
        from skipjack.study._dataframe import trials_dataframe

        return trials_dataframe(self, attrs, multi_index)

    # --- logging ----------------------------------------------------------------------------------

    def _log_completed_trial(self, trial: FrozenTrial) -> None:
        values = trial.values
        assert values is not None
        metric_names = self.metric_names
        shown: Any
        if self._is_multi_objective():
            shown = values if metric_names is None else dict(zip(metric_names, values))
            _logger.info(
                f"Trial {trial.number} finished with values: {shown} and parameters: "
                f"{trial.params}.",
                extra=_log_fields(self, trial, "trial_complete"),
            )
            return
        shown = values[0] if metric_names is None else {metric_names[0]: values[0]}
        message = f"Trial {trial.number} finished with value: {shown} and parameters: {trial.params}."
        try:
            best = self._storage.get_best_trial(self._study_id)
            message += f" Best is trial {best.number} with value: {best.values[0]}."  # type: ignore[index]
        except ValueError:
            pass
        _logger.info(message, extra=_log_fields(self, trial, "trial_complete"))


def _same_value(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and a != a and b != b:
        return True
    return bool(a == b)


# Design note: the multi-objective helpers need numpy, which costs more to import than the rest of
# skipjack; they are loaded on the first best-trial query, not by ``import skipjack``.
def _is_feasible(trial: FrozenTrial) -> bool:
    from skipjack._mo._dominance import is_feasible

    return is_feasible(trial)


def _pareto_front(
    trials: list[FrozenTrial], directions: list[StudyDirection], constrained: bool
) -> list[FrozenTrial]:
    from skipjack._mo import pareto_front_trials

    return pareto_front_trials(trials, directions, consider_constraints=constrained)


class _Optimizations:
    """The ``optimize`` calls running on one study object.

    Several threads may each run ``optimize`` on the same study at once (as in Optuna); what is
    refused is a nested call: ``optimize`` from inside an objective or callback, in the thread of
    a running loop (its own, or a worker thread of ``n_jobs``). ``stop`` needs one call running,
    in any thread.
    """

    def __init__(self) -> None:
        self._thread = threading.local()  # .inside: this thread runs a loop of this study
        self._lock = threading.Lock()
        self.active = 0

    @contextlib.contextmanager
    def running(self) -> Iterator[None]:
        """Scope of one ``optimize`` call in the calling thread (RuntimeError when nested)."""
        if getattr(self._thread, "inside", False):
            raise RuntimeError(
                "Nested optimization detected: Study.optimize was called from inside an "
                "objective or callback of the same study."
            )
        with self._lock:
            self.active += 1
        try:
            with self.loop_thread():
                yield
        finally:
            with self._lock:
                self.active -= 1

    @contextlib.contextmanager
    def loop_thread(self) -> Iterator[None]:
        """Marks the calling thread as running a loop of the study (a worker of ``n_jobs``)."""
        self._thread.inside = True
        try:
            yield
        finally:
            self._thread.inside = False
