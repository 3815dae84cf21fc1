"""The wire protocol: api.proto, the table in _protocol.py and Optuna's descriptors agree."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("grpc", reason="grpcio is in the test extra")

from skipjack.storages._grpc import _protocol  # noqa: E402

PROTO = Path(_protocol.__file__).with_name("api.proto")


def _shape(fdp):
    """Everything of a file descriptor that decides the bytes on the wire, and the RPC paths."""
    def message(m):
        return (
            m.name,
            tuple(sorted(message(n) for n in m.nested_type)),
            bool(m.options.map_entry),
            tuple(sorted((f.name, f.number, f.type, f.label, f.type_name) for f in m.field)),
        )

    return {
        "package": fdp.package,
        "syntax": fdp.syntax,
        "enums": sorted((e.name, tuple((v.name, v.number) for v in e.value)) for e in fdp.enum_type),
        "messages": sorted(message(m) for m in fdp.message_type),
        "services": sorted(
            (s.name, tuple((m.name, m.input_type, m.output_type) for m in s.method))
            for s in fdp.service
        ),
    }


def test_table_matches_optunas_descriptors():
    pb2 = pytest.importorskip(
        "optuna.storages._grpc.auto_generated.api_pb2", reason="real optuna is in the test extra"
    )
    from google.protobuf import descriptor_pb2

    theirs = descriptor_pb2.FileDescriptorProto()
    pb2.DESCRIPTOR.CopyToProto(theirs)
    assert _shape(_protocol.build_file_descriptor()) == _shape(theirs)


def test_api_proto_compiles_to_the_table(tmp_path):
    protoc = pytest.importorskip("grpc_tools.protoc", reason="grpcio-tools is in the test extra")
    from google.protobuf import descriptor_pb2

    out = tmp_path / "api.pb"
    rc = protoc.main(
        ["protoc", f"-I{PROTO.parent}", f"--descriptor_set_out={out}", str(PROTO)]
    )
    assert rc == 0
    files = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file
    assert len(files) == 1
    assert _shape(files[0]) == _shape(_protocol.build_file_descriptor())


def test_records_round_trip_through_messages():
    import datetime

    from skipjack._records import TrialState, create_trial
    from skipjack.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    trial = create_trial(
        values=[1.5, float("-inf")],
        params={"x": 0.25, "n": 4, "c": None},
        distributions={
            "x": FloatDistribution(0, 1),
            "n": IntDistribution(1, 8, log=True),
            "c": CategoricalDistribution(["a", None]),
        },
        user_attrs={"u": {"k": [1, 2]}},
        system_attrs={"s": "v"},
        intermediate_values={0: 0.5, 7: float("nan")},
    )
    m = _protocol.messages()
    wire = m.Trial.FromString(_protocol.trial_to_wire(trial).SerializeToString())
    back = _protocol.trial_from_wire(wire)
    assert back.state == TrialState.COMPLETE and back.values == [1.5, float("-inf")]
    assert back.params == {"x": 0.25, "n": 4, "c": None} and isinstance(back.params["n"], int)
    assert back.distributions == trial.distributions
    assert back.user_attrs == trial.user_attrs and back.system_attrs == trial.system_attrs
    assert back.intermediate_values[0] == 0.5 and back.intermediate_values[7] != back.intermediate_values[7]
    assert back.datetime_start == trial.datetime_start  # naive local, microseconds kept
    assert isinstance(back.datetime_start, datetime.datetime) and back.datetime_start.tzinfo is None
    # the datetime travels as UTC ISO 8601, as Optuna sends it
    assert wire.datetime_start.endswith("+00:00")
