"""optuna-fast-fanova's evaluator and an optunahub package, unchanged, on skipjack."""

from __future__ import annotations

import pytest

from tests.ecosystem._run import run_program


def test_fast_fanova_evaluator(tmp_path):
    pytest.importorskip("optuna_fast_fanova", reason="optuna-fast-fanova is in the test extra")
    out = run_program(
        """
        from optuna_fast_fanova import FanovaImportanceEvaluator

        def objective(trial):
            x = trial.suggest_float("x", -5, 5)
            y = trial.suggest_float("y", -5, 5)
            c = trial.suggest_categorical("c", ["a", "b"])
            n = trial.suggest_int("n", 1, 4)
            return 10 * x * x + 0.01 * y + (0.001 if c == "a" else 0.0) + 0.0 * n

        study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
        study.optimize(objective, n_trials=60)
        evaluator = FanovaImportanceEvaluator(seed=0, n_trees=32)
        direct = evaluator.evaluate(study)
        via_api = optuna.importance.get_param_importances(
            study, evaluator=FanovaImportanceEvaluator(seed=0, n_trees=32)
        )
        only_y = evaluator.evaluate(study, params=["x", "y"])
        print(json.dumps({"direct": direct, "api": via_api, "two": only_y}))
        """,
        tmp_path,
    )
    direct = out["direct"]
    assert set(direct) == {"x", "y", "c", "n"}
    assert list(direct)[0] == "x" and direct["x"] > 0.9
    assert abs(sum(direct.values()) - 1.0) < 1e-9
    assert list(out["api"])[0] == "x" and abs(sum(out["api"].values()) - 1.0) < 1e-9
    assert set(out["two"]) == {"x", "y"}


HUB_SAMPLER = '''
import numpy as np
import optunahub
from optuna.distributions import FloatDistribution


class CoordinateSampler(optunahub.samplers.SimpleBaseSampler):
    """Proposes the best point so far, moved along one coordinate (a tiny hub-style sampler)."""

    def __init__(self, search_space=None, seed=None):
        super().__init__(search_space, seed)
        self._rng = np.random.RandomState(seed)

    def sample_relative(self, study, trial, search_space):
        if not search_space:
            return {}
        done = [t for t in study.get_trials(deepcopy=False) if t.value is not None]
        if not done:
            return {n: self._rng.uniform(d.low, d.high) for n, d in search_space.items()}
        best = min(done, key=lambda t: t.value).params
        name = sorted(search_space)[trial.number % len(search_space)]
        d = search_space[name]
        point = dict(best)
        width = (d.high - d.low) * 0.2
        point[name] = float(np.clip(best[name] + self._rng.normal(0, width), d.low, d.high))
        return point
'''


def test_optunahub_local_package_sampler(tmp_path):
    pytest.importorskip("optunahub", reason="optunahub is in the test extra")
    package = tmp_path / "registry" / "samplers" / "coordinate"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("from .sampler import CoordinateSampler\n")
    (package / "sampler.py").write_text(HUB_SAMPLER)
    out = run_program(
        f"""
        import optunahub
        module = optunahub.load_local_module(
            package="samplers/coordinate", registry_root={str(tmp_path / "registry")!r}
        )
        space = {{
            "x": optuna.distributions.FloatDistribution(-4, 4),
            "y": optuna.distributions.FloatDistribution(-4, 4),
        }}
        study = optuna.create_study(sampler=module.CoordinateSampler(space, seed=1))
        study.optimize(
            lambda t: (t.suggest_float("x", -4, 4) - 1) ** 2 + (t.suggest_float("y", -4, 4) + 2) ** 2,
            n_trials=60,
        )
        print(json.dumps({{
            "sampler": type(study.sampler).__mro__[1].__module__,
            "best": study.best_value,
            "first": study.trials[0].value,
        }}))
        """,
        tmp_path,
    )
    assert out["sampler"].startswith("optunahub.")
    assert out["best"] < 0.05 < out["first"]
