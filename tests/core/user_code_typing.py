"""User code in Optuna's style that reaches the study through ``trial.study``.

``tests/core/test_typing.py`` type-checks this file with the package under ``mypy --strict`` and
runs it: ``Trial.study`` is typed as ``trial/_study_api.StudyAPI`` (``trial/`` may not import
``skipjack.study``), and every use below must type-check as it does with Optuna's ``Study``.
"""

from __future__ import annotations

import skipjack as optuna
from skipjack.trial import FrozenTrial, TrialState


def log_study(study: optuna.Study) -> str:
    """A helper typed against the concrete class, as Optuna users write them."""
    return f"{study.study_name}: {len(study.trials)} trials"


def objective(trial: optuna.Trial) -> float:
    study = trial.study
    x = trial.suggest_float("x", -1.0, 1.0)
    study.set_user_attr("last_x", x)
    seen: dict[str, object] = study.user_attrs
    finished: list[FrozenTrial] = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if finished and study.best_value < 1e-12 and "last_x" in seen:
        study.stop()
    if trial.number == 0:
        study.enqueue_trial({"x": 0.5})
    name: str = study.study_name
    assert name and study.sampler is not None and study.pruner is not None
    assert study._storage is study.storage and study._study_id == study.study_id
    assert len(study.directions) == 1 and not study._is_multi_objective()
    # ``trial.study`` is the Study itself: isinstance narrows it for a helper typed as ``Study``
    assert isinstance(study, optuna.Study)
    log_study(study)
    return x * x


def main() -> list[FrozenTrial]:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(objective, n_trials=4)
    return study.trials


if __name__ == "__main__":
    main()
