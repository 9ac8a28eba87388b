// Importing a folder of scanned forms: a progress bar and one result line per file.

import { clear, field, h, messageLine } from "../dom";
import { t } from "../i18n";
import { Channel, api } from "../ipc";
import type { Ctx, Screen } from "../main";
import type { ImportEvent, ImportItem } from "../types";
import { duplicateLine, statusLabel, tone } from "./verdict";

export function importScreen(ctx: Ctx): Screen {
  const path = h("input", { type: "text", "data-testid": "import-path" });
  const bar = h("progress", { "data-testid": "import-progress", value: 0, max: 1 });
  const counter = h("span", { "data-testid": "import-counter" });
  const list = h("ol", { class: "results", "data-testid": "import-results" });
  const msg = messageLine("import-message");
  const startButton = h("button", { class: "primary", "data-testid": "import-start" }, t("import_start"));

  void api.defaultPaths().then((p) => {
    if (!path.value) path.value = p.import;
  });

  const row = (item: ImportItem) =>
    h(
      "li",
      { class: `result ${item.status === "saved" ? "good" : tone(item.status)}`, "data-status": item.status, "data-file": item.file },
      h("span", { class: "file" }, item.file),
      h("b", {}, item.fields?.digits ?? ""),
      h("span", { class: "what" }, item.status === "saved" ? t("st_saved") : statusLabel(item.status)),
      h("span", { class: "why" }, item.duplicate_of ? duplicateLine(item.duplicate_of) : (item.reason ?? "")),
    );

  startButton.addEventListener("click", async () => {
    msg.show("");
    clear(list);
    bar.value = 0;
    startButton.disabled = true;
    const events = new Channel<ImportEvent>();
    events.onmessage = (ev) => {
      if (ev.type === "file") {
        bar.max = Math.max(ev.total, 1);
        bar.value = ev.index + 1;
        counter.textContent = `${ev.index + 1} / ${ev.total}`;
        list.append(row(ev));
      }
    };
    try {
      const summary = await api.importFolder(path.value.trim(), events);
      msg.show(t("import_done", { total: summary.total, saved: summary.saved, failed: summary.failed + summary.duplicates }), "ok");
      await ctx.refresh();
    } catch (e) {
      msg.show((e as { message: string }).message);
    } finally {
      startButton.disabled = false;
    }
  });

  const el = h(
    "section",
    { class: "card import", "data-testid": "screen-import" },
    h("h2", {}, t("import_title")),
    h("p", { class: "hint" }, t("import_hint")),
    field(t("folder_path"), path),
    h("div", { class: "row" }, startButton, bar, counter),
    msg.el,
    list,
  );
  return { el };
}
