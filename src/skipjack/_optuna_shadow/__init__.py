"""A directory put first on ``PYTHONPATH`` by ``python -m skipjack run``: see ``optuna/``."""
