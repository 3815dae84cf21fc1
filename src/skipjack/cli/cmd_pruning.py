"""``skipjack pruning-log`` and ``skipjack pruning-pause``: inspect and pause pruning.

    skipjack pruning-log --storage URL --study-name NAME            # last decision of every trial
    skipjack pruning-log --storage URL --study-name NAME --trial 7  # every decision of trial 7
    skipjack pruning-log --storage URL --study-name NAME --all -f json
    skipjack pruning-pause --storage URL --study-name NAME          # should_prune -> False
    skipjack pruning-pause --storage URL --study-name NAME --off    # prune again

The log is what ``Trial.should_prune`` recorded (``skipjack.pruners.decision_log``); the pause
switch is the study user attribute ``skipjack:pruning_paused``.
"""

from __future__ import annotations

import argparse
from typing import Any

from skipjack.cli._common import (
    add_command,
    add_study_name,
    load_study_for_cli,
    print_json,
    storage_from_args,
)
from skipjack.exceptions import CLIUsageError
from skipjack.pruners import PruneDecision, decision_log
from skipjack.pruners._attrs import PAUSE_KEY

__all__ = ["register", "format_decision"]


def _study_id(args: argparse.Namespace, storage: Any) -> int:
    return int(load_study_for_cli(args, storage)._study_id)


def _short(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return "-" if value is None else str(value)


def format_decision(number: int, decision: PruneDecision) -> str:
    """One table row: trial, step, verdict, pruner, rule, value, threshold, details."""
    details = " ".join(f"{k}={_short(v)}" for k, v in decision.compared.items())
    return (
        f"{number:>6} {_short(decision.step):>6} {decision.verdict.name:<8} "
        f"{decision.pruner:<24} {decision.rule:<14} {_short(decision.value):>12} "
        f"{_short(decision.threshold):>12}  {details}"
    )


def _log(args: argparse.Namespace) -> int:
    storage = storage_from_args(args)
    study_id = _study_id(args, storage)
    trials = storage.get_all_trials(study_id, deepcopy=False)
    if args.trial is not None:
        trials = [t for t in trials if t.number == args.trial]
        if not trials:
            raise CLIUsageError(f"study {args.study_name!r} has no trial number {args.trial}.")
    rows: list[tuple[int, str, PruneDecision]] = []
    for t in trials:
        log = decision_log(t)
        if not (args.all or args.trial is not None):
            log = log[-1:]
        rows.extend((t.number, t.state.name, d) for d in log)
    if args.format == "json":
        print_json([{"trial": n, "state": s, **d.to_dict()} for n, s, d in rows])
        return 0
    paused = bool(storage.get_study_user_attrs(study_id).get(PAUSE_KEY, False))
    print(f"study {args.study_name!r}: pruning {'PAUSED' if paused else 'active'}; "
          f"{len(rows)} decision(s)")
    print(f"{'trial':>6} {'step':>6} {'verdict':<8} {'pruner':<24} {'rule':<14} "
          f"{'value':>12} {'threshold':>12}  details")
    for number, _, decision in rows:
        print(format_decision(number, decision))
    return 0


def _pause(args: argparse.Namespace) -> int:
    storage = storage_from_args(args)
    study_id = _study_id(args, storage)
    storage.set_study_user_attr(study_id, PAUSE_KEY, not args.off)
    print(f"pruning {'resumed' if args.off else 'paused'} for study {args.study_name!r}")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``pruning-log`` and ``pruning-pause`` commands."""
    log = add_command(subparsers, "pruning-log", "show the pruning decisions of a study", _log)
    add_study_name(log)
    log.add_argument("--trial", type=int, default=None, help="only this trial number (all its "
                     "decisions)")
    log.add_argument("--all", action="store_true", help="every decision, not only the last "
                     "one of each trial")
    log.add_argument("-f", "--format", choices=("text", "json"), default="text",
                     help="output format (default: text)")
    log.add_argument("--json", action="store_const", const="json", dest="format",
                     help=argparse.SUPPRESS)

    pause = add_command(subparsers, "pruning-pause",
                        "pause pruning for every worker of a study (--off resumes)", _pause)
    add_study_name(pause)
    pause.add_argument("--off", action="store_true", help="resume pruning")
