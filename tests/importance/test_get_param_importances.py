"""get_param_importances: Optuna's semantics (params, target, normalize, errors) per evaluator."""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

import skipjack as optuna
from skipjack.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from skipjack.importance import (
    BaseImportanceEvaluator,
    FanovaImportanceEvaluator,
    MeanDecreaseImpurityImportanceEvaluator,
    PedAnovaImportanceEvaluator,
    get_param_importances,
)
from skipjack.trial import TrialState, create_trial

pytest.importorskip("sklearn")
pytestmark = pytest.mark.filterwarnings("ignore:The 'normalize' argument")

EVALUATORS = [
    pytest.param(lambda: PedAnovaImportanceEvaluator(), id="ped_anova"),
    pytest.param(lambda: FanovaImportanceEvaluator(seed=0), id="fanova"),
    pytest.param(lambda: MeanDecreaseImpurityImportanceEvaluator(seed=0), id="mdi"),
]
FOREST_EVALUATORS = EVALUATORS[1:]


def _objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", -1.0, 1.0)
    y = trial.suggest_float("y", -1.0, 1.0)
    trial.suggest_float("z", -1.0, 1.0)  # unused
    # y explains ~1% of the variance: enough for every evaluator to rank it above the unused z
    # (with 0.1 * y, fANOVA cannot tell y from z: its 0.04% share drowns in the forest noise).
    return 10.0 * x**2 + 0.5 * y


@pytest.fixture(scope="module")
def study() -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    s.optimize(_objective, n_trials=300)
    return s


@pytest.mark.parametrize("make", EVALUATORS)
def test_dominant_parameter_first_unused_last(study: optuna.Study, make) -> None:
    importances = get_param_importances(study, evaluator=make())
    assert list(importances) == ["x", "y", "z"]
    assert importances["x"] > 0.5
    assert math.isclose(sum(importances.values()), 1.0)
    assert all(v >= 0.0 for v in importances.values())


@pytest.mark.parametrize("make", EVALUATORS)
def test_dominance_does_not_depend_on_a_small_second_effect(make) -> None:
    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    s.optimize(
        lambda t: 10 * t.suggest_float("x", -1, 1) ** 2 + 0.1 * t.suggest_float("y", -1, 1)
        + 0 * t.suggest_float("z", -1, 1),
        n_trials=200,
    )
    importances = get_param_importances(s, evaluator=make())
    assert list(importances)[0] == "x"
    assert importances["x"] > 0.9


@pytest.mark.parametrize("make", EVALUATORS)
def test_normalize_false_returns_the_raw_importances(study: optuna.Study, make) -> None:
    raw = get_param_importances(study, evaluator=make(), normalize=False)
    normalized = get_param_importances(study, evaluator=make())
    total = sum(raw.values())
    assert total > 0.0
    assert list(raw) == list(normalized)
    for name in raw:
        assert normalized[name] == pytest.approx(raw[name] / total)


def test_default_evaluator_is_ped_anova(study: optuna.Study) -> None:
    assert get_param_importances(study) == get_param_importances(
        study, evaluator=PedAnovaImportanceEvaluator()
    )


@pytest.mark.parametrize("make", EVALUATORS)
def test_params_restricts_the_result(study: optuna.Study, make) -> None:
    importances = get_param_importances(study, evaluator=make(), params=["z", "x"])
    assert list(importances) == ["x", "z"]
    assert math.isclose(sum(importances.values()), 1.0)
    assert get_param_importances(study, evaluator=make(), params=[]) == {}


@pytest.mark.parametrize("make", EVALUATORS)
def test_unknown_param_is_a_clear_error(study: optuna.Study, make) -> None:
    with pytest.raises(ValueError, match=r"\['nope'\]: no COMPLETE trial has them"):
        get_param_importances(study, evaluator=make(), params=["x", "nope"])


@pytest.mark.parametrize("make", FOREST_EVALUATORS)
def test_params_never_together_is_a_clear_error(make) -> None:
    s = optuna.create_study()
    for name in ("a", "b"):
        for v in (0.0, 1.0):
            s.add_trial(create_trial(value=v, params={name: v},
                                     distributions={name: FloatDistribution(0, 1)}))
    with pytest.raises(ValueError, match="no set of COMPLETE trials holds all of"):
        get_param_importances(s, evaluator=make(), params=["a", "b"])


@pytest.mark.parametrize("make", EVALUATORS)
def test_study_without_completed_trials_gives_empty_result(make) -> None:
    # Optuna 5 returns {} here (it no longer raises); a warning is logged.
    s = optuna.create_study()
    assert get_param_importances(s, evaluator=make()) == {}
    s.add_trial(create_trial(state=TrialState.FAIL, params={"x": 0.5},
                             distributions={"x": FloatDistribution(0, 1)}))
    s.add_trial(create_trial(state=TrialState.PRUNED, params={"x": 0.5},
                             distributions={"x": FloatDistribution(0, 1)}))
    assert get_param_importances(s, evaluator=make()) == {}
    with pytest.raises(ValueError, match="no COMPLETE trial has them"):
        get_param_importances(s, evaluator=make(), params=["x"])


@pytest.mark.parametrize("make", EVALUATORS)
def test_only_completed_trials_count(study: optuna.Study, make) -> None:
    s = optuna.create_study()
    s.add_trials(study.trials)
    # Unfinished and failed trials with another parameter and absurd params change nothing.
    for state in (TrialState.FAIL, TrialState.PRUNED):
        for v in (-1.0, 1.0):
            s.add_trial(create_trial(
                state=state, params={"x": v, "y": v, "z": v, "w": 0.0},
                distributions={n: FloatDistribution(-1, 1) for n in "xyzw"},
            ))
    assert get_param_importances(s, evaluator=make()) == get_param_importances(
        study, evaluator=make()
    )


def _conditional_study() -> optuna.Study:
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        if trial.number % 2:
            return x + 10 * trial.suggest_float("cond", 0, 1)
        return x

    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    s.optimize(objective, n_trials=80)
    return s


def test_ped_anova_assesses_conditional_params_by_default() -> None:
    # Optuna 5: every parameter that appears in a COMPLETE trial is assessed (same ranking as
    # Optuna 5.1 on these trials). The top trials all come from the branch holding `cond`.
    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -1, 1)
        if trial.number % 2:
            return -1.0 + 0.1 * x + trial.suggest_float("cond", 0, 1)
        return x

    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    s.optimize(objective, n_trials=80)
    importances = get_param_importances(s)
    assert list(importances) == ["cond", "x"]
    assert importances["cond"] > 0.5 and importances["x"] > 0.0
    # Where the top trials lie outside the branch, the conditional parameter is still listed.
    assert set(get_param_importances(_conditional_study())) == {"x", "cond"}


def test_ped_anova_params_never_together_are_each_assessed_on_their_regime() -> None:
    s = optuna.create_study()
    for name, sign in (("a", 1.0), ("b", -1.0)):
        for v in (0.0, 0.3, 0.6, 1.0):
            s.add_trial(create_trial(value=sign * v, params={name: v},
                                     distributions={name: FloatDistribution(0, 1)}))
    importances = get_param_importances(s, params=["a", "b"], normalize=False)
    assert set(importances) == {"a", "b"} and importances["b"] > 0.0


@pytest.mark.parametrize("make", FOREST_EVALUATORS)
def test_forest_evaluators_warn_naming_the_conditional_params_left_out(make) -> None:
    s = _conditional_study()
    with pytest.warns(UserWarning, match=r"leaves out 1 parameter\(s\): 'cond' \(conditional: "
                                         r"in 40 of 80 COMPLETE trials\)"):
        assert list(get_param_importances(s, evaluator=make())) == ["x"]
    named = get_param_importances(s, evaluator=make(), params=["x", "cond"])
    assert list(named) == ["cond", "x"]  # fitted on the 40 trials that hold both


def test_forest_evaluators_warn_about_a_changing_distribution() -> None:
    s = optuna.create_study()
    for i in range(6):
        s.add_trial(create_trial(value=float(i), params={"x": 0.5, "y": float(i % 2)},
                                 distributions={"x": FloatDistribution(0, 1),
                                                "y": FloatDistribution(0, 1 + i % 2)}))
    with pytest.warns(UserWarning, match="'y' \\(its distribution changes between trials"):
        get_param_importances(s, evaluator=FanovaImportanceEvaluator(seed=0))


def test_ped_anova_leaves_out_non_finite_values_and_needs_two_trials(study) -> None:
    s = optuna.create_study()
    s.add_trials(study.trials)
    for bad in (math.inf, -math.inf):
        s.add_trial(create_trial(value=bad, params={"x": 0.0, "y": 0.0, "z": 0.0},
                                 distributions={n: FloatDistribution(-1, 1) for n in "xyz"}))
    assert get_param_importances(s) == get_param_importances(study)
    one = optuna.create_study()
    one.add_trial(study.trials[0])
    with pytest.warns(UserWarning, match="too few"):
        assert PedAnovaImportanceEvaluator().evaluate(one) == {"x": 0.0, "y": 0.0, "z": 0.0}
    two = optuna.create_study()
    two.add_trials(study.trials[:2])
    assert any(v > 0 for v in PedAnovaImportanceEvaluator().evaluate(two).values())


def test_normalize_false_is_experimental(study) -> None:
    with pytest.warns(optuna.exceptions.ExperimentalWarning, match="normalize"):
        get_param_importances(study, normalize=False)


def test_params_must_be_a_list_of_names(study) -> None:
    with pytest.raises(TypeError, match="list of parameter names"):
        get_param_importances(study, params="x")


def _mo_study() -> optuna.Study:
    s = optuna.create_study(directions=["minimize", "maximize"],
                            sampler=optuna.samplers.RandomSampler(seed=0))
    s.optimize(
        lambda t: (t.suggest_float("a", -1, 1) ** 2 + 0.05 * t.suggest_float("b", -1, 1),
                   t.params["b"] + 0.05 * t.params["a"]),
        n_trials=200,
    )
    return s


@pytest.mark.parametrize("make", FOREST_EVALUATORS)
def test_multi_objective_needs_target(make) -> None:
    s = _mo_study()
    with pytest.raises(ValueError, match=r"pass `target`.*t\.values\[0\]"):
        get_param_importances(s, evaluator=make())


@pytest.mark.parametrize("make", EVALUATORS)
def test_multi_objective_target_selects_the_objective(make) -> None:
    s = _mo_study()
    first = get_param_importances(s, evaluator=make(), target=lambda t: t.values[0])
    second = get_param_importances(s, evaluator=make(), target=lambda t: -t.values[1])
    assert list(first)[0] == "a"
    assert list(second)[0] == "b"


def test_ped_anova_multi_objective_without_target_ranks_by_dominance() -> None:
    # As in Optuna 5, no target is needed: trials are ranked by Pareto dominance. Reaching the
    # front of (a^2, b^2) needs a and b both near 0; z plays no part.
    s = optuna.create_study(directions=["minimize", "minimize"],
                            sampler=optuna.samplers.RandomSampler(seed=0))
    s.optimize(lambda t: (t.suggest_float("a", -1, 1) ** 2, t.suggest_float("b", -1, 1) ** 2
                          + 0 * t.suggest_float("z", -1, 1)), n_trials=300)
    importances = get_param_importances(s)
    assert list(importances)[-1] == "z"
    assert min(importances["a"], importances["b"]) > 0.25


@pytest.mark.parametrize("make", EVALUATORS)
def test_target_replaces_the_objective(study: optuna.Study, make) -> None:
    importances = get_param_importances(study, evaluator=make(), target=lambda t: t.params["z"])
    assert list(importances)[0] == "z"


@pytest.mark.parametrize("make", EVALUATORS)
def test_int_log_and_categorical_params(make) -> None:
    def objective(trial: optuna.Trial) -> float:
        kind = trial.suggest_categorical("kind", ["slow", "fast", None, 3])
        n = trial.suggest_int("n", 1, 1000, log=True)
        trial.suggest_float("lr", 1e-5, 1e-1, log=True)  # unused
        trial.suggest_int("k", 0, 20, step=2)  # unused
        return {"slow": 0.0, "fast": 10.0, None: 20.0, 3: 5.0}[kind] + 0.5 * math.log(n)

    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    s.optimize(objective, n_trials=300)
    importances = get_param_importances(s, evaluator=make())
    assert list(importances)[:2] == ["kind", "n"]
    assert importances["kind"] > 0.5


@pytest.mark.parametrize("make", EVALUATORS)
def test_single_valued_param_has_zero_importance(make) -> None:
    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    s.optimize(lambda t: t.suggest_float("x", 0, 1) + t.suggest_int("one", 3, 3)
               + len(str(t.suggest_categorical("c", ["only"]))), n_trials=50)
    importances = get_param_importances(s, evaluator=make())
    assert list(importances)[0] == "x"
    assert importances["one"] == 0.0 and importances["c"] == 0.0


@pytest.mark.parametrize("make", FOREST_EVALUATORS)
def test_forest_evaluators_skip_non_finite_targets(study: optuna.Study, make) -> None:
    s = optuna.create_study()
    s.add_trials(study.trials)
    s.add_trial(create_trial(value=math.inf, params={"x": 0.0, "y": 0.0, "z": 0.0},
                             distributions={n: FloatDistribution(-1, 1) for n in "xyz"}))
    assert get_param_importances(s, evaluator=make()) == get_param_importances(
        study, evaluator=make()
    )


@pytest.mark.parametrize("make", EVALUATORS)
def test_constant_objective_gives_equal_shares(make) -> None:
    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    s.optimize(lambda t: 0.0 * t.suggest_float("x", 0, 1) * t.suggest_float("y", 0, 1),
               n_trials=30)
    assert get_param_importances(s, evaluator=make()) == {"x": 0.5, "y": 0.5}
    assert get_param_importances(s, evaluator=make(), normalize=False) == {"x": 0.0, "y": 0.0}


@pytest.mark.parametrize(
    "cls", [FanovaImportanceEvaluator, MeanDecreaseImpurityImportanceEvaluator]
)
def test_seed_makes_forest_evaluators_reproducible(study: optuna.Study, cls) -> None:
    a = get_param_importances(study, evaluator=cls(seed=3), normalize=False)
    b = get_param_importances(study, evaluator=cls(seed=3), normalize=False)
    c = get_param_importances(study, evaluator=cls(seed=4), normalize=False)
    assert a == b
    assert a != c
    small = get_param_importances(study, evaluator=cls(n_trees=4, max_depth=3, seed=3))
    assert list(small)[0] == "x"


def test_maximize_direction_is_respected() -> None:
    s = optuna.create_study(direction="maximize", sampler=optuna.samplers.RandomSampler(seed=0))
    s.optimize(lambda t: -(t.suggest_float("x", -1, 1) - 0.8) ** 2
               + 0 * t.suggest_float("z", -1, 1), n_trials=200)
    best_region = get_param_importances(s, normalize=False)
    # Ranking the wrong way round would put the top trials at the two ends of x: a weaker signal.
    flipped = get_param_importances(s, target=lambda t: t.value, normalize=False)
    assert list(best_region)[0] == "x"
    assert best_region["x"] > flipped["x"]


def test_ped_anova_arguments_are_checked() -> None:
    for kwargs in ({"target_quantile": 0.0}, {"target_quantile": 0.5, "region_quantile": 0.5},
                   {"region_quantile": 1.5}):
        with pytest.raises(ValueError, match="0 < target_quantile < region_quantile <= 1"):
            PedAnovaImportanceEvaluator(**kwargs)


def test_evaluator_must_be_an_importance_evaluator(study: optuna.Study) -> None:
    with pytest.raises(TypeError, match="BaseImportanceEvaluator"):
        get_param_importances(study, evaluator=object())  # type: ignore[arg-type]


def test_custom_evaluator_subclass(study: optuna.Study) -> None:
    class Constant(BaseImportanceEvaluator):
        def evaluate(self, study, params=None, *, target=None):
            return {"y": 1.0, "x": 3.0}

    assert get_param_importances(study, evaluator=Constant()) == {"x": 0.75, "y": 0.25}


def test_import_skipjack_as_optuna_code_shape(study: optuna.Study) -> None:
    importances = optuna.importance.get_param_importances(study)
    assert list(importances)[0] == "x"
    evaluator = optuna.importance.FanovaImportanceEvaluator(n_trees=16, max_depth=16, seed=0)
    assert list(optuna.importance.get_param_importances(study, evaluator=evaluator))[0] == "x"


def test_importing_importance_does_not_load_sklearn_or_scipy() -> None:
    code = (
        "import sys, skipjack\n"
        "skipjack.importance.PedAnovaImportanceEvaluator()\n"
        "print(','.join(m for m in ('sklearn', 'scipy') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_integer_and_categorical_distributions_are_encoded_on_their_domain() -> None:
    from skipjack.importance._base import encode

    space = {
        "c": CategoricalDistribution(["a", "b", "c"]),
        "i": IntDistribution(1, 5),
        "l": FloatDistribution(1.0, 100.0, log=True),
    }
    trial = create_trial(value=0.0, params={"c": "c", "i": 5, "l": 10.0}, distributions=space)
    enc = encode(space, [trial])
    assert enc.x.tolist() == [[2.0, 5.0, pytest.approx(math.log(10.0))]]
    assert enc.low.tolist() == [-0.5, 0.5, 0.0]
    assert enc.high.tolist() == [2.5, 5.5, pytest.approx(math.log(100.0))]


def test_plot_param_importances_shows_every_parameter_of_a_conditional_space() -> None:
    # The first-hour report: a few trials with a conditional parameter set, where the plot used
    # to show one parameter at 1.00 and Optuna shows all five.
    pytest.importorskip("plotly")
    from skipjack.visualization import plot_param_importances

    def objective(trial: optuna.Trial) -> float:
        kind = trial.suggest_categorical("kind", ["a", "b"])
        if kind == "a":
            return trial.suggest_float("a1", 0, 1) + trial.suggest_float("a2", 0, 1)
        return trial.suggest_float("b1", 0, 1) * trial.suggest_int("b2", 1, 4)

    s = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    s.optimize(objective, n_trials=20)
    expected = set(get_param_importances(s))
    assert expected == {"kind", "a1", "a2", "b1", "b2"}
    figure = plot_param_importances(s)
    assert set(figure.data[0].y) == expected
