"""``install_as_optuna`` and ``python -m skipjack run``: ``import optuna`` is skipjack everywhere."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.ecosystem._run import env, run_program


def test_private_modules_addons_import_resolve_to_skipjack(tmp_path):
    out = run_program(
        """
        import skipjack
        from optuna._imports import try_import
        from optuna._experimental import experimental_class, experimental_func
        from optuna._deprecated import deprecated_class, deprecated_func
        from optuna.study._study_direction import StudyDirection
        from optuna.study._frozen import FrozenStudy
        from optuna._transform import _SearchSpaceTransform
        from optuna.storages._cached_storage import _CachedStorage
        from optuna.importance._base import BaseImportanceEvaluator
        import optuna.samplers._tpe.sampler as tpe_module

        with try_import() as imports:
            import a_package_that_does_not_exist  # noqa: F401
        try:
            imports.check()
            deferred = None
        except ImportError as e:
            deferred = str(e)

        dists = {
            "x": optuna.distributions.FloatDistribution(1e-3, 1.0, log=True),
            "n": optuna.distributions.IntDistribution(0, 10, step=2),
            "c": optuna.distributions.CategoricalDistribution(["a", "b", "c"]),
        }
        trans = _SearchSpaceTransform(dists, transform_0_1=True)
        point = trans.transform({"x": 0.01, "n": 4, "c": "b"})
        back = trans.untransform(point)
        print(json.dumps({
            "same_direction": StudyDirection is skipjack.study.StudyDirection,
            "same_frozen": FrozenStudy is skipjack._records.FrozenStudy,
            "same_evaluator": BaseImportanceEvaluator
                is skipjack.importance._base.BaseImportanceEvaluator,
            "tpe": tpe_module.TPESampler is skipjack.samplers.TPESampler,
            "cached_is_storage": issubclass(_CachedStorage, skipjack.storages.BaseStorage),
            "deferred": deferred,
            "columns": [list(map(int, c)) for c in trans.column_to_encoded_columns],
            "in_unit_box": bool(((point >= 0) & (point <= 1)).all()),
            "back": back,
        }))
        """,
        tmp_path,
    )
    assert out["same_direction"] and out["same_frozen"] and out["same_evaluator"] and out["tpe"]
    assert out["cached_is_storage"]
    assert "a_package_that_does_not_exist" in out["deferred"]
    assert out["columns"] == [[0], [1], [2, 3, 4]]
    assert out["in_unit_box"]
    assert out["back"]["n"] == 4 and out["back"]["c"] == "b"
    assert abs(out["back"]["x"] - 0.01) < 1e-9


def test_children_of_a_run_program_see_skipjack_too(tmp_path):
    out = run_program(
        """
        import multiprocessing, subprocess

        def child(q):
            import optuna
            q.put(optuna.__name__)

        if __name__ == "__main__":
            ctx = multiprocessing.get_context("spawn")
            q = ctx.Queue()
            p = ctx.Process(target=child, args=(q,))
            p.start()
            spawned = q.get(timeout=120)
            p.join()
            sub = subprocess.run(
                [sys.executable, "-c", "import optuna; print(optuna.__name__)"],
                capture_output=True, text=True, check=True,
            ).stdout.strip()
            print(json.dumps({"spawn": spawned, "subprocess": sub}))
        """,
        tmp_path,
    )
    assert out == {"spawn": "skipjack", "subprocess": "skipjack"}


def test_without_the_switch_optuna_is_the_real_package(tmp_path):
    pytest.importorskip("optuna")
    code = "import optuna; print(optuna.__name__)"
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env(), capture_output=True, text=True, timeout=120
    )
    assert proc.stdout.strip() == "optuna"


def test_install_as_optuna_in_code_after_real_optuna_warns(tmp_path):
    pytest.importorskip("optuna")
    code = (
        "import warnings, optuna, skipjack\n"
        "with warnings.catch_warnings(record=True) as w:\n"
        "    warnings.simplefilter('always')\n"
        "    skipjack.install_as_optuna()\n"
        "import optuna as again\n"
        "print(again.__name__, any('before anything imports optuna' in str(x.message) for x in w))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env(), capture_output=True, text=True, timeout=120
    )
    assert proc.stdout.split() == ["skipjack", "True"], proc.stderr


def test_run_reports_a_missing_program():
    proc = subprocess.run(
        [sys.executable, "-m", "skipjack", "run", "no-such-program-xyz"],
        env=env(), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "neither a file nor a command" in proc.stderr


def test_run_passes_the_exit_code_and_arguments(tmp_path):
    script = tmp_path / "exit.py"
    script.write_text("import sys, optuna\nprint(sys.argv[1:])\nsys.exit(3)\n")
    proc = subprocess.run(
        [sys.executable, "-m", "skipjack", "run", str(script), "a", "--b"],
        env=env(), capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 3 and proc.stdout.strip() == "['a', '--b']"


def test_private_modules_exist_under_optunas_paths_in_skipjack():
    # so a plain prefix alias (sys.modules["optuna"] = skipjack plus optuna.x -> skipjack.x)
    # finds them without the SHIMS table
    import importlib

    for path in ("_imports", "_experimental", "_deprecated", "_transform", "_typing",
                 "study._study_direction", "study._frozen", "storages._cached_storage"):
        importlib.import_module(f"skipjack.{path}")
    from skipjack._imports import try_import
    from skipjack.storages import InMemoryStorage
    from skipjack.storages._cached_storage import _CachedStorage

    with try_import() as imports:
        import json  # noqa: F401
    assert imports.is_successful()
    wrapped = _CachedStorage(InMemoryStorage())
    study_id = wrapped.create_new_study([__import__("skipjack").study.StudyDirection.MINIMIZE], "w")
    assert wrapped._backend.get_study_name_from_id(study_id) == "w"
    with pytest.raises(TypeError, match="backend"):
        _CachedStorage("sqlite:///x.db")  # type: ignore[arg-type]


def test_optunas_private_modules_read_as_attributes_of_the_package():
    # optuna-integration's Lightning and Ignite callbacks call optuna._imports.try_import()
    # without importing optuna._imports: after `import optuna` Optuna has loaded it
    code = (
        "import skipjack as optuna\n"
        "print(callable(optuna._imports.try_import), optuna._transform._SearchSpaceTransform.__name__,"
        " callable(optuna._experimental.experimental_class), callable(optuna._deprecated.deprecated_func),"
        " optuna.version.__version__ == optuna.__version__)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=env(), capture_output=True, text=True, timeout=120
    )
    assert proc.stdout.split() == ["True", "_SearchSpaceTransform", "True", "True", "True"], (
        proc.stderr
    )
