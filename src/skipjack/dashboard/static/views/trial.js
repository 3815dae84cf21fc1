import { get, send } from "../api.js";
import { h, clear, fmt, seconds, stateBadge } from "../dom.js";
import { app, crumbs } from "../app.js";
import { objectiveName, loadPlotly } from "../plots.js";
import { noteEditor } from "./note.js";

function kv(obj, empty = "none") {
  const keys = Object.keys(obj || {});
  if (!keys.length) return h("p", { class: "muted" }, empty);
  return h("table", { class: "kv" }, h("tbody", {}, keys.map((k) => h("tr", {}, h("th", {}, k), h("td", {}, fmt(obj[k]))))));
}

export async function trialPage(root, studyId, number) {
  const [study, t] = await Promise.all([get(`/studies/${studyId}`), get(`/studies/${studyId}/trials/${number}`)]);
  crumbs({ text: "Studies", href: "#/" }, { text: study.name, href: `#/studies/${studyId}` }, { text: `trial #${number}` });
  const plot = h("div", { class: "plot", id: "trial-intermediate" });
  const sections = [
    h("div", { class: "toolbar" }, h("h1", {}, `Trial #${t.number} `, stateBadge(t.state)),
      number > 0 ? h("a", { class: "button", href: `#/studies/${studyId}/trials/${number - 1}` }, "‹ prev") : null,
      h("a", { class: "button", href: `#/studies/${studyId}/trials/${number + 1}` }, "next ›")),
    h("div", { class: "cards" },
      (t.values || []).map((v, i) => h("div", { class: "card" }, h("div", { class: "label" }, objectiveName(study, i)), h("div", { class: "big" }, fmt(v)))),
      h("div", { class: "card" }, h("div", { class: "label" }, "Duration"), h("div", { class: "big" }, seconds(t.duration ?? t.running_for))),
      t.state === "RUNNING" ? h("div", { class: "card" }, h("div", { class: "label" }, "Heartbeat age"),
        h("div", { class: "big", id: "heartbeat-age" }, t.heartbeat_age === null ? "n/a" : seconds(t.heartbeat_age))) : null,
      t.system_attrs["skipjack:worker"] ? h("div", { class: "card" }, h("div", { class: "label" }, "Worker"),
        h("div", { id: "worker" }, `${t.system_attrs["skipjack:worker"].host} (pid ${t.system_attrs["skipjack:worker"].pid})`)) : null,
      h("div", { class: "card" }, h("div", { class: "label" }, "Started"), h("div", {}, t.datetime_start || "–")),
      h("div", { class: "card" }, h("div", { class: "label" }, "Finished"), h("div", {}, t.datetime_complete || "–"))),
  ];
  if (t.state === "FAIL") sections.push(h("section", { class: "fail" }, h("h3", {}, "Why it failed"),
    h("pre", { id: "fail-reason" }, t.fail_reason || "no reason recorded"), t.fail_traceback ? h("pre", { class: "traceback" }, t.fail_traceback) : null));
  if ((t.state === "RUNNING" || t.state === "WAITING") && !app.meta.read_only) sections.push(tellForm(study, t));
  sections.push(
    h("section", {}, h("h3", {}, "Parameters"),
      Object.keys(t.params).length ? h("table", { class: "kv", id: "params" }, h("thead", {}, h("tr", {}, h("th", {}, "name"), h("th", {}, "value"), h("th", {}, "distribution"))),
        h("tbody", {}, Object.keys(t.params).map((k) => h("tr", {}, h("th", {}, k), h("td", {}, fmt(t.params[k])),
          h("td", { class: "muted" }, t.distributions[k] ? `${t.distributions[k].name} ${JSON.stringify(t.distributions[k].attributes)}` : ""))))) : h("p", { class: "muted" }, "none")),
    h("section", {}, h("h3", {}, "Intermediate values"), t.intermediate_values.length ? plot : h("p", { class: "muted" }, "none reported")),
    t.pruning.length ? h("section", {}, h("h3", {}, "Pruning decisions"), h("table", { class: "grid", id: "pruning" },
      h("thead", {}, h("tr", {}, ["step", "verdict", "pruner", "rule", "value", "threshold", "compared"].map((c) => h("th", {}, c)))),
      h("tbody", {}, t.pruning.map((d) => h("tr", {}, h("td", {}, d.step), h("td", {}, d.verdict), h("td", {}, d.pruner), h("td", {}, d.rule),
        h("td", {}, fmt(d.value)), h("td", {}, fmt(d.threshold)), h("td", { class: "muted" }, JSON.stringify(d.compared))))))) : null,
    h("section", {}, h("h3", {}, "User attributes"), kv(t.user_attrs)),
    h("section", {}, h("h3", {}, "System attributes"), kv(t.system_attrs)),
    h("section", {}, h("h3", {}, "Artifacts"), t.artifacts.length ? h("ul", { id: "artifacts" }, t.artifacts.map((a) => h("li", {},
      app.meta.artifacts ? h("a", { href: `/api/studies/${studyId}/trials/${number}/artifacts/${encodeURIComponent(a.artifact_id)}`, download: a.filename }, a.filename) : a.filename,
      h("span", { class: "muted" }, ` ${a.mimetype}`)))) : h("p", { class: "muted" }, "none")),
    noteEditor(`/studies/${studyId}/trials/${number}/note`, t.note));
  clear(root, sections);
  if (t.intermediate_values.length && await loadPlotly() && typeof Plotly !== "undefined") {
    Plotly.react(plot, [{ x: t.intermediate_values.map((p) => p[0]), y: t.intermediate_values.map((p) => p[1]), mode: "lines+markers" }],
      { margin: { l: 60, r: 20, t: 20, b: 40 }, height: 320, xaxis: { title: { text: "step" } }, yaxis: { title: { text: "value" } } },
      { responsive: true, displaylogo: false });
  }
}

function tellForm(study, t) {
  const inputs = study.directions.map((_, i) => h("input", { type: "number", step: "any", required: true, "aria-label": objectiveName(study, i), placeholder: objectiveName(study, i), class: "tell-value" }));
  const state = h("select", { "aria-label": "state" }, ["COMPLETE", "PRUNED", "FAIL"].map((s) => h("option", { value: s }, s)));
  const status = h("span", { class: "muted" });
  const form = h("form", { class: "tell", onsubmit: async (e) => {
    e.preventDefault();
    const values = state.value === "COMPLETE" ? inputs.map((el) => Number(el.value)) : null;
    try {
      await send("POST", `/studies/${study.id}/trials/${t.number}/tell`, { state: state.value, values });
      location.reload();
    } catch (err) { status.textContent = err.message; status.className = "error"; }
  } }, inputs, state, h("button", { type: "submit" }, "Tell"), " ", status);
  return h("section", {}, h("h3", {}, "Tell this trial's result"), form);
}
