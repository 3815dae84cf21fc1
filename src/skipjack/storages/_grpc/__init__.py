"""gRPC storage proxy: serve any storage over gRPC, and a storage client for it.

Wire-compatible with Optuna's proxy (package ``optuna.storage``, service ``StorageService``), so
Optuna clients and skipjack clients can share one proxy server. ``grpcio`` and ``protobuf`` are
an optional extra (``pip install 'skipjack[grpc]'``), imported on first use.
"""

from __future__ import annotations

from skipjack.storages._grpc.client import GrpcStorageProxy
from skipjack.storages._grpc.server import run_grpc_proxy_server

__all__ = ["GrpcStorageProxy", "run_grpc_proxy_server"]
