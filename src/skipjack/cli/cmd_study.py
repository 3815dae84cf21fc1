"""Optuna's study commands, with Optuna's names, options and output formats.

``create-study``, ``delete-study``, ``study set-user-attr``, ``study-names``, ``studies``,
``trials``, ``best-trial``, ``best-trials``, ``ask`` and ``tell``. Every command takes the global
options (``--storage URL`` first of all; see ``_common.py``).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from skipjack.cli._common import (
    add_command,
    add_study_name,
    load_study_for_cli,
    make_sampler,
    storage_from_args,
)
from skipjack.cli._format import Column, Record, add_flatten_argument, add_format_argument, render
from skipjack.exceptions import CLIUsageError
from skipjack.logging import get_logger

__all__ = ["register", "trial_records"]

ORDER = 0

_logger = get_logger(__name__)
_DIRECTIONS = ("minimize", "maximize")
_TRIAL_ATTRS = ("number", "value", "datetime_start", "datetime_complete", "duration", "params",
                "user_attrs", "state")


def trial_records(study: Any) -> tuple[list[Record], list[Column]]:
    """Every trial of ``study`` as a record, and the columns in Optuna's order.

    The order is attribute by attribute (number, value or values, times, params, user_attrs,
    state); within params and user_attrs the entries are sorted, values come in objective order
    (keyed by metric name when the study has metric names).
    """
    multi = study._is_multi_objective()
    n_objectives = len(study.directions)
    metric_names = study.metric_names
    seen: dict[str, set[Column]] = {attr: set() for attr in _TRIAL_ATTRS}
    records: list[Record] = []
    for trial in study.get_trials(deepcopy=False):
        record: Record = {}

        def put(attr: str, column: Column, value: Any, record: Record = record) -> None:
            record[column] = value
            seen[attr].add(column)

        put("number", ("number", ""), trial.number)
        if multi:
            values = trial.values if trial.values is not None else [None] * n_objectives
            keys: list[Any] = list(metric_names) if metric_names else list(range(n_objectives))
            for key, value in zip(keys, values):
                put("value", ("values", key), value)
        else:
            put("value", ("value", metric_names[0] if metric_names else ""), trial.value)
        for attr in ("datetime_start", "datetime_complete", "duration"):
            put(attr, (attr, ""), getattr(trial, attr))
        for attr in ("params", "user_attrs"):
            for key, value in getattr(trial, attr).items():
                put(attr, (attr, key), value)
        put("state", ("state", ""), trial.state.name)
        records.append(record)
    columns: list[Column] = []
    for attr in _TRIAL_ATTRS:
        if attr == "value" and multi and metric_names:
            columns.extend(("values", name) for name in metric_names)  # the metrics' own order
        else:
            columns.extend(sorted(seen[attr], key=lambda c: c[1]))
    return records, columns


def _print(records: Record | list[Record], columns: list[Column], args: argparse.Namespace,
           flatten: bool | None = None) -> None:
    print(render(records, columns, args.format, args.flatten if flatten is None else flatten))


def _create_study(args: argparse.Namespace) -> int:
    from skipjack.study import create_study

    if args.direction and args.directions:
        raise CLIUsageError("give either --direction or --directions, not both.")
    study = create_study(
        storage=storage_from_args(args, create_file=True), study_name=args.study_name,
        direction=args.direction, directions=args.directions,
        load_if_exists=args.skip_if_exists,
    )
    print(study.study_name)
    return 0


def _delete_study(args: argparse.Namespace) -> int:
    storage = storage_from_args(args)
    study = load_study_for_cli(args, storage)
    storage.delete_study(study._study_id)
    return 0


def _set_user_attr(args: argparse.Namespace) -> int:
    load_study_for_cli(args).set_user_attr(args.key, args.value)
    _logger.info("Attribute successfully written.")
    return 0


def _study_names(args: argparse.Namespace) -> int:
    from skipjack.study import get_all_study_names

    names = get_all_study_names(storage=storage_from_args(args))
    _print([{("name", ""): n} for n in names], [("name", "")], args, flatten=False)
    return 0


def _studies(args: argparse.Namespace) -> int:
    from skipjack.cli._format import DATETIME_FORMAT
    from skipjack.study import get_all_study_summaries

    records: list[Record] = []
    for s in get_all_study_summaries(storage_from_args(args), include_best_trial=False):
        start = s.datetime_start
        records.append({
            ("name", ""): s.study_name,
            ("direction", ""): tuple(d.name for d in s.directions),
            ("n_trials", ""): s.n_trials,
            ("datetime_start", ""): start.strftime(DATETIME_FORMAT) if start else None,
            ("user_attrs", ""): s.user_attrs,
        })
    columns: list[Column] = [("name", ""), ("direction", ""), ("n_trials", ""),
                             ("datetime_start", "")]
    if any(r[("user_attrs", "")] for r in records):
        columns.append(("user_attrs", ""))
    _print(records, columns, args)
    return 0


def _trials(args: argparse.Namespace) -> int:
    records, columns = trial_records(load_study_for_cli(args))
    _print(records, columns, args)
    return 0


def _best_trial(args: argparse.Namespace) -> int:
    study = load_study_for_cli(args)
    if study._is_multi_objective():
        raise CLIUsageError(
            f"study {study.study_name!r} has {len(study.directions)} objectives, so it has no "
            "single best trial: use 'best-trials' (the Pareto front)."
        )
    number = study.best_trial.number
    records, columns = trial_records(study)
    _print(next(r for r in records if r[("number", "")] == number), columns, args)
    return 0


def _best_trials(args: argparse.Namespace) -> int:
    study = load_study_for_cli(args)
    best = {t.number for t in study.best_trials}
    records, columns = trial_records(study)
    _print([r for r in records if r[("number", "")] in best], columns, args)
    return 0


def _search_space(text: str | None) -> dict[str, Any]:
    from skipjack.distributions import json_to_distribution

    if text is None:
        return {}
    example = ('\'{"x": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0}}}\'')
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise CLIUsageError(
            f"--search-space is not valid JSON ({e.msg} at character {e.pos}); pass an object "
            f"of parameter name -> distribution, e.g. {example}."
        ) from None
    if not isinstance(raw, dict):
        raise CLIUsageError(
            f"--search-space must be a JSON object of parameter name -> distribution, e.g. "
            f"{example}; got {type(raw).__name__}."
        )
    space = {}
    for name, dist in raw.items():
        try:
            space[name] = json_to_distribution(json.dumps(dist))
        except (ValueError, TypeError, KeyError, AttributeError) as e:
            raise CLIUsageError(
                f"--search-space: parameter {name!r} is not a distribution in Optuna's JSON "
                f"form ({e}); e.g. {example}."
            ) from None
    return space


def _ask(args: argparse.Namespace) -> int:
    from skipjack.study import create_study

    if args.sampler_kwargs is not None and args.sampler is None:
        raise CLIUsageError(
            "`--sampler_kwargs` is set without `--sampler`. Please specify `--sampler` as well "
            "or omit `--sampler-kwargs`."
        )
    sampler = make_sampler(args.sampler, args.sampler_kwargs)
    space = _search_space(args.search_space)
    storage = storage_from_args(args)
    if args.direction and args.directions:
        raise CLIUsageError("give either --direction or --directions, not both.")
    missing = args.study_name is not None and args.study_name not in {
        s.study_name for s in storage.get_all_studies()}
    if missing and (args.direction or args.directions):
        # skipjack's older 'ask' created the study; kept for scripts that pass a direction.
        study = create_study(storage=storage, study_name=args.study_name, sampler=sampler,
                             direction=args.direction, directions=args.directions)
    elif missing:
        raise CLIUsageError(
            f"--study-name {args.study_name!r}: no such study; create it first with "
            f"'create-study --study-name {args.study_name}'. Implicit study creation within the "
            "'ask' command was dropped in Optuna v4.0.0."
        )
    else:
        study = load_study_for_cli(args, storage, sampler=sampler)
    trial = study.ask(fixed_distributions=space)
    _logger.info(f"Asked trial {trial.number} with parameters {trial.params}.")
    record: Record = {("number", ""): trial.number}
    columns: list[Column] = [("number", "")]
    if not trial.params and not args.flatten:
        record[("params", "")] = {}
        columns.append(("params", ""))
    for name, value in trial.params.items():
        record[("params", name)] = value
        columns.append(("params", name))
    _print(record, columns, args)
    return 0


def _tell(args: argparse.Namespace) -> int:
    from skipjack.trial import TrialState

    study = load_study_for_cli(args)
    state = TrialState[args.state.upper()] if args.state else None
    values = args.values
    if values is not None and len(values) == 1:
        values = values[0]
    study.tell(args.trial_number, values, state=state, skip_if_finished=args.skip_if_finished)
    _logger.info(f"Told trial {args.trial_number} with values {args.values} and state {state}.")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the study commands."""
    p = add_command(subparsers, "create-study", "create a new study and print its name",
                    _create_study)
    add_study_name(p, required=False, help="the new study's name (default: generated)")
    p.add_argument("--direction", choices=_DIRECTIONS, default=None,
                   help="minimize (default) or maximize")
    p.add_argument("--directions", nargs="+", choices=_DIRECTIONS, default=None,
                   help="one direction per objective, e.g. --directions minimize maximize")
    p.add_argument("--skip-if-exists", action="store_true",
                   help="if the study exists, print its name instead of failing")

    p = add_command(subparsers, "delete-study", "delete a study and its trials", _delete_study)
    add_study_name(p)

    group = subparsers.add_parser("study", help="study set-user-attr: change a study",
                                  description="change a study")
    group.set_defaults(command_parser=group)
    study_commands = group.add_subparsers(dest="study_command", metavar="COMMAND")
    p = add_command(study_commands, "set-user-attr", "set a user attribute of a study",
                    _set_user_attr)
    add_study_name(p)
    p.add_argument("--key", "-k", required=True, help="the attribute's key")
    p.add_argument("--value", required=True, help="the attribute's value (a string)")

    p = add_command(subparsers, "study-names", "list the names of the studies", _study_names)
    add_format_argument(p, default="value")

    p = add_command(subparsers, "studies", "list the studies", _studies)
    add_format_argument(p)
    add_flatten_argument(p, "direction")

    for name, help, func in (
        ("trials", "list the trials of a study", _trials),
        ("best-trial", "show the best trial of a single-objective study", _best_trial),
        ("best-trials", "list the Pareto-optimal trials of a study", _best_trials),
    ):
        p = add_command(subparsers, name, help, func)
        add_study_name(p)
        add_format_argument(p)
        add_flatten_argument(p)

    p = add_command(subparsers, "ask", "start a trial and print its number and parameters", _ask)
    add_study_name(p, required=False, help="the study (default: the storage's only study)")
    p.add_argument("--sampler", default=None, metavar="CLASS",
                   help="a sampler class of skipjack.samplers, e.g. TPESampler "
                        "(default: the study's default)")
    p.add_argument("--sampler-kwargs", default=None, metavar="JSON",
                   help="the sampler's keyword arguments as a JSON object, e.g. '{\"seed\": 1}'")
    p.add_argument("--search-space", default=None, metavar="JSON",
                   help="JSON object: parameter name -> distribution in Optuna's JSON form "
                        "(distribution_to_json)")
    add_format_argument(p, default="json")
    add_flatten_argument(p, "params")
    p.add_argument("--direction", choices=_DIRECTIONS, default=None, help=argparse.SUPPRESS)
    p.add_argument("--directions", nargs="+", choices=_DIRECTIONS, default=None,
                   help=argparse.SUPPRESS)

    p = add_command(subparsers, "tell", "finish a trial started with ask", _tell)
    add_study_name(p, required=False, help="the study (default: the storage's only study)")
    p.add_argument("--trial-number", type=int, required=True, help="the trial's number")
    p.add_argument("--values", type=float, nargs="+", default=None,
                   help="the objective value(s); nan fails the trial")
    p.add_argument("--state", choices=("complete", "pruned", "fail"), default=None,
                   help="the trial's final state (default: complete)")
    p.add_argument("--skip-if-finished", action="store_true",
                   help="do nothing if the trial is already finished")
