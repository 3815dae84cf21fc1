"""The front-end's files: the assets shipped in ``skipjack/dashboard/static`` and plotly.js.

plotly.js comes from the installed ``plotly`` package (no network, no build step). Only files
listed in the package's ``static`` folder are served (by exact name), so no path reaches outside it.
"""

from __future__ import annotations

import os

__all__ = ["STATIC_DIR", "plotly_js_path", "asset_path", "CONTENT_TYPES"]

STATIC_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "static")
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
                 ".html": "text/html; charset=utf-8", ".svg": "image/svg+xml",
                 ".png": "image/png"}


def plotly_js_path() -> str | None:
    """The plotly.js bundle shipped with the installed plotly package (None without plotly)."""
    try:
        import plotly
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")
    return path if os.path.exists(path) else None


def _assets() -> dict[str, str]:
    out = {}
    for root, _, files in os.walk(STATIC_DIR):
        for name in files:
            full = os.path.join(root, name)
            rel = os.path.relpath(full, STATIC_DIR).replace(os.sep, "/")
            if os.path.splitext(name)[1] in CONTENT_TYPES:
                out[rel] = full
    return out


_ASSETS: dict[str, str] | None = None


def asset_path(name: str) -> str | None:
    """The file of asset ``name`` (e.g. ``app.js``, ``views/study.js``), None if not shipped."""
    global _ASSETS
    if _ASSETS is None:
        _ASSETS = _assets()
    return _ASSETS.get(name)
