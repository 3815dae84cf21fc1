// Draw the server's plot data with plotly.js (the server aggregates and downsamples).
import { h } from "./dom.js";

const COLORS = { COMPLETE: "#2b7bb9", PRUNED: "#e0a030", FAIL: "#c8423b", RUNNING: "#3aa655", WAITING: "#888" };
const layoutBase = { margin: { l: 60, r: 20, t: 30, b: 50 }, height: 420, hovermode: "closest",
  paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "#fff", font: { size: 12 } };
const num = (v) => (typeof v === "string" ? Number(v === "inf" ? Infinity : v === "-inf" ? -Infinity : NaN) : v);
const nums = (a) => a.map(num);
// plotly reads a few HTML-like tags in its labels: stored names go in with < > & as entities,
// so plotly shows them as text.
export const safe = (v) => String(v).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const safeAll = (a) => a.map((v) => (typeof v === "string" ? safe(v) : v));
const fmt3 = (v) => (Number.isFinite(v) ? +v.toPrecision(3) : "");

let plotlyLoading = null;

// plotly.js (4.8 MB) is loaded on first use, so pages without plots paint without it.
export function loadPlotly() {
  if (window.Plotly) return Promise.resolve(true);
  if (!plotlyLoading) {
    plotlyLoading = new Promise((resolve) => {
      const el = document.createElement("script");
      el.src = "/static/plotly.min.js";
      el.onload = () => resolve(true);
      el.onerror = () => resolve(false);
      document.head.append(el);
    });
  }
  return plotlyLoading;
}

export const PLOTS = [
  ["history", "History"], ["intermediate", "Intermediate values"], ["slice", "Slice"],
  ["contour", "Contour"], ["parallel", "Parallel coordinates"], ["rank", "Rank"], ["edf", "EDF"],
  ["importance", "Importance"], ["timeline", "Timeline"], ["pareto", "Pareto front"],
];

export function objectiveName(study, i) {
  return (study.metric_names && study.metric_names[i]) || (study.directions.length > 1 ? `objective ${i}` : "objective");
}

export async function draw(el, kind, d, study, objective, onPick) {
  await loadPlotly();
  if (typeof Plotly === "undefined") {
    el.replaceChildren(h("p", { class: "muted" }, "Plots need plotly: pip install 'skipjack[visualization]'."));
    return;
  }
  const yname = objectiveName(study, objective), ysafe = safe(yname);
  let traces = [], layout = { ...layoutBase };
  const axis = (title, extra = {}) => ({ title: { text: safe(title) }, automargin: true, ...extra });
  if (kind === "history") {
    traces = [{ x: d.x, y: nums(d.y), mode: "markers", type: "scatter", name: ysafe, marker: { size: 5, color: COLORS.COMPLETE } },
      { x: d.best_x, y: nums(d.best_y), mode: "lines", line: { shape: "hv", color: "#c8423b" }, name: "best so far" }];
    layout.xaxis = axis("trial"); layout.yaxis = axis(yname);
  } else if (kind === "intermediate") {
    traces = d.curves.map((c) => ({ x: c.steps, y: nums(c.values), mode: "lines", name: `#${c.number}`,
      line: { width: 1, color: COLORS[c.state] || "#999" }, opacity: 0.7 }));
    layout.showlegend = false; layout.xaxis = axis("step"); layout.yaxis = axis("intermediate value");
  } else if (kind === "slice" || kind === "rank") {
    const names = Object.keys(d.params);
    const n = Math.max(1, names.length);
    layout.grid = { rows: Math.ceil(n / 3), columns: Math.min(3, n), pattern: "independent" };
    layout.height = 280 * Math.ceil(n / 3); layout.showlegend = false;
    names.forEach((name, i) => {
      const p = d.params[name];
      const suffix = i ? String(i + 1) : "";
      traces.push({ x: safeAll(p.x), y: kind === "rank" ? p.rank : nums(p.y), type: "scatter", mode: "markers", xaxis: "x" + suffix, yaxis: "y" + suffix,
        marker: { size: 5, color: kind === "rank" ? p.rank : undefined, colorscale: "Viridis", reversescale: true }, name: safe(name) });
      layout["xaxis" + suffix] = axis(name, p.log ? { type: "log" } : {});
      layout["yaxis" + suffix] = axis(i % 3 === 0 ? (kind === "rank" ? "rank (0 = best)" : yname) : "");
    });
  } else if (kind === "contour") {
    if (!d.x) { el.replaceChildren(h("p", { class: "muted" }, "A contour needs two parameters.")); return; }
    traces = [{ type: "heatmap", x: safeAll(d.x_labels), y: safeAll(d.y_labels), z: d.z.map(nums), colorscale: "Viridis", colorbar: { title: { text: ysafe } }, hoverongaps: false },
      { type: "scatter", mode: "markers", x: safeAll(d.points.x), y: safeAll(d.points.y), marker: { size: 3, color: "#000" }, opacity: 0.4, name: "trials" }];
    layout.xaxis = axis(d.x, d.x_log ? { type: "log" } : {}); layout.yaxis = axis(d.y, d.y_log ? { type: "log" } : {});
    layout.showlegend = false;
  } else if (kind === "parallel") {
    // Drawn as SVG lines (plotly's parcoords needs WebGL, which many headless and remote
    // browsers lack): each axis scaled to 0..1, trials coloured by objective in 8 bands.
    const dims = d.dimensions.map((dim) => ({ label: dim.label, values: nums(dim.values), ticktext: dim.ticktext }));
    dims.push({ label: yname, values: nums(d.objective) });
    const scaled = dims.map((dim) => {
      const finite = dim.values.filter(Number.isFinite);
      const lo = Math.min(...finite), hi = Math.max(...finite);
      return { ...dim, lo, hi, s: dim.values.map((v) => (hi > lo ? (v - lo) / (hi - lo) : 0.5)) };
    });
    const obj = scaled[scaled.length - 1];
    const BANDS = ["#440154", "#46327e", "#365c8d", "#277f8e", "#1fa187", "#4ac16d", "#a0da39", "#fde725"];
    const bands = BANDS.map(() => ({ x: [], y: [] }));
    obj.s.forEach((v, i) => {
      const band = bands[Math.min(BANDS.length - 1, Math.floor((Number.isFinite(v) ? v : 1) * BANDS.length))];
      scaled.forEach((dim, j) => { band.x.push(j); band.y.push(dim.s[i]); });
      band.x.push(null); band.y.push(null);
    });
    traces = bands.map((b, k) => ({ x: b.x, y: b.y, mode: "lines", type: "scatter", hoverinfo: "skip",
      line: { width: 1, color: BANDS[k] }, opacity: 0.5, showlegend: false }));
    const label = (dim, v) => safe(dim.ticktext ? dim.ticktext[Math.round(v)] ?? "" : fmt3(v));
    layout.annotations = scaled.flatMap((dim, j) => [
      { x: j, y: 1.08, text: safe(dim.label), showarrow: false, yref: "paper", font: { size: 12 } },
      { x: j, y: 1, text: label(dim, dim.hi), showarrow: false, xanchor: "left", font: { size: 10, color: "#666" } },
      { x: j, y: 0, text: label(dim, dim.lo), showarrow: false, xanchor: "left", font: { size: 10, color: "#666" } }]);
    layout.shapes = scaled.map((_, j) => ({ type: "line", x0: j, x1: j, y0: 0, y1: 1, line: { color: "#333", width: 1 } }));
    layout.xaxis = { visible: false, range: [-0.2, scaled.length - 0.6] };
    layout.yaxis = { visible: false, range: [-0.05, 1.05] };
    layout.margin = { l: 30, r: 30, t: 60, b: 20 };
  } else if (kind === "edf") {
    traces = [{ x: nums(d.x), y: d.y, mode: "lines", line: { shape: "hv" }, name: "EDF" }];
    layout.xaxis = axis(yname); layout.yaxis = axis("cumulative probability", { range: [0, 1.02] });
  } else if (kind === "importance") {
    const entries = Object.entries(d.importances).reverse();
    traces = [{ type: "bar", orientation: "h", x: entries.map((e) => num(e[1])), y: entries.map((e) => safe(e[0])), marker: { color: COLORS.COMPLETE } }];
    layout.xaxis = axis("importance"); layout.height = Math.max(240, 40 * entries.length + 80);
    if (!entries.length) { el.replaceChildren(h("p", { class: "muted" }, d.error || "Not enough complete trials yet.")); return; }
  } else if (kind === "timeline") {
    const byState = {};
    for (const b of d.bars) (byState[b.state] ||= []).push(b);
    traces = Object.entries(byState).map(([state, bars]) => ({ type: "bar", orientation: "h", name: state,
      base: bars.map((b) => b.start), x: bars.map((b) => new Date(b.end) - new Date(b.start)),
      y: bars.map((b) => b.number), marker: { color: COLORS[state] } }));
    layout.xaxis = axis("time", { type: "date" }); layout.yaxis = axis("trial"); layout.barmode = "overlay";
  } else if (kind === "pareto") {
    const nx = objectiveName(study, d.x), ny = objectiveName(study, d.y);  // escaped by axis()
    traces = [{ x: nums(d.others.x || []), y: nums(d.others.y || []), customdata: d.others.numbers, mode: "markers", type: "scatter", name: "dominated", marker: { color: "#bbb", size: 5 } },
      { x: nums(d.front.x || []), y: nums(d.front.y || []), customdata: d.front.numbers, mode: "markers", type: "scatter", name: "Pareto front", marker: { color: "#c8423b", size: 7 } }];
    layout.xaxis = axis(nx); layout.yaxis = axis(ny);
  }
  Plotly.react(el, traces, layout, { responsive: true, displaylogo: false });
  if (onPick && el.on && !el.dataset.picking) {
    el.dataset.picking = "1";
    el.on("plotly_click", (ev) => {
      const p = ev.points && ev.points[0];
      if (!p) return;
      const number = p.customdata !== undefined ? p.customdata : (kind === "history" ? p.x : undefined);
      if (number !== undefined) onPick(number);
    });
  }
}
