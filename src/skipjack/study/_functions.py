"""Module-level study functions: create, load, delete, copy, list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from skipjack._records import FrozenTrial, StudyDirection, StudySummary, TrialState
from skipjack._validation import check_pruner, check_sampler, check_study_name
from skipjack.exceptions import DuplicatedStudyError
from skipjack.logging import get_logger
from skipjack.pruners import BasePruner
from skipjack.samplers import BaseSampler
from skipjack.storages import BaseStorage, get_storage
from skipjack.study._study import Study

__all__ = [
    "create_study",
    "load_study",
    "delete_study",
    "copy_study",
    "get_all_study_names",
    "get_all_study_summaries",
]

_logger = get_logger(__name__)


def _parse_direction(d: Any) -> StudyDirection:
    if isinstance(d, StudyDirection) and d != StudyDirection.NOT_SET:
        return d
    if isinstance(d, str) and d.lower() in ("minimize", "maximize"):
        return StudyDirection.MINIMIZE if d.lower() == "minimize" else StudyDirection.MAXIMIZE
    raise ValueError(
        f"Please set either 'minimize' or 'maximize' to direction. You specified {d!r}."
    )


def _resolve_directions(
    direction: str | StudyDirection | None,
    directions: Sequence[str | StudyDirection] | None,
) -> list[StudyDirection]:
    if direction is not None and directions is not None:
        raise ValueError(
            "Specify only one of `direction` and `directions`: `direction` for one objective, "
            "`directions=[...]` for several."
        )
    if direction is None and directions is None:
        return [StudyDirection.MINIMIZE]
    if direction is not None:
        return [_parse_direction(direction)]
    assert directions is not None
    if isinstance(directions, str) or not isinstance(directions, Sequence):
        raise ValueError(
            f"`directions` must be a list such as ['minimize', 'maximize']; got {directions!r}."
        )
    if len(directions) == 0:
        raise ValueError("The number of objectives must be greater than 0: `directions` is empty.")
    return [_parse_direction(d) for d in directions]


def create_study(
    *,
    storage: str | BaseStorage | None = None,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
    study_name: str | None = None,
    direction: str | StudyDirection | None = None,
    load_if_exists: bool = False,
    directions: Sequence[str | StudyDirection] | None = None,
) -> Study:
    """Create a study (or load it, with ``load_if_exists=True``).

    Raises:
        TypeError: ``study_name`` is not a str, ``sampler``/``pruner`` is not a sampler/pruner
            object (e.g. the string ``"tpe"``).
        ValueError: a direction that is not minimize/maximize, or both ``direction`` and
            ``directions`` given, or an existing study loaded with other directions, or a study
            name with a NUL character or longer than 512 characters.
        DuplicatedStudyError: the name exists and ``load_if_exists`` is False.
    """
    check_study_name(study_name, "create_study")
    check_sampler(sampler, "create_study")
    check_pruner(pruner, "create_study")
    resolved = _resolve_directions(direction, directions)
    storage_obj = get_storage(storage)
    try:
        study_id = storage_obj.create_new_study(resolved, study_name)
    except DuplicatedStudyError:
        if not load_if_exists:
            raise
        assert study_name is not None
        _logger.info(
            f"Using an existing study with name '{study_name}' instead of creating a new one."
        )
        study_id = storage_obj.get_study_id_from_name(study_name)
        existing = storage_obj.get_study_directions(study_id)
        if (direction is not None or directions is not None) and existing != resolved:
            raise ValueError(
                f"The existing study {study_name!r} has directions "
                f"{[d.name.lower() for d in existing]}, not {[d.name.lower() for d in resolved]}: "
                "load it with its own directions or choose another name."
            ) from None
    name = storage_obj.get_study_name_from_id(study_id)
    return Study(study_name=name, storage=storage_obj, sampler=sampler, pruner=pruner)


def load_study(
    *,
    study_name: str | None,
    storage: str | BaseStorage,
    sampler: BaseSampler | None = None,
    pruner: BasePruner | None = None,
) -> Study:
    """Load an existing study.

    ``study_name=None`` loads the only study of the storage.

    Raises:
        KeyError: no study has that name; the message lists the names that exist.
        ValueError: ``study_name`` is None and the storage does not hold exactly one study.
    """
    check_study_name(study_name, "load_study")
    check_sampler(sampler, "load_study")
    check_pruner(pruner, "load_study")
    storage_obj = get_storage(storage)
    if study_name is None:
        names = get_all_study_names(storage_obj)
        if len(names) != 1:
            raise ValueError(
                f"study_name=None works only when the storage holds exactly one study; it holds "
                f"{len(names)}: {names}. Pass study_name."
            )
        study_name = names[0]
    return Study(study_name=study_name, storage=storage_obj, sampler=sampler, pruner=pruner)


def delete_study(*, study_name: str, storage: str | BaseStorage) -> None:
    """Delete a study and its trials. Raises KeyError (listing the names) if there is none."""
    check_study_name(study_name, "delete_study")
    storage_obj = get_storage(storage)
    storage_obj.delete_study(storage_obj.get_study_id_from_name(study_name))


def copy_study(
    *,
    from_study_name: str,
    from_storage: str | BaseStorage,
    to_storage: str | BaseStorage,
    to_study_name: str | None = None,
) -> None:
    """Copy a study, with its attributes and trials, to another storage (or name)."""
    check_study_name(from_study_name, "copy_study (its 'from_study_name')")
    check_study_name(to_study_name, "copy_study (its 'to_study_name')")
    src = load_study(study_name=from_study_name, storage=from_storage)
    dst_storage = get_storage(to_storage)
    dst_id = dst_storage.create_new_study(src.directions, to_study_name or from_study_name)
    for key, value in src._storage.get_study_system_attrs(src._study_id).items():
        dst_storage.set_study_system_attr(dst_id, key, value)
    for key, value in src.user_attrs.items():
        dst_storage.set_study_user_attr(dst_id, key, value)
    for trial in src.get_trials(deepcopy=False):
        dst_storage.create_new_trial(dst_id, template_trial=trial)


def get_all_study_names(storage: str | BaseStorage) -> list[str]:
    """Names of every study in ``storage``."""
    return [s.study_name for s in get_storage(storage).get_all_studies()]


def get_all_study_summaries(
    storage: str | BaseStorage, include_best_trial: bool = True
) -> list[StudySummary]:
    """A summary of every study in ``storage``."""
    storage_obj = get_storage(storage)
    summaries = []
    for s in storage_obj.get_all_studies():
        trials = storage_obj.get_all_trials(s.study_id, deepcopy=False)
        best: FrozenTrial | None = None
        if include_best_trial and len(s.directions) == 1:
            try:
                best = storage_obj.get_best_trial(s.study_id)
            except ValueError:
                best = None
        starts = [t.datetime_start for t in trials if t.datetime_start is not None]
        summaries.append(
            StudySummary(
                study_name=s.study_name,
                direction=None,
                directions=s.directions,
                best_trial=best,
                user_attrs=s.user_attrs,
                system_attrs=s.system_attrs,
                n_trials=len(trials),
                datetime_start=min(starts) if starts else None,
                study_id=s.study_id,
            )
        )
    return summaries


_ = TrialState  # re-exported for type users
