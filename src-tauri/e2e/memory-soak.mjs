// The app's memory over a long scanning run, outside WebDriver. Under automation WebKit keeps
// the page in one web process, so the renewal that bounds the web process's memory
// (src-tauri/src/web_recycle.rs) cannot happen there. This run starts the app on the data folder
// and frames the end-to-end run left behind, types the PIN into the window with xdotool as an
// operator would (the app then opens the scan screen and scans), and samples the memory of the
// app and its web processes.
//
// Env: VRS_APP, VRS_E2E_WORK (the end-to-end run's folder), VRS_MEMORY_SOAK_SECONDS,
// VRS_E2E_CAMERA_FPS (default 15); DISPLAY (an X server without a window manager, as xvfb-run's).
// Writes $VRS_E2E_WORK/memory.json and prints a summary.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { E2E_PIN, cpuTicks, memorySample, memoryTrend } from "./procs.mjs";
import { sleep } from "./webdriver.mjs";

const APP = process.env.VRS_APP;
const WORK = process.env.VRS_E2E_WORK;
const SECONDS = Number(process.env.VRS_MEMORY_SOAK_SECONDS ?? 600);
const FPS = Number(process.env.VRS_E2E_CAMERA_FPS ?? 15);
assert.ok(APP && WORK, "VRS_APP and VRS_E2E_WORK must be set");

const xdotool = (...args) => execFileSync("xdotool", args, { encoding: "utf8", timeout: 30000 }).trim();

const app = spawn(APP, [], {
  stdio: ["ignore", "ignore", "pipe"],
  env: {
    ...process.env,
    VRS_APP_DATA_DIR: join(WORK, "app"),
    VRS_CAMERA_DIR: join(WORK, "frames"),
    VRS_CAMERA_FPS: String(FPS),
    VRS_CAMERA_HOLD_FRAMES: String(FPS * 3),
  },
});
let appLog = "";
app.stderr.on("data", (d) => (appLog = (appLog + d).slice(-4000)));
try {
  const window = xdotool("search", "--sync", "--onlyvisible", "--name", "VRS").split("\n")[0];
  await sleep(3000); // the page loads
  // Without a window manager the keyboard goes where the window manager would have sent it.
  xdotool("windowfocus", "--sync", window);
  xdotool("key", "Tab");
  xdotool("type", "--delay", "50", E2E_PIN);
  xdotool("key", "Return");

  // Scanning shows as the reader's CPU time; a locked app sits idle.
  const before = cpuTicks(app.pid);
  await sleep(10000);
  const busy = (cpuTicks(app.pid) - before) / 100 / 10;
  assert.ok(busy > 0.2, `the app is not scanning (${(busy * 100).toFixed(0)} % CPU); did the PIN reach it?`);

  console.log(`memory run: ${SECONDS} s of scanning outside WebDriver (app at ${(busy * 100).toFixed(0)} % CPU)`);
  const samples = [];
  const t0 = Date.now();
  while ((Date.now() - t0) / 1000 < SECONDS) {
    assert.equal(app.exitCode, null, `the app exited:\n${appLog}`);
    samples.push(memorySample(app.pid, Math.round((Date.now() - t0) / 1000)));
    await sleep(Math.min(30000, Math.max(2000, (SECONDS * 1000) / 60)));
  }
  const pages = new Set(samples.flatMap((s) => s.web_pids));
  const peakWeb = Math.max(...samples.map((s) => s.web_kb));
  const first = samples.find((x) => x.t >= 60) ?? samples[0];
  const last = samples.at(-1);
  const mb = (kb) => (kb / 1024).toFixed(1);
  writeFileSync(join(WORK, "memory.json"), JSON.stringify({ seconds: SECONDS, camera_fps: FPS, samples }, null, 2));
  console.log(
    [
      `  web processes seen: ${pages.size} (a new one per renewal, and WebKit's spare)`,
      `  RSS app + web: ${mb(first.app_kb)} + ${mb(first.web_kb)} MiB at ${first.t} s, ${mb(last.app_kb)} + ${mb(last.web_kb)} MiB at ${last.t} s; web peak ${mb(peakWeb)} MiB`,
      ...memoryTrend(samples),
    ].join("\n"),
  );
} finally {
  app.kill("SIGTERM");
}
