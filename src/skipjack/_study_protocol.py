"""``ReadOnlyStudy``: what samplers and pruners may use of the study they are given.

Samplers and pruners keep Optuna's signatures (``sample_relative(study, trial, space)``,
``prune(study, trial)``) and receive the ``Study`` itself, but they are typed against this
protocol, never against ``skipjack.study.Study``: importing the facade for typing, even under
``if TYPE_CHECKING:``, tied samplers, pruners, the trial and the study into one import cycle.
``Study`` satisfies the protocol structurally; ``tests/core/test_layering.py`` checks that no
module below ``study/`` imports it, type-only imports included.

Design note: the protocol sits in layer 1 (beside ``storages``), not in layer 0, because it
names ``BaseStorage`` (``storage``): a layer-0 module naming it would make a type-only cycle
with ``storages/_base.py``, which imports the records.
"""

from __future__ import annotations

from collections.abc import Container
from typing import Any, Protocol

from skipjack._records import FrozenTrial, StudyDirection, TrialState
from skipjack.storages._base import BaseStorage

__all__ = ["ReadOnlyStudy"]


class ReadOnlyStudy(Protocol):
    """The study as a sampler or pruner sees it.

    Reads only, with two exceptions that Optuna's samplers also make: ``stop()`` (a grid or
    brute-force sampler that has run out of points ends ``optimize``), and ``storage`` /
    ``study_id``, through which a sampler writes the few attributes Optuna's own samplers write
    at the same moment, so that mixed Optuna and skipjack workers agree (``docs/architecture.md``).
    """

    @property
    def study_name(self) -> str:
        """The study's name (unique in its storage)."""
        ...

    @property
    def study_id(self) -> int:
        """The study's id in ``storage``."""
        ...

    @property
    def storage(self) -> BaseStorage:
        """The storage the study reads and writes."""
        ...

    @property
    def directions(self) -> list[StudyDirection]:
        """One direction per objective."""
        ...

    @property
    def direction(self) -> StudyDirection:
        """The direction of a single-objective study (RuntimeError for several objectives)."""
        ...

    @property
    def best_trial(self) -> FrozenTrial:
        """The best COMPLETE trial (ValueError when there is none)."""
        ...

    @property
    def user_attrs(self) -> dict[str, Any]:
        """The study's user attributes."""
        ...

    def _is_multi_objective(self) -> bool:
        """True when the study has several objectives (Optuna's private spelling)."""
        ...

    def get_trials(
        self, deepcopy: bool = True, states: Container[TrialState] | None = None
    ) -> list[FrozenTrial]:
        """The trials ordered by number; read them with ``deepcopy=False`` and do not mutate."""
        ...

    def get_trials_since(self, watermark: Any | None = None) -> tuple[list[FrozenTrial], Any]:
        """The trials that changed since ``watermark`` and the watermark to pass next."""
        ...

    def stop(self) -> None:
        """End ``optimize`` after the running trials (RuntimeError outside ``optimize``)."""
        ...
