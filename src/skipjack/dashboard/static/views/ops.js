import { get, send } from "../api.js";
import { h, clear, fmt, seconds } from "../dom.js";
import { app, crumbs } from "../app.js";
import { loadPlotly } from "../plots.js";

// The worker holding a trial: skipjack records {host, pid}; an objective's own "worker" attr is
// shown as it is.
function worker(w) {
  if (w && typeof w === "object" && "host" in w) return `${w.host} (pid ${w.pid})`;
  return fmt(w);
}

export async function opsPage(root, id) {
  const [study, ops, pruning] = await Promise.all([get(`/studies/${id}`), get(`/studies/${id}/ops`), get(`/studies/${id}/pruning`)]);
  crumbs({ text: "Studies", href: "#/" }, { text: study.name, href: `#/studies/${id}` }, { text: "operations" });
  const health = h("section", { id: "health" }, h("h3", {}, "Health"), h("p", { class: "muted" }, "computing…"));
  const tpm = h("div", { class: "plot small", id: "per-minute" });
  const steps = h("div", { class: "plot small", id: "pruning-steps" });
  const pause = h("button", { type: "button", id: "pause", disabled: app.meta.read_only }, pruning.paused ? "Resume pruning" : "Pause pruning");
  pause.addEventListener("click", async () => {
    try { const r = await send("PUT", `/studies/${id}/pruning/pause`, { paused: !pruning.paused }); pruning.paused = r.paused;
      pause.textContent = r.paused ? "Resume pruning" : "Pause pruning"; } catch (err) { pause.after(h("span", { class: "error" }, " " + err.message)); }
  });
  const b = ops.budget;
  clear(root,
    h("h1", {}, `Operations: ${study.name}`),
    h("div", { class: "cards" },
      h("div", { class: "card" }, h("div", { class: "label" }, "Running"), h("div", { class: "big" }, ops.running.length)),
      h("div", { class: "card" }, h("div", { class: "label" }, "Stale"), h("div", { class: "big" + (ops.stale.length ? " bad" : "") }, ops.stale.length)),
      h("div", { class: "card" }, h("div", { class: "label" }, "Trials / min (last 10 min)"), h("div", { class: "big" }, fmt(ops.trials_per_minute.slice(-10).reduce((a, c) => a + c, 0) / 10, 3))),
      h("div", { class: "card" }, h("div", { class: "label" }, "Storage latency (median)"), h("div", { class: "big", id: "storage-latency" }, ops.storage_latency_ms === null ? "–" : fmt(ops.storage_latency_ms, 3) + " ms")),
      h("div", { class: "card" }, h("div", { class: "label" }, "Budget"), h("div", {}, `trials ${b.used.trials}`, h("br"), `trial time ${seconds(b.used.trial_seconds)}`,
        b.used.cost !== null ? [h("br"), `cost ${fmt(b.used.cost)}`] : null,
        Object.entries(b.burn).map(([k, v]) => [h("br"), `${k}: ${(100 * v).toFixed(1)}% of budget`]),
        b.stop_reason ? [h("br"), `stopped: ${fmt(b.stop_reason.reason || b.stop_reason)}`] : null))),
    h("section", {}, h("h3", {}, "Running trials"), ops.running.length ? h("table", { class: "grid", id: "running" },
      h("thead", {}, h("tr", {}, ["trial", "running for", "heartbeat age", "worker", "params"].map((c) => h("th", {}, c)))),
      h("tbody", {}, ops.running.map((r) => h("tr", { class: r.stale ? "stale" : "" }, h("td", {}, h("a", { href: `#/studies/${id}/trials/${r.number}` }, "#" + r.number)),
        h("td", {}, seconds(r.running_for)), h("td", {}, r.heartbeat_age === null ? "n/a" : seconds(r.heartbeat_age) + (r.stale ? " (stale)" : "")),
        h("td", { class: "worker" }, worker(r.worker)), h("td", { class: "muted" }, JSON.stringify(r.params)))))) : h("p", { class: "muted" }, "none")),
    h("section", {}, h("h3", {}, "Failures by cause"), ops.failures.length ? ops.failures.map((f) => h("details", { class: "cause" },
      h("summary", {}, `${f.cause}: ${f.count} trial(s)`),
      f.examples.map((e) => h("div", { class: "example" }, h("a", { href: `#/studies/${id}/trials/${e.number}` }, "#" + e.number),
        e.worker ? h("span", { class: "muted" }, " on " + worker(e.worker)) : null, h("pre", {}, e.reason),
        e.traceback ? h("pre", { class: "traceback" }, e.traceback) : null)))) : h("p", { class: "muted" }, "no failed trials")),
    h("section", {}, h("h3", {}, "Storage calls of this dashboard (metrics layer)"), ops.storage_operations.length ? h("table", { class: "grid", id: "storage-ops" },
      h("thead", {}, h("tr", {}, ["operation", "calls", "mean", "p50 ≤", "p95 ≤"].map((c) => h("th", {}, c)))),
      h("tbody", {}, ops.storage_operations.map((o) => h("tr", {}, h("td", {}, o.operation), h("td", { class: "num" }, o.count),
        h("td", { class: "num" }, fmt(o.mean_ms, 3) + " ms"), h("td", { class: "num" }, fmt(o.p50_ms, 3) + " ms"), h("td", { class: "num" }, fmt(o.p95_ms, 3) + " ms"))))) : h("p", { class: "muted" }, "none yet")),
    h("section", {}, h("h3", {}, "Finished trials per minute (last hour)"), tpm),
    health,
    h("section", { id: "pruning-debug" }, h("h3", {}, "Pruning"), h("p", {}, pruning.paused ? "Pruning is paused for every worker. " : "Pruning is on. ", pause),
      h("p", { class: "muted" }, "Decisions by rule: ", Object.entries(pruning.rules).map(([k, v]) => `${k} ${v}`).join(", ") || "none logged"),
      steps,
      pruning.latest.length ? h("table", { class: "grid" }, h("thead", {}, h("tr", {}, ["trial", "state", "step", "verdict", "rule", "value", "threshold"].map((c) => h("th", {}, c)))),
        h("tbody", {}, pruning.latest.slice(-30).reverse().map((d) => h("tr", {}, h("td", {}, h("a", { href: `#/studies/${id}/trials/${d.number}` }, "#" + d.number)),
          h("td", {}, d.state), h("td", {}, d.step), h("td", {}, d.verdict), h("td", {}, d.rule), h("td", {}, fmt(d.value)), h("td", {}, fmt(d.threshold)))))) : null));
  if (await loadPlotly() && typeof Plotly !== "undefined") {
    Plotly.react(tpm, [{ type: "bar", x: ops.trials_per_minute.map((_, i) => i - 59), y: ops.trials_per_minute }],
      { height: 220, margin: { l: 40, r: 10, t: 10, b: 30 }, xaxis: { title: { text: "minutes ago" } } }, { displaylogo: false, responsive: true });
    if (pruning.per_step.length) Plotly.react(steps, [
      { type: "bar", name: "continue", x: pruning.per_step.map((s) => s.step), y: pruning.per_step.map((s) => s.continue) },
      { type: "bar", name: "prune", x: pruning.per_step.map((s) => s.step), y: pruning.per_step.map((s) => s.prune), marker: { color: "#c8423b" } }],
      { barmode: "stack", height: 240, margin: { l: 40, r: 10, t: 10, b: 30 }, xaxis: { title: { text: "step" } } }, { displaylogo: false, responsive: true });
  }
  try {
    const report = await get(`/studies/${id}/health`);
    clear(health, h("h3", {}, "Health"), h("table", { class: "grid" }, h("tbody", {}, report.checks.map((c) =>
      h("tr", {}, h("td", {}, h("span", { class: "badge h-" + String(c.status).toLowerCase().replace("/", "") }, c.status)), h("td", {}, c.name), h("td", {}, c.message))))));
  } catch (err) { clear(health, h("h3", {}, "Health"), h("p", { class: "error" }, err.message)); }
}
