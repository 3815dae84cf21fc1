"""ASHA and Hyperband on hand-built histories: rung promotion, brackets and their budgets."""

from __future__ import annotations

import math
import zlib

import pytest

from skipjack._records import TrialState
from skipjack.pruners import HyperbandPruner, SuccessiveHalvingPruner
from skipjack.pruners._decision import Rule, parse_numbers
from skipjack.pruners._hyperband import bracket_budgets, bracket_of

from tests.pruners._history import decide, history, running


def _promoted(value: float, competing: list[float], eta: int, maximize: bool = False) -> bool:
    """ASHA's rule written independently: keep the best max(1, n // eta) of the n competitors."""
    better = sum(1 for c in competing if (c > value if maximize else c < value))
    return better < max(1, len(competing) // eta)


@pytest.mark.parametrize("maximize", [False, True])
@pytest.mark.parametrize("value", [0.05, 0.25, 0.45, 0.75])
def test_rung_zero_promotes_the_top_fraction(maximize: bool, value: float) -> None:
    # rungs at steps 1, 2, 4, 8 (min_resource=1, eta=2)
    values = [0.1 * i for i in range(8)]
    curves = [{0: 9.0, 1: v, 2: v} for v in values]
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    study = history(curves, direction="maximize" if maximize else "minimize", pruner=pruner)
    trial = running(study, {0: 9.0, 1: value})
    d = decide(pruner, study, trial)
    assert d.rule == Rule.RUNG and d.compared["rung"] == 0
    assert d.compared["n_competing"] == 9
    assert d.prune is not _promoted(value, values + [value], 2, maximize)


def test_no_check_between_rungs_and_rung_values_from_first_step_past_the_rung() -> None:
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    # trials report sparse steps: the rung-2 (step 4) value is the one at the first step >= 4
    curves = [{1: 0.0, 3: 0.0, 5: 1.0, 9: 9.0}, {1: 0.0, 4: 2.0}, {1: 0.0, 2: 0.0, 4: 3.0}]
    study = history(curves, pruner=pruner)
    trial = running(study, {1: 0.0, 2: 0.0})
    assert not decide(pruner, study, trial).prune  # promoted at rung 1 (step 2)
    trial.report(0.0, 3)  # no rung at step 3: nothing to check
    d = decide(pruner, study, trial)
    assert not d.prune and d.value is None and d.compared["next_rung_step"] == 4
    trial.report(2.5, 4)  # rung 2 competitors: 1.0 (step 5), 2.0, 3.0 and 2.5 -> top 2 kept
    d = decide(pruner, study, trial)
    assert d.compared["rung"] == 2 and d.compared["n_competing"] == 4
    assert d.prune is not _promoted(2.5, [1.0, 2.0, 3.0, 2.5], 2)


def test_running_and_pruned_trials_compete_but_a_pruned_trial_stops_at_its_rung() -> None:
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    curves = [{1: 0.0, 2: 1.0}, {1: 0.0, 2: 5.0}, {1: 0.0, 2: 0.5}]
    states = [TrialState.RUNNING, TrialState.PRUNED, TrialState.COMPLETE]
    study = history(curves, pruner=pruner, states=states)
    trial = running(study, {1: 0.0, 2: 0.7})
    d = decide(pruner, study, trial)
    assert parse_numbers(d.compared["trials"]) == [0, 1, 2]
    # a PRUNED trial whose single report jumped over rungs 0..2 competes only in rung 0
    study = history([{4: 0.0}], pruner=pruner, states=[TrialState.PRUNED])
    trial = running(study, {1: 1.0, 2: 1.0, 4: 1.0})
    d = decide(pruner, study, trial)
    assert d.compared["rung"] == 2 and d.compared["n_competing"] == 1 and not d.prune


def test_checks_every_rung_a_jump_passes_and_prunes_nan_at_a_rung() -> None:
    pruner = SuccessiveHalvingPruner(min_resource=1, reduction_factor=2)
    curves = [{1: 0.0, 2: 0.0, 4: 0.0}] * 3
    study = history(curves, pruner=pruner)
    trial = running(study, {0: 5.0, 4: 1.0})  # jumps over rungs 0, 1, 2: pruned at rung 0
    d = decide(pruner, study, trial)
    assert d.prune and d.compared["rung"] == 0
    trial = running(study, {0: 0.0, 1: math.nan})
    d = decide(pruner, study, trial)
    assert d.prune and d.rule == Rule.NAN
    trial = running(study, {0: math.nan})  # NaN between rungs: nothing to check
    assert not decide(pruner, study, trial).prune


def test_min_early_stopping_rate_bootstrap_and_auto_min_resource() -> None:
    curves = [{s: 0.0 for s in range(300)}, {s: 0.0 for s in range(10)}]
    study = history(curves)
    # auto: first completed trial's last step 299 // 100 = 2 -> rungs at 2, 8, 32
    pruner = SuccessiveHalvingPruner()
    trial = running(study, {0: 5.0, 1: 5.0})
    assert decide(pruner, study, trial).compared["next_rung_step"] == 2
    trial.report(5.0, 2)
    d = decide(pruner, study, trial)
    assert d.prune
    # the first completed trial set the scale before rungs existed: it does not compete (Optuna)
    assert parse_numbers(d.compared["trials"]) == [1]
    # rate 1, min_resource 2, eta 4: first rung at 8
    pruner = SuccessiveHalvingPruner(min_resource=2, reduction_factor=4, min_early_stopping_rate=1)
    trial = running(study, {7: 5.0})
    assert decide(pruner, study, trial).compared["next_rung_step"] == 8
    # bootstrap: pruned until enough trials reached the rung
    empty = history([])
    pruner = SuccessiveHalvingPruner(min_resource=1, bootstrap_count=2)
    trial = running(empty, {1: 0.0})
    assert decide(pruner, empty, trial).prune
    with pytest.raises(ValueError, match="bootstrap_count"):
        SuccessiveHalvingPruner(bootstrap_count=1)
    with pytest.raises(ValueError, match="reduction_factor"):
        SuccessiveHalvingPruner(reduction_factor=1)


def test_no_prune_before_a_trial_completes_with_auto_min_resource() -> None:
    pruner = SuccessiveHalvingPruner()
    study = history([])
    trial = running(study, {s: 1e9 for s in range(50)})
    d = decide(pruner, study, trial)
    assert not d.prune and d.rule == Rule.STARTUP


def test_hyperband_budgets_follow_the_paper() -> None:
    # n = floor(log_3(81)) + 1 = 5 brackets; budget_b = ceil(n * 3 ** (n - 1 - b) / (n - b))
    assert bracket_budgets(1, 81, 3) == [81, 34, 15, 8, 5]
    assert bracket_budgets(1, 10, 3) == [
        math.ceil(3 * 3 ** (2 - b) / (3 - b)) for b in range(3)
    ]
    assert bracket_budgets(5, 5, 2) == [1]


def test_hyperband_brackets_are_hashed_and_separate() -> None:
    budgets = bracket_budgets(1, 81, 3)
    name = "hb-study"
    n = 60
    expected = []
    for number in range(n):
        h = zlib.crc32(f"{name}_{number}".encode()) % sum(budgets)
        bracket = next(b for b in range(len(budgets)) if h < sum(budgets[: b + 1]))
        expected.append(bracket)
        assert bracket_of(name, number, budgets) == bracket
    assert len(set(expected)) > 1
    pruner = HyperbandPruner(min_resource=1, max_resource=81, reduction_factor=3)
    curves = [{s: float(i) for s in range(82)} for i in range(n)]
    study = history(curves, pruner=pruner, study_name=name)
    bracket = bracket_of(name, n, budgets)
    trial = running(study, {s: 1e6 for s in range(3 ** bracket + 1)})
    assert trial.number == n
    d = decide(pruner, study, trial)
    assert d.compared["bracket"] == bracket and d.compared["n_brackets"] == 5
    # only the trials of the same bracket compete, at the bracket's rungs (3 ** bracket, ...)
    same = [i for i in range(n) if expected[i] == bracket]
    assert parse_numbers(d.compared["trials"]) == same
    assert d.compared["rung_step"] == 3 ** bracket
    assert d.prune  # the worst value in any non-empty bracket
    # the same history in another process/worker gives the same bracket: a pure function
    assert HyperbandPruner(min_resource=1, max_resource=81).decide(study, trial._view) == d


def test_hyperband_auto_max_resource_from_first_completed_trial() -> None:
    study = history([{s: 0.0 for s in range(27)}, {s: 0.0 for s in range(100)}])
    pruner = HyperbandPruner(reduction_factor=3)
    trial = running(study, {0: 1.0})
    d = decide(pruner, study, trial)
    assert d.compared["max_resource"] == 27 and d.compared["n_brackets"] == 4
