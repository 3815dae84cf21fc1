"""The wire protocol of the gRPC storage proxy: messages, methods and record conversions.

The protocol is Optuna's documented storage-proxy API (protobuf package ``optuna``, service
``StorageService``), so an Optuna client can talk to a skipjack server and the other way round.
``api.proto`` next to this file is the human-readable contract; ``MESSAGES`` below is the same
contract as data, turned into message classes at import time. Building the descriptors into a
private ``DescriptorPool`` (instead of protobuf's global pool) lets this module live in one
process with Optuna's own generated stubs, which register the same symbol names globally.
A test compiles ``api.proto`` with grpcio-tools and checks it matches ``MESSAGES`` and Optuna's
descriptors field for field.

Value encodings (as Optuna's): attributes are JSON strings, distributions are
``distribution_to_json`` strings, parameters travel in their internal (float) representation,
datetimes are ISO 8601 strings in UTC with microseconds ("" for None) and come back as naive
local datetimes, as every skipjack storage returns them.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from skipjack._records import FrozenStudy, FrozenTrial, StudyDirection, TrialState
from skipjack.distributions import distribution_to_json, json_to_distribution

PACKAGE = "optuna"
SERVICE = "StorageService"
SERVICE_NAME = f"{PACKAGE}.{SERVICE}"

ENUMS: dict[str, list[tuple[str, int]]] = {
    "StudyDirection": [("MINIMIZE", 0), ("MAXIMIZE", 1)],
    "TrialState": [("RUNNING", 0), ("COMPLETE", 1), ("PRUNED", 2), ("FAIL", 3), ("WAITING", 4)],
}

# message -> [(field, number, type)]. Types: a scalar name, "repeated <type>", an enum or
# message name, or "map<key,value>".
MESSAGES: dict[str, list[tuple[str, int, str]]] = {
    "CreateNewStudyRequest": [
        ("directions", 1, "repeated StudyDirection"),
        ("study_name", 2, "string"),
    ],
    "CreateNewStudyReply": [("study_id", 1, "int64")],
    "DeleteStudyRequest": [("study_id", 1, "int64")],
    "DeleteStudyReply": [],
    "SetStudyUserAttributeRequest": [
        ("study_id", 1, "int64"),
        ("key", 2, "string"),
        ("value", 3, "string"),
    ],
    "SetStudyUserAttributeReply": [],
    "SetStudySystemAttributeRequest": [
        ("study_id", 1, "int64"),
        ("key", 2, "string"),
        ("value", 3, "string"),
    ],
    "SetStudySystemAttributeReply": [],
    "GetStudyIdFromNameRequest": [("study_name", 1, "string")],
    "GetStudyIdFromNameReply": [("study_id", 1, "int64")],
    "GetStudyNameFromIdRequest": [("study_id", 1, "int64")],
    "GetStudyNameFromIdReply": [("study_name", 1, "string")],
    "GetStudyDirectionsRequest": [("study_id", 1, "int64")],
    "GetStudyDirectionsReply": [("directions", 1, "repeated StudyDirection")],
    "GetStudyUserAttributesRequest": [("study_id", 1, "int64")],
    "GetStudyUserAttributesReply": [("user_attributes", 1, "map<string,string>")],
    "GetStudySystemAttributesRequest": [("study_id", 1, "int64")],
    "GetStudySystemAttributesReply": [("system_attributes", 1, "map<string,string>")],
    "GetAllStudiesRequest": [],
    "GetAllStudiesReply": [("studies", 1, "repeated Study")],
    "CreateNewTrialRequest": [
        ("study_id", 1, "int64"),
        ("template_trial", 2, "Trial"),
        ("template_trial_is_none", 3, "bool"),
    ],
    "CreateNewTrialReply": [("trial_id", 1, "int64")],
    "SetTrialParameterRequest": [
        ("trial_id", 1, "int64"),
        ("param_name", 2, "string"),
        ("param_value_internal", 3, "double"),
        ("distribution", 4, "string"),
    ],
    "SetTrialParameterReply": [],
    "GetTrialIdFromStudyIdTrialNumberRequest": [
        ("study_id", 1, "int64"),
        ("trial_number", 2, "int64"),
    ],
    "GetTrialIdFromStudyIdTrialNumberReply": [("trial_id", 1, "int64")],
    "SetTrialStateValuesRequest": [
        ("trial_id", 1, "int64"),
        ("state", 2, "TrialState"),
        ("values", 3, "repeated double"),
    ],
    "SetTrialStateValuesReply": [("trial_updated", 1, "bool")],
    "SetTrialIntermediateValueRequest": [
        ("trial_id", 1, "int64"),
        ("step", 2, "int64"),
        ("intermediate_value", 3, "double"),
    ],
    "SetTrialIntermediateValueReply": [],
    "SetTrialUserAttributeRequest": [
        ("trial_id", 1, "int64"),
        ("key", 2, "string"),
        ("value", 3, "string"),
    ],
    "SetTrialUserAttributeReply": [],
    "SetTrialSystemAttributeRequest": [
        ("trial_id", 1, "int64"),
        ("key", 2, "string"),
        ("value", 3, "string"),
    ],
    "SetTrialSystemAttributeReply": [],
    "GetTrialRequest": [("trial_id", 1, "int64")],
    "GetTrialReply": [("trial", 1, "Trial")],
    "GetTrialsRequest": [
        ("study_id", 1, "int64"),
        ("included_trial_ids", 2, "repeated int64"),
        ("trial_id_greater_than", 3, "int64"),
    ],
    "GetTrialsReply": [("trials", 1, "repeated Trial")],
    "Study": [
        ("study_id", 1, "int64"),
        ("study_name", 2, "string"),
        ("directions", 3, "repeated StudyDirection"),
        ("user_attributes", 4, "map<string,string>"),
        ("system_attributes", 5, "map<string,string>"),
    ],
    "Trial": [
        ("trial_id", 1, "int64"),
        ("number", 2, "int64"),
        ("state", 3, "TrialState"),
        ("values", 4, "repeated double"),
        ("datetime_start", 5, "string"),
        ("datetime_complete", 6, "string"),
        ("params", 7, "map<string,double>"),
        ("distributions", 8, "map<string,string>"),
        ("user_attributes", 9, "map<string,string>"),
        ("system_attributes", 10, "map<string,string>"),
        ("intermediate_values", 11, "map<int64,double>"),
    ],
}

# RPC name -> (request message, reply message), in the service's order.
METHODS: dict[str, tuple[str, str]] = {
    name: (f"{name}Request", f"{name}Reply")
    for name in (
        "CreateNewStudy",
        "DeleteStudy",
        "SetStudyUserAttribute",
        "SetStudySystemAttribute",
        "GetStudyIdFromName",
        "GetStudyNameFromId",
        "GetStudyDirections",
        "GetStudyUserAttributes",
        "GetStudySystemAttributes",
        "GetAllStudies",
        "CreateNewTrial",
        "SetTrialParameter",
        "GetTrialIdFromStudyIdTrialNumber",
        "SetTrialStateValues",
        "SetTrialIntermediateValue",
        "SetTrialUserAttribute",
        "SetTrialSystemAttribute",
        "GetTrial",
        "GetTrials",
    )
}


def build_file_descriptor() -> Any:
    """Return the protocol as a ``FileDescriptorProto`` (what protoc makes of api.proto)."""
    from google.protobuf import descriptor_pb2

    fdp = descriptor_pb2.FileDescriptorProto(
        name="skipjack/storages/_grpc/api.proto", package=PACKAGE, syntax="proto3"
    )
    for enum_name, values in ENUMS.items():
        enum = fdp.enum_type.add(name=enum_name)
        for value_name, number in values:
            enum.value.add(name=value_name, number=number)

    field_proto = descriptor_pb2.FieldDescriptorProto
    scalars = {
        "int64": field_proto.TYPE_INT64,
        "string": field_proto.TYPE_STRING,
        "double": field_proto.TYPE_DOUBLE,
        "bool": field_proto.TYPE_BOOL,
    }

    def fill(field: Any, type_name: str) -> None:
        if type_name in scalars:
            field.type = scalars[type_name]
        elif type_name in ENUMS:
            field.type = field_proto.TYPE_ENUM
            field.type_name = f".{PACKAGE}.{type_name}"
        else:
            field.type = field_proto.TYPE_MESSAGE
            field.type_name = f".{PACKAGE}.{type_name}"

    for message_name, fields in MESSAGES.items():
        message = fdp.message_type.add(name=message_name)
        for field_name, number, spec in fields:
            field = message.field.add(name=field_name, number=number, json_name=_camel(field_name))
            field.label = field_proto.LABEL_OPTIONAL
            if spec.startswith("map<"):
                key_type, value_type = spec[4:-1].split(",")
                entry_name = _camel(field_name, upper=True) + "Entry"
                entry = message.nested_type.add(name=entry_name)
                entry.options.map_entry = True
                for sub_name, sub_number, sub_type in (("key", 1, key_type), ("value", 2, value_type)):
                    sub = entry.field.add(name=sub_name, number=sub_number, json_name=sub_name)
                    sub.label = field_proto.LABEL_OPTIONAL
                    fill(sub, sub_type)
                field.label = field_proto.LABEL_REPEATED
                field.type = field_proto.TYPE_MESSAGE
                field.type_name = f".{PACKAGE}.{message_name}.{entry_name}"
            elif spec.startswith("repeated "):
                field.label = field_proto.LABEL_REPEATED
                fill(field, spec[len("repeated ") :])
            else:
                fill(field, spec)

    service = fdp.service.add(name=SERVICE)
    for method_name, (request, reply) in METHODS.items():
        service.method.add(
            name=method_name,
            input_type=f".{PACKAGE}.{request}",
            output_type=f".{PACKAGE}.{reply}",
        )
    return fdp


def _camel(name: str, upper: bool = False) -> str:
    parts = name.split("_")
    head = parts[0].capitalize() if upper else parts[0]
    return head + "".join(p.capitalize() for p in parts[1:])


class _Messages:
    """Message classes by name, built once into a private descriptor pool."""

    def __init__(self) -> None:
        from google.protobuf import descriptor_pool, message_factory

        pool = descriptor_pool.DescriptorPool()
        pool.AddSerializedFile(build_file_descriptor().SerializeToString())
        self._classes: dict[str, Any] = {
            name: message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{PACKAGE}.{name}"))
            for name in MESSAGES
        }

    def __getattr__(self, name: str) -> Any:
        try:
            return self._classes[name]
        except KeyError:
            raise AttributeError(name) from None


_messages: _Messages | None = None


def messages() -> Any:
    """Return the message classes (``messages().Trial`` etc.); imports protobuf on first call."""
    global _messages
    if _messages is None:
        from skipjack.storages._grpc._deps import import_grpc

        import_grpc()  # the protobuf runtime comes with the same extra
        _messages = _Messages()
    return _messages


# --- record conversions ---------------------------------------------------------------------------

_DIRECTION_TO_WIRE = {StudyDirection.MINIMIZE: 0, StudyDirection.MAXIMIZE: 1}
_DIRECTION_FROM_WIRE = {0: StudyDirection.MINIMIZE, 1: StudyDirection.MAXIMIZE}
# TrialState's numbers are the wire numbers (RUNNING=0 ... WAITING=4).


def direction_to_wire(direction: StudyDirection) -> int:
    try:
        return _DIRECTION_TO_WIRE[direction]
    except KeyError:
        raise ValueError(
            f"directions: {direction!r} cannot be sent; use MINIMIZE or MAXIMIZE."
        ) from None


def direction_from_wire(value: int) -> StudyDirection:
    return _DIRECTION_FROM_WIRE[value]


def state_from_wire(value: int) -> TrialState:
    return TrialState(value)


def datetime_to_wire(value: datetime.datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(datetime.timezone.utc).isoformat(timespec="microseconds")


def datetime_from_wire(value: str) -> datetime.datetime | None:
    if not value:
        return None
    parsed = datetime.datetime.fromisoformat(value)
    if parsed.tzinfo is None:  # an older peer sent a naive local time
        return parsed
    return parsed.astimezone().replace(tzinfo=None)


def attrs_to_wire(attrs: dict[str, Any]) -> dict[str, str]:
    return {key: json.dumps(value) for key, value in attrs.items()}


def attrs_from_wire(attrs: Any) -> dict[str, Any]:
    return {key: json.loads(value) for key, value in attrs.items()}


def trial_to_wire(trial: FrozenTrial) -> Any:
    distributions = trial.distributions
    return messages().Trial(
        trial_id=trial._trial_id,
        number=trial.number,
        state=int(trial.state),
        values=trial.values or [],
        datetime_start=datetime_to_wire(trial.datetime_start),
        datetime_complete=datetime_to_wire(trial.datetime_complete),
        params={
            name: distributions[name].to_internal_repr(value)
            for name, value in trial.params.items()
        },
        distributions={name: distribution_to_json(d) for name, d in distributions.items()},
        user_attributes=attrs_to_wire(trial.user_attrs),
        system_attributes=attrs_to_wire(trial.system_attrs),
        intermediate_values=dict(trial.intermediate_values),
    )


def trial_from_wire(message: Any) -> FrozenTrial:
    distributions = {
        name: json_to_distribution(value) for name, value in message.distributions.items()
    }
    params = {
        name: distributions[name].to_external_repr(value) for name, value in message.params.items()
    }
    return FrozenTrial._make(
        number=message.number,
        state=state_from_wire(message.state),
        values=list(message.values) if len(message.values) else None,
        datetime_start=datetime_from_wire(message.datetime_start),
        datetime_complete=datetime_from_wire(message.datetime_complete),
        params=params,
        distributions=distributions,
        user_attrs=attrs_from_wire(message.user_attributes),
        system_attrs=attrs_from_wire(message.system_attributes),
        intermediate_values=dict(message.intermediate_values),
        trial_id=message.trial_id,
    )


def study_to_wire(study: FrozenStudy) -> Any:
    return messages().Study(
        study_id=study._study_id,
        study_name=study.study_name,
        directions=[direction_to_wire(d) for d in study.directions],
        user_attributes=attrs_to_wire(study.user_attrs),
        system_attributes=attrs_to_wire(study.system_attrs),
    )


def study_from_wire(message: Any) -> FrozenStudy:
    return FrozenStudy(
        study_name=message.study_name,
        direction=None,
        user_attrs=attrs_from_wire(message.user_attributes),
        system_attrs=attrs_from_wire(message.system_attributes),
        study_id=message.study_id,
        directions=[direction_from_wire(d) for d in message.directions],
    )
