"""``run_grpc_proxy_server``: serve a storage over gRPC."""

from __future__ import annotations

from typing import Any

from skipjack.storages._base import BaseStorage
from skipjack.storages._grpc._deps import import_grpc


def run_grpc_proxy_server(
    storage: BaseStorage,
    *,
    host: str = "localhost",
    port: int = 13000,
    thread_pool: Any | None = None,
) -> None:
    """Serve ``storage`` over gRPC on ``host:port`` until interrupted."""
    import_grpc()
    raise NotImplementedError("run_grpc_proxy_server is not built yet.")
