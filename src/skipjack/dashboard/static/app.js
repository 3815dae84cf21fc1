// Hash router: #/ (studies), #/studies/ID, #/studies/ID/trials/N, #/studies/ID/ops, #/compare?ids=1,2
import { get, prefetch } from "./api.js";
import { h, clear } from "./dom.js";
import { studyList } from "./views/studies.js";
import { studyPage, tableParams } from "./views/study.js";
import { trialPage } from "./views/trial.js";
import { opsPage } from "./views/ops.js";
import { comparePage } from "./views/compare.js";

export const app = { meta: { read_only: true }, cleanup: [] };

function parse() {
  const [path, query] = (location.hash.slice(1) || "/").split("?");
  return { parts: path.split("/").filter(Boolean), query: new URLSearchParams(query || "") };
}

export function crumbs(...items) {
  const nav = document.getElementById("crumbs");
  clear(nav, items.map((it, i) => [i ? h("span", { class: "sep" }, "/") : null,
    it.href ? h("a", { href: it.href }, it.text) : h("span", {}, it.text)]));
}

export function setLive(on) {
  const el = document.getElementById("live");
  el.className = "live" + (on === true ? " on" : on === false ? " off" : "");
  el.textContent = on === true ? "● live" : on === false ? "○ reconnecting" : "";
}

async function route() {
  for (const fn of app.cleanup.splice(0)) fn();
  setLive(null);
  const root = document.getElementById("app");
  const { parts, query } = parse();
  try {
    if (parts.length === 0) await studyList(root, query);
    else if (parts[0] === "studies" && parts.length === 2) await studyPage(root, +parts[1], query);
    else if (parts[0] === "studies" && parts[2] === "trials" && parts.length === 4)
      await trialPage(root, +parts[1], +parts[3]);
    else if (parts[0] === "studies" && parts[2] === "ops") await opsPage(root, +parts[1]);
    else if (parts[0] === "compare") await comparePage(root, query);
    else clear(root, h("p", { class: "error" }, "No such page."), h("a", { href: "#/" }, "All studies"));
  } catch (err) {
    clear(root, h("p", { class: "error", role: "alert" }, err.message || String(err)),
      h("a", { href: "#/" }, "All studies"));
  }
}

async function start() {
  // A study page's first reads go out with /api/meta, not after it.
  const { parts, query } = parse();
  if (parts[0] === "studies" && parts.length === 2) {
    prefetch(`/studies/${+parts[1]}`);
    if ((query.get("tab") || "trials") === "trials") prefetch(`/studies/${+parts[1]}/trials`, tableParams(query));
  }
  try { app.meta = await get("/meta"); } catch (e) { /* shown by the page itself */ }
  document.getElementById("mode").textContent = app.meta.read_only ? "read-only" : "";
  window.addEventListener("hashchange", route);
  await route();
}

start();
