"""``AutoSampler``: picks the algorithm per study and per phase (a skipjack extension).

The rule table (first match wins), evaluated before each trial from what the study shows:

| condition | sampler | why |
|---|---|---|
| several objectives, fewer than ``mo_switch_trials`` (250) finished | TPESampler (MOTPE) | learns a Pareto front fastest on small budgets |
| several objectives, later | NSGAIISampler | scales to large populations and budgets |
| a categorical or conditional parameter seen | TPESampler (multivariate, group) | models categories and conditional spaces directly |
| numeric space, fewer than ``gp_max_trials`` (200) finished | GPSampler | most sample-efficient for small budgets; handles constraints and running trials |
| numeric space, constraints, later | TPESampler | TPE keeps using constraints; CMA-ES ignores them |
| numeric space, one parameter, later | TPESampler | CMA-ES needs two or more dimensions |
| numeric space, later | CmaEsSampler (x0 = best so far) | cheap per trial and strong on long continuous searches |

The choice and its reason are recorded on each trial (system attributes ``skipjack:auto_sampler``
and ``skipjack:auto_sampler_reason``) and, when the choice changes, on the study (system attribute
``skipjack:auto_sampler`` = ``{"sampler", "reason", "from_trial"}``), written by the trial loop
through the sampler hooks: the sampler itself never writes to storage.

Design note: the facts the rules need (finished count, categorical/conditional parameters,
constraints) are updated incrementally from newly finished trials, so deciding costs O(new trials).
"""

from __future__ import annotations

import importlib
import random
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack._records._frozen_trial import CONSTRAINTS_KEY
from skipjack.distributions import BaseDistribution, CategoricalDistribution
from skipjack.samplers._base import BaseSampler

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["AutoSampler", "CHOICE_KEY", "REASON_KEY"]

CHOICE_KEY = "skipjack:auto_sampler"
REASON_KEY = "skipjack:auto_sampler_reason"

_CLASSES = {
    "TPESampler": "skipjack.samplers._tpe.sampler",
    "GPSampler": "skipjack.samplers._gp.sampler",
    "CmaEsSampler": "skipjack.samplers._cmaes",
    "NSGAIISampler": "skipjack.samplers.nsgaii._sampler",
}


class _Facts:
    """What the rules need to know about a study, kept up to date incrementally."""

    def __init__(self) -> None:
        self.cursor = 0  # every trial below this number is finished and counted
        self.counted: set[int] = set()  # finished trials at or above the cursor, counted
        self.n_finished = 0
        self.categorical = False
        self.constrained = False
        self.names: set[str] | None = None  # parameters of every finished trial (intersection)
        self.union: set[str] = set()

    @property
    def conditional(self) -> bool:
        return self.names is not None and self.names != self.union

    def update(self, trials: Sequence[FrozenTrial]) -> None:
        advancing = True
        for trial in trials[self.cursor:]:
            if not trial.state.is_finished():
                advancing = False
                continue
            if trial.number in self.counted:
                if advancing:
                    self.counted.discard(trial.number)
                    self.cursor = trial.number + 1
                continue
            self._count(trial)
            if advancing:
                self.cursor = trial.number + 1
            else:
                self.counted.add(trial.number)

    def _count(self, trial: FrozenTrial) -> None:
        if trial.state not in (TrialState.COMPLETE, TrialState.PRUNED):
            return
        self.n_finished += 1
        names = set(trial.distributions)
        self.union |= names
        self.names = names if self.names is None else self.names & names
        if any(isinstance(d, CategoricalDistribution) for d in trial.distributions.values()):
            self.categorical = True
        if trial.system_attrs.get(CONSTRAINTS_KEY) is not None:
            self.constrained = True


class AutoSampler(BaseSampler):
    """Choose GP, TPE, CMA-ES or NSGA-II for each trial from the study's state (see the table).

    Args:
        seed: seed for every sampler it creates (each gets its own derived seed).
        constraints_func: passed to the samplers that accept it (deprecated style; prefer
            ``Trial.set_constraint``).
        gp_max_trials: finished trials after which a numeric single-objective study leaves GP.
        mo_switch_trials: finished trials after which a multi-objective study moves to NSGA-II.
    """

    def __init__(
        self,
        *,
        seed: int | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        gp_max_trials: int = 200,
        mo_switch_trials: int = 250,
    ) -> None:
        for name, value in (("gp_max_trials", gp_max_trials), ("mo_switch_trials", mo_switch_trials)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"The '{name}' argument of AutoSampler must be an int >= 0. "
                                 f"Got {value!r}.")
        self._seed = seed
        self._rng = random.Random(seed)
        self._constraints_func = constraints_func
        self._gp_max_trials = gp_max_trials
        self._mo_switch_trials = mo_switch_trials
        self._lock = threading.RLock()
        self._samplers: dict[str, BaseSampler] = {}
        self._facts: dict[int, _Facts] = {}
        self._chosen: dict[int, tuple[str, str]] = {}  # trial id -> (sampler, reason)
        self._last: dict[int, str] = {}  # study id -> last choice, for the study-level record

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.RLock()

    def reseed_rng(self) -> None:
        with self._lock:
            self._rng = random.Random()
            for sampler in self._samplers.values():
                sampler.reseed_rng()

    # --- the decision -----------------------------------------------------------------------------

    def decide(self, study: ReadOnlyStudy) -> tuple[str, str]:
        """Return ``(sampler class name, reason)`` for the next trial of ``study``."""
        with self._lock:
            facts = self._facts.setdefault(study.study_id, _Facts())
            facts.update(study.get_trials(deepcopy=False))
            n = facts.n_finished
            if len(study.directions) > 1:
                if n < self._mo_switch_trials:
                    return "TPESampler", (
                        f"{len(study.directions)} objectives and {n} < {self._mo_switch_trials} "
                        "finished trials: multi-objective TPE learns fastest on small budgets")
                return "NSGAIISampler", (
                    f"{len(study.directions)} objectives and {n} >= {self._mo_switch_trials} "
                    "finished trials: NSGA-II scales to large budgets")
            if facts.categorical or facts.conditional:
                what = "categorical" if facts.categorical else "conditional"
                return "TPESampler", f"a {what} parameter: TPE models it directly"
            if n < self._gp_max_trials:
                return "GPSampler", (
                    f"numeric space and {n} < {self._gp_max_trials} finished trials: GP-BO is "
                    "the most sample-efficient")
            if facts.constrained or self._constraints_func is not None:
                return "TPESampler", "constraints after the GP phase: TPE keeps using them"
            if facts.names is not None and len(facts.names) < 2:
                return "TPESampler", "a single numeric parameter: CMA-ES needs two or more"
            return "CmaEsSampler", (
                f"numeric space and {n} >= {self._gp_max_trials} finished trials: CMA-ES is "
                "cheap per trial on long continuous searches")

    def _sampler(self, name: str, study: ReadOnlyStudy) -> BaseSampler:
        known = self._samplers.get(name)
        if known is not None:
            return known
        cls: type[BaseSampler] = getattr(importlib.import_module(_CLASSES[name]), name)
        seed = None if self._seed is None else self._rng.randrange(2**31)
        kwargs: dict[str, Any] = {"seed": seed}
        if name == "TPESampler":
            kwargs.update(multivariate=True, group=True)
        if name in ("TPESampler", "NSGAIISampler") and self._constraints_func is not None:
            kwargs["constraints_func"] = self._constraints_func
        if name == "CmaEsSampler":
            kwargs["x0"] = _best_params(study)
        sampler = cls(**kwargs)
        self._samplers[name] = sampler
        return sampler

    def _for_trial(self, study: ReadOnlyStudy, trial: FrozenTrial) -> BaseSampler:
        with self._lock:
            choice = self._chosen.get(trial.trial_id)
            if choice is None:
                choice = self.decide(study)
                self._chosen[trial.trial_id] = choice
            return self._sampler(choice[0], study)

    # --- BaseSampler, delegated -------------------------------------------------------------------

    def before_trial(self, study: ReadOnlyStudy, trial: FrozenTrial) -> None:
        self._for_trial(study, trial).before_trial(study, trial)

    def infer_relative_search_space(
        self, study: ReadOnlyStudy, trial: FrozenTrial
    ) -> dict[str, BaseDistribution]:
        return self._for_trial(study, trial).infer_relative_search_space(study, trial)

    def sample_relative(
        self, study: ReadOnlyStudy, trial: FrozenTrial, search_space: dict[str, BaseDistribution]
    ) -> dict[str, Any]:
        return self._for_trial(study, trial).sample_relative(study, trial, search_space)

    def sample_independent(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        param_name: str,
        param_distribution: BaseDistribution,
    ) -> Any:
        return self._for_trial(study, trial).sample_independent(
            study, trial, param_name, param_distribution
        )

    def after_trial(
        self,
        study: ReadOnlyStudy,
        trial: FrozenTrial,
        state: TrialState,
        values: Sequence[float] | None,
    ) -> None:
        sampler = self._for_trial(study, trial)
        try:
            sampler.after_trial(study, trial, state, values)
        finally:
            with self._lock:
                self._chosen.pop(trial.trial_id, None)

    # --- records, written by the trial loop -------------------------------------------------------

    def trial_system_attrs(self, study: ReadOnlyStudy, trial: FrozenTrial) -> dict[str, Any]:
        """Attributes for the trial loop to record after joint sampling: the delegate's own
        (e.g. a CMA-ES generation) plus the choice and its reason."""
        sampler = self._for_trial(study, trial)
        attrs: dict[str, Any] = {}
        attrs.update(sampler.trial_system_attrs(study, trial))
        with self._lock:
            name, reason = self._chosen.get(trial.trial_id, (type(sampler).__name__, ""))
        attrs[CHOICE_KEY] = name
        attrs[REASON_KEY] = reason
        return attrs

    def study_system_attrs(self, study: ReadOnlyStudy, trial: FrozenTrial) -> dict[str, Any]:
        """Study attributes for the trial loop to record when a trial starts: the choice, only
        when it differs from the previous trial's."""
        self._for_trial(study, trial)
        with self._lock:
            name, reason = self._chosen[trial.trial_id]
            study_id = study.study_id
            if self._last.get(study_id) == name:
                return {}
            self._last[study_id] = name
        return {CHOICE_KEY: {"sampler": name, "reason": reason, "from_trial": trial.number}}


def _best_params(study: ReadOnlyStudy) -> dict[str, Any] | None:
    try:
        best = study.best_trial
    except (ValueError, RuntimeError):
        return None
    return dict(best.params)


_ = StudyDirection
