"""``Trial``: the live trial handed to an objective by ``Study.optimize`` and ``Study.ask``.

Design note: the trial keeps its own view of its parameters and attributes, so reading them never
goes to the storage; every write goes to the storage at once (so other workers, constant-liar
samplers and heartbeats see a running trial as it is). The ``FrozenTrial`` passed to the sampler
and pruner while the trial runs is one record built at start whose dictionaries are this trial's
live ones: it always reflects the latest state and costs nothing per ``suggest_*``. Samplers must
not keep it beyond the call (finished records from ``study.get_trials`` are the stable ones).
"""

from __future__ import annotations

import datetime
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, TrialState
from skipjack._records._frozen_trial import (
    CONSTRAINT_NAMES_KEY,
    CONSTRAINTS_KEY,
    with_constraint,
)
from skipjack._records._suggest import portable
from skipjack._validation import check_json_value, check_param_name
from skipjack.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
    check_distribution_compatibility,
    distribution_to_json,
)
from skipjack.exceptions import UpdateFinishedTrialError
from skipjack.storages._in_memory import InMemoryStorage
from skipjack.trial import _pruning
from skipjack.trial._base import BaseTrial

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy
    from skipjack.storages._base import TrialSession
    from skipjack.trial._study_api import StudyAPI

__all__ = ["Trial", "FIXED_PARAMS_KEY"]

# System attribute holding the parameters of an enqueued trial (Optuna's key).
FIXED_PARAMS_KEY = "fixed_params"


class Trial(BaseTrial):
    """A running trial: suggests parameters, takes reports, answers ``should_prune``.

    Created by the study; user code does not construct it.
    """

    # Set by the optimize loop when the study has instrumentation hooks (``study/_hooks.py``).
    _observer: Any = None
    # Defaults on the class: an instance stores them only when they change (fewer stores per trial).
    _relative_params: dict[str, Any] | None = None
    _done = False
    _joint = False

    def __init__(
        self, study: StudyAPI, trial_id: int, *, _session: TrialSession | None = None
    ) -> None:
        # The ``Study`` itself; typed as ``StudyAPI`` (its whole public face) because ``trial/``
        # sits below ``study/`` (``_study_api.py``).
        self.study = study
        self._trial_id = trial_id
        storage = self.storage = study._storage
        # Every write of this trial goes through its session (``BaseStorage.open_trial``);
        # ``Study.ask`` passes the one ``start_trial`` returned.
        session = _session if _session is not None else storage.open_trial(trial_id)
        self._session = session
        record = session.record
        if session.owned:  # a new record that is this trial's alone: its dicts become the trial's
            view = record
            self._params: dict[str, Any] = record._params
            self._distributions: dict[str, BaseDistribution] = record._distributions
            self._user_attrs: dict[str, Any] = record._user_attrs
            self._system_attrs: dict[str, Any] = record._system_attrs
            self._intermediate_values: dict[int, float] = record._intermediate_values
        else:  # a record shared with the storage's other readers: its dictionaries are copied
            self._params = dict(record._params)
            self._distributions = dict(record._distributions)
            self._user_attrs = dict(record._user_attrs)
            self._system_attrs = dict(record._system_attrs)
            self._intermediate_values = dict(record._intermediate_values)
            view = FrozenTrial._make(
                record._number,
                record._state,
                None,
                record._datetime_start,
                None,
                self._params,
                self._distributions,
                self._user_attrs,
                self._system_attrs,
                self._intermediate_values,
                trial_id,
            )
        # bound once: a parameter write is the hottest storage call of a study
        self._set_param = session.set_param
        self._view = view
        self._number = record._number
        self._datetime_start = record._datetime_start
        system_attrs = self._system_attrs
        fixed = self._system_attrs.get(FIXED_PARAMS_KEY) if system_attrs else None
        self._fixed_params: dict[str, Any] = fixed or {}
        sampler = study.sampler
        sampler.before_trial(study, view)
        # e.g. AutoSampler records a change of algorithm on the study (no-op by default)
        for key, value in sampler.study_system_attrs(study, view).items():
            storage.set_study_system_attr(study._study_id, key, value)
        self.relative_search_space = sampler.infer_relative_search_space(study, view)
        # bound methods looked up once: suggesting is the hottest path of a study
        self._sample_independent = sampler.sample_independent
        # True while a new parameter is simply drawn by ``sample_independent``: the trial is
        # running, has no fixed (enqueued) parameters and no relative search space. The
        # front-end's ``_suggest_plain`` then skips the general ``_suggest`` (same steps, fewer
        # checks).
        self._plain = plain = not fixed and not self.relative_search_space
        # True while a new parameter of the relative search space is simply taken from the
        # sampler's joint values (running, no fixed parameters): ``_suggest_plain`` then takes
        # the value of ``relative_params`` when its distribution is the space's own object.
        self._joint = not fixed and not plain
        if plain:
            # As Optuna's, the first suggest the sampler decides runs ``sample_relative``, even
            # for an empty space (GA samplers tag the trial's generation there; Optuna's tests
            # count the calls): the first draw goes through ``_relative_then_independent``, which
            # puts the sampler's own method back, so the later draws cost nothing more.
            self._sample_independent = self._relative_then_independent

    @property
    def _finished(self) -> bool:
        return self._done

    @_finished.setter
    def _finished(self, value: bool) -> None:
        self._done = value
        if value:
            self._plain = False
            self._joint = False

    # --- suggest (the ``suggest_*`` methods are ``_records/_suggest.py``'s) -----------------------

    def _suggest_plain(self, name: str, distribution: BaseDistribution) -> Any:
        # The front-end calls this for a distribution with more than one value. Two fast paths
        # of a new name, each with the checks of ``_suggest`` ruled out by the trial's state:
        # while the trial is plain (running, no fixed parameters, no relative search space) it
        # is drawn by ``sample_independent`` (the float and int conversions inlined); while it
        # is joint (running, no fixed parameters, a relative search space) and the distribution
        # is the very object of the relative search space (the front-end shares distribution
        # objects, and the space is built from the study's records, so ``_suggest``'s
        # compatibility check of the two is moot) it takes the sampler's joint value, and a
        # name the sampler left out of its joint values is drawn by ``sample_independent``.
        params = self._params
        if name in params:
            return self._suggest(name, distribution, 4)
        if self._plain:
            joint = False
        elif self._joint:
            known = self._relative_params
            relative: dict[str, Any] = self._sample_relative() if known is None else known
            joint = name in relative
        else:
            return self._suggest(name, distribution, 4)
        if joint:
            if self.relative_search_space.get(name) is not distribution:
                return self._suggest(name, distribution, 4)
            value = relative[name]
            d: Any = distribution  # narrowed by the exact type check below
            if (type(d) is FloatDistribution and type(value) is float and d.step is None
                    and d.low <= value <= d.high):
                # to_internal_repr, _contains and to_external_repr inlined: a float inside the
                # bounds (so not NaN, and positive if log) is its own internal and external value
                internal = value
            else:
                internal = distribution.to_internal_repr(value)
                if not distribution._contains(internal):  # ``_suggest`` draws it independently
                    return self._suggest(name, distribution, 4)
                value = distribution.to_external_repr(internal)
        else:  # a name the sampler left out of its joint values (or a plain trial): drawn alone
            value = self._sample_independent(self.study, self._view, name, distribution)
            kind = type(distribution)
            if kind is FloatDistribution:
                if type(value) is not float or value != value:
                    value = distribution.to_internal_repr(value)  # converts, or rejects NaN
                internal = value
            elif kind is IntDistribution:
                internal = (float(value) if type(value) is int
                            else distribution.to_internal_repr(value))
                value = int(internal)
            else:
                internal = distribution.to_internal_repr(value)
                value = distribution.to_external_repr(internal)
        self._set_param(name, internal, value, distribution)
        params[name] = value
        self._distributions[name] = distribution
        return value

    def _check_storable(self, name: str, distribution: CategoricalDistribution) -> None:
        if isinstance(self.storage, InMemoryStorage):
            return
        try:
            distribution_to_json(distribution)
        except (TypeError, ValueError) as e:
            raise TypeError(
                f"The choices of parameter {name!r} cannot be written by this storage "
                f"({type(self.storage).__name__} writes JSON): {e}. Use None, bool, int, float or "
                "str choices, e.g. the name of each option, and map names to objects in the "
                "objective."
            ) from None

    def _suggest(self, name: str, distribution: BaseDistribution, _stacklevel: int = 3) -> Any:
        # ``_stacklevel``: where warnings point (the objective's line); one more frame when
        # reached through ``_suggest_plain``.
        if type(distribution) is CategoricalDistribution and not portable(distribution):
            self._check_storable(name, distribution)
        params = self._params
        if name in params:
            old = self._distributions[name]
            if old != distribution:
                try:
                    check_distribution_compatibility(old, distribution)
                except ValueError:
                    raise ValueError(
                        f"The parameter {name!r} was suggested before in this trial with "
                        f"{old!r}; it cannot be suggested again with {distribution!r}. Use the "
                        "same distribution for the same name, or another name."
                    ) from None
                warnings.warn(
                    f"Inconsistent parameter values for distribution with name {name!r}: this "
                    f"trial suggested it from {old!r} first and keeps that value; the new "
                    f"{distribution!r} is ignored.",
                    RuntimeWarning,
                    stacklevel=_stacklevel,
                )
            return params[name]
        if self._finished:
            raise UpdateFinishedTrialError(
                f"Trial#{self._number} has already finished and can not be updated."
            )
        if self._fixed_params and name in self._fixed_params:
            value = self._fixed_params[name]
            internal = distribution.to_internal_repr(value)
            if not distribution._contains(internal):
                warnings.warn(
                    f"Fixed parameter {name!r} with value {value!r} is out of range for "
                    f"distribution {distribution!r}.",
                    stacklevel=_stacklevel,
                )
        elif distribution.single():
            internal = distribution.low if not isinstance(  # type: ignore[attr-defined]
                distribution, CategoricalDistribution
            ) else 0.0
            internal = float(internal)
        else:
            value = None
            found = False
            # As Optuna's, the first suggest the sampler decides runs ``sample_relative``, even
            # for an empty relative search space (samplers and tests count that call per trial).
            relative = self.relative_params
            if relative and name in relative:
                if name in self.relative_search_space:
                    value = relative[name]
                    rel_dist = self.relative_search_space[name]
                    check_distribution_compatibility(rel_dist, distribution)
                    internal = distribution.to_internal_repr(value)
                    found = distribution._contains(internal)
            if not found:
                value = self._sample_independent(self.study, self._view, name, distribution)
                internal = distribution.to_internal_repr(value)
        value = distribution.to_external_repr(internal)
        self._set_param(name, internal, value, distribution)
        params[name] = value
        self._distributions[name] = distribution
        return value

    @property
    def relative_params(self) -> dict[str, Any]:
        """Values the sampler decided jointly at the start of the trial (computed on first use)."""
        params = self._relative_params
        if params is None:
            params = self._sample_relative()
        return params

    def _sample_relative(self) -> dict[str, Any]:
        """Ask the sampler for the joint values (once per trial) and record its attributes."""
        sampler = self.study.sampler
        space = self.relative_search_space
        params = self._relative_params = sampler.sample_relative(self.study, self._view, space)
        # Design note: samplers never write to storage. A sampler whose decisions must be
        # shared between workers (CMA-ES and NSGA generations) returns the attributes to
        # record on this trial from the optional ``trial_system_attrs`` hook, and the trial
        # writes them here, right after the joint sampling they describe.
        for key, value in sampler.trial_system_attrs(self.study, self._view).items():
            self._set_system_attr(key, value)
        return params

    def _relative_then_independent(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        # The first ``sample_independent`` of a trial with an empty relative search space: runs
        # ``sample_relative`` as ``relative_params`` does, then puts the sampler's own back.
        sample = self._sample_independent = self.study.sampler.sample_independent
        if self._relative_params is None:
            self._sample_relative()
        return sample(study, trial, param_name, param_distribution)

    # --- report and prune -------------------------------------------------------------------------

    def report(self, value: float | Sequence[float], step: int) -> None:
        """Report an intermediate objective value at ``step`` (used by pruners).

        In a multi-objective study, report one value per objective (skipjack's extension; see
        docs/pruning.md): the first is stored as the intermediate value, the vector in a trial
        system attribute. A second report for the same step is ignored with a warning.

        Raises:
            TypeError: ``value`` is not a number (a sequence of numbers in a multi-objective
                study) or ``step`` not an int.
            ValueError: ``step`` is negative, or the vector has the wrong length.
        """
        vector = None
        # Any: a user may pass anything here; float() below is the check.
        scalar: Any = value
        if self.study._is_multi_objective():
            if not isinstance(value, (str, bytes)) and not hasattr(value, "__iter__"):
                raise NotImplementedError(
                    "Trial.report of a single value is not supported in a multi-objective study "
                    "(as in Optuna). skipjack takes one value per objective: "
                    f"trial.report([v1, ..., v{len(self.study.directions)}], step)."
                )
            vector = _pruning.check_vector(value, len(self.study.directions))
            scalar = vector[0]
        try:
            value = float(scalar)
        except (TypeError, ValueError):
            raise TypeError(
                f"The `value` argument of report must be a float. Got {scalar!r} of type "
                f"{type(scalar).__name__}."
            ) from None
        if isinstance(step, bool) or not isinstance(step, int):
            try:
                if float(step) != int(step):
                    raise ValueError
                step = int(step)
            except (TypeError, ValueError):
                raise TypeError(
                    f"The `step` argument of report must be an int. Got {step!r}."
                ) from None
        if step < 0:
            raise ValueError(f"The `step` argument of report must be >= 0. Got {step}.")
        if step in self._intermediate_values:
            warnings.warn(
                f"The reported value is ignored because this `step` {step} is already reported.",
                stacklevel=2,
            )
            return
        if vector is not None:
            _pruning.write_vector(self, step, vector)
        self._session.set_intermediate_value(step, value)
        self._intermediate_values[step] = value
        if self._observer is not None:
            self._observer.report(step, value)

    def should_prune(self) -> bool:
        """Ask the study's pruner whether this trial should stop now.

        The decision is recorded in the trial's decision log (``skipjack.pruners.decision_log``);
        while the study's pause switch is on, the answer is False (see docs/pruning.md).
        """
        if not self._intermediate_values and self.study._is_multi_objective():
            raise NotImplementedError(
                "Trial.should_prune is not supported in a multi-objective study before a report "
                "(as in Optuna). skipjack prunes multi-objective trials from their reported "
                "vectors: call trial.report([v1, ..., vn], step) first."
            )
        decision = _pruning.should_prune(self)
        if self._observer is not None:
            self._observer.should_prune(decision)
        return decision

    # --- attributes -------------------------------------------------------------------------------

    def set_user_attr(self, key: str, value: Any) -> None:
        """Attach a JSON-serialisable attribute to the trial.

        Raises:
            TypeError: ``key`` is not a str, or ``value`` is not JSON-serializable and the
                storage writes JSON (every storage but the in-memory one).
        """
        if type(key) is not str:
            check_param_name(key, "set_user_attr (its 'key')")
        if not isinstance(self.storage, InMemoryStorage):
            check_json_value(value, "value", f"set_user_attr({key!r}, ...)")
        self._session.set_user_attr(key, value)
        self._user_attrs[key] = value

    def set_system_attr(self, key: str, value: Any) -> None:
        """Deprecated since Optuna 3.1 (use ``set_user_attr``)."""
        warnings.warn(
            "Trial.set_system_attr has been deprecated in v3.1.0. This feature will be removed "
            "in v6.0.0. Use Trial.set_user_attr instead.",
            FutureWarning,
            stacklevel=2,
        )
        self._set_system_attr(key, value)

    def _set_system_attr(self, key: str, value: Any) -> None:
        self._session.set_system_attr(key, value)
        self._system_attrs[key] = value

    def set_constraint(self, key: str, value: float) -> None:
        """Record constraint ``key`` of this trial; the trial is feasible when all are <= 0.

        Raises:
            ValueError: ``value`` is not a finite-or-infinite number (NaN is rejected).
        """
        update = with_constraint(self._system_attrs, key, value)
        if update is not None:
            self._set_system_attr(CONSTRAINT_NAMES_KEY, update[0])
            self._set_system_attr(CONSTRAINTS_KEY, update[1])

    # --- properties -------------------------------------------------------------------------------

    @property
    def params(self) -> dict[str, Any]:
        """Parameters suggested so far (a copy)."""
        return dict(self._params)

    @property
    def distributions(self) -> dict[str, BaseDistribution]:
        """Distributions of the parameters suggested so far (a copy)."""
        return dict(self._distributions)

    @property
    def user_attrs(self) -> dict[str, Any]:
        """User attributes (a copy)."""
        return dict(self._user_attrs)

    @property
    def system_attrs(self) -> dict[str, Any]:
        """System attributes (a copy)."""
        return dict(self._system_attrs)

    @property
    def constraints(self) -> dict[str, float]:
        """Constraint values set with ``set_constraint``, by name."""
        return self._view.constraints

    @property
    def datetime_start(self) -> datetime.datetime | None:
        """When the trial started."""
        return self._datetime_start

    @property
    def number(self) -> int:
        """The trial's number in its study."""
        return self._number

    def __repr__(self) -> str:
        return f"Trial(number={self._number}, params={self._params!r})"
