"""``optuna.storages._cached_storage._CachedStorage``: a storage wrapper that delegates.

skipjack's persistent storages cache in process themselves, so the wrapper adds no cache of its
own; it exists so that code written for Optuna (``_CachedStorage(rdb)``, ``isinstance`` checks,
``._backend``) runs unchanged.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from typing import Any

from skipjack._records import FrozenStudy, FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import BaseDistribution
from skipjack.storages._base import BaseStorage

__all__ = ["_CachedStorage"]


class _CachedStorage(BaseStorage):
    def __init__(self, backend: BaseStorage) -> None:
        if not isinstance(backend, BaseStorage):
            raise TypeError(f"backend: expected a BaseStorage, got {type(backend).__name__}.")
        self._backend = backend

    def __getattr__(self, name: str) -> Any:  # heartbeat and backend-specific methods
        return getattr(self._backend, name)

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        return self._backend.create_new_study(directions, study_name)

    def delete_study(self, study_id: int) -> None:
        self._backend.delete_study(study_id)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._backend.set_study_user_attr(study_id, key, value)

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._backend.set_study_system_attr(study_id, key, value)

    def get_study_id_from_name(self, study_name: str) -> int:
        return self._backend.get_study_id_from_name(study_name)

    def get_study_name_from_id(self, study_id: int) -> str:
        return self._backend.get_study_name_from_id(study_id)

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        return self._backend.get_study_directions(study_id)

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        return self._backend.get_study_user_attrs(study_id)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        return self._backend.get_study_system_attrs(study_id)

    def get_all_studies(self) -> list[FrozenStudy]:
        return self._backend.get_all_studies()

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        return self._backend.create_new_trial(study_id, template_trial)

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        self._backend.set_trial_param(trial_id, param_name, param_value_internal, distribution)

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        return self._backend.set_trial_state_values(trial_id, state, values)

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        self._backend.set_trial_intermediate_value(trial_id, step, intermediate_value)

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._backend.set_trial_user_attr(trial_id, key, value)

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._backend.set_trial_system_attr(trial_id, key, value)

    def get_trial(self, trial_id: int) -> FrozenTrial:
        return self._backend.get_trial(trial_id)

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        return self._backend.get_all_trials(study_id, deepcopy=deepcopy, states=states)

    def get_trials_since(
        self, study_id: int, watermark: Any | None
    ) -> tuple[list[FrozenTrial], Any]:
        return self._backend.get_trials_since(study_id, watermark)

    def get_heartbeat_ages(self, study_id: int) -> dict[int, float]:
        return self._backend.get_heartbeat_ages(study_id)

    def pop_waiting_trial_id(self, study_id: int) -> int | None:
        return self._backend.pop_waiting_trial_id(study_id)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        return self._backend.get_trial_id_from_study_id_trial_number(study_id, trial_number)

    def remove_session(self) -> None:
        self._backend.remove_session()
