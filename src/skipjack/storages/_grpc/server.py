"""The proxy server: any ``BaseStorage`` served over gRPC (``run_grpc_proxy_server``).

Each RPC is one storage call. The storage's own errors travel as gRPC status codes, which the
client turns back into the same exceptions (Optuna's mapping):

- ``KeyError`` -> NOT_FOUND, ``DuplicatedStudyError`` -> ALREADY_EXISTS,
- ``UpdateFinishedTrialError`` -> FAILED_PRECONDITION, ``ValueError`` -> INVALID_ARGUMENT.

The server runs its calls on a thread pool (10 workers unless given), so the storage must be
thread safe, which every skipjack storage is.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from skipjack._deprecation import experimental
from skipjack.distributions import json_to_distribution
from skipjack.exceptions import DuplicatedStudyError, UpdateFinishedTrialError
from skipjack.logging import get_logger
from skipjack.storages._base import BaseStorage
from skipjack.storages._grpc import _protocol as wire
from skipjack.storages._grpc._deps import import_grpc

__all__ = ["make_server", "run_grpc_proxy_server"]

_logger = get_logger(__name__)


class _Servicer:
    """The RPC handlers: decode a request, call the storage, encode the reply."""

    def __init__(self, storage: BaseStorage) -> None:
        self._storage = storage
        self._m = wire.messages()

    def CreateNewStudy(self, request: Any) -> Any:
        directions = [wire.direction_from_wire(d) for d in request.directions]
        study_id = self._storage.create_new_study(directions, request.study_name or None)
        return self._m.CreateNewStudyReply(study_id=study_id)

    def DeleteStudy(self, request: Any) -> Any:
        self._storage.delete_study(request.study_id)
        return self._m.DeleteStudyReply()

    def SetStudyUserAttribute(self, request: Any) -> Any:
        self._storage.set_study_user_attr(request.study_id, request.key, json.loads(request.value))
        return self._m.SetStudyUserAttributeReply()

    def SetStudySystemAttribute(self, request: Any) -> Any:
        self._storage.set_study_system_attr(
            request.study_id, request.key, json.loads(request.value)
        )
        return self._m.SetStudySystemAttributeReply()

    def GetStudyIdFromName(self, request: Any) -> Any:
        study_id = self._storage.get_study_id_from_name(request.study_name)
        return self._m.GetStudyIdFromNameReply(study_id=study_id)

    def GetStudyNameFromId(self, request: Any) -> Any:
        name = self._storage.get_study_name_from_id(request.study_id)
        return self._m.GetStudyNameFromIdReply(study_name=name)

    def GetStudyDirections(self, request: Any) -> Any:
        directions = self._storage.get_study_directions(request.study_id)
        return self._m.GetStudyDirectionsReply(
            directions=[wire.direction_to_wire(d) for d in directions]
        )

    def GetStudyUserAttributes(self, request: Any) -> Any:
        attrs = self._storage.get_study_user_attrs(request.study_id)
        return self._m.GetStudyUserAttributesReply(user_attributes=wire.attrs_to_wire(attrs))

    def GetStudySystemAttributes(self, request: Any) -> Any:
        attrs = self._storage.get_study_system_attrs(request.study_id)
        return self._m.GetStudySystemAttributesReply(system_attributes=wire.attrs_to_wire(attrs))

    def GetAllStudies(self, request: Any) -> Any:
        studies = self._storage.get_all_studies()
        return self._m.GetAllStudiesReply(studies=[wire.study_to_wire(s) for s in studies])

    def CreateNewTrial(self, request: Any) -> Any:
        template = None
        if not request.template_trial_is_none and request.HasField("template_trial"):
            template = wire.trial_from_wire(request.template_trial)
        trial_id = self._storage.create_new_trial(request.study_id, template_trial=template)
        return self._m.CreateNewTrialReply(trial_id=trial_id)

    def SetTrialParameter(self, request: Any) -> Any:
        distribution = json_to_distribution(request.distribution)
        self._storage.set_trial_param(
            request.trial_id, request.param_name, request.param_value_internal, distribution
        )
        return self._m.SetTrialParameterReply()

    def GetTrialIdFromStudyIdTrialNumber(self, request: Any) -> Any:
        trial_id = self._storage.get_trial_id_from_study_id_trial_number(
            request.study_id, request.trial_number
        )
        return self._m.GetTrialIdFromStudyIdTrialNumberReply(trial_id=trial_id)

    def SetTrialStateValues(self, request: Any) -> Any:
        values = list(request.values) if len(request.values) else None
        updated = self._storage.set_trial_state_values(
            request.trial_id, wire.state_from_wire(request.state), values
        )
        return self._m.SetTrialStateValuesReply(trial_updated=updated)

    def SetTrialIntermediateValue(self, request: Any) -> Any:
        self._storage.set_trial_intermediate_value(
            request.trial_id, request.step, request.intermediate_value
        )
        return self._m.SetTrialIntermediateValueReply()

    def SetTrialUserAttribute(self, request: Any) -> Any:
        self._storage.set_trial_user_attr(request.trial_id, request.key, json.loads(request.value))
        return self._m.SetTrialUserAttributeReply()

    def SetTrialSystemAttribute(self, request: Any) -> Any:
        self._storage.set_trial_system_attr(
            request.trial_id, request.key, json.loads(request.value)
        )
        return self._m.SetTrialSystemAttributeReply()

    def GetTrial(self, request: Any) -> Any:
        trial = self._storage.get_trial(request.trial_id)
        return self._m.GetTrialReply(trial=wire.trial_to_wire(trial))

    def GetTrials(self, request: Any) -> Any:
        # New trials (id above the client's last finished one) and the unfinished ones it knows.
        included = set(request.included_trial_ids)
        above = request.trial_id_greater_than
        trials = self._storage.get_all_trials(request.study_id, deepcopy=False)
        return self._m.GetTrialsReply(
            trials=[
                wire.trial_to_wire(t)
                for t in trials
                if t._trial_id > above or t._trial_id in included
            ]
        )


def _status_of(grpc: Any, error: Exception) -> Any:
    if isinstance(error, DuplicatedStudyError):
        return grpc.StatusCode.ALREADY_EXISTS
    if isinstance(error, UpdateFinishedTrialError):
        return grpc.StatusCode.FAILED_PRECONDITION
    if isinstance(error, KeyError):
        return grpc.StatusCode.NOT_FOUND
    if isinstance(error, ValueError):
        return grpc.StatusCode.INVALID_ARGUMENT
    return None


def _details(error: Exception) -> str:
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])  # str(KeyError) adds quotes
    return str(error)


def _handler(grpc: Any, method: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def handle(request: Any, context: Any) -> Any:
        try:
            return method(request)
        except Exception as error:  # noqa: BLE001 - every storage error is sent to the client
            code = _status_of(grpc, error)
            if code is None:
                _logger.exception("gRPC storage proxy: %s failed", method.__name__)
                code = grpc.StatusCode.INTERNAL
            context.abort(code, _details(error))

    return handle


def generic_handler(storage: BaseStorage) -> Any:
    """The gRPC handler object serving ``storage`` (add it to any ``grpc.Server``)."""
    grpc = import_grpc()
    servicer = _Servicer(storage)
    m = wire.messages()
    handlers = {}
    for name, (request, reply) in wire.METHODS.items():
        handlers[name] = grpc.unary_unary_rpc_method_handler(
            _handler(grpc, getattr(servicer, name)),
            request_deserializer=getattr(m, request).FromString,
            response_serializer=getattr(m, reply).SerializeToString,
        )
    return grpc.method_handlers_generic_handler(wire.SERVICE_NAME, handlers)


def start_server(
    storage: BaseStorage,
    host: str,
    port: int,
    thread_pool: ThreadPoolExecutor | None = None,
) -> tuple[Any, int]:
    """Build a server for ``storage`` bound to ``host:port`` (0: any free port), not started.

    Returns the server and the port it is bound to.
    """
    grpc = import_grpc()
    _check_address(host, port)
    server = grpc.server(thread_pool or ThreadPoolExecutor(max_workers=10))
    server.add_generic_rpc_handlers((generic_handler(storage),))
    bound = server.add_insecure_port(f"{host}:{port}")
    if bound == 0:
        raise OSError(f"gRPC storage proxy: could not listen on {host}:{port} (port in use?).")
    return server, bound


def make_server(
    storage: BaseStorage,
    host: str,
    port: int,
    thread_pool: ThreadPoolExecutor | None = None,
) -> Any:
    """Return a ``grpc.Server`` serving ``storage`` on ``host:port`` (call ``start()`` on it)."""
    return start_server(storage, host, port, thread_pool)[0]


def _check_address(host: str, port: int) -> None:
    if not isinstance(host, str) or not host:
        raise ValueError(f"host: expected a host name or address such as 'localhost', got {host!r}.")
    if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
        raise ValueError(f"port: expected an int in [0, 65535], got {port!r}.")


@experimental("4.2.0")
def run_grpc_proxy_server(
    storage: BaseStorage,
    *,
    host: str = "localhost",
    port: int = 13000,
    thread_pool: ThreadPoolExecutor | None = None,
) -> None:
    """Serve ``storage`` over gRPC on ``host:port`` until the process is stopped.

    Clients are ``GrpcStorageProxy(host=..., port=...)`` objects, of skipjack or of Optuna: the
    wire protocol is Optuna's. Serve a storage that caches well (``get_storage(url)``, a
    ``JournalStorage``, an ``RDBStorage``); every client call becomes one call on it.

    Args:
        storage: The storage to serve.
        host: Host name or address to listen on (loopback by default).
        port: Port to listen on.
        thread_pool: Executor running the calls (default: 10 threads).
    """
    if not isinstance(storage, BaseStorage):
        raise TypeError(
            f"storage: expected a BaseStorage such as skipjack.storages.get_storage(url), "
            f"got {type(storage).__name__}."
        )
    server, bound = start_server(storage, host, port, thread_pool)
    server.start()
    _logger.info(f"Server started at {host}:{bound}")
    _logger.info("Listening...")
    try:
        server.wait_for_termination()
    finally:
        server.stop(None)
