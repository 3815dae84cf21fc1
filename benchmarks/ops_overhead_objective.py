"""The objective of benchmarks/ops_overhead.py (a module, so isolation can pickle it)."""


def objective(trial):
    return sum(trial.suggest_float(f"x{i}", -5.0, 5.0) ** 2 for i in range(10))
