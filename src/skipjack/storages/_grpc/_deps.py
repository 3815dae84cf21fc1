"""Lazy import of grpcio with a clear message when the extra is missing."""

from __future__ import annotations

import importlib
from types import ModuleType

_HINT = (
    "The gRPC storage proxy needs the optional packages grpcio and protobuf: "
    "install them with `pip install 'skipjack[grpc]'`."
)


def import_grpc() -> ModuleType:
    """Return the ``grpc`` module, or raise ImportError saying how to install it."""
    try:
        return importlib.import_module("grpc")
    except ImportError as exc:
        raise ImportError(_HINT) from exc
