"""What the dashboard shows: study data as JSON-ready dicts, and the HTML pages built from them.

Every value that comes from the storage (study names, parameter names and values, attributes) is
HTML-escaped; figures are embedded as JSON in ``<script type="application/json">`` blocks with
``<``, ``>`` and ``&`` written as JSON escapes, so no stored text can inject markup or script.
"""

from __future__ import annotations

import datetime
import html
import json
import math
import os
import threading
import urllib.parse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from skipjack._records import FrozenTrial, TrialState
from skipjack.logging import get_logger
from skipjack.report import trial_duration as _duration

if TYPE_CHECKING:
    from skipjack.storages import BaseStorage
    from skipjack.study import Study

__all__ = ["Dashboard", "export_dashboard", "LATEST_TRIALS"]

_logger = get_logger(__name__)

LATEST_TRIALS = 200  # rows of the trials table on a study page
_STATES = [s.name for s in TrialState]


class Dashboard:
    """The data and pages of the dashboard for one storage (thread-safe, read-only).

    One ``Study`` object is kept per study name, so each page load syncs only the trials that
    changed since the last one; a study's figures are redrawn only when its trials changed.
    """

    def __init__(self, storage: BaseStorage) -> None:
        self.storage = storage
        self._lock = threading.Lock()
        self._studies: dict[str, Study] = {}
        self._figures: dict[str, tuple[tuple[int, int], list[tuple[str, str]]]] = {}

    # --- data -----------------------------------------------------------------------------------

    def study_names(self) -> list[str]:
        return sorted(s.study_name for s in self.storage.get_all_studies())

    def study(self, name: str) -> Study:
        """The study ``name``; ``KeyError`` (naming the studies that exist) when there is none."""
        names = self.study_names()
        if name not in names:
            with self._lock:
                self._studies.pop(name, None)
            raise KeyError(f"No study named {name!r}. Studies: {', '.join(names) or '(none)'}.")
        return self._load(name)

    def _load(self, name: str) -> Study:
        """The kept ``Study`` object of ``name`` (a study known to exist)."""
        from skipjack.study import load_study

        with self._lock:
            study = self._studies.get(name)
        if study is None:
            study = load_study(study_name=name, storage=self.storage)
            with self._lock:
                self._studies[name] = study
        return study

    def summaries(self) -> list[dict[str, Any]]:
        return [self.summary(self._load(name)) for name in self.study_names()]

    def summary(self, study: Study) -> dict[str, Any]:
        trials = study.get_trials(deepcopy=False)
        counts = {state: 0 for state in _STATES}
        for t in trials:
            counts[t.state.name] += 1
        directions = [d.name.lower() for d in study.directions]
        out: dict[str, Any] = {"name": study.study_name, "directions": directions,
                               "n_trials": len(trials), "states": counts}
        if len(directions) == 1:
            best = _best(study)
            out["best_value"] = None if best is None else _number(best.value)
            out["best_trial"] = None if best is None else best.number
            out["best_params"] = None if best is None else _jsonable(best.params)
        else:
            out["n_best_trials"] = len(study.best_trials)
        starts = [t.datetime_start for t in trials if t.datetime_start is not None]
        out["first_start"] = min(starts).isoformat() if starts else None
        return out

    def trials(self, study: Study, since: int = 0) -> list[dict[str, Any]]:
        return [trial_dict(t) for t in study.get_trials(deepcopy=False) if t.number >= since]

    def health(self, study: Study) -> dict[str, Any]:
        from skipjack.report import study_health

        return study_health(study).to_dict()

    def figures(self, study: Study) -> list[tuple[str, str]]:
        """(title, plotly figure JSON) of the study's plots; empty without plotly."""
        from skipjack import visualization

        if not visualization.is_available():
            return []
        trials = study.get_trials(deepcopy=False)
        key = (len(trials), sum(t.state.is_finished() for t in trials))
        with self._lock:
            cached = self._figures.get(study.study_name)
        if cached is not None and cached[0] == key:
            return cached[1]
        drawn = []
        for title, draw in _plots(study, trials):
            try:
                drawn.append((title, draw().to_json()))
            except Exception as error:  # noqa: BLE001 - one plot failing must not hide the page
                _logger.warning(f"Dashboard: {title} of study {study.study_name!r} not drawn: "
                                f"{error}")
        with self._lock:
            self._figures[study.study_name] = (key, drawn)
        return drawn

    # --- pages ----------------------------------------------------------------------------------

    def index_page(self, link: Callable[[str], str] = lambda name: study_path(name)) -> str:
        rows = []
        for s in self.summaries():
            states = ", ".join(f"{n} {state.lower()}" for state, n in s["states"].items() if n)
            best = (_fmt(s["best_value"]) if "best_value" in s
                    else f"{s['n_best_trials']} Pareto-optimal trials")
            rows.append([f'<a href="{html.escape(link(s["name"]))}">{html.escape(s["name"])}</a>',
                         html.escape(", ".join(s["directions"])), str(s["n_trials"]),
                         html.escape(states or "-"), html.escape(best)])
        body = (_table(["study", "directions", "trials", "states", "best"], rows) if rows
                else "<p>No studies in this storage yet.</p>")
        return _page("skipjack studies", f"<h1>Studies</h1>{body}", plots=False)

    def study_page(self, name: str, home: str = "/") -> str:
        study = self.study(name)
        summary = self.summary(study)
        health = self.health(study)
        figures = self.figures(study)
        parts = [f'<p><a href="{html.escape(home)}">&larr; all studies</a></p>',
                 f"<h1>{html.escape(name)}</h1>", _summary_html(summary),
                 _health_html(health)]
        for i, (title, fig_json) in enumerate(figures):
            # "<", ">" and "&" as JSON escapes: nothing in the data can end or alter the block
            safe = (fig_json.replace("<", "\\u003c").replace(">", "\\u003e")
                    .replace("&", "\\u0026"))
            parts.append(f'<h2>{html.escape(title)}</h2><div class="plot" id="plot-{i}"></div>'
                         f'<script type="application/json" id="fig-{i}">{safe}</script>')
        if not figures:
            parts.append("<p>(Plots need plotly: pip install 'skipjack[visualization]'.)</p>")
        parts.append(_trials_html(study.get_trials(deepcopy=False)))
        return _page(f"skipjack: {name}", "\n".join(parts), plots=bool(figures))


def study_path(name: str) -> str:
    """The URL path of a study's page."""
    return "/study/" + urllib.parse.quote(name, safe="")


def trial_dict(t: FrozenTrial) -> dict[str, Any]:
    """A trial as plain JSON data."""
    return {
        "number": t.number,
        "state": t.state.name,
        "values": None if t.values is None else [_number(v) for v in t.values],
        "params": _jsonable(t.params),
        "user_attrs": _jsonable(t.user_attrs),
        "intermediate_values": {str(k): _number(v) for k, v in t.intermediate_values.items()},
        "datetime_start": _iso(t.datetime_start),
        "datetime_complete": _iso(t.datetime_complete),
        "duration_s": _duration(t),
    }


def export_dashboard(storage: BaseStorage, directory: str) -> list[str]:
    """Write the dashboard's pages for every study of ``storage`` into ``directory`` as static
    files (``index.html``, one ``study-<n>.html`` per study, ``plotly.min.js``); returns the paths
    written."""
    dash = Dashboard(storage)
    os.makedirs(directory, exist_ok=True)
    names = dash.study_names()
    files = {name: f"study-{i}.html" for i, name in enumerate(names)}
    written = [_write(directory, "index.html", dash.index_page(lambda name: files[name]))]
    for name in names:
        page = dash.study_page(name, home="index.html")
        written.append(_write(directory, files[name], page.replace(_PLOTLY_SRC, "plotly.min.js")))
    js = plotly_js_path()
    if js is not None:
        with open(js, "rb") as src, open(os.path.join(directory, "plotly.min.js"), "wb") as dst:
            dst.write(src.read())
        written.append(os.path.join(directory, "plotly.min.js"))
    return written


def plotly_js_path() -> str | None:
    """The plotly.js bundle shipped with the installed plotly package (None without plotly)."""
    try:
        import plotly
    except ImportError:
        return None
    path = os.path.join(os.path.dirname(plotly.__file__), "package_data", "plotly.min.js")
    return path if os.path.exists(path) else None


# --- helpers ---------------------------------------------------------------------------------------

_PLOTLY_SRC = "/static/plotly.min.js"


def _plots(study: Study, trials: list[FrozenTrial]) -> list[tuple[str, Callable[[], Any]]]:
    from skipjack import visualization as vis

    finished = [t for t in trials if t.state == TrialState.COMPLETE]
    if not finished:
        return []
    plots: list[tuple[str, Callable[[], Any]]] = []
    n_objectives = len(study.directions)
    if n_objectives == 1:
        plots.append(("Optimization history", lambda: vis.plot_optimization_history(study)))
    elif n_objectives <= 3:
        plots.append(("Pareto front", lambda: vis.plot_pareto_front(study)))
    if any(t.intermediate_values for t in trials):
        plots.append(("Intermediate values", lambda: vis.plot_intermediate_values(study)))
    if n_objectives == 1 and len(finished) >= 2 and finished[0].params:
        plots.append(("Parameter importances", lambda: vis.plot_param_importances(study)))
        plots.append(("Parallel coordinates", lambda: vis.plot_parallel_coordinate(study)))
    plots.append(("Timeline", lambda: vis.plot_timeline(study, n_recent_trials=LATEST_TRIALS)))
    return plots


def _best(study: Study) -> FrozenTrial | None:
    """The study's best trial (feasible first, as ``Study.best_trial``), or None."""
    try:
        return study.best_trial
    except ValueError:
        return None


def _number(value: float | None) -> float | str | None:
    """JSON has no inf/nan: they become strings."""
    if value is None or math.isfinite(value):
        return value
    return str(value)


def _jsonable(value: Any) -> Any:
    """``value`` as strict JSON data (non-finite floats and unknown objects as strings)."""
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


def _iso(value: datetime.datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _table(header: list[str], rows: list[list[str]]) -> str:
    """An HTML table; ``header`` is escaped here, the cells must be escaped by the caller."""
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _summary_html(s: dict[str, Any]) -> str:
    items = [("directions", ", ".join(s["directions"])), ("trials", str(s["n_trials"]))]
    items += [(state.lower(), str(n)) for state, n in s["states"].items() if n]
    if "best_value" in s:
        items += [("best value", _fmt(s["best_value"])),
                  ("best trial", _fmt(s["best_trial"])),
                  ("best params", json.dumps(s["best_params"]) if s["best_params"] else "-")]
    else:
        items.append(("Pareto-optimal trials", str(s["n_best_trials"])))
    rows = [[html.escape(k), html.escape(v)] for k, v in items]
    return _table(["", ""], rows)


def _health_html(health: dict[str, Any]) -> str:
    rows = [[html.escape(c["status"]), html.escape(c["name"]), html.escape(c["message"])]
            for c in health["checks"]]
    figures = health["figures"]
    keys = ("completion_rate", "failure_rate", "prune_rate", "duration_median_s",
            "trials_since_improvement", "throughput_per_hour", "stop_reason")
    facts = ", ".join(f"{k}: {_fmt(figures.get(k))}" for k in keys if figures.get(k) is not None)
    status = health.get("status") or ("OK" if health["ok"] else "WARN")
    return (f"<h2>Health: {status}</h2><p>{html.escape(facts)}</p>"
            + (_table(["status", "check", "detail"], rows) if rows else ""))


def _trials_html(trials: list[FrozenTrial]) -> str:
    latest = sorted(trials, key=lambda t: t.number, reverse=True)[:LATEST_TRIALS]
    names = sorted({name for t in latest for name in t.params})
    rows = []
    for t in latest:
        values = "-" if t.values is None else ", ".join(_fmt(v) for v in t.values)
        rows.append([str(t.number), html.escape(t.state.name), html.escape(values),
                     html.escape(_fmt(_duration(t)))]
                    + [html.escape(_fmt(t.params.get(n))) for n in names])
    title = f"<h2>Latest trials ({len(latest)} of {len(trials)})</h2>"
    return title + _table(["number", "state", "values", "duration s"] + names, rows)


_STYLE = """body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.25em .6em;
text-align:left}th{background:#f3f3f3}.plot{width:100%;max-width:1000px;height:420px}"""

_DRAW = """<script>
document.querySelectorAll('script[type="application/json"][id^="fig-"]').forEach(function(s){
  var fig = JSON.parse(s.textContent);
  Plotly.newPlot('plot-' + s.id.slice(4), fig.data, fig.layout, {responsive: true});
});
</script>"""


def _page(title: str, body: str, plots: bool) -> str:
    script = f'<script src="{_PLOTLY_SRC}"></script>' if plots else ""
    draw = _DRAW if plots else ""
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{_STYLE}</style>{script}</head><body>{body}{draw}</body></html>")


def _write(directory: str, name: str, text: str) -> str:
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path
