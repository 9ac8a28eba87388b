// The supervisor's view of the queue: counts, search, versions, void/correct with a reason,
// quarantined records with the server's reason, CSV export, backup and restore.

import { clear, field, formatTime, h, messageLine } from "../dom";
import { t } from "../i18n";
import type { Key } from "../i18n";
import { api } from "../ipc";
import type { Ctx, Screen } from "../main";
import type { Correction, Counts, RecordQuery, RecordRow } from "../types";

const FILTERS: RecordQuery["filter"][] = ["all", "pending", "synced", "quarantined", "voided"];
const COUNT_KEYS: [keyof Counts, Key][] = [
  ["total", "c_total"],
  ["active", "c_active"],
  ["voided", "c_voided"],
  ["pending", "c_pending"],
  ["synced", "c_synced"],
  ["quarantined", "c_quarantined"],
];
const PAGE = 200;

export function queueScreen(ctx: Ctx): Screen {
  const counts = h("div", { class: "counts", "data-testid": "queue-counts" });
  const search = h("input", { type: "search", "data-testid": "queue-search", placeholder: t("search") });
  const list = h("div", { class: "records", "data-testid": "queue-list" });
  const msg = messageLine("queue-message");
  let filter: RecordQuery["filter"] = "all";

  const filterButtons = FILTERS.map((f) =>
    h(
      "button",
      {
        class: `chip ${f === filter ? "active" : ""}`,
        "data-testid": `filter-${f}`,
        onclick: (e: Event) => {
          filter = f;
          for (const b of filterButtons) b.classList.remove("active");
          (e.currentTarget as HTMLElement).classList.add("active");
          void load();
        },
      },
      t(`filter_${f}`),
    ),
  );

  const load = async () => {
    try {
      const [c, rows] = await Promise.all([
        api.counts(),
        api.listRecords({ search: search.value.trim(), filter, limit: PAGE }),
      ]);
      clear(
        counts,
        ...COUNT_KEYS.map(([k, label]) =>
          h("div", { class: "count", "data-testid": `count-${k}` }, h("small", {}, t(label)), h("b", {}, c[k])),
        ),
      );
      clear(list, ...(rows.length ? rows.map(recordRow) : [h("p", { class: "hint" }, t("no_records"))]));
    } catch (e) {
      msg.show((e as { message: string }).message);
    }
  };

  const recordRow = (r: RecordRow): HTMLElement => {
    const details = h("div", { class: "record-details" });
    const row = h(
      "details",
      { class: `record ${r.status} ${r.sync}`, "data-testid": "record", "data-id": r.id, "data-digits": r.fields.digits, "data-sync": r.sync, "data-status": r.status },
      h(
        "summary",
        {},
        h("b", { class: "mono" }, r.fields.digits),
        h("span", {}, formatTime(r.vaccinated_at)),
        h("span", {}, r.venue),
        h("span", {}, `${r.maker} ${r.lot}`),
        h("span", { class: `tag ${r.status}` }, t(`status_${r.status}`)),
        h("span", { class: `tag ${r.sync}` }, t(`sync_${r.sync}`)),
        h("span", { class: "version" }, `v${r.version}`),
      ),
      details,
    );
    row.addEventListener("toggle", () => {
      if (row.open) void drawDetails(r, details);
    });
    return row;
  };

  const drawDetails = async (r: RecordRow, box: HTMLElement) => {
    const versions = await api.recordVersions(r.id).catch(() => [] as RecordRow[]);
    const reason = h("input", { type: "text", "data-testid": "change-reason" });
    const venue = h("input", { type: "text", "data-testid": "correct-venue", value: r.venue });
    const lot = h("input", { type: "text", "data-testid": "correct-lot", value: r.lot });
    const maker = h("input", { type: "text", "data-testid": "correct-maker", value: r.maker });
    const rowMsg = messageLine("record-message");
    const act = async (what: "void" | "correct") => {
      if (!reason.value.trim()) {
        rowMsg.show(t("reason_needed"));
        return;
      }
      try {
        if (what === "void") await api.voidRecord(r.id, reason.value.trim());
        else {
          const changes: Correction = {};
          if (venue.value !== r.venue) changes.venue = venue.value.trim();
          if (lot.value !== r.lot) changes.lot = lot.value.trim();
          if (maker.value !== r.maker) changes.maker = maker.value.trim();
          await api.correctRecord(r.id, changes, reason.value.trim());
        }
        await load();
        await ctx.refresh();
      } catch (e) {
        rowMsg.show((e as { message: string }).message);
      }
    };
    const retry = async () => {
      try {
        await api.retryRecord(r.id);
        await load();
        await ctx.refresh();
      } catch (e) {
        rowMsg.show((e as { message: string }).message);
      }
    };
    clear(
      box,
      r.server_reason && h("p", { class: "message error", "data-testid": "server-reason" }, `${t("server_reason")}: ${r.server_reason}`),
      r.sync === "quarantined" &&
        h(
          "div",
          { class: "row" },
          h("p", { class: "hint" }, t("retry_hint")),
          h("button", { "data-testid": "retry-submit", onclick: () => void retry() }, t("retry")),
        ),
      h("p", { class: "hint" }, `${r.operator} · ${t("dose_n", { n: r.dose })} · ${r.evidence}`),
      h("h4", {}, t("versions")),
      h(
        "ol",
        { class: "versions", "data-testid": "versions" },
        ...versions.map((v) =>
          h("li", {}, `v${v.version} · ${t(`status_${v.status}`)} · ${v.venue} · ${v.maker} ${v.lot}${v.change_reason ? ` · ${v.change_reason}` : ""}`),
        ),
      ),
      r.status === "active" &&
        h(
          "div",
          { class: "correct" },
          field(t("venue"), venue),
          field(t("maker"), maker),
          field(t("lot"), lot),
          field(t("reason"), reason),
          rowMsg.el,
          h(
            "div",
            { class: "row" },
            h("button", { "data-testid": "correct-submit", onclick: () => void act("correct") }, t("correct")),
            h("button", { class: "danger", "data-testid": "void-submit", onclick: () => void act("void") }, t("void")),
          ),
        ),
    );
  };

  const filePanel = (): HTMLElement => {
    const exportPath = h("input", { type: "text", "data-testid": "export-path" });
    const backupPath = h("input", { type: "text", "data-testid": "backup-path" });
    const restorePin = h("input", { type: "password", inputmode: "numeric", "data-testid": "restore-pin" });
    void api.defaultPaths().then((p) => {
      exportPath.value = p.export_csv;
      backupPath.value = p.backup;
    });
    const run = async (what: "export" | "backup" | "restore") => {
      msg.show("");
      try {
        const r =
          what === "export"
            ? await api.exportCsv(exportPath.value.trim())
            : what === "backup"
              ? await api.backup(backupPath.value.trim())
              : await api.restore(backupPath.value.trim(), restorePin.value);
        msg.show(t(what === "restore" ? "restored" : "written", { path: r.path, count: r.count }), "ok");
        if (what === "restore") {
          await load();
          await ctx.refresh();
        }
      } catch (e) {
        msg.show((e as { message: string }).message);
      }
    };
    return h(
      "details",
      { class: "card files" },
      h("summary", {}, `${t("export_csv")} · ${t("backup")} · ${t("restore")}`),
      field(t("path"), exportPath),
      h("button", { "data-testid": "export-submit", onclick: () => void run("export") }, t("export_csv")),
      field(t("path"), backupPath),
      h("button", { "data-testid": "backup-submit", onclick: () => void run("backup") }, t("backup")),
      field(t("pin"), restorePin),
      h("button", { class: "danger", "data-testid": "restore-submit", onclick: () => void run("restore") }, t("restore")),
    );
  };

  let debounce: number | undefined;
  search.addEventListener("input", () => {
    window.clearTimeout(debounce);
    debounce = window.setTimeout(() => void load(), 200);
  });

  const el = h(
    "section",
    { class: "queue", "data-testid": "screen-queue" },
    counts,
    h("div", { class: "row" }, search, ...filterButtons),
    msg.el,
    list,
    filePanel(),
  );
  void load();
  return { el };
}
