"""The joint search spaces of multivariate TPE, kept up to date one finished trial at a time.

* ``intersection``: the parameters every COMPLETE trial shares with the same distribution.
* ``groups`` (``group=True``): the coarsest partition of all parameters seen such that every
  COMPLETE trial's parameter set is a union of whole groups, i.e. the parameters of a group always
  occur together. In a conditional space (a categorical choosing which sub-parameters exist) each
  branch's sub-parameters form their own group, sampled jointly from the trials of that branch.

Parameters whose distribution changed between trials, and single-value ones, are left out (they
are sampled one at a time instead).
"""

from __future__ import annotations

from skipjack.distributions import BaseDistribution

__all__ = ["SpaceTracker"]


class SpaceTracker:
    """Incremental intersection space and group decomposition of COMPLETE trials."""

    def __init__(self) -> None:
        self._intersection: dict[str, BaseDistribution] | None = None
        self._groups: list[dict[str, BaseDistribution]] = []
        self._seen: dict[str, BaseDistribution] = {}
        self._unstable: set[str] = set()

    def add(self, distributions: dict[str, BaseDistribution]) -> None:
        """Account for one COMPLETE trial's distributions."""
        space = {n: d for n, d in distributions.items() if not d.single()}
        # intersection
        if self._intersection is None:
            self._intersection = dict(space)
        else:
            self._intersection = {
                n: d for n, d in self._intersection.items() if space.get(n) == d
            }
        # names whose distribution changes are dropped from the groups for good
        for name, dist in space.items():
            old = self._seen.setdefault(name, dist)
            if old != dist:
                self._unstable.add(name)
        stable = {n: d for n, d in space.items() if n not in self._unstable}
        groups: list[dict[str, BaseDistribution]] = []
        covered: set[str] = set()
        for group in self._groups:
            group = {n: d for n, d in group.items() if n not in self._unstable}
            inside = {n: d for n, d in group.items() if n in stable}
            outside = {n: d for n, d in group.items() if n not in stable}
            covered.update(group)
            for part in (inside, outside):
                if part:
                    groups.append(part)
        rest = {n: d for n, d in stable.items() if n not in covered}
        if rest:
            groups.append(rest)
        self._groups = groups

    def intersection(self) -> dict[str, BaseDistribution]:
        """The intersection search space, sorted by name."""
        return dict(sorted((self._intersection or {}).items()))

    def groups(self) -> list[dict[str, BaseDistribution]]:
        """The groups, each sorted by name."""
        return [dict(sorted(g.items())) for g in self._groups]
