"""``NSGAIIISampler``: NSGA-II's children with reference-point survival (Deb and Jain, 2014)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from skipjack._deprecation import experimental
from skipjack._records import FrozenTrial
from skipjack.samplers._nsgaiii._elite import das_dennis, select_elite_reference_points
from skipjack.samplers.nsgaii._crossovers import BaseCrossover
from skipjack.samplers.nsgaii._mutations import BaseMutation
from skipjack.samplers.nsgaii._sampler import NSGAIISampler

if TYPE_CHECKING:
    from skipjack._study_protocol import ReadOnlyStudy

__all__ = ["NSGAIIISampler"]


@experimental("3.2.0")
class NSGAIIISampler(NSGAIISampler):
    """Many-objective optimization with NSGA-III.

    Children are made as in ``NSGAIISampler``; survival differs in the last front that fits only
    in part: objectives are normalised (ideal point and hyperplane intercepts), each trial is
    associated with its nearest reference direction, and survivors are taken one at a time from
    the least crowded direction. This keeps the population spread along the Pareto front when
    there are three or more objectives. The arguments not listed below are as in
    ``NSGAIISampler``.

    Args:
        reference_points: array (n_points, n_objectives) of directions on the unit simplex; None:
            Das and Dennis' structured points with ``dividing_parameter`` divisions.
        dividing_parameter: divisions per objective of the default reference points.

    Raises:
        ValueError: ``dividing_parameter`` < 1, or ``reference_points`` whose width differs from
            the study's number of objectives (raised when sampling starts).
    """

    def __init__(
        self,
        *,
        population_size: int = 50,
        mutation_prob: float | None = None,
        crossover: BaseCrossover | None = None,
        crossover_prob: float = 0.9,
        swapping_prob: float = 0.5,
        seed: int | None = None,
        constraints_func: Callable[[FrozenTrial], Sequence[float]] | None = None,
        reference_points: np.ndarray | None = None,
        dividing_parameter: int = 3,
        mutation: BaseMutation | None = None,
        elite_population_selection_strategy: Any = None,
        child_generation_strategy: Any = None,
        after_trial_strategy: Any = None,
    ) -> None:
        super().__init__(
            population_size=population_size,
            mutation_prob=mutation_prob,
            crossover=crossover,
            crossover_prob=crossover_prob,
            swapping_prob=swapping_prob,
            seed=seed,
            constraints_func=constraints_func,
            mutation=mutation,
            elite_population_selection_strategy=elite_population_selection_strategy,
            child_generation_strategy=child_generation_strategy,
            after_trial_strategy=after_trial_strategy,
        )
        if isinstance(dividing_parameter, bool) or not isinstance(dividing_parameter, int) or (
            dividing_parameter < 1
        ):
            raise ValueError(
                "The 'dividing_parameter' argument of NSGAIIISampler must be an int >= 1. Got "
                f"{dividing_parameter!r}."
            )
        if reference_points is not None:
            reference_points = np.asarray(reference_points, dtype=float)
            if reference_points.ndim != 2 or len(reference_points) == 0:
                raise ValueError(
                    "The 'reference_points' argument of NSGAIIISampler must be a non-empty 2-D "
                    f"array (n_points, n_objectives). Got shape {reference_points.shape}."
                )
        self._reference_points = reference_points
        self._dividing_parameter = dividing_parameter

    def _references(self, n_objectives: int) -> np.ndarray:
        refs = self._reference_points
        if refs is None:
            refs = self._reference_points = das_dennis(n_objectives, self._dividing_parameter)
        if refs.shape[1] != n_objectives:
            raise ValueError(
                f"The 'reference_points' of NSGAIIISampler have {refs.shape[1]} columns but the "
                f"study has {n_objectives} objectives: give one column per objective."
            )
        return refs

    def _select_elite(
        self, study: ReadOnlyStudy, losses: np.ndarray, violations: np.ndarray, generation: int
    ) -> list[int]:
        return select_elite_reference_points(
            losses,
            violations,
            self._population_size,
            self._references(losses.shape[1]),
            self._generation_rng(generation),
        )
