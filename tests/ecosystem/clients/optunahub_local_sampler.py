"""An optunahub package loaded with ``load_local_module``: a ``SimpleBaseSampler`` subclass.

uses: optunahub
"""

import os
import tempfile
import textwrap

import optuna
import optunahub

PACKAGE = '''
import numpy as np
import optunahub


class CoordinateSampler(optunahub.samplers.SimpleBaseSampler):
    """Moves one coordinate of the best point at a time."""

    def __init__(self, search_space=None, seed=None):
        super().__init__(search_space, seed)
        self._rng = np.random.RandomState(seed)

    def sample_relative(self, study, trial, search_space):
        if search_space == {}:
            return {}
        done = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
        if not done:
            return {name: d.low + (d.high - d.low) * self._rng.rand()
                    for name, d in search_space.items()}
        best = study.best_trial.params
        name = list(search_space)[trial.number % len(search_space)]
        d = search_space[name]
        params = dict(best)
        params[name] = float(np.clip(best[name] + self._rng.normal(0, (d.high - d.low) / 10),
                                     d.low, d.high))
        return params


import optuna  # noqa: E402
'''

if __name__ == "__main__":
    root = tempfile.mkdtemp()
    package = os.path.join(root, "samplers", "coordinate")
    os.makedirs(package)
    with open(os.path.join(package, "__init__.py"), "w") as f:
        f.write("from ._sampler import CoordinateSampler\n\n__all__ = ['CoordinateSampler']\n")
    with open(os.path.join(package, "_sampler.py"), "w") as f:
        f.write(textwrap.dedent(PACKAGE))
    module = optunahub.load_local_module(package="samplers/coordinate", registry_root=root)
    search_space = {"x": optuna.distributions.FloatDistribution(-5, 5),
                    "y": optuna.distributions.FloatDistribution(-5, 5)}
    sampler = module.CoordinateSampler(search_space, seed=0)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: t.suggest_float("x", -5, 5) ** 2 + t.suggest_float("y", -5, 5) ** 2,
                   n_trials=60)
    print(study.best_value, study.best_params)
    assert study.best_value < 1.0
