"""The study commands, with Optuna's names, flags and output formats.

``create-study``, ``delete-study``, ``study set-user-attr``, ``study-names``, ``studies``,
``trials``, ``best-trial``, ``best-trials``, ``ask`` and ``tell``. Every command takes
``--storage URL`` (default: $SKIPJACK_STORAGE).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from skipjack.cli._common import add_storage_argument, storage_from_args
from skipjack.cli._format import add_format_argument, format_output
from skipjack.exceptions import CLIUsageError

__all__ = ["register", "trial_record"]


def _study(args: argparse.Namespace) -> Any:
    import skipjack

    return skipjack.load_study(study_name=args.study_name, storage=storage_from_args(args))


def trial_record(trial: Any, multi: bool, flatten: bool) -> dict[str, Any]:
    """One trial as Optuna's ``trials`` command shows it."""
    record: dict[str, Any] = {"number": trial.number}
    if multi:
        record["values"] = trial.values
    else:
        record["value"] = trial.value
    record["datetime_start"] = trial.datetime_start
    record["datetime_complete"] = trial.datetime_complete
    record["duration"] = trial.duration
    for group, values in (("params", trial.params), ("user_attrs", trial.user_attrs)):
        if flatten:
            for key, value in values.items():
                record[f"{group}_{key}"] = value
        else:
            record[group] = dict(values)
    record["state"] = trial.state.name
    return record


def _print(records: Any, args: argparse.Namespace) -> None:
    print(format_output(records, args.format))


def _create_study(args: argparse.Namespace) -> int:
    import skipjack

    if args.direction and args.directions:
        raise CLIUsageError("pass either --direction or --directions, not both.")
    study = skipjack.create_study(
        storage=storage_from_args(args), study_name=args.study_name,
        direction=args.direction, directions=args.directions,
        load_if_exists=args.skip_if_exists,
    )
    print(study.study_name)
    return 0


def _delete_study(args: argparse.Namespace) -> int:
    import skipjack

    skipjack.delete_study(study_name=args.study_name, storage=storage_from_args(args))
    return 0


def _set_user_attr(args: argparse.Namespace) -> int:
    _study(args).set_user_attr(args.key, args.value)
    return 0


def _study_names(args: argparse.Namespace) -> int:
    import skipjack

    names = skipjack.get_all_study_names(storage=storage_from_args(args))
    _print([{"name": n} for n in names], args)
    return 0


def _studies(args: argparse.Namespace) -> int:
    storage = storage_from_args(args)
    records = []
    for study in storage.get_all_studies():
        trials = storage.get_all_trials(study._study_id, deepcopy=False)
        starts = [t.datetime_start for t in trials if t.datetime_start is not None]
        records.append({
            "name": study.study_name,
            "direction": [d.name for d in study.directions],
            "n_trials": len(trials),
            "datetime_start": min(starts) if starts else None,
        })
    _print(records, args)
    return 0


def _trials(args: argparse.Namespace) -> int:
    study = _study(args)
    multi = study._is_multi_objective()
    _print([trial_record(t, multi, args.flatten) for t in study.get_trials(deepcopy=False)], args)
    return 0


def _best_trial(args: argparse.Namespace) -> int:
    study = _study(args)
    _print(trial_record(study.best_trial, False, args.flatten), args)
    return 0


def _best_trials(args: argparse.Namespace) -> int:
    study = _study(args)
    multi = study._is_multi_objective()
    _print([trial_record(t, multi, args.flatten) for t in study.best_trials], args)
    return 0


def _ask(args: argparse.Namespace) -> int:
    import skipjack
    from skipjack.distributions import json_to_distribution

    sampler = None
    if args.sampler:
        import skipjack.samplers as samplers

        cls = getattr(samplers, args.sampler, None)
        if cls is None:
            raise CLIUsageError(f"unknown --sampler {args.sampler!r}; use e.g. RandomSampler.")
        sampler = cls(**json.loads(args.sampler_kwargs or "{}"))
    study = skipjack.create_study(
        storage=storage_from_args(args), study_name=args.study_name, sampler=sampler,
        direction=args.direction, directions=args.directions, load_if_exists=True,
    )
    space = {}
    if args.search_space:
        try:
            raw = json.loads(args.search_space)
            space = {k: json_to_distribution(json.dumps(v)) for k, v in raw.items()}
        except (ValueError, AttributeError, KeyError) as e:
            raise CLIUsageError(
                "--search-space must be a JSON object of name -> distribution, e.g. "
                '\'{"x": {"name": "FloatDistribution", "attributes": {"low": 0.0, "high": 1.0}}}\''
                f"; {e}"
            ) from None
    trial = study.ask(fixed_distributions=space)
    _print({"number": trial.number, "params": trial.params}, args)
    return 0


def _tell(args: argparse.Namespace) -> int:
    from skipjack.trial import TrialState

    study = _study(args)
    state = TrialState[args.state.upper()] if args.state else None
    values = args.values
    if values is not None and len(values) == 1:
        values = values[0]
    study.tell(args.trial_number, values, state=state, skip_if_finished=args.skip_if_finished)
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the study commands."""

    def command(name: str, help: str, func: Any, study_name: bool = True,
                parent: argparse._SubParsersAction[argparse.ArgumentParser] = subparsers
                ) -> argparse.ArgumentParser:
        parser = parent.add_parser(name, help=help)
        add_storage_argument(parser)
        if study_name:
            parser.add_argument("--study-name", required=True, help="the study's name")
        parser.set_defaults(func=func)
        return parser

    p = command("create-study", "create a study and print its name", _create_study, False)
    p.add_argument("--study-name", default=None, help="name (default: generated)")
    p.add_argument("--direction", choices=("minimize", "maximize"), default=None)
    p.add_argument("--directions", nargs="+", choices=("minimize", "maximize"), default=None)
    p.add_argument("--skip-if-exists", action="store_true",
                   help="load the study if it exists instead of failing")

    command("delete-study", "delete a study and its trials", _delete_study)

    group = subparsers.add_parser("study", help="change a study")
    study_commands = group.add_subparsers(dest="study_command", metavar="COMMAND")
    p = command("set-user-attr", "set a user attribute of a study", _set_user_attr,
                parent=study_commands)
    p.add_argument("--key", "-k", required=True)
    p.add_argument("--value", "-v", required=True)

    p = command("study-names", "list the study names", _study_names, False)
    add_format_argument(p)
    p = command("studies", "list the studies", _studies, False)
    add_format_argument(p)
    for name, help, func in (("trials", "list the trials of a study", _trials),
                             ("best-trial", "show the best trial", _best_trial),
                             ("best-trials", "show the Pareto-optimal trials", _best_trials)):
        p = command(name, help, func)
        add_format_argument(p)
        p.add_argument("--flatten", action="store_true",
                       help="one column per parameter/attribute (params_x, ...)")

    p = command("ask", "start a trial and print its number and parameters", _ask)
    p.add_argument("--direction", choices=("minimize", "maximize"), default=None)
    p.add_argument("--directions", nargs="+", choices=("minimize", "maximize"), default=None)
    p.add_argument("--sampler", default=None, help="a class of skipjack.samplers")
    p.add_argument("--sampler-kwargs", default=None, help="JSON keyword arguments of the sampler")
    p.add_argument("--search-space", default=None,
                   help="JSON object: parameter name -> distribution (Optuna's JSON form)")
    add_format_argument(p, default="json")

    p = command("tell", "finish a trial started with ask", _tell)
    p.add_argument("--trial-number", type=int, required=True)
    p.add_argument("--values", type=float, nargs="+", default=None)
    p.add_argument("--state", choices=("complete", "pruned", "fail"), default=None)
    p.add_argument("--skip-if-finished", action="store_true")
