"""Reading the decision log and the pause switch (writing the log is the live trial's job).

- ``decision_log(trial)``: the decisions ``Trial.should_prune`` recorded for a trial, oldest
  first, from its system attributes (keys ``skipjack:pruning_log:<chunk>``).
- ``set_pruning_paused(study, paused)`` / ``is_pruning_paused(study)``: the study user attribute
  ``skipjack:pruning_paused``. While it is true, ``should_prune`` returns False in every worker
  (the pruner still runs, and the log records what it would have decided).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from skipjack.pruners._attrs import LOG_PREFIX, PAUSE_KEY, iter_chunks
from skipjack.pruners._attrs import intermediate_vectors as _vectors
from skipjack.pruners._decision import PruneDecision

if TYPE_CHECKING:
    from typing import Protocol

    from skipjack._study_protocol import ReadOnlyStudy

    class _StudyWithUserAttrs(ReadOnlyStudy, Protocol):
        """A study whose user attributes can be set (the pause switch is one)."""

        def set_user_attr(self, key: str, value: Any) -> None: ...

__all__ = [
    "decision_log",
    "intermediate_vectors",
    "set_pruning_paused",
    "is_pruning_paused",
    "PAUSE_KEY",
]


def decision_log(trial: Any) -> list[PruneDecision]:
    """The pruning decisions recorded for ``trial``, oldest first.

    Args:
        trial: a ``FrozenTrial`` (e.g. from ``study.trials``), a live ``Trial``, or a mapping of
            system attributes.
    """
    import json  # on first use: ~3 ms to import, and only pruned studies keep a log

    attrs: Mapping[str, Any] = trial if isinstance(trial, Mapping) else trial.system_attrs
    return [PruneDecision.from_dict(json.loads(line))
            for chunk in iter_chunks(attrs, LOG_PREFIX) for line in chunk.splitlines()]


def intermediate_vectors(trial: Any) -> dict[int, tuple[float, ...]]:
    """The vectors a trial of a multi-objective study reported, by step (empty if none).

    Args:
        trial: a ``FrozenTrial``, a live ``Trial``, or a mapping of system attributes.
    """
    attrs: Mapping[str, Any] = trial if isinstance(trial, Mapping) else trial.system_attrs
    return _vectors(attrs)


def set_pruning_paused(study: _StudyWithUserAttrs, paused: bool = True) -> None:
    """Pause (or resume) pruning for every worker of ``study``.

    Sets the study user attribute ``skipjack:pruning_paused``; workers notice it within
    ``skipjack.trial._pruning.PAUSE_CHECK_SECONDS`` (each running trial re-reads it at most that
    often). The same switch is available as ``skipjack pruning-pause`` on the command line.
    """
    if not isinstance(paused, bool):
        raise TypeError(f"The 'paused' argument of set_pruning_paused must be a bool. Got {paused!r}.")
    study.set_user_attr(PAUSE_KEY, paused)


def is_pruning_paused(study: ReadOnlyStudy) -> bool:
    """True when the study's pause switch is on."""
    return bool(study.user_attrs.get(PAUSE_KEY, False))
