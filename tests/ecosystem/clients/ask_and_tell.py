"""The ask-and-tell interface, with ``fixed_distributions`` and a pruned trial told as PRUNED.

uses: optuna
"""

import optuna
from optuna.distributions import FloatDistribution, IntDistribution
from optuna.trial import TrialState

if __name__ == "__main__":
    study = optuna.create_study(direction="maximize")
    for _ in range(15):
        trial = study.ask()
        x = trial.suggest_float("x", -1, 1)
        n = trial.suggest_int("n", 1, 4)
        study.tell(trial, -(x ** 2) + n)
    distributions = {"x": FloatDistribution(-1, 1), "n": IntDistribution(1, 4)}
    for _ in range(5):
        trial = study.ask(distributions)
        study.tell(trial, -(trial.params["x"] ** 2) + trial.params["n"])
    trial = study.ask(distributions)
    trial.report(0.1, step=0)
    study.tell(trial, state=TrialState.PRUNED)
    frozen = study.tell(study.ask(), state=TrialState.FAIL)
    print(study.best_params, len(study.trials), frozen.state)
    assert study.trials[-2].state == TrialState.PRUNED and frozen.state == TrialState.FAIL
    assert study.best_value > 3
