"""``trial_timeout`` / ``trial_memory_mb`` in the shapes users write: a script without an
``if __name__ == "__main__":`` guard, code with no file (notebook, ``python -c``), a lambda
objective; and a guarded script keeps the ``spawn`` start."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

BODY = textwrap.dedent("""
    import time
    import skipjack
    from skipjack.study import _isolated

    skipjack.logging.set_verbosity(skipjack.logging.WARNING)
    study = skipjack.create_study(sampler=skipjack.samplers.RandomSampler(seed=1))
    offset = 0.25  # a closure over a local of the script: passed by value

    def objective(trial):
        x = trial.suggest_float("x", 0, 1)
        if trial.number == 1:
            time.sleep(30)
        return x + offset

    study.optimize(objective, n_trials=3, trial_timeout=1.5)
    study.optimize(lambda t: t.suggest_int("i", 0, 3) * 1.0, n_trials=2, trial_timeout=10)
    print("states", [t.state.name for t in study.trials])
    print("reason", study.trials[1].system_attrs.get("fail_reason"))
    print("method", _isolated.start_method())
""")


def _run(args, cwd, env_extra=None, stdin=None):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    env.pop("SKIPJACK_ISOLATION_START", None)
    env.update(env_extra or {})
    done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, input=stdin,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


EXPECTED = "states ['COMPLETE', 'FAIL', 'COMPLETE', 'COMPLETE', 'COMPLETE']"


@pytest.mark.skipif(os.name != "posix", reason="fork exists on POSIX only")
def test_script_without_main_guard(tmp_path):
    script = tmp_path / "no_guard.py"
    script.write_text(BODY)
    out = _run([str(script)], tmp_path)
    assert EXPECTED in out, out
    assert "reason TrialTimeoutError: timed out after 1.5 s" in out
    assert "method fork" in out


@pytest.mark.skipif(os.name != "posix", reason="fork exists on POSIX only")
@pytest.mark.parametrize("shape", ["-c", "stdin"])
def test_code_without_a_file_like_a_notebook(tmp_path, shape):
    out = (_run(["-c", BODY], tmp_path) if shape == "-c"
           else _run(["-"], tmp_path, stdin=BODY))
    assert EXPECTED in out, out
    assert "method fork" in out


def test_guarded_script_keeps_spawn(tmp_path):
    (tmp_path / "objectives_mod.py").write_text(textwrap.dedent("""
        def objective(trial):
            return trial.suggest_float("x", 0, 1)
    """))
    script = tmp_path / "guarded.py"
    script.write_text(textwrap.dedent("""
        import skipjack
        from skipjack.study import _isolated
        from objectives_mod import objective

        if __name__ == "__main__":
            study = skipjack.create_study()
            study.optimize(objective, n_trials=2, trial_timeout=30)
            print("states", [t.state.name for t in study.trials])
            print("method", _isolated.start_method())
    """))
    out = _run([str(script)], tmp_path)
    assert "states ['COMPLETE', 'COMPLETE']" in out and "method spawn" in out, out


def test_start_method_can_be_forced_and_a_bad_value_is_named(tmp_path):
    script = tmp_path / "forced.py"
    script.write_text("from skipjack.study import _isolated\nprint(_isolated.start_method())\n")
    assert _run([str(script)], tmp_path, {"SKIPJACK_ISOLATION_START": "forkserver"}).strip() \
        == "forkserver"
    env = {**os.environ, "SKIPJACK_ISOLATION_START": "thread",
           "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode != 0 and "SKIPJACK_ISOLATION_START='thread'" in done.stderr
