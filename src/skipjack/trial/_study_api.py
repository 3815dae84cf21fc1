"""``StudyAPI``: the type of ``Trial.study``, the whole public face of a ``Study``.

``Trial.study`` is the ``Study`` that runs the trial (Optuna's attribute, the same object), but
``trial/`` cannot name ``skipjack.study.Study`` for typing: ``study/`` imports ``trial/`` to
build its trials, so even an ``if TYPE_CHECKING:`` import back made a type-only cycle.
``trial/`` sits below ``study/`` (``tests/core/test_layering.py`` fails on any import of
``skipjack.study`` from ``trial/``) and types the attribute against this protocol instead.

It extends the samplers' ``ReadOnlyStudy`` with everything else a ``Study`` offers, so user
code that reads ``trial.study.best_value`` or calls ``trial.study.set_user_attr(...)``
type-checks as with Optuna's ``Study``. Two things keep it equal to the class:
``Study.ask`` passes ``self`` as a ``StudyAPI``, so mypy checks that every member below exists on
``Study`` with a compatible signature, and ``tests/core/test_layering.py`` checks the other
direction (every public member of ``Study`` is declared here). Defaults are written ``...``:
the class's signature is the one that holds them.
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from skipjack._study_protocol import ReadOnlyStudy

if TYPE_CHECKING:
    from concurrent.futures import Executor

    import pandas as pd

    from skipjack._records import FrozenTrial, TrialState
    from skipjack.distributions import BaseDistribution
    from skipjack.pruners import BasePruner
    from skipjack.samplers import BaseSampler
    from skipjack.storages._base import BaseStorage
    from skipjack.trial._trial import Trial

__all__ = ["StudyAPI"]


class StudyAPI(ReadOnlyStudy, Protocol):
    """A ``Study`` as ``Trial.study`` types it: ``ReadOnlyStudy`` plus the rest of the facade."""

    sampler: BaseSampler
    pruner: BasePruner
    # Optuna's private spellings of ``storage`` and ``study_id``: add-ons read them.
    _storage: BaseStorage
    _study_id: int

    @property
    def trials(self) -> list[FrozenTrial]: ...

    @property
    def best_value(self) -> float: ...

    @property
    def best_params(self) -> dict[str, Any]: ...

    @property
    def best_trials(self) -> list[FrozenTrial]: ...

    @property
    def system_attrs(self) -> dict[str, Any]: ...

    @property
    def metric_names(self) -> list[str] | None: ...

    def _get_trials(
        self,
        deepcopy: bool = ...,
        states: Container[TrialState] | None = ...,
        use_cache: bool = ...,
    ) -> list[FrozenTrial]: ...

    def set_user_attr(self, key: str, value: Any) -> None: ...

    def set_system_attr(self, key: str, value: Any) -> None: ...

    def set_metric_names(self, metric_names: list[str]) -> None: ...

    def optimize(
        self,
        func: Callable[[Trial], float | Sequence[float]],
        n_trials: int | None = ...,
        timeout: float | None = ...,
        n_jobs: int = ...,
        catch: Iterable[type[BaseException]] | type[BaseException] = ...,
        callbacks: Iterable[Callable[[StudyAPI, FrozenTrial], None]] | None = ...,
        gc_after_trial: bool = ...,
        show_progress_bar: bool = ...,
        *,
        trial_timeout: float | None = ...,
        trial_memory_mb: float | None = ...,
        executor: Executor | None = ...,
    ) -> None: ...

    def ask(self, fixed_distributions: dict[str, BaseDistribution] | None = ...) -> Trial: ...

    def tell(
        self,
        trial: Trial | int,
        values: float | Sequence[float] | None = ...,
        state: TrialState | None = ...,
        skip_if_finished: bool = ...,
    ) -> FrozenTrial: ...

    def enqueue_trial(
        self,
        params: dict[str, Any],
        user_attrs: dict[str, Any] | None = ...,
        skip_if_exists: bool = ...,
    ) -> None: ...

    def add_trial(self, trial: FrozenTrial) -> None: ...

    def add_trials(self, trials: Iterable[FrozenTrial]) -> None: ...

    def trials_dataframe(
        self, attrs: tuple[str, ...] = ..., multi_index: bool = ...
    ) -> pd.DataFrame: ...
