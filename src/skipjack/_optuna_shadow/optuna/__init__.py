"""Stand-in ``optuna`` package: importing it installs skipjack as optuna and becomes skipjack.

Only used when this directory is on ``sys.path`` ahead of the real optuna (``python -m skipjack
run`` arranges that for a program and its child processes). After this module runs,
``sys.modules["optuna"]`` is the ``skipjack`` package, which ``import optuna`` then returns.
"""

from skipjack._optuna_alias import install_as_optuna

install_as_optuna()
