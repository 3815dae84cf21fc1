// A note editor (study or trial), saved through the API with optimistic versioning.
import { send } from "../api.js";
import { h } from "../dom.js";
import { app } from "../app.js";

export function noteEditor(path, note) {
  let version = note.version;
  const text = h("textarea", { rows: 2, class: "note-body", "aria-label": "note", placeholder: "No note yet." });
  text.value = note.body;
  const status = h("span", { class: "muted note-status" }, note.updated ? `saved ${note.updated}` : "");
  const save = h("button", { type: "button", class: "note-save" }, "Save note");
  if (app.meta.read_only) { text.readOnly = true; save.disabled = true; save.title = "read-only dashboard"; }
  save.addEventListener("click", async () => {
    save.disabled = true;
    try {
      const saved = await send("PUT", path, { body: text.value, version });
      version = saved.version;
      status.textContent = `saved ${saved.updated}`;
      status.className = "muted note-status ok";
    } catch (err) {
      status.textContent = err.message;
      status.className = "error note-status";
    } finally { save.disabled = app.meta.read_only; }
  });
  return h("section", { class: "note" }, h("h3", {}, "Note"), text, h("div", {}, save, " ", status));
}
