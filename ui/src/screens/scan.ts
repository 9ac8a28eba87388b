// Scanning: live preview with a guide frame, each frame's verdict at once, confirmation of
// OCR-only reads, manual entry, and the session's recent saves.

import { clear, h, messageLine } from "../dom";
import { t } from "../i18n";
import { Channel, api } from "../ipc";
import type { Ctx, Screen } from "../main";
import type { SaveOutcome, ScanEvent, ScanVerdict } from "../types";
import { verdictDrawn } from "../metrics";
import { manualEntry } from "./manual";
import { previewPainter, watchStream, type StreamWatch } from "./preview";
import { sourceSettings } from "./source";
import { beep, ticketDigits, tone, verdictBody } from "./verdict";

/** Statuses that never replace a shown OCR-only read awaiting the operator. */
const QUIET = new Set(["pending", "unreadable"]);
const RECENT_MAX = 8;

export function scanScreen(ctx: Ctx): Screen {
  const img = h("img", { class: "preview-img", "data-testid": "preview", alt: "" });
  const frameTag = h("span", { class: "frame-tag", "data-testid": "preview-frame" });
  const painter = previewPainter(img, frameTag);
  const fpsTag = h("span", { class: "fps-tag", "data-testid": "preview-fps" });
  const preview = h(
    "div",
    { class: "preview" },
    img,
    h("div", { class: "guide" }),
    h("div", { class: "guide-hint" }, t("scan_hint")),
    frameTag,
    fpsTag,
  );
  const panel = h("section", { class: "verdict idle", "data-testid": "verdict", "data-status": "idle" });
  const recent = h("ol", { class: "recent", "data-testid": "recent" });
  const msg = messageLine("scan-message");
  const toggle = h("button", { class: "primary", "data-testid": "scan-toggle" }, t("scan_start"));

  let run = 0;
  let running = false;
  let shownFrame = 0;
  let shown: ScanVerdict | null = null;
  let pullTimer: number | undefined;
  let streamWatch: StreamWatch | null = null;

  const addRecent = (digits: string, note: string) => {
    recent.prepend(h("li", { "data-digits": digits }, h("b", {}, digits), ` ${note}`));
    while (recent.children.length > RECENT_MAX) recent.lastElementChild?.remove();
  };

  const drawVerdict = (v: ScanVerdict) => {
    shown = v;
    panel.className = `verdict ${tone(v.status)}`;
    panel.dataset.status = v.status === "accepted" && v.already_saved ? "already_saved" : v.status;
    panel.dataset.frame = String(v.frame_id);
    clear(panel, ...verdictBody(v));
    if (v.status === "unconfirmed" && v.fields) panel.append(confirmControls(v));
  };

  const confirmControls = (v: ScanVerdict): HTMLElement => {
    const fields = v.fields;
    if (!fields) return h("div", {});
    const fix = h("input", {
      type: "text",
      inputmode: "numeric",
      class: "manual-digits",
      "data-testid": "confirm-input",
      value: fields.digits,
    });
    const result = messageLine("confirm-message");
    const confirm = async () => {
      try {
        const outcome = await api.confirmRead(v.run, v.frame_id, fix.value.replace(/\s/g, ""));
        onSaved(outcome, v.frame_id);
        result.show(outcome.status === "saved" ? t("st_saved") : t("st_duplicate"), outcome.status === "saved" ? "ok" : "error");
      } catch (e) {
        result.show((e as { message: string }).message);
      }
    };
    return h(
      "div",
      { class: "confirm" },
      h(
        "div",
        { class: "confirm-row" },
        v.crop_jpeg && h("img", { class: "crop", "data-testid": "confirm-crop", src: `data:image/jpeg;base64,${v.crop_jpeg}` }),
        ticketDigits(fields, "confirm-digits"),
      ),
      h("label", { class: "field" }, h("span", {}, t("fix_digits")), fix),
      result.el,
      h("button", { class: "primary wide", "data-testid": "confirm-submit", onclick: () => void confirm() }, t("confirm_read")),
    );
  };

  const onSaved = (outcome: SaveOutcome, frameId: number | null) => {
    if (outcome.status === "saved") {
      beep();
      addRecent(outcome.fields.digits, frameId ? `#${frameId}` : t("manual_title"));
    }
    void ctx.refresh();
  };

  const onEvent = (ev: ScanEvent) => {
    if (ev.run !== run) return; // a stopped run's late message
    if (ev.type === "stats") {
      fpsTag.textContent = t("preview_fps", { fps: ev.preview_fps.toFixed(1) });
      fpsTag.dataset.fps = String(ev.preview_fps);
      return;
    }
    if (ev.type === "stopped") {
      setRunning(false);
      if (ev.reason) msg.show(ev.reason);
      return;
    }
    // A verdict belongs to its frame: an older frame's verdict never replaces a newer one.
    if (ev.frame_id <= shownFrame) return;
    shownFrame = ev.frame_id;
    if (shown?.status === "unconfirmed" && QUIET.has(ev.status)) return;
    drawVerdict(ev);
    verdictDrawn(
      { run: ev.run, frame_id: ev.frame_id, status: ev.status, label: ev.label, digits: ev.fields?.digits ?? null },
      ev.captured_ms,
    );
    if (ev.status === "accepted" && !ev.already_saved && ev.fields) {
      beep();
      addRecent(ev.fields.digits, `#${ev.frame_id}`);
      void ctx.refresh();
    }
  };

  const showJpeg = (bytes: ArrayBuffer) => {
    if (bytes.byteLength < 8) return;
    const id = Number(new DataView(bytes).getBigUint64(0, true));
    painter.show(new Blob([new Uint8Array(bytes, 8)], { type: "image/jpeg" }), id);
  };

  const pullFrom = (url: string) => {
    // Pulls the newest preview once the last is in, so requests never pile up; a frame already
    // shown is not drawn again (so the drawn rate is of distinct frames) and the next pull waits.
    let lastId = 0;
    const pull = async () => {
      if (!running) return;
      let waitMs = 0;
      try {
        // `after`: the app answers 204 until a newer frame than the one shown exists.
        const r = await fetch(`${url}?after=${lastId}`, { cache: "no-store" });
        const id = Number(r.headers.get("X-Frame-Id") ?? 0);
        if (r.status === 200 && id !== lastId) {
          lastId = id;
          painter.show(await r.blob(), id);
        } else {
          waitMs = 10;
        }
      } catch {
        waitMs = 200;
      }
      if (running) pullTimer = window.setTimeout(() => void pull(), waitMs);
    };
    void pull();
  };

  const setRunning = (on: boolean) => {
    running = on;
    toggle.textContent = on ? t("scan_stop") : t("scan_start");
    toggle.dataset.running = String(on);
  };

  const start = async () => {
    msg.show("");
    if (!ctx.status.session) {
      msg.show(t("session_needed"));
      return;
    }
    const events = new Channel<ScanEvent>();
    events.onmessage = onEvent;
    const previewChannel = new Channel<ArrayBuffer>();
    previewChannel.onmessage = showJpeg;
    try {
      // Take the run id before any message of the run can arrive.
      run = -1;
      painter.reset();
      const started = await api.startScan(events, previewChannel);
      run = started.run;
      shownFrame = 0;
      shown = null;
      setRunning(true);
      if (started.preview_url) pullFrom(started.preview_url);
      streamWatch?.stop();
      streamWatch = started.preview_stream
        ? watchStream(img, frameTag, started.preview_stream, started.preview_stamped)
        : null;
    } catch (e) {
      msg.show((e as { message: string }).message);
    }
  };

  const stop = async () => {
    setRunning(false);
    window.clearTimeout(pullTimer);
    streamWatch?.stop();
    streamWatch = null;
    await api.stopScan().catch(() => undefined);
  };

  toggle.addEventListener("click", () => void (running ? stop() : start()));

  const el = h(
    "div",
    { class: "scan", "data-testid": "screen-scan" },
    h("div", { class: "scan-left" }, preview, h("div", { class: "row" }, toggle), msg.el, sourceSettings(async () => {
      if (running) {
        await stop();
        await start();
      }
    })),
    h(
      "div",
      { class: "scan-right" },
      panel,
      manualEntry((outcome) => onSaved(outcome, null)),
      h("section", { class: "card" }, h("h3", {}, t("recent")), recent),
    ),
  );

  clear(panel, h("div", { class: "verdict-title" }, t("scan_hint")));
  if (ctx.status.session) void start();
  else msg.show(t("session_needed"));

  return {
    el,
    leave: async () => {
      if (running) await stop();
      painter.dispose();
    },
  };
}

