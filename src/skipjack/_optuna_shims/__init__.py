"""Optuna private modules whose path in skipjack holds other things (see ``_optuna_alias.SHIMS``).

``optuna.importance._base``, ``optuna.samplers._base`` and ``optuna.study.study`` resolve here
when ``skipjack.install_as_optuna()`` is active. The other private modules add-ons import live
in skipjack under Optuna's own paths (``skipjack._imports``, ``skipjack._transform``, ...).
Nothing here is imported by skipjack itself.
"""
