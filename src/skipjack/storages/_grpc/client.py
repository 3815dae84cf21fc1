"""``GrpcStorageProxy``: a storage whose every call goes to a gRPC proxy server."""

from __future__ import annotations

from typing import Any

from skipjack.storages._base import BaseStorage
from skipjack.storages._grpc._deps import import_grpc


class GrpcStorageProxy(BaseStorage):
    """Storage client of a gRPC storage proxy (see ``run_grpc_proxy_server``)."""

    def __new__(cls, *args: Any, **kwargs: Any) -> GrpcStorageProxy:
        import_grpc()
        raise NotImplementedError("GrpcStorageProxy's client is not built yet.")
