"""``export_dashboard``: the dashboard as static files (``skipjack dashboard --export DIR``).

Built on the same parts as the served dashboard: each study is read once through its
``StudyView`` (the storage's incremental read), summaries come from ``Dashboard.summary``, table
rows from ``trial_row``, plots from ``_plots.plot_data`` (aggregated and downsampled: the pages
stay small at any study size), and the plots are drawn by the front-end's own ``plots.js``.
Because browsers refuse ES modules from ``file://``, ``export.js`` is ``dom.js`` and ``plots.js``
turned into one classic script (their ``import`` lines and ``export`` keywords dropped) plus a
few lines that draw each plot embedded in the page, so the folder opens from disk as it is.

Every stored string is HTML-escaped; plot data is embedded as JSON in
``<script type="application/json">`` blocks with ``<``, ``>`` and ``&`` as JSON escapes.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
from typing import TYPE_CHECKING, Any

from skipjack.dashboard._cache import Views
from skipjack.dashboard._plots import plot_data
from skipjack.dashboard._query import TrialQuery
from skipjack.dashboard._serialize import jsonable, trial_row
from skipjack.dashboard._state import Dashboard
from skipjack.dashboard._static import STATIC_DIR, plotly_js_path

if TYPE_CHECKING:
    from skipjack.storages import BaseStorage

__all__ = ["export_dashboard", "LATEST_TRIALS", "EXPORTED_PLOTS"]

LATEST_TRIALS = 200  # rows of the trials table on a study page
EXPORTED_PLOTS = (("history", "History"), ("intermediate", "Intermediate values"),
                  ("parallel", "Parallel coordinates"), ("importance", "Importance"),
                  ("edf", "EDF"), ("timeline", "Timeline"))

_DRAW = """
document.querySelectorAll('script[type="application/json"].plot-data').forEach(function (s) {
  var p = JSON.parse(s.textContent);
  draw(document.getElementById(s.dataset.target), p.kind, p.data, p.study, p.objective);
});
"""


def export_dashboard(storage: BaseStorage, directory: str) -> list[str]:
    """Write the dashboard of every study of ``storage`` into ``directory`` as static files:
    ``index.html`` (the study list), one ``study-<id>.html`` per study (summary, the latest
    200 trials, the plots), ``style.css``, ``export.js`` and ``plotly.min.js`` (when plotly is
    installed). Returns the paths written."""
    os.makedirs(directory, exist_ok=True)
    dash = Dashboard(storage, Views(storage, min_interval=0.0))
    written = [_copy(os.path.join(STATIC_DIR, "style.css"), directory, "style.css"),
               _write(directory, "export.js", _classic_script())]
    plotly = plotly_js_path()
    if plotly is not None:
        written.append(_copy(plotly, directory, "plotly.min.js"))
    summaries = []
    for study_id in sorted(dash.views.studies(fresh=True)):
        try:
            view = dash.views.get(study_id)
            trials = view.trials()
        except LookupError:  # deleted meanwhile
            continue
        summary = dash.summary(view, trials)
        summaries.append(summary)
        _, latest = TrialQuery(order="desc", limit=LATEST_TRIALS).run(trials)
        plots = []
        for objective in range(len(view.directions)):
            kinds = EXPORTED_PLOTS if objective == 0 else EXPORTED_PLOTS[:1]
            for kind, title in kinds:
                plots.append((f"{title}" + (f" ({_objective(summary, objective)})"
                                            if len(view.directions) > 1 else ""),
                              kind, objective,
                              plot_data(kind, trials, view.directions, objective)))
        if len(view.directions) > 1:
            plots.append(("Pareto front", "pareto", 0,
                          plot_data("pareto", trials, view.directions, 0, "0", "1")))
        page = _study_page(summary, [trial_row(t) for t in latest], plots,
                           plotly is not None)
        written.append(_write(directory, f"study-{study_id}.html", page))
    written.insert(0, _write(directory, "index.html", _index_page(summaries)))
    return written


def _objective(summary: dict[str, Any], i: int) -> str:
    names = summary.get("metric_names")
    return str(names[i]) if names and i < len(names) else f"objective {i}"


def _classic_script() -> str:
    """``dom.js`` + ``plots.js`` as one classic script, then the drawing of embedded plots."""
    parts = []
    for name in ("dom.js", "plots.js"):
        with open(os.path.join(STATIC_DIR, name), encoding="utf-8") as f:
            text = f.read()
        text = re.sub(r"^import [^\n]*;\n", "", text, flags=re.M)
        text = re.sub(r"^export (?=(async )?function|const|let|class)", "", text, flags=re.M)
        parts.append(f"// --- {name} ---\n{text}")
    body = "\n".join(parts) + _DRAW
    return "// skipjack dashboard export: dom.js and plots.js as a classic script.\n" \
           f"(function () {{\n\"use strict\";\n{body}}})();\n"


def _esc(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return html.escape(f"{value:.6g}")
    if isinstance(value, (dict, list)):
        return html.escape(json.dumps(value))
    return html.escape(str(value))


def _json_block(value: Any, target: str) -> str:
    text = json.dumps(jsonable(value)).replace("<", "\\u003c").replace(">", "\\u003e") \
        .replace("&", "\\u0026")
    return (f'<script type="application/json" class="plot-data" '
            f'data-target="{html.escape(target)}">{text}</script>')


def _page(title: str, body: str, scripts: bool, plotly: bool) -> str:
    tags = ""
    if scripts:
        tags = ('<script src="plotly.min.js"></script>' if plotly else "") + \
            '<script src="export.js" defer></script>'
    return (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title>"
            f'<link rel="stylesheet" href="style.css">{tags}</head>'
            f'<body><header class="top"><a class="brand" href="index.html">skipjack</a>'
            f'<span class="mode">static export</span></header><main id="app">{body}</main>'
            f"</body></html>\n")


def _index_page(summaries: list[dict[str, Any]]) -> str:
    rows = []
    for s in summaries:
        states = ", ".join(f"{k.lower()} {v}" for k, v in s["states"].items() if v)
        best = s["best_value"] if len(s["directions"]) == 1 else \
            f"{s['n_best_trials']} Pareto-optimal"
        rows.append(f'<tr><td><a href="study-{int(s["id"])}.html">{_esc(s["name"])}</a></td>'
                    f'<td class="num">{int(s["n_trials"])}</td><td>{_esc(states)}</td>'
                    f'<td class="num">{_esc(best)}</td><td>{_esc(s["last_activity"])}</td></tr>')
    table = ('<table class="grid" id="studies"><thead><tr><th>study</th><th>trials</th>'
             '<th>states</th><th>best</th><th>last activity</th></tr></thead>'
             f'<tbody>{"".join(rows)}</tbody></table>')
    return _page("skipjack studies", f"<h1>Studies</h1>{table}", scripts=False, plotly=False)


def _study_page(summary: dict[str, Any], rows: list[dict[str, Any]],
                plots: list[tuple[str, str, int, dict[str, Any]]], plotly: bool) -> str:
    s = summary
    facts = [("directions", ", ".join(f"{_objective(s, i) if len(s['directions']) > 1 else 'objective'}: {d}"
                                      for i, d in enumerate(s["directions"]))),
             ("trials", str(s["n_trials"]))]
    facts += [(k.lower(), str(v)) for k, v in s["states"].items() if v]
    if len(s["directions"]) == 1:
        facts += [("best value", s["best_value"]), ("best trial", s["best_trial"])]
    else:
        facts.append(("Pareto-optimal trials", s["n_best_trials"]))
    facts += [("started", s["datetime_start"]), ("last activity", s["last_activity"])]
    summary_html = ('<table class="kv" id="summary"><tbody>' + "".join(
        f"<tr><th>{_esc(k)}</th><td>{_esc(v)}</td></tr>" for k, v in facts) + "</tbody></table>")
    names = sorted({n for r in rows for n in r["params"]})
    head = "".join(f"<th>{_esc(h)}</th>" for h in
                   ["#", "state", "values", "duration s", *names])
    body = "".join(
        f'<tr data-number="{int(r["number"])}"><td class="num">{int(r["number"])}</td>'
        f'<td>{_esc(r["state"])}</td><td>{_esc(r["values"])}</td>'
        f'<td class="num">{_esc(r["duration"])}</td>'
        + "".join(f"<td>{_esc(r['params'].get(n))}</td>" for n in names) + "</tr>"
        for r in rows)
    table = (f"<h2>Latest trials ({len(rows)} of {int(s['n_trials'])})</h2>"
             f'<table class="grid" id="trials"><thead><tr>{head}</tr></thead>'
             f"<tbody>{body}</tbody></table>")
    study = {"directions": s["directions"], "metric_names": s["metric_names"]}
    figures = []
    for i, (title, kind, objective, data) in enumerate(plots):
        target = f"plot-{i}"
        figures.append(f'<section><h2>{_esc(title)}</h2><div class="plot" id="{target}"></div>'
                       + _json_block({"kind": kind, "data": data, "study": study,
                                      "objective": objective}, target) + "</section>")
    body_html = (f'<p><a href="index.html">All studies</a></p><h1 id="study-name">'
                 f'{_esc(s["name"])}</h1>{summary_html}{"".join(figures)}{table}')
    return _page(f"skipjack: {s['name']}", body_html, scripts=bool(plots), plotly=plotly)


def _write(directory: str, name: str, text: str) -> str:
    path = os.path.join(directory, name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _copy(source: str, directory: str, name: str) -> str:
    path = os.path.join(directory, name)
    shutil.copyfile(source, path)
    return path
