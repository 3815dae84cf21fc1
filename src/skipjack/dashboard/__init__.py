"""A read-only web dashboard for the studies of any storage.

``skipjack dashboard --storage URL`` (or ``serve_dashboard(storage)``) serves:

- ``/``: every study with its directions, trials by state and best value;
- ``/study/<name>``: the study's health report (``skipjack.report``), its plots (optimization
  history or Pareto front, intermediate values, parameter importances, parallel coordinates,
  timeline; plotly, drawn by ``skipjack.visualization``) and its latest trials;
- ``/api/studies``, ``/api/studies/<name>`` and ``/api/studies/<name>/trials?since=N``: the same
  data as JSON (``since``: trials numbered N and above), for scripts and other tools;
- ``/static/plotly.min.js``: plotly.js from the installed ``plotly`` package, so the dashboard
  works without internet access.

``export_dashboard(storage, directory)`` writes the same pages as static files (e.g. as a CI
artifact). The dashboard never writes to the storage. Plots need ``plotly``
(``pip install 'skipjack[visualization]'``); without it the pages show the tables only.
"""

from __future__ import annotations

from skipjack.dashboard._pages import export_dashboard
from skipjack.dashboard._server import serve_dashboard

__all__ = ["export_dashboard", "serve_dashboard"]
