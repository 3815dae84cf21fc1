"""The algorithms against their definitions: fANOVA's exact tree decomposition, PED-ANOVA's
Pearson divergence, and agreement with Optuna's evaluators on the same trials."""

from __future__ import annotations

import inspect
import math

import numpy as np
import pytest

import skipjack as optuna
from skipjack.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from skipjack.importance import (
    FanovaImportanceEvaluator,
    MeanDecreaseImpurityImportanceEvaluator,
    PedAnovaImportanceEvaluator,
    get_param_importances,
)
from skipjack.importance._fanova import tree_main_effects
from skipjack.trial import create_trial

sklearn_tree = pytest.importorskip("sklearn.tree")

pytestmark = pytest.mark.filterwarnings("ignore:The 'normalize' argument")


def _brute_force_main_effects(tree, low, high, cells: int = 400) -> tuple[np.ndarray, float]:
    """Main-effect variances of a 2-d tree from its predictions on a fine midpoint grid."""
    u = (np.arange(cells) + 0.5) / cells
    g0 = low[0] + (high[0] - low[0]) * u
    g1 = low[1] + (high[1] - low[1]) * u
    xx, yy = np.meshgrid(g0, g1, indexing="ij")
    f = tree.predict(np.column_stack([xx.ravel(), yy.ravel()])).reshape(cells, cells)
    mean = f.mean()
    main = np.array([np.mean((f.mean(axis=1) - mean) ** 2), np.mean((f.mean(axis=0) - mean) ** 2)])
    return main, float(np.mean((f - mean) ** 2))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_fanova_tree_decomposition_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    low, high = np.array([-2.0, 0.0]), np.array([2.0, 10.0])
    x = rng.uniform(low, high, size=(60, 2))
    y = np.sin(x[:, 0]) * x[:, 1] + 0.3 * x[:, 1] + rng.normal(0, 0.1, 60)
    tree = sklearn_tree.DecisionTreeRegressor(max_depth=6, random_state=seed).fit(x, y)
    main, total = tree_main_effects(tree.tree_, low, high)
    expected_main, expected_total = _brute_force_main_effects(tree, low, high)
    assert total == pytest.approx(expected_total, rel=0.02)
    assert main == pytest.approx(expected_main, rel=0.05, abs=1e-3 * expected_total)
    assert main.sum() <= total * (1 + 1e-9)  # main effects never exceed the total variance


def test_fanova_additive_function_is_fully_explained_by_main_effects() -> None:
    rng = np.random.default_rng(0)
    low, high = np.zeros(3), np.ones(3)
    x = rng.uniform(size=(400, 3))
    # a step in x0 plus a step in x1: a depth-2 tree represents it exactly, with no interaction
    y = 3.0 * (x[:, 0] > 0.5) + 1.0 * (x[:, 1] > 0.25)
    tree = sklearn_tree.DecisionTreeRegressor(max_depth=8).fit(x, y)
    main, total = tree_main_effects(tree.tree_, low, high)
    assert main.sum() == pytest.approx(total, rel=0.05)
    assert main[2] == 0.0
    # Var(3 * [x0 > 0.5]) = 9 / 4, Var([x1 > 0.25]) = 3 / 16
    assert main[0] / main[1] == pytest.approx(12.0, rel=0.05)


def test_ped_anova_global_importance_of_a_categorical_is_the_pearson_divergence() -> None:
    # 40 trials; the top 10% (4 trials) all chose "a" of 4 choices. Against the uniform
    # distribution, D = sum p^2/q - 1 with p = (4 + 1/4, 1/4, 1/4, 1/4) / 5, q = 1/4,
    # scaled by (gamma')^2 = (4/40)^2.
    dist = {"c": CategoricalDistribution(["a", "b", "c", "d"])}
    study = optuna.create_study()
    for i in range(40):
        choice = "a" if i < 4 else "bcd"[i % 3]
        study.add_trial(create_trial(value=float(i), params={"c": choice}, distributions=dist))
    p = np.array([4.25, 0.25, 0.25, 0.25]) / 5
    expected = 0.01 * (float(np.sum(p * p / 0.25)) - 1.0)
    got = get_param_importances(
        study, evaluator=PedAnovaImportanceEvaluator(evaluate_on_local=False), normalize=False
    )
    assert got["c"] == pytest.approx(expected)


def test_ped_anova_is_near_zero_when_the_top_trials_look_like_the_rest() -> None:
    # The value is the block number i // 10; x repeats the same 10 values in every block, so the
    # top 10% (block 0) has x distributed exactly as all trials; g is the block number itself.
    dist = {"x": FloatDistribution(0, 1), "g": IntDistribution(0, 9)}
    study = optuna.create_study()
    for i in range(100):
        params = {"x": (i % 10) / 10, "g": i // 10}
        study.add_trial(create_trial(value=float(i // 10), params=params, distributions=dist))
    got = get_param_importances(study, normalize=False)
    assert list(got) == ["g", "x"]
    assert got["x"] < 1e-3 * got["g"]


def test_ped_anova_region_quantile_measures_importance_locally() -> None:
    # f = 10 max(x - 0.3, 0) + 2 (y - 0.5)^2: x dominates overall, but inside the top-30% region
    # (x < 0.3) it has no effect left, and only y decides the top 5%.
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: 10 * max(t.suggest_float("x", 0, 1) - 0.3, 0)
                   + 2 * (t.suggest_float("y", 0, 1) - 0.5) ** 2, n_trials=400)
    everywhere = get_param_importances(study)
    local = get_param_importances(
        study, evaluator=PedAnovaImportanceEvaluator(target_quantile=0.05, region_quantile=0.3)
    )
    assert list(everywhere)[0] == "x"
    assert list(local)[0] == "y"
    assert local["y"] > 0.8


def test_fanova_cost_stays_reasonable_with_many_trials() -> None:
    # Not a timing test: checks the vectorized path handles a large forest input at all.
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("a", 0, 1) + 0.1 * t.suggest_int("b", 0, 5)
                   + 0.0 * t.suggest_float("c", 0, 1), n_trials=1500)
    got = get_param_importances(study, evaluator=FanovaImportanceEvaluator(n_trees=8, seed=0))
    assert list(got) == ["a", "b", "c"]


# --- agreement with Optuna (a test-only dependency) -------------------------------------------

real = pytest.importorskip("optuna")


def _same_trials_in_optuna(study: optuna.Study):
    real_study = real.create_study(directions=[d.name.lower() for d in study.directions])
    for t in study.trials:
        dists = {}
        for name, d in t.distributions.items():
            if isinstance(d, CategoricalDistribution):
                dists[name] = real.distributions.CategoricalDistribution(d.choices)
            elif isinstance(d, IntDistribution):
                dists[name] = real.distributions.IntDistribution(d.low, d.high, log=d.log,
                                                                 step=d.step)
            else:
                dists[name] = real.distributions.FloatDistribution(d.low, d.high, log=d.log,
                                                                   step=d.step)
        real_study.add_trial(real.trial.create_trial(params=t.params, distributions=dists,
                                                     values=t.values))
    return real_study


@pytest.fixture(scope="module")
def mixed_study() -> optuna.Study:
    optuna.logging.set_verbosity(optuna.logging.WARNING)

    def objective(trial: optuna.Trial) -> float:
        x = trial.suggest_float("x", -3, 3)
        n = trial.suggest_int("n", 1, 64, log=True)
        c = trial.suggest_categorical("c", ["a", "b", "c"])
        trial.suggest_float("unused", 0, 1)
        return x**2 + 0.5 * math.log2(n) + {"a": 0.0, "b": 1.0, "c": 0.5}[c]

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=200)
    return study


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (lambda: PedAnovaImportanceEvaluator(),
         lambda: real.importance.PedAnovaImportanceEvaluator()),
        (lambda: FanovaImportanceEvaluator(seed=0),
         lambda: real.importance.FanovaImportanceEvaluator(seed=0)),
        (lambda: MeanDecreaseImpurityImportanceEvaluator(seed=0),
         lambda: real.importance.MeanDecreaseImpurityImportanceEvaluator(seed=0)),
    ],
    ids=["ped_anova", "fanova", "mdi"],
)
def test_same_ranking_as_optuna(mixed_study: optuna.Study, ours, theirs) -> None:
    import warnings

    real.logging.set_verbosity(real.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = real.importance.get_param_importances(
            _same_trials_in_optuna(mixed_study), evaluator=theirs()
        )
    got = get_param_importances(mixed_study, evaluator=ours())
    assert list(got)[0] == list(expected)[0]
    assert set(got) == set(expected)


def test_forest_evaluators_agree_with_optuna_on_float_params() -> None:
    # Same forest settings and seed, and float params encoded the same way: the forests are the
    # same, so MDI agrees exactly and fANOVA (an exact decomposition in both) too.
    import warnings

    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    study.optimize(lambda t: 10 * t.suggest_float("x", -1, 1) ** 2 + t.suggest_float("y", -1, 1)
                   + 0 * t.suggest_float("z", -1, 1), n_trials=150)
    real_study = _same_trials_in_optuna(study)
    for ours, theirs in [
        (FanovaImportanceEvaluator(seed=0, n_trees=16), real.importance.FanovaImportanceEvaluator(
            seed=0, n_trees=16)),
        (MeanDecreaseImpurityImportanceEvaluator(seed=0),
         real.importance.MeanDecreaseImpurityImportanceEvaluator(seed=0)),
    ]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            expected = real.importance.get_param_importances(real_study, evaluator=theirs)
        got = get_param_importances(study, evaluator=ours)
        assert list(got) == list(expected)
        for name in got:
            assert got[name] == pytest.approx(float(expected[name]), abs=1e-6)


@pytest.mark.parametrize(
    "name",
    ["get_param_importances", "FanovaImportanceEvaluator",
     "MeanDecreaseImpurityImportanceEvaluator", "PedAnovaImportanceEvaluator"],
)
def test_signatures_match_optuna(name: str) -> None:
    def shape(obj):
        sig = inspect.signature(obj)
        return [(p.name, p.kind, p.default) for p in sig.parameters.values()]

    theirs = getattr(real.importance, name)
    ours = getattr(optuna.importance, name)
    if "baseline_quantile" in inspect.signature(theirs).parameters:
        pytest.skip("Optuna 4's deprecated baseline_quantile argument is not kept")
    assert shape(ours) == shape(theirs)
    assert shape(ours.evaluate if inspect.isclass(ours) else ours) == shape(
        theirs.evaluate if inspect.isclass(theirs) else theirs
    )
