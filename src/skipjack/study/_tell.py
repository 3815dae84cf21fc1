"""Finishing a trial: value checks and the state transition shared by ``tell`` and ``optimize``."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, TrialState
from skipjack.exceptions import UpdateFinishedTrialError
from skipjack.logging import get_logger
from skipjack.trial import Trial
from skipjack.trial._pruning import last_reported_values

if TYPE_CHECKING:
    from skipjack.study._study import Study

__all__ = ["check_and_convert_values", "tell_with_warning", "FAIL_REASON_KEY", "log_fields"]

_logger = get_logger(__name__)

_RUNNING = TrialState.RUNNING
_COMPLETE = TrialState.COMPLETE
_PRUNED = TrialState.PRUNED
_FAIL = TrialState.FAIL
_WAITING = TrialState.WAITING

# System attribute with the reason a trial failed (exception text or bad return value).
FAIL_REASON_KEY = "fail_reason"


def log_fields(study: Study, trial: FrozenTrial, event: str) -> dict[str, Any]:
    """The ``extra`` of a trial log record: the fields of its JSON log line."""
    return {"skipjack": {"study": study.study_name, "trial": trial.number, "event": event,
                         "state": trial.state.name, "values": trial.values,
                         "params": trial.params}}


def check_and_convert_values(
    n_objectives: int, original: Any, trial_number: int
) -> tuple[list[float] | None, str | None]:
    """Return ``(values, None)`` for an acceptable objective result, else ``(None, reason)``."""
    if type(original) is float and n_objectives == 1 and original == original:  # the common case
        return [original], None
    if isinstance(original, (str, bytes)):
        return None, (
            f"Trial {trial_number} failed, because the objective function returned "
            f"{original!r}, a string; return a float (or a sequence of {n_objectives} floats)."
        )
    if isinstance(original, Sequence) or (
        hasattr(original, "__len__") and hasattr(original, "__iter__")
    ):
        raw = list(original)
    else:
        raw = [original]
    if len(raw) != n_objectives:
        return None, (
            f"Trial {trial_number} failed, because the number of the values {len(raw)} did not "
            f"match the number of the objectives {n_objectives}."
        )
    values = []
    for v in raw:
        if isinstance(v, (str, bytes)):
            return None, (
                f"Trial {trial_number} failed, because the objective function returned "
                f"{original!r}, which contains a string; return floats."
            )
        try:
            f = float(v)
        except (TypeError, ValueError):
            return None, (
                f"Trial {trial_number} failed, because the value {v!r} could not be cast to "
                "float; the objective must return a float (or one per objective)."
            )
        if math.isnan(f):
            return None, (
                f"Trial {trial_number} failed, because the objective function returned {f}; "
                "NaN is not acceptable (return a finite value or raise TrialPruned)."
            )
        values.append(f)
    return values, None


def tell_with_warning(
    study: Study,
    trial: Trial | int,
    value_or_values: Any = None,
    state: TrialState | None = None,
    skip_if_finished: bool = False,
    suppress_warning: bool = False,
    before_finish: Callable[[], None] | None = None,
) -> tuple[FrozenTrial, str | None]:
    """Finish ``trial`` and return its record and the warning message, if its values were bad.

    ``before_finish``: called after the sampler's ``after_trial`` returned and before the trial
    is finished (the optimize loop decides there whether another trial follows).
    """
    storage = study._storage
    if isinstance(trial, Trial):
        trial_id = trial._trial_id
        live: Trial | None = trial
    elif isinstance(trial, int) and not isinstance(trial, bool):
        try:
            trial_id = storage.get_trial_id_from_study_id_trial_number(study._study_id, trial)
        except KeyError as e:
            raise ValueError(
                f"Cannot tell trial number {trial}: it does not exist in study "
                f"{study.study_name!r}. Use the number of a trial returned by ask()."
            ) from e
        live = None
    else:
        raise TypeError(
            f"Trial must be a Trial object or a trial number; got {type(trial).__name__}."
        )

    if live is not None and not live._done:
        # The live trial knows its own state; a concurrent finish (e.g. by a heartbeat check)
        # is caught by the storage, which refuses to change a finished trial.
        current = live._view
    else:
        current = storage.get_trial(trial_id)
    current_state = current._state
    if current_state is not _RUNNING:
        if current_state.is_finished() and skip_if_finished:
            _logger.info(
                f"Skipped telling trial {current.number} with values {value_or_values} "
                f"and state {state} since trial was already finished. "
                f"Finished trial has values {current.values} and state {current.state}."
            )
            return current, None
        # Optuna raises ValueError here (a storage refusing a write raises
        # UpdateFinishedTrialError, a RuntimeError, as Optuna's storages do).
        if current_state == _WAITING:
            raise ValueError(
                f"Cannot tell trial {current.number}: it is WAITING (enqueued) and has not run."
            )
        raise ValueError(
            f"Cannot tell trial {current.number}: it has already finished with state "
            f"{current_state.name}. Pass skip_if_finished=True to ignore this."
        )

    if state is not None:
        if state == _COMPLETE and value_or_values is None:
            raise ValueError(
                "No values were told. Values are required when state is TrialState.COMPLETE."
            )
        if (state == _PRUNED or state == _FAIL) and value_or_values is not None:
            raise ValueError(
                "Values were told. Values cannot be specified when state is TrialState.PRUNED or "
                "TrialState.FAIL."
            )
        if state != _COMPLETE and state != _PRUNED and state != _FAIL:
            raise ValueError(f"Cannot tell with state {state!r}: use COMPLETE, PRUNED or FAIL.")

    warning_message = None
    values: list[float] | None = None
    n_objectives = len(study._directions)
    if state == _PRUNED:
        intermediate = (live._intermediate_values if live is not None
                        else current.intermediate_values)
        attrs = live._system_attrs if live is not None else current.system_attrs
        # the last report (the whole vector in a multi-objective study), NaN -> no value
        values = last_reported_values(attrs, intermediate, n_objectives)
    elif state == _COMPLETE:
        values, message = check_and_convert_values(n_objectives, value_or_values, current.number)
        if message is not None:  # Optuna: explicit COMPLETE with bad values is an error
            raise ValueError(message)
    elif state is None:
        values, warning_message = check_and_convert_values(
            n_objectives, value_or_values, current.number
        )
        if warning_message is not None:
            state = _FAIL
            if not suppress_warning:  # ``tell`` warns; the optimize loop logs instead
                warnings.warn(warning_message, UserWarning, stacklevel=3)
        else:
            state = _COMPLETE
    assert state is not None

    if warning_message is not None:
        storage.set_trial_system_attr(trial_id, FAIL_REASON_KEY, warning_message)
    record = live._view if live is not None else current
    finished: FrozenTrial | None = None
    try:
        study.sampler.after_trial(study, record, state, values)
        if before_finish is not None:
            before_finish()
    finally:
        try:
            if live is not None:  # the session finishes it and hands back the finished record
                finished = live._session.finish(state, values)
            else:
                storage.set_trial_state_values(trial_id, state, values)
        except UpdateFinishedTrialError:
            if live is not None:
                live._finished = True
            if not skip_if_finished:
                raise
        if live is not None:
            live._done = True  # what the ``_finished`` setter does, without its call
            live._plain = False
            live._joint = False
    if finished is None:
        finished = storage.get_trial(trial_id)
    return finished, warning_message
