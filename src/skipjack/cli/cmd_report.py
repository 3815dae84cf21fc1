"""``skipjack report``: the health report of a study (figures and OK/WARN/FAIL checks).

Exit status: 0 when no check FAILs, 1 when one does (``--strict``: also when one WARNs), so a
CI pipeline can gate on it. Printing into a closed pipe (``skipjack report ... | head``) ends
quietly.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from skipjack.cli._common import add_command, add_study_name, load_study_for_cli
from skipjack.exceptions import CLIUsageError

__all__ = ["register"]


def _thresholds(args: argparse.Namespace) -> dict[str, float]:
    from skipjack.report import HealthThresholds

    names = {f.name for f in dataclasses.fields(HealthThresholds)}
    thresholds: dict[str, float] = {}
    for item in args.threshold or []:
        name, sep, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or name not in names:
            raise CLIUsageError(
                f"--threshold takes NAME=VALUE with NAME one of {sorted(names)}. Got {item!r}."
            )
        try:
            thresholds[name] = float(value)
        except ValueError:
            raise CLIUsageError(
                f"--threshold {name}= needs a fraction such as 0.9. Got {value!r}."
            ) from None
    for flag, name in (("min_completion", "min_completion_rate"),
                       ("max_failure_per_cause", "max_failure_rate_per_cause"),
                       ("min_prune_rate", "min_prune_rate"),
                       ("max_prune_rate", "max_prune_rate")):
        value = getattr(args, flag)
        if value is not None:
            thresholds[name] = value
    return thresholds


def _reference_point(text: str | None) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",")]
    except ValueError:
        raise CLIUsageError(
            f"--reference-point takes one number per objective, comma-separated (e.g. 1.0,2.5). "
            f"Got {text!r}."
        ) from None


def _print(text: str) -> None:
    try:
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (``| head``): point stdout at devnull so the interpreter's final
        # flush does not raise again, and finish quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _run(args: argparse.Namespace) -> int:
    from skipjack.report import study_health

    for option in ("min_completion", "max_failure_per_cause", "min_prune_rate", "max_prune_rate"):
        value = getattr(args, option)
        if value is not None and not 0.0 <= value <= 1.0:
            raise CLIUsageError(
                f"--{option.replace('_', '-')} is a fraction between 0 and 1; got {value}."
            )
    study = load_study_for_cli(args)
    report = study_health(study, thresholds=_thresholds(args),
                          reference_point=_reference_point(args.reference_point))
    _print(report.to_json() if args.format == "json" else report.to_table())
    if report.status == "FAIL" or (args.strict and report.status == "WARN"):
        return 1
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` command."""
    parser = add_command(
        subparsers, "report", "health report of a study", _run,
        description="Health report of a study: figures and OK/WARN/FAIL checks. Exits 1 when a "
                    "check FAILs (with --strict, also on WARN).")
    add_study_name(parser)
    parser.add_argument("-f", "--format", choices=("table", "json", "text"), default="table",
                        help="table (default; 'text' is the same) or json")
    parser.add_argument("--threshold", action="append", metavar="NAME=VALUE",
                        help="override a threshold, e.g. --threshold fail_completion_rate=0.6 "
                             "(repeatable; names as in skipjack.report.HealthThresholds)")
    parser.add_argument("--min-completion", type=float, default=None,
                        help="completion-rate WARN threshold, a fraction (default 0.9)")
    parser.add_argument("--max-failure-per-cause", type=float, default=None,
                        help="failure-rate WARN threshold per cause, a fraction (default 0.05)")
    parser.add_argument("--min-prune-rate", type=float, default=None,
                        help="prune-rate WARN threshold below (default 0.1)")
    parser.add_argument("--max-prune-rate", type=float, default=None,
                        help="prune-rate WARN threshold above (default 0.8)")
    parser.add_argument("--reference-point", default=None, metavar="V1,V2,...",
                        help="hypervolume reference point of a multi-objective study, one value "
                             "per objective (default: derived from the trials)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a check is WARN, too")
