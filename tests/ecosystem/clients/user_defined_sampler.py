"""A user-written relative sampler (simulated annealing over the intersection search space).

uses: optuna, numpy
"""

import numpy as np
import optuna
from optuna.samplers import BaseSampler
from optuna.study import StudyDirection
from optuna.trial import TrialState


class AnnealingSampler(BaseSampler):
    def __init__(self, temperature=100.0, seed=None):
        self._rng = np.random.RandomState(seed)
        self._independent_sampler = optuna.samplers.RandomSampler(seed=seed)
        self._temperature = temperature
        self._current = None
        self.relative_calls = 0

    def infer_relative_search_space(self, study, trial):
        return optuna.search_space.intersection_search_space(study.get_trials(deepcopy=False))

    def sample_relative(self, study, trial, search_space):
        self.relative_calls += 1
        if search_space == {}:
            return {}
        last = study.get_trials(deepcopy=False, states=[TrialState.COMPLETE])[-1]
        if self._current is None or self._accept(study, last):
            self._current = last
        params = {}
        for name, dist in search_space.items():
            width = (dist.high - dist.low) * 0.1
            center = self._current.params[name]
            params[name] = self._rng.uniform(max(center - width, dist.low),
                                             min(center + width, dist.high))
        self._temperature *= 0.9
        return params

    def _accept(self, study, last):
        sign = 1 if study.direction == StudyDirection.MINIMIZE else -1
        delta = sign * (last.value - self._current.value)
        return delta <= 0 or self._rng.uniform() < np.exp(-delta / self._temperature)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._independent_sampler.sample_independent(
            study, trial, param_name, param_distribution
        )


def objective(trial):
    x = trial.suggest_float("x", -100, 100)
    y = trial.suggest_float("y", -1, 1)
    return x ** 2 + y


if __name__ == "__main__":
    sampler = AnnealingSampler(seed=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(objective, n_trials=50)
    print("Best trial:", study.best_trial.value, study.best_trial.params)
    # Optuna calls sample_relative once per trial, the first one (empty space) included
    assert sampler.relative_calls == 50, sampler.relative_calls
