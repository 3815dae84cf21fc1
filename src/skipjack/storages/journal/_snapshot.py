"""Snapshots of the replayed journal state, so a long journal opens without a full replay.

A snapshot is skipjack's own JSON document (never pickle: loading it runs no code) holding every
live study and trial and the two id counters, after the first ``n_ops`` operations of the log.
Opening a journal loads the snapshot and replays only the operations after it. The log itself is
untouched, so Optuna (which ignores skipjack's snapshot) still reads the journal in full.
"""

from __future__ import annotations

import contextlib
import gc
import json
from collections import deque
from collections.abc import Iterator
from typing import Any

from skipjack._records import StudyDirection, TrialState
from skipjack.distributions import BaseDistribution, distribution_to_json, json_to_distribution
from skipjack.storages._in_memory import _Study, new_trial
from skipjack.storages.journal._ops import decode_datetime, encode_datetime
from skipjack.storages.journal._replay import ReplayState

__all__ = ["dump_snapshot", "load_snapshot", "no_gc", "FORMAT"]

FORMAT = "skipjack-journal-snapshot"
VERSION = 1
_STATES = {s.value: s for s in TrialState}
_DIRECTIONS = {d.value: d for d in StudyDirection}


def dump_snapshot(state: ReplayState) -> bytes:
    """Serialise ``state`` (call with the storage lock held)."""
    dist_index: dict[BaseDistribution, int] = {}
    dists: list[str] = []

    def dist_id(d: BaseDistribution) -> int:
        i = dist_index.get(d)
        if i is None:
            i = dist_index[d] = len(dists)
            dists.append(distribution_to_json(d))
        return i

    studies = []
    for study in sorted(state._studies.values(), key=lambda s: s.study_id):
        trials = []
        for t in study.trials:
            trials.append(
                [
                    t.trial_id,
                    int(t.state),
                    t.values,
                    encode_datetime(t.datetime_start),
                    encode_datetime(t.datetime_complete),
                    [[n, t.internal[n], dist_id(d)] for n, d in t.distributions.items()],
                    t.user_attrs,
                    t.system_attrs,
                    [[k, v] for k, v in t.intermediate_values.items()],
                ]
            )
        studies.append(
            [
                study.study_id,
                study.name,
                [int(d) for d in study.directions],
                study.user_attrs,
                study.system_attrs,
                trials,
            ]
        )
    doc = {
        "format": FORMAT,
        "version": VERSION,
        "n_ops": state.n_ops,
        "next_study_id": state._next_study_id,
        "next_trial_id": state._next_trial_id,
        "distributions": dists,
        "studies": studies,
    }
    with no_gc():
        return json.dumps(doc, separators=(",", ":")).encode()


def load_snapshot(data: bytes) -> ReplayState:
    """Rebuild a replay state from ``dump_snapshot``'s output.

    Raises:
        ValueError: ``data`` is not a snapshot of a version this skipjack reads.
    """
    with no_gc():
        return _load(data)


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many objects that stay alive.

    Design note: a 100 000-trial state is about a million containers; with the collector on,
    building it triggers repeated full collections that cost more than the building itself.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _load(data: bytes) -> ReplayState:
    doc: dict[str, Any] = json.loads(data)
    if doc.get("format") != FORMAT or doc.get("version") != VERSION:
        raise ValueError(
            f"Not a {FORMAT} version {VERSION} document (format={doc.get('format')!r}, "
            f"version={doc.get('version')!r})."
        )
    dists = [json_to_distribution(d) for d in doc["distributions"]]
    state = ReplayState()
    state.n_ops = int(doc["n_ops"])
    state._next_study_id = int(doc["next_study_id"])
    state._next_trial_id = int(doc["next_trial_id"])
    complete = TrialState.COMPLETE
    waiting_state = TrialState.WAITING
    running_state = TrialState.RUNNING
    for study_id, name, directions, user_attrs, system_attrs, trials in doc["studies"]:
        study = _Study(study_id, name, [_DIRECTIONS[d] for d in directions])
        study.user_attrs = user_attrs
        study.system_attrs = system_attrs
        waiting: deque[int] = deque()
        param_distribution = study.param_distribution
        for number, row in enumerate(trials):
            trial_id, st, values, start, end, params, uattrs, sattrs, inter = row
            trial = new_trial(number, trial_id)
            trial.state = _STATES[st]
            trial.values = values
            trial.datetime_start = decode_datetime(start)
            trial.datetime_complete = decode_datetime(end)
            for pname, internal, di in params:
                d = dists[di]
                trial.internal[pname] = internal
                trial.distributions[pname] = d
                trial.params[pname] = d.to_external_repr(internal)
                param_distribution[pname] = d
            trial.user_attrs = uattrs
            trial.system_attrs = sattrs
            trial.intermediate_values = {int(k): v for k, v in inter}
            study.trials.append(trial)
            state._trial_index[trial_id] = (study, trial)
            if trial.state is waiting_state:
                waiting.append(trial_id)
            elif trial.state is running_state:
                state.running.setdefault(study_id, {})[trial_id] = None
            elif trial.state is complete:
                state._update_best(study, trial)
        study.waiting = waiting
        state._studies[study_id] = study
        state._name_to_id[name] = study_id
    return state
