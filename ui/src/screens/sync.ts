// Sync: online or not, last sync, pending count, per-record errors, "sync now".

import { clear, formatTime, h, messageLine } from "../dom";
import { t } from "../i18n";
import { api } from "../ipc";
import type { Ctx, Screen } from "../main";
import type { SyncStatus } from "../types";
import { enrolForm } from "./unlock";

const REFRESH_MS = 2000;

export function syncScreen(ctx: Ctx): Screen {
  const el = h("section", { class: "card sync", "data-testid": "screen-sync" });
  const body = h("div", {});
  const msg = messageLine("sync-message");
  const now = h("button", { class: "primary wide", "data-testid": "sync-now" }, t("sync_now"));
  let timer: number | undefined;

  const draw = (s: SyncStatus) => {
    const online = s.online === true ? t("online") : s.online === false ? t("offline") : t("unknown");
    clear(
      body,
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, t("server_url")),
        h("dd", { "data-testid": "sync-server" }, s.server_url ?? "–"),
        h("dt", {}, t("online")),
        h("dd", { "data-testid": "sync-online", "data-online": String(s.online) }, online),
        h("dt", {}, t("last_sync")),
        h("dd", { "data-testid": "sync-last" }, s.last_sync_at ? formatTime(s.last_sync_at) : t("never")),
        h("dt", {}, t("pending_sync")),
        h("dd", { "data-testid": "sync-pending" }, String(s.pending)),
      ),
      s.last_error && h("p", { class: "message error", "data-testid": "sync-last-error" }, s.last_error),
      s.errors.length > 0 && h("h3", {}, t("sync_errors")),
      s.errors.length > 0 &&
        h(
          "ul",
          { class: "sync-errors", "data-testid": "sync-errors" },
          ...s.errors.map((e) => h("li", {}, h("b", {}, e.digits ?? e.record_id), ` ${e.reason}`)),
        ),
      h("p", { class: "hint" }, t("background_sync")),
    );
    now.disabled = s.syncing;
  };

  const load = async () => {
    const s = await api.syncStatus();
    if (!s.enrolled) {
      window.clearInterval(timer);
      const madeElsewhere = await api.pendingMakersElsewhere().catch(() => [] as string[]);
      clear(
        el,
        h("h2", {}, t("sync_title")),
        h("p", { class: "hint" }, t("not_enrolled")),
        ...replacementHint(madeElsewhere),
        enrolForm(() => {
          void ctx.refresh().then(() => ctx.go("sync"));
        }, false),
      );
      return;
    }
    draw(s);
  };

  now.addEventListener("click", async () => {
    msg.show("");
    now.disabled = true;
    try {
      const r = await api.syncNow();
      msg.show(t("sync_result", { sent: r.sent, accepted: r.accepted, rejected: r.rejected }), "ok");
    } catch (e) {
      msg.show((e as { message: string }).message);
    } finally {
      now.disabled = false;
      await load();
      await ctx.refresh();
    }
  });

  clear(el, h("h2", {}, t("sync_title")), body, msg.el, now);
  void load();
  timer = window.setInterval(() => void load(), REFRESH_MS);
  return { el, leave: () => window.clearInterval(timer) };
}

/** A restored queue's records keep the device that made them; the server takes them only from
 * a tablet enrolled with a code that replaces that device, so the supervisor must name it. */
function replacementHint(devices: string[]): HTMLElement[] {
  if (devices.length === 0) return [];
  return [
    h(
      "p",
      { class: "hint warn", "data-testid": "replaces-hint" },
      t("made_elsewhere"),
      ...devices.map((d) => h("code", { class: "device-id", "data-testid": "replaced-device" }, d)),
    ),
  ];
}
