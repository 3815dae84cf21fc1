"""get_param_importances: Optuna's semantics (params, target, normalize, errors), every evaluator."""

from __future__ import annotations

import math

import pytest

import skipjack as optuna
from skipjack.importance import (
    BaseImportanceEvaluator,
    FanovaImportanceEvaluator,
    MeanDecreaseImpurityImportanceEvaluator,
    PedAnovaImportanceEvaluator,
    get_param_importances,
)

pytest.importorskip("sklearn")

EVALUATORS = [
    pytest.param(lambda: PedAnovaImportanceEvaluator(), id="ped_anova"),
    pytest.param(lambda: FanovaImportanceEvaluator(seed=0), id="fanova"),
    pytest.param(lambda: MeanDecreaseImpurityImportanceEvaluator(seed=0), id="mdi"),
]


def _objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -1.0, 1.0)
    y = trial.suggest_float("y", -1.0, 1.0)
    trial.suggest_float("z", -1.0, 1.0)  # unused
    return 10.0 * x**2 + 0.1 * y


@pytest.fixture(scope="module")
def study() -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    s.optimize(_objective, n_trials=300)
    return s


@pytest.mark.parametrize("make", EVALUATORS)
def test_dominant_parameter_first_unused_last(study: optuna.Study, make) -> None:
    importances = get_param_importances(study, evaluator=make())
    assert list(importances)[0] == "x"
    assert importances["x"] > 0.9
    assert math.isclose(sum(importances.values()), 1.0)
    values = list(importances.values())
    assert values == sorted(values, reverse=True)
    assert all(v >= 0.0 for v in values)


def test_default_evaluator_is_ped_anova(study: optuna.Study) -> None:
    assert get_param_importances(study) == get_param_importances(
        study, evaluator=PedAnovaImportanceEvaluator()
    )


def test_import_skipjack_as_optuna_code_shape(study: optuna.Study) -> None:
    importances = optuna.importance.get_param_importances(study)
    assert set(importances) == {"x", "y", "z"}
    assert isinstance(optuna.importance.PedAnovaImportanceEvaluator(), BaseImportanceEvaluator)
