"""``skipjack report``: the health report of a study (figures and OK/WARN checks)."""

from __future__ import annotations

import argparse

from skipjack.cli._common import add_storage_argument, storage_from_args

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from skipjack.report import study_health
    from skipjack.study import load_study

    storage = storage_from_args(args)
    study = load_study(study_name=args.study, storage=storage)
    thresholds = {}
    if args.min_completion is not None:
        thresholds["min_completion_rate"] = args.min_completion
    if args.max_failure_per_cause is not None:
        thresholds["max_failure_rate_per_cause"] = args.max_failure_per_cause
    report = study_health(study, thresholds=thresholds)
    print(report.to_json() if args.format == "json" else report.to_text())
    return 1 if args.strict and not report.ok else 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``report`` command."""
    parser = subparsers.add_parser("report", help="health report of a study")
    add_storage_argument(parser)
    parser.add_argument("--study", required=True, help="study name")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--min-completion", type=float, default=None,
                        help="completion-rate threshold, a fraction (default 0.9)")
    parser.add_argument("--max-failure-per-cause", type=float, default=None,
                        help="failure-rate threshold per cause, a fraction (default 0.05)")
    parser.add_argument("--strict", action="store_true",
                        help="exit with status 1 when a check is WARN")
    parser.set_defaults(func=_run)
