"""Callbacks, ``study.stop``, logging verbosity, a progress bar, ``catch`` and ``timeout``.

uses: optuna
"""

import logging
import sys

import optuna


class StopWhenGoodEnough:
    def __init__(self, threshold):
        self.threshold = threshold

    def __call__(self, study, trial):
        if study.best_value < self.threshold:
            study.stop()


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    if trial.number == 1:
        raise ValueError("a flaky trial")
    return x ** 2


if __name__ == "__main__":
    optuna.logging.get_logger("optuna").addHandler(logging.StreamHandler(sys.stdout))
    optuna.logging.set_verbosity(optuna.logging.INFO)
    seen = []
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=200, catch=(ValueError,),
                   callbacks=[StopWhenGoodEnough(0.5), lambda s, t: seen.append(t.number)],
                   show_progress_bar=True, gc_after_trial=True)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study.optimize(objective, timeout=1.0, n_trials=5)
    print(len(seen), study.trials[1].state.name, study.best_value)
    assert study.trials[1].state == optuna.trial.TrialState.FAIL and seen[0] == 0
    assert study.best_value < 0.5 and optuna.logging.get_verbosity() == optuna.logging.WARNING
