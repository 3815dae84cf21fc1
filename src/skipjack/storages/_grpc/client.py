"""``GrpcStorageProxy``: a storage whose calls go to a gRPC storage proxy server.

Reads of a study's trials go through a per-process cache: each refresh asks the server only for
the trials this client has not seen finish (``GetTrials`` with the ids of the unfinished trials
it knows and the highest id of a finished one), so the per-trial cost stays flat as a study
grows. Finished trials never change, so a cached finished trial is always current. The same
cache answers ``get_trials_since`` with only the trials that changed since a watermark.
"""

from __future__ import annotations

import copy
import itertools
import json
import threading
from collections.abc import Callable, Container, Sequence
from typing import Any, NoReturn

from skipjack._deprecation import experimental
from skipjack._records import FrozenStudy, FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import BaseDistribution, distribution_to_json
from skipjack.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from skipjack.storages._base import BaseStorage
from skipjack.storages._grpc import _protocol as wire
from skipjack.storages._grpc._deps import import_grpc

__all__ = ["GrpcStorageProxy"]

_EPOCHS = itertools.count()


@experimental("4.2.0")
class GrpcStorageProxy(BaseStorage):
    """Storage client of a gRPC storage proxy started with ``run_grpc_proxy_server``.

    Speaks Optuna's storage-proxy protocol, so it works with Optuna's proxy server as well.

    Args:
        host: Host name or address of the server.
        port: Port of the server.

    Example::

        storage = skipjack.storages.GrpcStorageProxy(host="localhost", port=13000)
        study = skipjack.create_study(storage=storage)
    """

    def __init__(self, *, host: str = "localhost", port: int = 13000) -> None:
        if not isinstance(host, str) or not host:
            raise ValueError(f"host: expected a host name such as 'localhost', got {host!r}.")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port <= 65535:
            raise ValueError(f"port: expected an int in [1, 65535], got {port!r}.")
        self._host = host
        self._port = port
        self._setup()

    def _setup(self) -> None:
        self._grpc = import_grpc()
        self._m = wire.messages()
        self._channel = self._open_channel()
        self._calls: dict[str, Callable[..., Any]] = {}
        for name, (request, reply) in wire.METHODS.items():
            self._calls[name] = self._channel.unary_unary(
                f"/{wire.SERVICE_NAME}/{name}",
                request_serializer=getattr(self._m, request).SerializeToString,
                response_deserializer=getattr(self._m, reply).FromString,
            )
        self._cache = _TrialCache()

    def _open_channel(self) -> Any:
        return self._grpc.insecure_channel(
            f"{self._host}:{self._port}", options=[("grpc.max_receive_message_length", -1)]
        )

    def wait_server_ready(self, timeout: float | None = None) -> None:
        """Block until the server answers (at most ``timeout`` seconds; None: no limit).

        Raises:
            ConnectionError: the server did not become ready in time.
        """
        with self._open_channel() as channel:
            try:
                self._grpc.channel_ready_future(channel).result(timeout=timeout)
            except self._grpc.FutureTimeoutError as e:
                raise ConnectionError(
                    f"gRPC storage proxy at {self._host}:{self._port} is not reachable "
                    f"(waited {timeout} s); is run_grpc_proxy_server running there?"
                ) from e

    def close(self) -> None:
        """Close the connection to the server."""
        self._channel.close()

    def __getstate__(self) -> dict[str, Any]:
        return {"_host": self._host, "_port": self._port}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._setup()

    def __repr__(self) -> str:
        return f"GrpcStorageProxy(host={self._host!r}, port={self._port!r})"

    # --- calls ------------------------------------------------------------------------------------

    def _call(self, method: str, **fields: Any) -> Any:
        request = getattr(self._m, wire.METHODS[method][0])(**fields)
        try:
            return self._calls[method](request)
        except self._grpc.RpcError as e:
            self._raise(e)

    def _raise(self, error: Any) -> NoReturn:
        code = error.code()
        details = error.details() or ""
        codes = self._grpc.StatusCode
        if code == codes.NOT_FOUND:
            raise KeyError(details) from error
        if code == codes.ALREADY_EXISTS:
            raise DuplicatedStudyError(details) from error
        if code == codes.FAILED_PRECONDITION:
            raise UpdateFinishedTrialError(details) from error
        if code == codes.INVALID_ARGUMENT:
            raise ValueError(details) from error
        raise error

    # --- studies ----------------------------------------------------------------------------------

    def create_new_study(
        self, directions: Sequence[StudyDirection], study_name: str | None = None
    ) -> int:
        reply = self._call(
            "CreateNewStudy",
            directions=[wire.direction_to_wire(d) for d in directions],
            study_name=study_name or "",
        )
        return int(reply.study_id)

    def delete_study(self, study_id: int) -> None:
        self._call("DeleteStudy", study_id=study_id)
        self._cache.forget(study_id)

    def set_study_user_attr(self, study_id: int, key: str, value: Any) -> None:
        self._call("SetStudyUserAttribute", study_id=study_id, key=key, value=json.dumps(value))

    def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
        self._call("SetStudySystemAttribute", study_id=study_id, key=key, value=json.dumps(value))

    def get_study_id_from_name(self, study_name: str) -> int:
        return int(self._call("GetStudyIdFromName", study_name=study_name).study_id)

    def get_study_name_from_id(self, study_id: int) -> str:
        return str(self._call("GetStudyNameFromId", study_id=study_id).study_name)

    def get_study_directions(self, study_id: int) -> list[StudyDirection]:
        reply = self._call("GetStudyDirections", study_id=study_id)
        return [wire.direction_from_wire(d) for d in reply.directions]

    def get_study_user_attrs(self, study_id: int) -> dict[str, Any]:
        reply = self._call("GetStudyUserAttributes", study_id=study_id)
        return wire.attrs_from_wire(reply.user_attributes)

    def get_study_system_attrs(self, study_id: int) -> dict[str, Any]:
        reply = self._call("GetStudySystemAttributes", study_id=study_id)
        return wire.attrs_from_wire(reply.system_attributes)

    def get_all_studies(self) -> list[FrozenStudy]:
        reply = self._call("GetAllStudies")
        return [wire.study_from_wire(s) for s in reply.studies]

    # --- trials: writes ---------------------------------------------------------------------------

    def create_new_trial(self, study_id: int, template_trial: FrozenTrial | None = None) -> int:
        if template_trial is None:
            reply = self._call("CreateNewTrial", study_id=study_id, template_trial_is_none=True)
        else:
            reply = self._call(
                "CreateNewTrial",
                study_id=study_id,
                template_trial=wire.trial_to_wire(template_trial),
                template_trial_is_none=False,
            )
        return int(reply.trial_id)

    def set_trial_param(
        self,
        trial_id: int,
        param_name: str,
        param_value_internal: float,
        distribution: BaseDistribution,
    ) -> None:
        self._call(
            "SetTrialParameter",
            trial_id=trial_id,
            param_name=param_name,
            param_value_internal=param_value_internal,
            distribution=distribution_to_json(distribution),
        )

    def set_trial_state_values(
        self, trial_id: int, state: TrialState, values: Sequence[float] | None = None
    ) -> bool:
        reply = self._call(
            "SetTrialStateValues",
            trial_id=trial_id,
            state=int(state),
            values=list(values) if values is not None else [],
        )
        return bool(reply.trial_updated)

    def set_trial_intermediate_value(
        self, trial_id: int, step: int, intermediate_value: float
    ) -> None:
        self._call(
            "SetTrialIntermediateValue",
            trial_id=trial_id,
            step=step,
            intermediate_value=intermediate_value,
        )

    def set_trial_user_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._call("SetTrialUserAttribute", trial_id=trial_id, key=key, value=json.dumps(value))

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        self._call("SetTrialSystemAttribute", trial_id=trial_id, key=key, value=json.dumps(value))

    # --- trials: reads ----------------------------------------------------------------------------

    def get_trial(self, trial_id: int) -> FrozenTrial:
        return wire.trial_from_wire(self._call("GetTrial", trial_id=trial_id).trial)

    def get_trial_id_from_study_id_trial_number(self, study_id: int, trial_number: int) -> int:
        reply = self._call(
            "GetTrialIdFromStudyIdTrialNumber", study_id=study_id, trial_number=trial_number
        )
        return int(reply.trial_id)

    def get_all_trials(
        self,
        study_id: int,
        deepcopy: bool = True,
        states: Container[TrialState] | None = None,
    ) -> list[FrozenTrial]:
        trials = self._refresh(study_id).sorted_trials()
        if states is not None:
            trials = [t for t in trials if t.state in states]
        return copy.deepcopy(trials) if deepcopy else trials

    def get_trials_since(
        self, study_id: int, watermark: Any | None
    ) -> tuple[list[FrozenTrial], Any]:
        entry = self._refresh(study_id)
        with entry.lock:
            if watermark is None or watermark[0] != entry.epoch:
                return entry._sorted_locked(), (entry.epoch, entry.version)
            since = watermark[1]
            changed = [t for n, t in entry.trials.items() if entry.versions[n] > since]
            changed.sort(key=lambda t: t.number)
            return changed, (entry.epoch, entry.version)

    def pop_waiting_trial_id(self, study_id: int) -> int | None:
        # The server's SetTrialStateValues(RUNNING) is the atomic take; the cached list of
        # WAITING trials may be stale, so a trial another client took and finished meanwhile is
        # skipped (UpdateFinishedTrialError) like one it is still running (False).
        for trial in self.get_all_trials(study_id, deepcopy=False, states=(TrialState.WAITING,)):
            try:
                if self.set_trial_state_values(trial._trial_id, state=TrialState.RUNNING):
                    return trial._trial_id
            except UpdateFinishedTrialError:
                continue
        return None

    def _refresh(self, study_id: int) -> _StudyEntry:
        entry = self._cache.entry(study_id)
        with entry.fetch_lock:
            with entry.lock:
                unfinished = list(entry.unfinished_ids)
                above = entry.max_finished_id
            try:
                reply = self._call(
                    "GetTrials",
                    study_id=study_id,
                    included_trial_ids=unfinished,
                    trial_id_greater_than=above,
                )
            except KeyError:
                self._cache.forget(study_id)
                raise
            entry.add([wire.trial_from_wire(t) for t in reply.trials])
        return entry


class _StudyEntry:
    """Cached trials of one study, with a version per trial for ``get_trials_since``."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.fetch_lock = threading.Lock()  # one refresh at a time per study
        self.trials: dict[int, FrozenTrial] = {}  # by number
        self.versions: dict[int, int] = {}  # number -> version that last changed it
        self.unfinished_ids: set[int] = set()
        self.max_finished_id = -1
        self.version = 0
        self.epoch = next(_EPOCHS)  # a watermark of a forgotten entry means "everything"
        self._sorted: list[FrozenTrial] | None = []

    def add(self, trials: list[FrozenTrial]) -> None:
        with self.lock:
            for trial in trials:
                old = self.trials.get(trial.number)
                if old is not None and _same(old, trial):
                    continue
                self.version += 1
                self.trials[trial.number] = trial
                self.versions[trial.number] = self.version
                self._sorted = None
                if trial.state.is_finished():
                    self.unfinished_ids.discard(trial._trial_id)
                    self.max_finished_id = max(self.max_finished_id, trial._trial_id)
                else:
                    self.unfinished_ids.add(trial._trial_id)

    def sorted_trials(self) -> list[FrozenTrial]:
        with self.lock:
            return self._sorted_locked()

    def _sorted_locked(self) -> list[FrozenTrial]:
        if self._sorted is None:
            self._sorted = [self.trials[n] for n in sorted(self.trials)]
        return list(self._sorted)


def _same(a: FrozenTrial, b: FrozenTrial) -> bool:
    return (
        a.state == b.state
        and a.values == b.values
        and a.datetime_start == b.datetime_start
        and a.datetime_complete == b.datetime_complete
        and a.params == b.params
        and a.user_attrs == b.user_attrs
        and a.system_attrs == b.system_attrs
        and _same_floats(a.intermediate_values, b.intermediate_values)
    )


def _same_floats(a: dict[int, float], b: dict[int, float]) -> bool:
    # NaN != NaN: compare as strings so that an unchanged NaN report is not a change
    return a.keys() == b.keys() and all(repr(a[k]) == repr(b[k]) for k in a)


class _TrialCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._studies: dict[int, _StudyEntry] = {}

    def entry(self, study_id: int) -> _StudyEntry:
        with self._lock:
            entry = self._studies.get(study_id)
            if entry is None:
                entry = self._studies[study_id] = _StudyEntry()
            return entry

    def forget(self, study_id: int) -> None:
        with self._lock:
            self._studies.pop(study_id, None)
