// The JSON API: GET helpers, writes with the CSRF token, server-sent events.
function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [k, ...v] = part.trim().split("=");
    if (k === name) return decodeURIComponent(v.join("="));
  }
  return "";
}

export class ApiError extends Error {
  constructor(status, detail) { super(detail); this.status = status; }
}

async function handle(res) {
  const body = await res.json().catch(() => ({ detail: res.statusText }));
  if (!res.ok) throw new ApiError(res.status, body.detail || res.statusText);
  return body;
}

function apiUrl(path, params = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (Array.isArray(v)) v.forEach((x) => q.append(k, x));
    else if (v !== null && v !== undefined && v !== "") q.set(k, v);
  }
  const qs = q.toString();
  return "/api" + path + (qs ? "?" + qs : "");
}

// Answers asked for before the page needs them (the first page's reads, sent together with
// /api/meta instead of one after the other); each is used once.
const early = new Map();

export function prefetch(path, params = {}) {
  const url = apiUrl(path, params);
  if (!early.has(url)) early.set(url, fetch(url, { credentials: "same-origin" }));
}

export async function get(path, params = {}) {
  const url = apiUrl(path, params);
  const pending = early.get(url);
  if (pending) { early.delete(url); return handle(await pending); }
  return handle(await fetch(url, { credentials: "same-origin" }));
}

export async function send(method, path, body) {
  return handle(await fetch("/api" + path, {
    method, credentials: "same-origin",
    headers: { "content-type": "application/json", "x-skipjack-csrf": cookie("skipjack_csrf") },
    body: JSON.stringify(body),
  }));
}

export function events(studyId, since, onUpdate, onState) {
  const src = new EventSource(`/api/studies/${studyId}/events?since=${since}`);
  src.addEventListener("update", (e) => onUpdate(JSON.parse(e.data)));
  src.onopen = () => onState(true);
  src.onerror = () => onState(false);
  return src;
}
