import { get } from "../api.js";
import { h, clear, fmt } from "../dom.js";
import { crumbs } from "../app.js";
import { loadPlotly } from "../plots.js";
import { safe } from "../plots.js";

export async function comparePage(root, query) {
  crumbs({ text: "Studies", href: "#/" }, { text: "compare" });
  const d = await get("/compare", { ids: query.get("ids") || "", objective: query.get("objective") || 0 });
  const plot = h("div", { class: "plot", id: "compare-plot" });
  clear(root, h("h1", {}, "Study comparison"),
    h("table", { class: "grid" }, h("thead", {}, h("tr", {}, ["study", "directions", "trials", "complete", "best"].map((c) => h("th", {}, c)))),
      h("tbody", {}, d.studies.map((s) => h("tr", {}, h("td", {}, h("a", { href: `#/studies/${s.summary.id}` }, s.summary.name)),
        h("td", {}, s.summary.directions.join(", ")), h("td", {}, s.summary.n_trials), h("td", {}, s.summary.states.COMPLETE), h("td", {}, fmt(s.best)))))),
    h("h3", {}, "Best value so far"), plot);
  if (await loadPlotly() && typeof Plotly !== "undefined") Plotly.react(plot, d.studies.map((s) => ({ x: s.best_x, y: s.best_y, name: safe(s.summary.name), mode: "lines", line: { shape: "hv" } })),
    { height: 420, margin: { l: 60, r: 20, t: 20, b: 40 }, xaxis: { title: { text: "trial" } } }, { displaylogo: false, responsive: true });
}
