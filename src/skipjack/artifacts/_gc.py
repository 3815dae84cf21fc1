"""Artifact retention: delete old artifacts of a study except those of its best trials.

Trial artifacts older than the TTL (age from the upload time skipjack records, else the trial's
completion time) are removed from the store unless the trial is among the ``keep_best`` best
COMPLETE trials (the Pareto front for a multi-objective study). Running trials and study-level
artifacts are never touched. A finished trial's attributes cannot change, so the metadata stays;
deleted ids are listed in the study system attribute ``"skipjack:artifacts_deleted"`` and
``download_artifact`` of one raises ``ArtifactNotFound``.
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from typing import Any

from skipjack._records import StudyDirection, TrialState
from skipjack.artifacts._meta import ARTIFACT_TIME_PREFIX, _parse
from skipjack.artifacts._protocol import ArtifactNotFound, ArtifactStore
from skipjack.study import Study

__all__ = ["ArtifactGcResult", "gc_artifacts", "parse_ttl", "DELETED_KEY"]

DELETED_KEY = "skipjack:artifacts_deleted"
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_ttl(text: str | float | datetime.timedelta) -> datetime.timedelta:
    """Parse ``"7d"``, ``"12h"``, ``"30m"``, ``"45s"``, ``"2w"`` or seconds into a timedelta.

    Raises:
        ValueError: anything else, or a negative duration.
    """
    if isinstance(text, datetime.timedelta):
        seconds = text.total_seconds()
    elif isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(text)
    else:
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*", str(text))
        if m is None:
            raise ValueError(
                f"The TTL must look like 7d, 12h, 30m, 45s or 2w (or a number of seconds). "
                f"Got {text!r}."
            )
        seconds = float(m.group(1)) * _UNITS[m.group(2) or "s"]
    if seconds < 0:
        raise ValueError(f"The TTL must be >= 0. Got {text!r}.")
    return datetime.timedelta(seconds=seconds)


@dataclasses.dataclass
class ArtifactGcResult:
    """What a garbage collection did (or would do, in a dry run)."""

    deleted: list[tuple[int, str]]  # (trial number, artifact id)
    kept_best: list[tuple[int, str]]
    kept_young: list[tuple[int, str]]
    missing: list[tuple[int, str]]  # already absent from the store
    dry_run: bool


def _best_numbers(study: Study, keep_best: int) -> set[int]:
    if keep_best <= 0:
        return set()
    if len(study.directions) > 1:
        return {t.number for t in study.best_trials}
    complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
                if t.values]
    reverse = study.directions[0] == StudyDirection.MAXIMIZE
    complete.sort(key=lambda t: t.values[0], reverse=reverse)  # type: ignore[index]
    return {t.number for t in complete[:keep_best]}


def gc_artifacts(
    study: Study,
    artifact_store: ArtifactStore,
    *,
    ttl: str | float | datetime.timedelta,
    keep_best: int = 5,
    dry_run: bool = False,
    now: datetime.datetime | None = None,
) -> ArtifactGcResult:
    """Delete the trial artifacts of ``study`` older than ``ttl``, keeping the best trials'.

    Args:
        study: the study.
        artifact_store: the store holding the artifacts.
        ttl: the age above which an artifact is deleted (``"7d"``, seconds, or a timedelta).
        keep_best: the number of best trials whose artifacts are always kept.
        dry_run: report what would be deleted without deleting.
        now: the current time (naive local, like the storages); for tests.

    Raises:
        ValueError: a bad ``ttl`` or a negative ``keep_best``.
    """
    age_limit = parse_ttl(ttl)
    if isinstance(keep_best, bool) or not isinstance(keep_best, int) or keep_best < 0:
        raise ValueError(
            f"The 'keep_best' argument of gc_artifacts must be an int >= 0. Got {keep_best!r}."
        )
    now = now or datetime.datetime.now()
    storage, study_id = study._storage, study._study_id
    deleted_before: list[str] = list(
        storage.get_study_system_attrs(study_id).get(DELETED_KEY) or []
    )
    gone = set(deleted_before)
    best = _best_numbers(study, keep_best)
    result = ArtifactGcResult([], [], [], [], dry_run)
    finished = (TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL)
    for trial in study.get_trials(deepcopy=False, states=finished):
        for meta in _parse(trial.system_attrs):
            key = (trial.number, meta.artifact_id)
            if meta.artifact_id in gone:
                continue
            if trial.number in best:
                result.kept_best.append(key)
                continue
            uploaded = _uploaded_at(trial.system_attrs.get(ARTIFACT_TIME_PREFIX + meta.artifact_id),
                                    trial.datetime_complete or trial.datetime_start)
            if uploaded is not None and now - uploaded <= age_limit:
                result.kept_young.append(key)
                continue
            if not dry_run:
                try:
                    artifact_store.remove(meta.artifact_id)
                except ArtifactNotFound:
                    result.missing.append(key)
                    gone.add(meta.artifact_id)
                    continue
                gone.add(meta.artifact_id)
            result.deleted.append(key)
    if not dry_run and len(gone) > len(deleted_before):
        storage.set_study_system_attr(study_id, DELETED_KEY, sorted(gone))
    return result


def _uploaded_at(value: Any, fallback: datetime.datetime | None) -> datetime.datetime | None:
    if isinstance(value, str):
        try:
            return datetime.datetime.fromisoformat(value)
        except ValueError:
            pass
    return fallback
