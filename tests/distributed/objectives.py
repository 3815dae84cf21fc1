"""Module-level objectives, importable (picklable) from worker processes and the CLI."""

import time


def quadratic(trial):
    x = trial.suggest_float("x", -10, 10)
    y = trial.suggest_int("y", -3, 3)
    return (x - 1) ** 2 + y**2


def slow_quadratic(trial):
    time.sleep(0.01)
    return quadratic(trial)


def failing_after_three(trial):
    if trial.number >= 3:
        raise ValueError("objective broke")
    return quadratic(trial)


def fails_from_trial_five(trial):
    if trial.number >= 5:
        raise ConnectionError("database went away")
    return quadratic(trial)


def hangs_on_trial_two(trial):
    x = trial.suggest_float("x", 0, 1)
    if trial.number == 2:
        time.sleep(3600)
    return x
