"""The dashboard's ASGI app factory: ``create_app(storage, ...)`` (FastAPI).

Routes, one module per group: ``_api_read`` (studies, trials, plots, live events), ``_api_ops``
(on-call, health, pruning debug, comparison), ``_api_write`` (notes, tell, pause switch). The page
``/`` and ``/static/...`` serve the front-end shipped in the package. ``/openapi.json`` describes
the API. Errors are JSON ``{"detail": "..."}`` whose text never repeats what the request sent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from skipjack.dashboard._cache import StudyNotFound, TrialNotFound, Views
from skipjack.dashboard._query import BadQuery
from skipjack.dashboard._security import Guard
from skipjack.dashboard._state import Conflict, Dashboard, ReadOnly
from skipjack.dashboard._static import CONTENT_TYPES, asset_path, plotly_js_path
from skipjack.logging import get_logger

if TYPE_CHECKING:
    from skipjack.artifacts import ArtifactStore
    from skipjack.storages import BaseStorage

__all__ = ["create_app"]

_logger = get_logger(__name__)


def create_app(
    storage: BaseStorage | str,
    *,
    artifact_store: ArtifactStore | None = None,
    read_only: bool = False,
    token: str | None = None,
    min_interval: float = 0.1,
    prewarm: bool = False,
) -> Any:
    """The dashboard of ``storage`` as an ASGI app (serve it with uvicorn or any ASGI server).

    Args:
        storage: a storage or its URL.
        artifact_store: where the trials' artifacts are, to list and download them.
        read_only: refuse every write (notes, tell, pause switch) with 403.
        token: if given, every request must carry it (see ``skipjack.dashboard._security``).
        min_interval: seconds between two reads of the same study from the storage.
        prewarm: read every study from a background thread now, so first pages are fast.
    """
    from skipjack.version import __version__

    if isinstance(storage, str):
        from skipjack.storages import get_storage

        storage = get_storage(storage)
    from skipjack.observability._metrics import worker_metrics
    from skipjack.observability._timed_storage import timed_storage

    # Every storage call of the dashboard is timed by the metrics layer (the process's
    # skipjack_storage_operation_duration_seconds histogram): the on-call view's latency.
    storage = timed_storage(storage, worker_metrics().storage)
    app = FastAPI(title="skipjack dashboard", version=__version__, docs_url=None,
                  redoc_url=None, openapi_url="/openapi.json",
                  description="JSON API of the skipjack dashboard: studies, trials, plots "
                              "(server-side aggregated), live updates (server-sent events), "
                              "operations views, notes and tell.")
    app.state.dashboard = Dashboard(storage, Views(storage, min_interval), artifact_store,
                                    read_only)
    app.state.plot_cache = {}
    if prewarm:
        import threading

        threading.Thread(target=app.state.dashboard.prewarm, name="skipjack-dashboard-prewarm",
                         daemon=True).start()
    from skipjack.dashboard import _api_ops, _api_read, _api_write

    app.include_router(_api_read.router)
    app.include_router(_api_ops.router)
    app.include_router(_api_write.router)
    _add_errors(app)
    _add_pages(app)
    return Guard(app, token)


def _problem(status: int, detail: str) -> JSONResponse:
    return JSONResponse({"detail": detail}, status_code=status)


def _add_errors(app: FastAPI) -> None:
    @app.exception_handler(StudyNotFound)
    @app.exception_handler(TrialNotFound)
    async def not_found(request: Request, error: Exception) -> JSONResponse:
        return _problem(404, str(error))

    @app.exception_handler(BadQuery)
    async def bad_query(request: Request, error: Exception) -> JSONResponse:
        return _problem(400, str(error))

    @app.exception_handler(ReadOnly)
    async def read_only(request: Request, error: Exception) -> JSONResponse:
        return _problem(403, str(error))

    @app.exception_handler(Conflict)
    async def conflict(request: Request, error: Exception) -> JSONResponse:
        return _problem(409, str(error))

    @app.exception_handler(KeyError)
    async def gone(request: Request, error: Exception) -> JSONResponse:
        return _problem(404, "Not found (the study or trial may have been deleted).")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> JSONResponse:
        if error.status_code == 404:
            return _problem(404, "Not found. The API is described at /openapi.json.")
        if error.status_code == 405:
            return _problem(405, "Method not allowed here. The API is described at "
                                 "/openapi.json.")
        return _problem(error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        parts = []
        for e in error.errors():
            loc = [str(p) for p in e.get("loc", ())]
            source = loc[0] if loc and loc[0] in ("path", "query", "body", "header") else ""
            name = ".".join(loc[1:] if source else loc) or "request"
            parts.append(f"'{name}'{f' ({source})' if source else ''}: {e.get('msg', 'invalid')}")
        return _problem(422, "Invalid request: " + "; ".join(parts) + ".")


def _add_pages(app: FastAPI) -> None:
    @app.get("/", include_in_schema=False)
    def index() -> Response:
        path = asset_path("index.html")
        assert path is not None, "the dashboard's index.html is missing from the package"
        return FileResponse(path, media_type=CONTENT_TYPES[".html"],
                            headers={"cache-control": "no-store"})

    @app.get("/static/{name:path}", include_in_schema=False)
    def static(name: str) -> Response:
        if name == "plotly.min.js":
            plotly = plotly_js_path()
            if plotly is None:
                return _problem(404, "plotly is not installed: pip install "
                                     "'skipjack[visualization]' to see the plots.")
            return FileResponse(plotly, media_type=CONTENT_TYPES[".js"],
                                headers={"cache-control": "max-age=86400"})
        path = asset_path(name)
        if path is None:
            return _problem(404, "Not found.")
        ext = "." + name.rsplit(".", 1)[-1]
        return FileResponse(path, media_type=CONTENT_TYPES[ext],
                            headers={"cache-control": "no-cache"})
