// The app shell: top bar (session, counters, sync state, language, lock), navigation, screens.

import "./style.css";
import { clear, h } from "./dom";
import { lang, setLang, t } from "./i18n";
import { api } from "./ipc";
import { metrics } from "./metrics";
import type { AppStatus, Counts, SyncStatus } from "./types";
import { importScreen } from "./screens/import";
import { queueScreen } from "./screens/queue";
import { scanScreen } from "./screens/scan";
import { sessionScreen } from "./screens/session";
import { syncScreen } from "./screens/sync";
import { unlockScreen } from "./screens/unlock";

export type ScreenName = "scan" | "session" | "import" | "queue" | "sync";

export interface Screen {
  el: HTMLElement;
  /** Called when the screen is left: stop cameras, timers. */
  leave?: () => void | Promise<void>;
}

export interface Ctx {
  status: AppStatus;
  /** Reloads status and counters and redraws the top bar. */
  refresh: () => Promise<void>;
  go: (screen: ScreenName) => void;
}

const NAV: ScreenName[] = ["scan", "session", "import", "queue", "sync"];
const POLL_MS = 3000;

const root = document.getElementById("app") as HTMLElement;
let status: AppStatus | null = null;
let current: { name: ScreenName; screen: Screen } | null = null;
let bar: HTMLElement | null = null;
let main: HTMLElement | null = null;
let poll: number | undefined;

async function refresh(): Promise<void> {
  status = await api.appStatus();
  if (!status.unlocked) {
    showUnlock();
    return;
  }
  await drawBar();
}

async function drawBar(): Promise<void> {
  if (!bar || !status) return;
  let counts: Counts | null = null;
  let sync: SyncStatus | null = null;
  try {
    [counts, sync] = await Promise.all([api.counts(), api.syncStatus()]);
  } catch {
    // A locked queue or a hiccup: the bar shows what it knows.
  }
  const s = status.session;
  const sessionText = s
    ? `${s.venue} ・ ${s.maker} ${s.lot} ・ ${s.date} ・ ${t("dose_n", { n: s.dose })}`
    : t("session_none");
  const online = sync?.online;
  clear(
    bar,
    h("div", { class: "brand" }, t("app_title")),
    h(
      "button",
      { class: `session-summary ${s ? "" : "missing"}`, "data-testid": "session-summary", onclick: () => go("session") },
      sessionText,
    ),
    h(
      "div",
      { class: "counters" },
      h("span", { "data-testid": "count-session" }, `${t("this_session")} `, h("b", {}, counts?.session ?? "–")),
      h("span", { "data-testid": "count-pending" }, `${t("pending_sync")} `, h("b", {}, counts?.pending ?? "–")),
      h("span", {
        class: `dot ${online === true ? "on" : online === false ? "off" : ""}`,
        "data-testid": "online-dot",
        title: online === true ? t("online") : online === false ? t("offline") : t("unknown"),
      }),
    ),
    h(
      "button",
      {
        class: "small",
        "data-testid": "lang-switch",
        onclick: () => {
          setLang(lang() === "ja" ? "en" : "ja");
          showShell(current?.name ?? "scan");
        },
      },
      t("lang_switch"),
    ),
    h(
      "button",
      {
        class: "small",
        "data-testid": "lock",
        onclick: async () => {
          await leaveCurrent();
          await api.lock();
          await refresh();
        },
      },
      t("lock"),
    ),
  );
}

async function leaveCurrent(): Promise<void> {
  if (current?.screen.leave) await current.screen.leave();
  current = null;
}

function go(name: ScreenName): void {
  void (async () => {
    await leaveCurrent();
    if (!status || !main) return;
    const ctx: Ctx = { status, refresh, go };
    const screen = (() => {
      switch (name) {
        case "scan":
          return scanScreen(ctx);
        case "session":
          return sessionScreen(ctx);
        case "import":
          return importScreen(ctx);
        case "queue":
          return queueScreen(ctx);
        case "sync":
          return syncScreen(ctx);
      }
    })();
    current = { name, screen };
    clear(main, screen.el);
    for (const b of document.querySelectorAll<HTMLButtonElement>("nav button")) {
      b.classList.toggle("active", b.dataset.screen === name);
    }
    await drawBar();
  })();
}

function showShell(start: ScreenName): void {
  document.documentElement.lang = lang();
  bar = h("header", { class: "bar" });
  main = h("main", {});
  const nav = h(
    "nav",
    {},
    ...NAV.map((name) =>
      h("button", { "data-screen": name, "data-testid": `nav-${name}`, onclick: () => go(name) }, t(`nav_${name}`)),
    ),
  );
  clear(root, bar, nav, main);
  go(start);
  window.clearInterval(poll);
  poll = window.setInterval(() => void drawBar(), POLL_MS);
}

function showUnlock(): void {
  window.clearInterval(poll);
  bar = null;
  main = null;
  if (!status) return;
  clear(
    root,
    unlockScreen(status, async () => {
      status = await api.appStatus();
      showShell(status.session ? "scan" : "session");
    }).el,
  );
}

async function start(): Promise<void> {
  document.documentElement.lang = lang();
  try {
    status = await api.appStatus();
    metrics.webMemoryLimitMb = status.web_memory_limit_mb;
  } catch (e) {
    clear(root, h("p", { class: "message error" }, String((e as { message?: string }).message ?? e)));
    return;
  }
  if (status.unlocked) showShell(status.session ? "scan" : "session");
  else showUnlock();
}

void start();
