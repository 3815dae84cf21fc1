"""The health report on hand-built studies: pruning, several objectives, trends, output, exits."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import skipjack
from skipjack._records import TrialState
from skipjack.cli import main as cli_main
from skipjack.report import HealthThresholds, study_health
from tests.ops._build import record

C, P, F = TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL


def _single(values, states=None, storage=None, name="single", steps=None):
    """One trial per value (None for a pruned/failed one), 10 s apart, each lasting 5 s."""
    study = skipjack.create_study(storage=storage, study_name=name)
    for i, value in enumerate(values):
        state = (states or {}).get(i, C if value is not None else F)
        inter = {s: float(s) for s in range(steps[i] + 1)} if steps else {}
        study.add_trial(record(
            state=state, value=value, start=10 * i, end=10 * i + 5, intermediate=inter,
            system_attrs={"fail_reason": "ValueError: bad"} if state == F else {},
        ))
    return study


def _healthy_pruned(storage=None, name="pruned"):
    # 8 trials run to the end, 4 stopped early by the pruner: a healthy study with pruning.
    values = [10, 9, None, 8, None, 7, 6, None, 5.5, 5, None, 4.5]
    states = {i: P for i, v in enumerate(values) if v is None}
    steps = [9 if v is not None else 2 for v in values]
    return _single(values, states, storage, name, steps)


def _mo(storage=None, constraints=None):
    """Objectives (minimize, maximize); front {1, 4, 6} (0 and 3 dominated), a PRUNED and a FAIL."""
    study = skipjack.create_study(storage=storage, study_name="mo",
                                  directions=["minimize", "maximize"])
    rows = [(C, [4, 1]), (C, [2, 2]), (P, None), (C, [3, 1.5]), (C, [1, 0.5]), (F, None),
            (C, [3, 3])]
    for i, (state, values) in enumerate(rows):
        attrs = {"fail_reason": "ValueError: x"} if state == F else {}
        if constraints is not None and state == C:
            attrs["constraints"] = constraints.get(i, [0.0])
        study.add_trial(record(state=state, values=values, start=10 * i, end=10 * i + 4,
                               system_attrs=attrs))
    return study


def _walk(value, path="report"):
    assert value is not None, f"{path} is None"
    if isinstance(value, dict):
        for k, v in value.items():
            _walk(v, f"{path}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, f"{path}[{i}]")


def test_healthy_pruned_study_is_ok():
    report = study_health(_healthy_pruned())
    f = report.figures
    assert f["completion_rate"] == 1.0 and f["prune_rate"] == 4 / 12
    assert {c.name: c.status for c in report.checks} == {
        "completion": "OK", "failures": "OK", "pruning": "OK"}
    assert report.status == "OK" and report.ok


def test_every_trial_pruned_fails_the_pruning_check_and_completion_is_not_applicable():
    study = _single([None] * 4, {i: P for i in range(4)}, steps=[3] * 4)
    report = study_health(study)
    statuses = {c.name: c.status for c in report.checks}
    assert statuses["pruning"] == "FAIL" and statuses["completion"] == "N/A"
    assert report.not_measured["completion_rate"] == "every finished trial was pruned"
    assert report.not_measured["best_value"] == "no COMPLETE trial yet"
    assert report.status == "FAIL"


def test_multi_objective_front_hypervolume_trend_and_time_to_best():
    report = study_health(_mo(), reference_point=[5.0, 0.0])
    f = report.figures
    assert f["n_objectives"] == 2 and f["pareto_front_size"] == 3
    # Loss points (1,-0.5), (2,-2), (3,-3) against (5, 0): 1*0.5 + 1*2 + 2*3.
    assert f["hypervolume"] == pytest.approx(8.5)
    assert f["reference_point"] == [5.0, 0.0] and f["reference_point_source"] == "given"
    # Quarters of 5 COMPLETE trials: first 2, 3, 4, 5 trials.
    assert f["hypervolume_history"] == [[2, 6.0], [3, 6.0], [4, 6.5], [5, 8.5]]
    assert f["hypervolume_last_quarter"] == pytest.approx(2.0 / 8.5)
    assert f["hypervolume_trend"] == "improving"
    assert f["time_to_best"] == [
        {"objective": 0, "direction": "minimize", "best_value": 1.0, "best_trial": 4,
         "trials_to_best": 5, "seconds_to_best": 44.0},
        {"objective": 1, "direction": "maximize", "best_value": 3.0, "best_trial": 6,
         "trials_to_best": 7, "seconds_to_best": 64.0},
    ]
    assert "best_value" not in f and "best_value" not in report.not_measured
    text = report.to_table()
    assert "pareto_front_size" in text and "hypervolume " in text
    assert "time to best, objective 1" in text


def test_multi_objective_default_reference_point_and_constraints():
    report = study_health(_mo())
    # Worst losses 4 and -0.5, ranges 3 and 2.5: moved 10% further, back in maximize terms.
    assert report.figures["reference_point"] == pytest.approx([4.3, 0.25])
    assert "worst value" in report.figures["reference_point_source"]
    constrained = study_health(_mo(constraints={6: [1.0]}), reference_point=[5.0, 0.0])
    assert constrained.figures["pareto_front_size"] == 2
    assert constrained.figures["hypervolume"] == pytest.approx(0.5 + 3 * 2)
    with pytest.raises(ValueError, match="one value per objective"):
        study_health(_mo(), reference_point=[1.0])


def test_single_objective_time_to_best_and_improvement_trend():
    improving = study_health(_single([10, 8, 6, 5, 5.5, 5.2, 5.1, 4.0])).figures
    assert improving["trials_to_best"] == 8 and improving["seconds_to_best"] == 75.0
    # Quarter cut after 6 of 8: best 5 -> 4 out of a total 10 -> 4.
    assert improving["improvement_last_quarter"] == pytest.approx(1 / 6)
    assert improving["improvement_trend"] == "improving"
    flat = study_health(_single([10, 5, 6, 7, 8, 9, 9, 9])).figures
    assert flat["improvement_last_quarter"] == 0.0 and flat["improvement_trend"] == "flat"
    assert flat["trials_since_improvement"] == 6
    short = study_health(_single([3.0, 2.0]))
    assert "at least 4" in short.not_measured["improvement_trend"]


def test_no_figure_is_none_and_unmeasured_ones_say_why():
    for report in (study_health(_single([1.0, 2.0])), study_health(_mo()),
                   study_health(skipjack.create_study())):
        data = report.to_dict()
        _walk(data)
        assert "None" not in report.to_table()
    empty = study_health(skipjack.create_study())
    assert empty.not_measured["total_cost"] == "no trial records user_attrs['cost']"
    assert "not measured (no trial records user_attrs['cost'])" in empty.to_table()


def test_thresholds_are_configurable_validated_and_printed():
    study = _single([1.0] * 4 + [None] * 4)  # half the trials fail
    assert study_health(study).status == "FAIL"
    relaxed = study_health(study, thresholds={"fail_failure_rate": 0.6})
    assert relaxed.status == "WARN"
    assert "FAIL at 60% for all causes" in relaxed.to_table()
    assert relaxed.to_dict()["thresholds"]["fail_failure_rate"] == 0.6
    with pytest.raises(ValueError, match="'max_prune_rate' threshold must be a fraction"):
        HealthThresholds(max_prune_rate=1.5)
    with pytest.raises(ValueError, match="must be <= 'max_prune_rate'"):
        HealthThresholds(min_prune_rate=0.9, max_prune_rate=0.5)


@pytest.fixture
def url(tmp_path):
    pytest.importorskip("sqlalchemy")
    return f"sqlite:///{tmp_path / 'r.db'}"


def test_cli_exit_codes_formats_and_threshold_flags(url, capsys):
    _healthy_pruned(storage=url, name="ok")
    _single([1.0] * 19 + [None], storage=url, name="warn")  # one cause at 5%
    _single([1.0] * 4 + [None] * 4, storage=url, name="fail")
    _mo(storage=url)
    base = ["report", "--storage", url, "--study"]
    assert cli_main(base + ["ok"]) == 0
    assert capsys.readouterr().out.startswith("Study 'ok': OK.")
    assert cli_main(base + ["warn"]) == 0
    assert cli_main(base + ["warn", "--strict"]) == 1
    assert cli_main(base + ["fail"]) == 1
    assert cli_main(base + ["fail", "--threshold", "fail_failure_rate=0.6"]) == 0
    capsys.readouterr()
    assert cli_main(base + ["fail", "--threshold", "nonsense=1"]) == 2
    assert "--threshold takes NAME=VALUE" in capsys.readouterr().err
    # 5 COMPLETE, 1 FAIL: completion 83% and one cause at 14% warn, nothing fails.
    assert cli_main(base + ["mo", "--format", "json", "--reference-point", "5,0"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["figures"]["hypervolume"] == pytest.approx(8.5)
    assert data["figures"]["pareto_front_size"] == 3
    assert data["status"] == "WARN"
    assert cli_main(base + ["mo", "--reference-point", "5"]) == 1
    assert "one value per objective (2)" in capsys.readouterr().err


def test_cli_into_a_closed_pipe_ends_without_a_traceback(url):
    _single([float(i) for i in range(40)], storage=url, name="pipe")
    proc = subprocess.Popen(
        [sys.executable, "-m", "skipjack.cli", "report", "--storage", url, "--study", "pipe"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the report is written, as with `| head -0`
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert "Traceback" not in err and "BrokenPipeError" not in err
    assert proc.returncode == 0
