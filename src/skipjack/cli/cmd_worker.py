"""``skipjack worker``: run trials of an objective given as ``module:function``.

For Kubernetes Jobs and batch schedulers: start the same command on many hosts against one storage;
each process runs its share of trials. ``--n-trials`` counts trials run by this process;
``--max-total-trials`` stops every worker once the study holds that many finished trials.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skipjack.cli._common import (
    add_command,
    add_study_name,
    load_study_for_cli,
    make_sampler,
    storage_from_args,
)
from skipjack.exceptions import CLIUsageError

if TYPE_CHECKING:
    from skipjack._records import FrozenTrial
    from skipjack.study import Study

__all__ = ["register", "load_objective"]


def load_objective(spec: str) -> Any:
    """Import ``module:function`` (the current directory is on the path)."""
    if ":" not in spec:
        raise CLIUsageError(
            f"--objective must look like module:function (e.g. train:objective); got {spec!r}."
        )
    module_name, _, attr = spec.partition(":")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise CLIUsageError(f"cannot import module {module_name!r} of --objective: {e}") from e
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise CLIUsageError(f"module {module_name!r} has no attribute {attr!r}.") from None
    if not callable(obj):
        raise CLIUsageError(f"--objective {spec!r} is not callable.")
    return obj


def _run(args: argparse.Namespace) -> int:
    from skipjack.study import MaxTrialsCallback, create_study
    from skipjack.trial import TrialState

    _check_numbers(args)
    if args.direction and args.directions:
        raise CLIUsageError("give either --direction or --directions, not both.")
    if args.sampler_kwargs is not None and args.sampler is None:
        raise CLIUsageError("--sampler-kwargs needs --sampler CLASS (e.g. --sampler TPESampler).")
    if args.seed is not None and args.sampler is None:
        raise CLIUsageError("--seed needs --sampler CLASS (e.g. --sampler TPESampler --seed 1).")
    storage = storage_from_args(args)
    objective = load_objective(args.objective)
    sampler = make_sampler(args.sampler, args.sampler_kwargs, seed=args.seed)
    if args.direction or args.directions:
        study = create_study(
            storage=storage, study_name=args.study_name, sampler=sampler, load_if_exists=True,
            direction=args.direction, directions=args.directions,
        )
    else:
        study = load_study_for_cli(args, storage, sampler=sampler)
    callbacks: list[Callable[[Study, FrozenTrial], None]] = []
    if args.max_total_trials is not None:
        callbacks.append(
            MaxTrialsCallback(
                args.max_total_trials,
                states=(TrialState.COMPLETE, TrialState.PRUNED, TrialState.FAIL),
            )
        )
    from skipjack.study._budgets import (
        CostBudget,
        FailureRateBreaker,
        TrialSecondsBudget,
        WallClockBudget,
    )

    if args.budget_seconds is not None:
        callbacks.append(WallClockBudget(args.budget_seconds))
    if args.budget_trial_seconds is not None:
        callbacks.append(TrialSecondsBudget(args.budget_trial_seconds))
    if args.budget_cost is not None:
        callbacks.append(CostBudget(args.budget_cost))
    if args.max_failure_rate is not None:
        callbacks.append(FailureRateBreaker(args.max_failure_rate, args.failure_window))
    kwargs: dict[str, Any] = {}
    if args.trial_timeout is not None:
        kwargs["trial_timeout"] = args.trial_timeout
    if args.trial_memory_mb is not None:
        kwargs["trial_memory_mb"] = args.trial_memory_mb
    study.optimize(
        objective,
        n_trials=args.n_trials,
        timeout=args.timeout,
        catch=(Exception,) if args.catch_all else (),
        callbacks=callbacks,
        **kwargs,
    )
    return 0


def _check_numbers(args: argparse.Namespace) -> None:
    for option in ("n_trials", "max_total_trials", "failure_window"):
        value = getattr(args, option)
        if value is not None and value < 1:
            raise CLIUsageError(f"--{option.replace('_', '-')} must be >= 1; got {value}.")
    for option in ("timeout", "trial_timeout", "trial_memory_mb", "budget_seconds",
                   "budget_trial_seconds", "budget_cost"):
        value = getattr(args, option)
        if value is not None and not value > 0:
            raise CLIUsageError(f"--{option.replace('_', '-')} must be > 0; got {value}.")
    rate = args.max_failure_rate
    if rate is not None and not 0.0 < rate <= 1.0:
        raise CLIUsageError(f"--max-failure-rate is a share in (0, 1], e.g. 0.5; got {rate}.")


def register(subparsers: Any) -> None:
    """Add the ``worker`` command."""
    p = add_command(subparsers, "worker", "run trials of module:function against a storage",
                    _run)
    add_study_name(p)
    p.add_argument("--objective", required=True, help="objective as module:function")
    p.add_argument("--n-trials", type=int, default=None, help="trials this worker runs")
    p.add_argument("--timeout", type=float, default=None, help="seconds before starting no more")
    p.add_argument("--max-total-trials", type=int, default=None,
                   help="stop once the study holds this many finished trials (all workers)")
    p.add_argument("--sampler", default=None, metavar="CLASS",
                   help="a sampler class of skipjack.samplers (default: the study's default)")
    p.add_argument("--sampler-kwargs", default=None, metavar="JSON",
                   help="the sampler's keyword arguments as a JSON object, e.g. "
                        "'{\"multivariate\": true}'")
    p.add_argument("--seed", type=int, default=None, help="sampler seed")
    p.add_argument("--direction", choices=("minimize", "maximize"), default=None,
                   help="create the study with this direction if it does not exist")
    p.add_argument("--directions", nargs="+", choices=("minimize", "maximize"), default=None,
                   help="create a multi-objective study if it does not exist")
    p.add_argument("--trial-timeout", type=float, default=None,
                   help="kill a trial after this many seconds (runs it in a child process)")
    p.add_argument("--trial-memory-mb", type=float, default=None,
                   help="kill a trial above this resident memory (runs it in a child process)")
    p.add_argument("--budget-seconds", type=float, default=None,
                   help="stop once this many wall-clock seconds passed since the study started")
    p.add_argument("--budget-trial-seconds", type=float, default=None,
                   help="stop once finished trials' durations add up to this (all workers)")
    p.add_argument("--budget-cost", type=float, default=None,
                   help="stop once trials' user attribute 'cost' adds up to this")
    p.add_argument("--max-failure-rate", type=float, default=None,
                   help="stop when the failure rate over the last --failure-window trials "
                        "reaches this share (e.g. 0.5)")
    p.add_argument("--failure-window", type=int, default=20,
                   help="trials the failure breaker looks at (default 20)")
    p.add_argument("--catch-all", action="store_true",
                   help="a failing trial does not stop the worker")
