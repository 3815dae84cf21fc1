"""Parameter importances with the fANOVA, MDI and PED-ANOVA evaluators and a target.

uses: optuna, scikit-learn
"""

import optuna
from optuna.importance import (
    FanovaImportanceEvaluator,
    MeanDecreaseImpurityImportanceEvaluator,
    PedAnovaImportanceEvaluator,
    get_param_importances,
)


def objective(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_float("y", -10, 10)
    trial.set_user_attr("runtime", abs(y))
    return x ** 2 + 0.01 * y


if __name__ == "__main__":
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(objective, n_trials=50)
    for evaluator in (FanovaImportanceEvaluator(seed=0),
                      MeanDecreaseImpurityImportanceEvaluator(seed=0),
                      PedAnovaImportanceEvaluator()):
        importances = get_param_importances(study, evaluator=evaluator)
        print(type(evaluator).__name__, importances)
        assert list(importances)[0] == "x"
    by_runtime = get_param_importances(study, target=lambda t: t.user_attrs["runtime"])
    assert list(by_runtime)[0] == "y"
