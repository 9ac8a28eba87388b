// End-to-end: the real app window (release build) under Xvfb, driven through tauri-driver and
// WebKitWebDriver, against a real vrs-server on loopback, scanning generated ticket images from
// the file source. Saves a screenshot of each screen and the measured scan figures.
//
// Env: VRS_APP (app binary), VRS_SERVER, VRS_GEN (binaries), VRS_E2E_WORK (scratch folder),
// VRS_E2E_SHOTS (screenshot folder, optional), VRS_E2E_SOAK_SECONDS (keep scanning this long
// afterwards and sample memory, optional), VRS_E2E_CAMERA_FPS (the file source's frame rate,
// default 15; each image is held 3 s), TAURI_DRIVER (default: tauri-driver on PATH).
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync, copyFileSync, existsSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { WebDriver, eventually, sleep } from "./webdriver.mjs";

const need = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const APP = need("VRS_APP");
const SERVER = need("VRS_SERVER");
const GEN = need("VRS_GEN");
const WORK = need("VRS_E2E_WORK");
const SHOTS = process.env.VRS_E2E_SHOTS;
const SOAK_SECONDS = Number(process.env.VRS_E2E_SOAK_SECONDS ?? 0);
const DRIVER = process.env.TAURI_DRIVER ?? "tauri-driver";
const CAMERA_FPS = Number(process.env.VRS_E2E_CAMERA_FPS ?? 15);

const MUNICIPALITY = "131016";
const PIN = "246810";
const ACCEPTED = "121310160000012345";
const MISMATCH = "121310160000054321";
const MISMATCH_QR = "121310160000054329";
const IMPORTED = "121310160000077777";
const MANUAL = "121310160000099999";
// The same line with the municipality's check digit wrong (131017 instead of 131016).
const MANUAL_BAD = "121310170000099999";
const CORRECTED_LOT = "FA9999";

const children = [];
function start(cmd, args, opts = {}) {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  children.push(child);
  child.log = () => log;
  return child;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

async function waitHttp(url, ms = 30000) {
  return eventually(async () => {
    const r = await fetch(url).catch((e) => ({ status: 0, error: e.cause?.code ?? e.message }));
    if (!r.status || r.status >= 500) throw new Error(`${url}: ${r.error ?? r.status}`);
  }, ms, 200);
}

/** One ticket image per call, named so the folder plays them in this order. The seeds are ones
 * whose photos the reader reads as intended (QR + NW-7); the generator is deterministic. */
function ticket(dir, name, seed, args) {
  const tmp = join(WORK, `gen-${name}`);
  execFileSync(GEN, ["--out", tmp, "--count", "1", "--seed", String(seed), "--capture", "camera", ...args], { stdio: "ignore" });
  const made = readdirSync(tmp).find((f) => f.endsWith(".jpg"));
  copyFileSync(join(tmp, made), join(dir, name));
}

const shot = async (wd, name) => {
  if (!SHOTS) return;
  writeFileSync(join(SHOTS, name), await wd.screenshot());
  console.log(`  screenshot ${name}`);
};

const testid = (id) => `[data-testid="${id}"]`;
/** Goes to a screen; scrolls up first, since the sticky top bar covers the tabs of a scrolled page. */
const nav = async (wd, screen) => {
  await wd.execute("window.scrollTo(0, 0)");
  await wd.click(testid(`nav-${screen}`));
};
const verdictNow = (wd) =>
  wd.execute(`const p = document.querySelector('[data-testid="verdict"]');
    const last = (window.__vrs?.verdicts ?? []).at(-1);
    return p ? { status: p.dataset.status, frame: p.dataset.frame, label: last?.label ?? null } : null;`);

/** Process ids under `root` (the app, and WebKit's web process beside it). */
function descendants(root) {
  const parent = new Map();
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      parent.set(Number(pid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone already
    }
  }
  const out = [];
  const walk = (p) => {
    for (const [c, pp] of parent) if (pp === p) (out.push(c), walk(c));
  };
  walk(root);
  return out;
}

/** A line of /proc/PID/status in kB: VmRSS, or its parts RssAnon (heaps), RssFile, RssShmem. */
function statusKb(pid, field = "VmRSS") {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function commName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

async function main() {
  rmSync(WORK, { recursive: true, force: true });
  const frames = join(WORK, "frames");
  const imports = join(WORK, "imports");
  const serverData = join(WORK, "server");
  const appData = join(WORK, "app");
  for (const d of [frames, imports, serverData, appData]) mkdirSync(d, { recursive: true });
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });

  ticket(frames, "0-accepted.jpg", 15, ["--line", ACCEPTED]);
  ticket(frames, "1-mismatch.jpg", 14, ["--line", MISMATCH, "--qr", MISMATCH_QR]);
  ticket(frames, "2-duplicate.jpg", 17, ["--line", ACCEPTED]);
  ticket(imports, "form-1.jpg", 22, ["--line", IMPORTED]);
  ticket(imports, "form-2.jpg", 24, ["--line", ACCEPTED]);

  // The server: one municipality, one activation code, plain HTTP on loopback.
  const admin = (...args) => execFileSync(SERVER, ["admin", "--data-dir", serverData, ...args], { encoding: "utf8" });
  admin("municipality", "add", MUNICIPALITY, "千代田区");
  const code = admin("device", "issue", "--municipality", MUNICIPALITY, "--venue", "千代田区役所").trim().split(/\s+/).at(-1);
  const serverPort = await freePort();
  const serverUrl = `http://127.0.0.1:${serverPort}`;
  const serveArgs = ["serve", "--data-dir", serverData, "--listen", `127.0.0.1:${serverPort}`, "--insecure-http"];
  let server = start(SERVER, serveArgs);
  await waitHttp(`${serverUrl}/`).catch((e) => {
    throw new Error(`vrs-server did not start: ${e.message}\n${server.log()}`);
  });

  const driverPort = await freePort();
  const nativePort = await freePort();
  const driver = start(DRIVER, ["--port", String(driverPort), "--native-port", String(nativePort)], {
    env: {
      ...process.env,
      VRS_APP_DATA_DIR: appData,
      VRS_CAMERA_DIR: frames,
      VRS_CAMERA_FPS: String(CAMERA_FPS),
      VRS_CAMERA_HOLD_FRAMES: String(CAMERA_FPS * 3),
      // Previews carry their frame id in their pixels, so the page can count those it drew
      // whichever transport brings them (the stream gives it nothing else).
      VRS_PREVIEW_STAMP: "1",
    },
  });
  await waitHttp(`http://127.0.0.1:${driverPort}/status`).catch((e) => {
    throw new Error(`tauri-driver did not start: ${e.message}\n${driver.log()}`);
  });

  const wd = new WebDriver(`http://127.0.0.1:${driverPort}`);
  const metrics = {};
  try {
    await wd.start(APP);
    console.log("unlock: choose a PIN");
    await wd.byTestId("create-pin-submit", 30000);
    // The web process runs with a memory limit (src-tauri/src/web_memory.rs): the one asked
    // for, or the app's default when none was; "0" leaves WebKit's own.
    const limitAsked = process.env.VRS_WEB_MEMORY_LIMIT_MB;
    const limit = await wd.execute("return window.__vrs.webMemoryLimitMb");
    if (limitAsked === "0") assert.equal(limit, null);
    else if (limitAsked) assert.equal(limit, Number(limitAsked));
    else assert.ok(Number.isInteger(limit) && limit > 0, `web memory limit ${limit}`);
    metrics.webMemoryLimitMb = limit;
    await wd.type(testid("pin"), PIN);
    await wd.type(testid("pin-again"), PIN);
    await shot(wd, "01-unlock.png");
    await wd.click(testid("create-pin-submit"));

    console.log("enrol");
    await wd.byTestId("enrol-form", 30000);
    await wd.type(testid("server-url"), serverUrl);
    await wd.type(testid("activation-code"), code);
    await shot(wd, "02-enrol.png");
    await wd.click(testid("enrol-submit"));

    console.log("session");
    await wd.byTestId("screen-session", 20000);
    await wd.type(testid("venue"), "千代田区役所");
    await wd.type(testid("operator"), "佐藤 花子");
    await wd.click(`${testid("maker-presets")} button:first-child`);
    await wd.type(testid("lot"), "FA1234");
    await wd.click(testid("dose-2"));
    await shot(wd, "03-session.png");
    await wd.click(testid("session-save"));

    console.log("scan: accepted, mismatch, duplicate from the file source");
    await wd.byTestId("screen-scan", 20000);
    const scanStarted = Date.now();
    const want = [
      ["accepted", "0-accepted.jpg", ["accepted", "already_saved"], "04-scan-accepted.png"],
      ["mismatch", "1-mismatch.jpg", ["mismatch"], "05-scan-mismatch.png"],
      ["duplicate", "2-duplicate.jpg", ["duplicate"], "06-scan-duplicate.png"],
    ];
    for (const [what, label, statuses, file] of want) {
      await eventually(async () => {
        const v = await verdictNow(wd);
        assert.ok(v && statuses.includes(v.status) && v.label === label, `${what}: now ${JSON.stringify(v)}`);
      }, 60000, 50);
      await shot(wd, file);
    }
    const drawn = await wd.execute("return window.__vrs.verdicts");
    const previewTimes = await wd.execute("return window.__vrs.previewTimes");
    const scanSeconds = (Date.now() - scanStarted) / 1000;
    // Never a verdict for one file drawn with another ticket's digits.
    for (const v of drawn) {
      if (v.digits && v.label === "1-mismatch.jpg") assert.fail(`mismatch frame ${v.frame_id} shown with digits ${v.digits}`);
      if (v.digits && v.label?.includes("accepted")) assert.equal(v.digits, ACCEPTED);
    }
    const ids = drawn.map((v) => v.frame_id);
    assert.ok(ids.every((id, i) => i === 0 || id > ids[i - 1]), "verdict frames drawn out of order");
    const lat = drawn.map((v) => v.latency_ms);
    // The preview reached the window: distinct frames drawn, newer ones later.
    if (previewTimes.length < 10) {
      const seen = await wd.execute(
        "const i = document.querySelector('[data-testid=\"preview\"]'); return { src: i.src, width: i.naturalWidth, complete: i.complete, error: window.__vrs.previewStampError }",
      );
      assert.fail(`${previewTimes.length} previews drawn; the preview: ${JSON.stringify(seen)}`);
    }
    const span = (previewTimes.at(-1) - previewTimes[0]) / 1000;
    metrics.scan = {
      verdicts: drawn.length,
      latency_p50_ms: percentile(lat, 50),
      latency_p95_ms: percentile(lat, 95),
      preview_fps: span > 0 ? (previewTimes.length - 1) / span : 0,
      seconds: scanSeconds,
    };
    console.log(`  ${JSON.stringify(metrics.scan)}`);
    await wd.click(testid("scan-toggle"));

    console.log("manual entry: the check digit is checked as it is typed");
    await wd.type(testid("manual-input"), MANUAL_BAD);
    await eventually(async () => {
      assert.equal(await wd.execute(`return document.querySelector('[data-testid="manual-check"]').dataset.state`), "invalid");
      assert.equal(await wd.execute(`return document.querySelector('[data-testid="manual-save"]').disabled`), true);
    });
    await wd.type(testid("manual-input"), MANUAL);
    await eventually(async () => {
      assert.equal(await wd.execute(`return document.querySelector('[data-testid="manual-check"]').dataset.state`), "valid");
    });
    await wd.click(testid("manual-save"));
    await eventually(async () => assert.match(await wd.text(testid("manual-message")), /保存しました/));

    console.log("import a folder of forms");
    await nav(wd, "import");
    await wd.type(testid("import-path"), imports);
    await wd.click(testid("import-start"));
    await eventually(async () => {
      const n = await wd.execute(`return document.querySelectorAll('[data-testid="import-results"] li').length`);
      assert.equal(n, 2);
    }, 60000);
    const imported = await wd.execute(
      `return [...document.querySelectorAll('[data-testid="import-results"] li')].map(l => [l.dataset.file, l.dataset.status])`,
    );
    assert.deepEqual(imported, [["form-1.jpg", "saved"], ["form-2.jpg", "duplicate"]]);
    await shot(wd, "07-import.png");

    console.log("queue: the three saved records, nothing for the mismatch or duplicates");
    await nav(wd, "queue");
    const listed = () => wd.execute(`return [...document.querySelectorAll('[data-testid="record"]')].map(r => r.dataset.digits).sort()`);
    await eventually(async () => assert.deepEqual(await listed(), [ACCEPTED, IMPORTED, MANUAL].sort()));

    console.log("queue: search, correct with a reason (a new version), CSV export, backup");
    // The server is down while the record is corrected and the backup written, so the backup
    // surely holds a version the server never had (a tablet dying before it syncs); otherwise
    // the background sync would race the backup.
    server.kill("SIGKILL");
    if (server.exitCode === null && server.signalCode === null) await new Promise((r) => server.once("exit", r));
    await wd.type(testid("queue-search"), IMPORTED.slice(-5));
    await eventually(async () => assert.deepEqual(await listed(), [IMPORTED]));
    const importedSel = `[data-testid="record"][data-digits="${IMPORTED}"]`;
    await wd.click(`${importedSel} summary`);
    await wd.type(`${importedSel} [data-testid="correct-lot"]`, CORRECTED_LOT);
    await wd.click(`${importedSel} [data-testid="correct-submit"]`);
    await eventually(async () => assert.match(await wd.text(`${importedSel} [data-testid="record-message"]`), /理由/));
    await wd.type(`${importedSel} [data-testid="change-reason"]`, "ロット番号の誤記");
    await wd.click(`${importedSel} [data-testid="correct-submit"]`);
    await eventually(async () => {
      const v = await wd.execute(`const r = document.querySelector('${importedSel}'); return r && r.querySelector('.version').textContent`);
      assert.equal(v, "v2");
    });
    await wd.click(`${importedSel} summary`);
    await eventually(async () => {
      const versions = await wd.execute(`return [...document.querySelectorAll('${importedSel} [data-testid="versions"] li')].map(l => l.textContent)`);
      assert.equal(versions.length, 2, JSON.stringify(versions));
      assert.ok(versions.some((v) => v.includes(CORRECTED_LOT) && v.includes("ロット番号の誤記")), JSON.stringify(versions));
    });
    await shot(wd, "08-queue.png");
    await wd.execute(`const s = document.querySelector('[data-testid="queue-search"]'); s.value = ""; s.dispatchEvent(new Event("input"));`);
    await eventually(async () => assert.equal((await listed()).length, 3));

    const appCsv = join(WORK, "app-export.csv");
    const backupFile = join(WORK, "backup.vrsq");
    await wd.click(".files summary");
    await wd.type(testid("export-path"), appCsv);
    await wd.click(testid("export-submit"));
    await eventually(() => assert.ok(existsSync(appCsv), "the app wrote no CSV"));
    const appCsvText = readFileSync(appCsv, "utf8");
    for (const t of [ACCEPTED, IMPORTED, MANUAL]) assert.ok(appCsvText.includes(t.slice(8)), `app CSV lacks ${t}:\n${appCsvText}`);
    await wd.type(testid("backup-path"), backupFile);
    await wd.click(testid("backup-submit"));
    await eventually(() => assert.ok(existsSync(backupFile), "the app wrote no backup"));
    server = start(SERVER, serveArgs);
    await waitHttp(`${serverUrl}/`);

    console.log("language: English throughout, then back to Japanese");
    await wd.click(testid("lang-switch"));
    await eventually(async () => assert.equal(await wd.text(testid("nav-queue")), "Records"));
    await shot(wd, "10-queue-en.png");
    await wd.click(testid("lang-switch"));
    await eventually(async () => assert.equal(await wd.text(testid("nav-queue")), "記録一覧"));

    console.log("sync");
    await nav(wd, "sync");
    await wd.byTestId("sync-now");
    await wd.click(testid("sync-now"));
    await eventually(async () => {
      assert.equal(await wd.text(testid("sync-pending")), "0");
      assert.equal(await wd.execute(`return document.querySelector('[data-testid="sync-online"]').dataset.online`), "true");
    }, 30000);
    await shot(wd, "09-sync.png");

    console.log("the server's export holds both");
    const csvPath = join(WORK, "export.csv");
    admin("export", "--municipality", MUNICIPALITY, "--csv", csvPath);
    const csv = readFileSync(csvPath, "utf8");
    for (const t of [ACCEPTED, IMPORTED, MANUAL]) assert.ok(csv.includes(t.slice(8)), `export lacks ${t}:\n${csv}`);
    const importedRow = csv.split("\n").find((l) => l.includes(IMPORTED.slice(8))) ?? "";
    assert.ok(importedRow.includes(CORRECTED_LOT), `the corrected lot did not reach the server: ${importedRow}`);
    assert.ok(!csv.includes(MISMATCH.slice(8)), "the mismatching ticket reached the server");

    if (SOAK_SECONDS > 0) {
      console.log(`soak: scanning ${SOAK_SECONDS} s, sampling memory`);
      await nav(wd, "scan");
      await wd.byTestId("screen-scan");
      const samples = [];
      const t0 = Date.now();
      while ((Date.now() - t0) / 1000 < SOAK_SECONDS) {
        const pids = descendants(driver.pid);
        const app = pids.filter((p) => commName(p) === "vrs-app");
        const web = pids.filter((p) => commName(p).startsWith("WebKitWebProces"));
        samples.push({
          t: Math.round((Date.now() - t0) / 1000),
          app_kb: app.reduce((a, p) => a + statusKb(p), 0),
          web_kb: web.reduce((a, p) => a + statusKb(p), 0),
          // Which part grows: heaps (anonymous) or shared memory (graphics, IPC buffers).
          web_anon_kb: web.reduce((a, p) => a + statusKb(p, "RssAnon"), 0),
          web_shmem_kb: web.reduce((a, p) => a + statusKb(p, "RssShmem"), 0),
        });
        await sleep(Math.min(30000, Math.max(2000, (SOAK_SECONDS * 1000) / 60)));
      }
      const drawnSoak = await wd.execute("return window.__vrs.verdicts.slice(-2000).map(v => v.latency_ms)");
      // The last minute of previews drawn (distinct frames).
      const times = await wd.execute("const t = window.__vrs.previewTimes; return t.filter(x => x > t.at(-1) - 60000)");
      const previewSpan = (times.at(-1) - times[0]) / 1000;
      // What the page holds at the end: elements and IPC callbacks must not pile up.
      const page = await wd.execute(
        "return { elements: document.getElementsByTagName('*').length, callbacks: window.__TAURI_INTERNALS__?.callbacks?.size ?? null }",
      );
      metrics.soak = {
        page,
        seconds: SOAK_SECONDS,
        transport: process.env.VRS_PREVIEW_TRANSPORT || "stream",
        camera_fps: CAMERA_FPS,
        samples,
        verdicts: drawnSoak.length,
        latency_p50_ms: percentile(drawnSoak, 50),
        latency_p95_ms: percentile(drawnSoak, 95),
        preview_fps: previewSpan > 0 ? (times.length - 1) / previewSpan : 0,
      };
      console.log(`  first ${JSON.stringify(samples[1] ?? samples[0])} last ${JSON.stringify(samples.at(-1))}`);
    }

    console.log("queue: restore from the backup (a wrong PIN first: refused, nothing changed)");
    await nav(wd, "queue");
    await eventually(async () => assert.equal((await listed()).length, 3));
    if (!(await wd.execute(`return document.querySelector(".files").open`))) await wd.click(".files summary");
    await wd.type(testid("backup-path"), backupFile);
    await wd.type(testid("restore-pin"), "135790");
    await wd.click(testid("restore-submit"));
    await eventually(async () => assert.notEqual(await wd.text(testid("queue-message")), ""));
    assert.doesNotMatch(await wd.text(testid("queue-message")), /復元しました/);
    // The queue still answers: a search is served by it.
    await wd.type(testid("queue-search"), IMPORTED.slice(-5));
    await eventually(async () => assert.deepEqual(await listed(), [IMPORTED]));
    await wd.execute(`const s = document.querySelector('[data-testid="queue-search"]'); s.value = ""; s.dispatchEvent(new Event("input"));`);
    await eventually(async () => assert.deepEqual(await listed(), [ACCEPTED, IMPORTED, MANUAL].sort()));
    await wd.type(testid("restore-pin"), PIN);
    await wd.click(testid("restore-submit"));
    // Four versions: three records, one of them corrected.
    await eventually(async () => assert.match(await wd.text(testid("queue-message")), /4件を復元しました/));
    await eventually(async () => assert.deepEqual(await listed(), [ACCEPTED, IMPORTED, MANUAL].sort()));
    assert.equal(
      await wd.execute(`return document.querySelector('${importedSel} .version').textContent`),
      "v2",
    );
    // A restored queue is a new tablet (backups carry no device key): it enrols as itself,
    // with a code that replaces the tablet its unsent records were made on (named on screen);
    // the server then takes them from it. They reached the server before (synced after the
    // backup), so they are acknowledged as already there and nothing is quarantined.
    console.log("sync: the restored queue enrols as the old tablet's replacement");
    await nav(wd, "sync");
    await wd.byTestId("enrol-form");
    const makers = await wd.execute(
      `return [...document.querySelectorAll('[data-testid="replaced-device"]')].map((e) => e.textContent)`,
    );
    assert.equal(makers.length, 1, `devices named: ${JSON.stringify(makers)}`);
    await shot(wd, "12-enrol-replacement.png");
    const replacing = admin(
      "device", "issue", "--municipality", MUNICIPALITY, "--venue", "千代田区役所", "--replaces", makers[0],
    ).trim().split(/\s+/).at(-1);
    await wd.type(testid("server-url"), serverUrl);
    await wd.type(testid("activation-code"), replacing);
    await wd.click(testid("enrol-submit"));
    // The background sync starts on enrolment: nothing to press.
    await wd.byTestId("sync-now", 20000);
    await eventually(async () => {
      assert.equal(await wd.text(testid("sync-pending")), "0");
    }, 30000);
    assert.equal(await wd.execute(`return document.querySelectorAll('[data-testid="sync-errors"] li').length`), 0);
    await nav(wd, "queue");
    await eventually(async () => assert.deepEqual(await listed(), [ACCEPTED, IMPORTED, MANUAL].sort()));
    await eventually(async () =>
      assert.deepEqual(
        await wd.execute(`return [...document.querySelectorAll('[data-testid="record"]')].map((e) => e.dataset.sync)`),
        ["synced", "synced", "synced"],
      ),
    );
    assert.equal(await wd.text(`${testid("count-quarantined")} b`), "0");

    // The same backup restored again, but enrolled with a plain code: the old tablet's records
    // are refused and quarantined with the server's reason. The administrator links the tablet
    // afterwards (as the replacement of the first restored one, which replaced the original),
    // and the supervisor sends the records again from their rows.
    console.log("queue: restored again, plain enrolment, quarantined; linked; sent again");
    if (!(await wd.execute(`return document.querySelector(".files").open`))) await wd.click(".files summary");
    await wd.type(testid("backup-path"), backupFile);
    await wd.type(testid("restore-pin"), PIN);
    await wd.click(testid("restore-submit"));
    await eventually(async () => assert.match(await wd.text(testid("queue-message")), /4件を復元しました/));
    await nav(wd, "sync");
    await wd.byTestId("enrol-form");
    const plainCode = admin("device", "issue", "--municipality", MUNICIPALITY, "--venue", "千代田区役所")
      .trim()
      .split(/\s+/)
      .at(-1);
    await wd.type(testid("server-url"), serverUrl);
    await wd.type(testid("activation-code"), plainCode);
    await wd.click(testid("enrol-submit"));
    await wd.byTestId("sync-now", 20000);
    await nav(wd, "queue");
    // The list does not refresh by itself: asked again until the background sync has answered
    // every pending version (at least the correction the server was down for; more if the
    // background sync had not yet sent the others), all refused now.
    const count = async (what) => Number(await wd.text(`${testid(`count-${what}`)} b`));
    let quarantined = 0;
    await eventually(async () => {
      await wd.click(testid("filter-quarantined"));
      quarantined = await count("quarantined");
      assert.ok(quarantined >= 1 && (await count("pending")) === 0, `quarantined ${quarantined}`);
      assert.equal((await listed()).length, quarantined);
    }, 30000, 500);
    await wd.click(`${testid("record")} summary`);
    await eventually(async () => assert.match(await wd.text(testid("server-reason")), /does not replace it/));
    await shot(wd, "13-quarantined.png");
    const devices = admin("device", "list", "--municipality", MUNICIPALITY)
      .trim()
      .split("\n")
      .slice(1)
      .map((line) => line.split("\t"));
    const firstRestored = devices.find((d) => d[5] === makers[0])?.[0];
    const secondRestored = devices.at(-1)[0];
    assert.ok(firstRestored && secondRestored !== firstRestored, JSON.stringify(devices));
    admin("device", "link", secondRestored, "--replaces", firstRestored);
    for (let left = quarantined; left > 0; left--) {
      if (left < quarantined) await wd.click(`${testid("record")} summary`);
      await wd.click(testid("retry-submit"));
      await eventually(async () => assert.equal((await listed()).length, left - 1));
    }
    await nav(wd, "sync");
    await wd.byTestId("sync-now");
    await wd.click(testid("sync-now"));
    await eventually(async () => assert.equal(await wd.text(testid("sync-pending")), "0"), 30000);
    await nav(wd, "queue");
    await eventually(async () =>
      assert.deepEqual(
        await wd.execute(`return [...document.querySelectorAll('[data-testid="record"]')].map((e) => e.dataset.sync)`),
        ["synced", "synced", "synced"],
      ),
    30000);
    assert.equal(await wd.text(`${testid("count-quarantined")} b`), "0");
  } catch (e) {
    await shot(wd, "failure.png").catch(() => undefined);
    console.error(`--- vrs-server log\n${server.log().slice(-3000)}\n--- tauri-driver log\n${driver.log().slice(-6000)}`);
    throw e;
  } finally {
    writeFileSync(join(WORK, "metrics.json"), JSON.stringify(metrics, null, 2));
    await wd.quit();
  }
  console.log("e2e: passed");
}

try {
  await main();
} catch (e) {
  console.error(`e2e: FAILED: ${e.stack ?? e}`);
  process.exitCode = 1;
} finally {
  for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
}
if (!existsSync(WORK)) process.exitCode = 1;
// Open sockets (keep-alive) must not keep a finished run waiting.
setTimeout(() => process.exit(), 2000).unref();
