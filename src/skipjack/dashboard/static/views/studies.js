import { get } from "../api.js";
import { h, clear, fmt, ago } from "../dom.js";
import { crumbs } from "../app.js";

const STATES = ["COMPLETE", "PRUNED", "FAIL", "RUNNING", "WAITING"];

export async function studyList(root, query) {
  crumbs({ text: "Studies" });
  const q = query.get("q") || "";
  const sort = query.get("sort") || "id";
  const order = query.get("order") || "asc";
  const data = await get("/studies", { q, sort, order });
  const search = h("input", { type: "search", placeholder: "Search studies", value: q,
    "aria-label": "search studies", id: "study-search" });
  let timer = 0;
  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(() => { location.hash = "#/?" + new URLSearchParams({ q: search.value, sort, order }); }, 250);
  });
  const head = (key, label) => h("th", {}, h("a", {
    href: "#/?" + new URLSearchParams({ q, sort: key, order: sort === key && order === "asc" ? "desc" : "asc" }),
  }, label, sort === key ? (order === "asc" ? " ▲" : " ▼") : ""));
  const picked = new Set();
  const compare = h("a", { class: "button disabled", href: "#/", id: "compare-link" }, "Compare selected");
  const updateCompare = () => {
    compare.className = "button" + (picked.size >= 2 ? "" : " disabled");
    compare.setAttribute("href", "#/compare?ids=" + [...picked].join(","));
  };
  const rows = data.studies.map((s) => h("tr", {},
    h("td", {}, h("input", { type: "checkbox", "aria-label": "compare", onchange: (e) => {
      e.target.checked ? picked.add(s.id) : picked.delete(s.id); updateCompare(); } })),
    h("td", { class: "name" }, h("a", { href: `#/studies/${s.id}` }, s.name)),
    h("td", {}, s.directions.join(", ")),
    h("td", { class: "num" }, s.n_trials),
    h("td", {}, h("span", { class: "counts" }, STATES.filter((st) => s.states[st]).map((st) =>
      h("span", { class: "badge s-" + st.toLowerCase(), title: st }, `${st.toLowerCase()} ${s.states[st]}`)))),
    h("td", { class: "num" }, s.directions.length === 1 ? fmt(s.best_value) : `${s.n_best_trials} on front`),
    h("td", {}, ago(s.last_activity)),
  ));
  clear(root,
    h("div", { class: "toolbar" }, h("h1", {}, "Studies"), search, compare),
    data.studies.length === 0 ? h("p", { class: "muted" }, q ? "No study matches." : "No study in this storage yet.") :
      h("table", { class: "grid", id: "studies" },
        h("thead", {}, h("tr", {}, h("th", {}, ""), head("name", "Name"), h("th", {}, "Directions"),
          head("n_trials", "Trials"), h("th", {}, "States"), head("best_value", "Best"),
          head("last_activity", "Last activity"))),
        h("tbody", {}, rows)));
  if (q) { search.focus(); search.setSelectionRange(q.length, q.length); }
}
