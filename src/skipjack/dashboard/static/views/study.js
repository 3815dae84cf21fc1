import { get, events } from "../api.js";
import { h, clear, fmt, ago, seconds, stateBadge } from "../dom.js";
import { app, crumbs, setLive } from "../app.js";
import { PLOTS, draw, objectiveName, loadPlotly } from "../plots.js";
import { noteEditor } from "./note.js";

const STATES = ["COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"];

// Calls fn at most once per `ms`, the last call of a burst always honoured (trailing edge).
function throttle(fn, ms) {
  let last = 0, timer = null;
  return () => {
    if (timer) return;
    const wait = Math.max(0, ms - (Date.now() - last));
    timer = setTimeout(async () => { timer = null; last = Date.now(); await fn(); }, wait);
  };
}

export function summaryCards(s) {
  const best = s.directions.length === 1
    ? [h("div", { class: "card" }, h("div", { class: "label" }, "Best value"), h("div", { class: "big", id: "best-value" }, fmt(s.best_value)),
        s.best_trial !== null ? h("a", { href: `#/studies/${s.id}/trials/${s.best_trial}` }, `trial #${s.best_trial}`) : null)]
    : [h("div", { class: "card" }, h("div", { class: "label" }, "Pareto front"), h("div", { class: "big" }, `${s.n_best_trials} trials`))];
  return h("div", { class: "cards", id: "summary" },
    h("div", { class: "card" }, h("div", { class: "label" }, "Trials"), h("div", { class: "big", id: "n-trials" }, s.n_trials)),
    STATES.map((st) => h("div", { class: "card" }, h("div", { class: "label" }, stateBadge(st)),
      h("div", { class: "big", id: "count-" + st.toLowerCase() }, s.states[st] || 0))),
    best,
    h("div", { class: "card" }, h("div", { class: "label" }, "Directions"), h("div", {},
      s.directions.map((d, i) => h("div", {}, `${objectiveName(s, i)}: ${d}`)))),
    h("div", { class: "card" }, h("div", { class: "label" }, "Last activity"), h("div", {}, ago(s.last_activity))));
}

export async function studyPage(root, id, query) {
  const study = await get(`/studies/${id}`);
  crumbs({ text: "Studies", href: "#/" }, { text: study.name });
  const tab = query.get("tab") || "trials";
  const objective = +(query.get("objective") || 0);
  const tabs = [["trials", "Trials"], ...PLOTS.filter(([k]) => k !== "pareto" || study.directions.length > 1)];
  const link = (t) => `#/studies/${id}?` + new URLSearchParams({ tab: t, objective });
  const body = h("div", { id: "tab-body" });
  let summary = summaryCards(study);
  clear(root,
    h("div", { class: "toolbar" }, h("h1", { id: "study-name" }, study.name),
      h("a", { class: "button", href: `#/studies/${id}/ops` }, "Operations")),
    summary,
    noteEditor(`/studies/${id}/note`, study.note),
    h("nav", { class: "tabs" }, tabs.map(([k, label]) => h("a", { href: link(k), class: k === tab ? "active" : "" }, label)),
      study.directions.length > 1 ? h("select", { "aria-label": "objective", onchange: (e) => { location.hash = `#/studies/${id}?` + new URLSearchParams({ tab, objective: e.target.value }); } },
        study.directions.map((_, i) => h("option", { value: i, selected: i === objective }, objectiveName(study, i)))) : null),
    body);

  let refresh = () => {};
  if (tab === "trials") refresh = await trialTable(body, study, query);
  else refresh = await plotTab(body, study, tab, objective, query);

  const src = events(id, study.seq, (u) => {
    const fresh = summaryCards(u.summary);
    summary.replaceWith(fresh); summary = fresh;
    refresh(u);
  }, setLive);
  app.cleanup.push(() => src.close());
  // fetch plotly.js once the page is up, so the first plot tab opens without waiting for it
  const prefetch = setTimeout(loadPlotly, 1500);
  app.cleanup.push(() => clearTimeout(prefetch));
}

// The table's query from the page's address (also used to read its first page early).
export function tableParams(query) {
  return {
    state: query.get("state") || "", sort: query.get("sort") || "number", order: query.get("order") || "desc",
    offset: +(query.get("offset") || 0), limit: +(query.get("limit") || 50),
    param: query.getAll("param"), attr: query.getAll("attr"),
  };
}

async function trialTable(body, study, query) {
  const params = tableParams(query);
  const href = (change) => {
    const q = new URLSearchParams({ tab: "trials" });
    const merged = { ...params, ...change };
    for (const [k, v] of Object.entries(merged)) {
      if (Array.isArray(v)) v.filter(Boolean).forEach((x) => q.append(k, x)); else if (v !== "" && v !== null) q.set(k, v);
    }
    return `#/studies/${study.id}?` + q;
  };
  const stateSel = h("select", { "aria-label": "state filter", id: "state-filter" },
    h("option", { value: "" }, "all states"), STATES.map((s) => h("option", { value: s, selected: params.state === s }, s)));
  const paramIn = h("input", { type: "text", id: "param-filter", placeholder: "param filter, e.g. x<0.5", value: params.param.join(" & ") });
  const attrIn = h("input", { type: "text", id: "attr-filter", placeholder: "attr filter, e.g. tag=a", value: params.attr.join(" & ") });
  const apply = h("button", { type: "submit", id: "apply-filter" }, "Filter");
  const form = h("form", { class: "filters", onsubmit: (e) => {
    e.preventDefault();
    location.hash = href({ state: stateSel.value, offset: 0,
      param: paramIn.value.split("&").map((s) => s.trim()).filter(Boolean),
      attr: attrIn.value.split("&").map((s) => s.trim()).filter(Boolean) });
  } }, stateSel, paramIn, attrIn, apply);
  const table = h("div", { id: "trials-table" });
  clear(body, form, table);

  const sortHead = (key, label) => h("th", {}, h("a", { href: href({ sort: key, offset: 0, order: params.sort === key && params.order === "asc" ? "desc" : "asc" }) },
    label, params.sort === key ? (params.order === "asc" ? " ▲" : " ▼") : ""));

  let cols = null, total = 0;
  function rowOf(t) {
    const { pNames, aNames, nObj } = cols;
    return h("tr", { dataset: { number: t.number } },
      h("td", { class: "num" }, h("a", { href: `#/studies/${study.id}/trials/${t.number}` }, "#" + t.number)),
      h("td", {}, stateBadge(t.state)),
      [...Array(nObj).keys()].map((i) => h("td", { class: "num" }, t.values ? fmt(t.values[i]) : "–")),
      pNames.map((n) => h("td", {}, fmt(t.params[n]))),
      aNames.map((n) => h("td", {}, fmt(t.user_attrs[n]))),
      h("td", { class: "num" }, seconds(t.duration)),
      h("td", {}, t.datetime_start ? t.datetime_start.replace("T", " ").slice(0, 19) : "–"));
  }
  const plain = params.sort === "number" && params.order === "desc" && params.offset === 0 &&
    !params.state && !params.param.length && !params.attr.length;

  // Live update: in the default view (newest first, no filter) the event's rows are applied
  // directly; otherwise the current page is read again (one page, never the whole study).
  async function update(u) {
    const tbody = table.querySelector("#trials tbody");
    const known = u && !u.reload && cols && tbody && u.trials.every((t) =>
      Object.keys(t.params).every((n) => cols.pNames.includes(n)) &&
      Object.keys(t.user_attrs).every((n) => cols.aNames.includes(n)));
    if (!plain || !known) return reload();
    for (const t of u.trials) {
      const row = rowOf(t);
      const old = tbody.querySelector(`tr[data-number="${t.number}"]`);
      if (old) old.replaceWith(row);
      else {
        const after = [...tbody.children].find((r) => +r.dataset.number < t.number);
        if (after) tbody.insertBefore(row, after);
        else if (tbody.children.length < params.limit) tbody.append(row);
        else continue;
      }
    }
    total = u.summary.n_trials;
    while (tbody.children.length > params.limit) tbody.lastChild.remove();
    const info = table.querySelector("#page-info");
    if (info) info.textContent = `1–${tbody.children.length} of ${total}`;
  }

  async function load() {
    let page;
    try { page = await get(`/studies/${study.id}/trials`, params); }
    catch (err) { clear(table, h("p", { class: "error", role: "alert" }, err.message)); return; }
    const names = new Set(study.param_names); const attrs = new Set(study.attr_names);
    page.trials.forEach((t) => { Object.keys(t.params).forEach((n) => names.add(n)); Object.keys(t.user_attrs).forEach((n) => attrs.add(n)); });
    const pNames = [...names].sort(), aNames = [...attrs].sort();
    const nObj = study.directions.length;
    cols = { pNames, aNames, nObj };
    const rows = page.trials.map(rowOf);
    total = page.total;
    const last = Math.min(page.offset + page.limit, page.total);
    clear(table,
      h("table", { class: "grid", id: "trials" },
        h("thead", {}, h("tr", {}, sortHead("number", "#"), sortHead("state", "State"),
          [...Array(nObj).keys()].map((i) => sortHead(i ? `value:${i}` : "value", objectiveName(study, i))),
          pNames.map((n) => sortHead("param:" + n, n)), aNames.map((n) => sortHead("attr:" + n, n)),
          sortHead("duration", "Duration"), sortHead("datetime_start", "Started"))),
        h("tbody", {}, rows)),
      h("div", { class: "pager" },
        h("span", { id: "page-info" }, page.total ? `${page.offset + 1}–${last} of ${page.total}` : "no trial matches"),
        page.offset > 0 ? h("a", { class: "button", href: href({ offset: Math.max(0, page.offset - page.limit) }) }, "‹ Previous") : null,
        last < page.total ? h("a", { class: "button", id: "next-page", href: href({ offset: page.offset + page.limit }) }, "Next ›") : null));
  }
  const reload = throttle(load, 200);
  await load();
  return update;
}

async function plotTab(body, study, kind, objective, query) {
  const el = h("div", { class: "plot", id: "plot-" + kind });
  const info = h("p", { class: "muted plot-info" });
  let controls = null;
  const x = query.get("x"), y = query.get("y");
  clear(body, h("div", { class: "plot-controls" }), el, info);
  async function load() {
    const d = await get(`/studies/${study.id}/plots/${kind}`, { objective, x, y });
    if (kind === "contour" && d.params && d.params.length >= 2 && !controls) {
      const pick = (axis, cur) => h("select", { "aria-label": axis, onchange: (e) => {
        const q = new URLSearchParams({ tab: kind, objective, x: d.x, y: d.y }); q.set(axis, e.target.value);
        location.hash = `#/studies/${study.id}?` + q; } }, d.params.map((p) => h("option", { value: p, selected: p === cur }, p)));
      controls = [h("label", {}, "x ", pick("x", d.x)), " ", h("label", {}, "y ", pick("y", d.y))];
      body.firstChild.replaceChildren(...controls);
    }
    if (kind === "pareto" && !controls) {
      const pick = (axis, cur) => h("select", { "aria-label": axis, onchange: (e) => {
        const q = new URLSearchParams({ tab: kind, objective, x: d.x, y: d.y }); q.set(axis, e.target.value);
        location.hash = `#/studies/${study.id}?` + q; } }, study.directions.map((_, i) => h("option", { value: i, selected: i === cur }, objectiveName(study, i))));
      controls = [h("label", {}, "x ", pick("x", d.x)), " ", h("label", {}, "y ", pick("y", d.y))];
      body.firstChild.replaceChildren(...controls);
    }
    await draw(el, kind, d, study, objective, (n) => { location.hash = `#/studies/${study.id}/trials/${n}`; });
    info.textContent = `${d.n} trials` + (kind === "pareto" ? `, ${d.n_front} on the front` : "");
  }
  await load();
  return throttle(load, 3000);
}
