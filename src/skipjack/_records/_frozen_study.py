"""Study records: ``FrozenStudy`` (what a storage lists) and ``StudySummary``."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from skipjack._records._frozen_trial import FrozenTrial
from skipjack._records._state import StudyDirection

__all__ = ["FrozenStudy", "StudySummary"]


def _directions(
    direction: StudyDirection | None, directions: Sequence[StudyDirection] | None
) -> list[StudyDirection]:
    if direction is None and directions is None:
        raise ValueError("Specify one of `direction` and `directions`.")
    if direction is not None and directions is not None:
        raise ValueError("Specify only one of `direction` and `directions`, not both.")
    if direction is not None:
        return [direction]
    assert directions is not None
    return list(directions)


class _StudyRecord:
    """What both study records share: the storage id and the directions."""

    _directions: list[StudyDirection]
    _study_id: int

    @property
    def study_id(self) -> int:
        """The study's storage id."""
        return self._study_id

    @property
    def direction(self) -> StudyDirection:
        """The single direction.

        Raises:
            RuntimeError: the study has several objectives; use ``directions``.
        """
        if len(self._directions) > 1:
            raise RuntimeError(
                "This attribute is not available during multi-objective optimization: "
                "use `directions`."
            )
        return self._directions[0]

    @property
    def directions(self) -> list[StudyDirection]:
        """One direction per objective."""
        return list(self._directions)


class FrozenStudy(_StudyRecord):
    """A study as a storage records it: name, directions, attributes and id."""

    def __init__(
        self,
        study_name: str,
        direction: StudyDirection | None,
        user_attrs: dict[str, Any],
        system_attrs: dict[str, Any],
        study_id: int,
        *,
        directions: Sequence[StudyDirection] | None = None,
    ) -> None:
        self.study_name = study_name
        self._directions = _directions(direction, directions)
        self.user_attrs = user_attrs
        self.system_attrs = system_attrs
        self._study_id = study_id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FrozenStudy):
            return NotImplemented
        return (
            self.study_name == other.study_name
            and self._directions == other._directions
            and self.user_attrs == other.user_attrs
            and self.system_attrs == other.system_attrs
            and self._study_id == other._study_id
        )

    def __lt__(self, other: FrozenStudy) -> bool:
        return self._study_id < other._study_id

    def __le__(self, other: FrozenStudy) -> bool:
        return self._study_id <= other._study_id

    def __hash__(self) -> int:
        return hash((self.study_name, self._study_id))

    def __repr__(self) -> str:
        return (
            f"FrozenStudy(study_name={self.study_name!r}, directions={self._directions!r}, "
            f"study_id={self._study_id!r})"
        )


class StudySummary(_StudyRecord):
    """A summary of a study for ``get_all_study_summaries``."""

    def __init__(
        self,
        study_name: str,
        direction: StudyDirection | None,
        best_trial: FrozenTrial | None,
        user_attrs: dict[str, Any],
        system_attrs: dict[str, Any],
        n_trials: int,
        datetime_start: datetime.datetime | None,
        study_id: int,
        *,
        directions: Sequence[StudyDirection] | None = None,
    ) -> None:
        self.study_name = study_name
        self._directions = _directions(direction, directions)
        self.best_trial = best_trial
        self.user_attrs = user_attrs
        self.system_attrs = system_attrs
        self.n_trials = n_trials
        self.datetime_start = datetime_start
        self._study_id = study_id

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, StudySummary):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __lt__(self, other: StudySummary) -> bool:
        return self._study_id < other._study_id

    def __le__(self, other: StudySummary) -> bool:
        return self._study_id <= other._study_id

    def __repr__(self) -> str:
        return f"StudySummary(study_name={self.study_name!r}, n_trials={self.n_trials})"
