"""Optuna's private modules that add-ons import, as thin shims over skipjack's own code.

optuna-dashboard, optuna-integration, optunahub and optuna-fast-fanova import a few modules
Optuna never documented (``optuna._imports``, ``optuna._experimental``, ...). When
``skipjack.install_as_optuna()`` is active, those module paths resolve to the modules here
(``skipjack._optuna_alias.SHIMS`` is the table); every other ``optuna.x.y`` resolves to
``skipjack.x.y``. Nothing here is imported by skipjack itself.
"""
