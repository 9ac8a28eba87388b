// Runs the UI tests: serves the Vite build, drives Debian's chromium through playwright-core with
// the Tauri IPC replaced by tests/mock-backend.js. Usage: node tests/run.mjs [name-filter]
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { extname, join, normalize } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { tests } from "./app.test.mjs";

const here = fileURLToPath(new URL(".", import.meta.url));
const dist = join(here, "..", "dist");
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml" };

if (!existsSync(join(dist, "index.html"))) {
  console.error("ui tests: dist/index.html is missing; run `npm run build` first");
  process.exit(1);
}
if (!existsSync(CHROMIUM)) {
  console.error(`ui tests: ${CHROMIUM} is missing; run src-tauri/scripts/setup-debian.sh`);
  process.exit(1);
}

// A stand-in for the app's loopback preview stream, on its own origin as in the app: the real
// stream page and script (src-tauri/src/preview_page/) under /preview/t/, and the stream, whose
// viewers get each JPEG that the page's mock pushes to /__stream/push on the UI's server.
const streamPageDir = join(here, "..", "..", "src-tauri", "src", "preview_page");
const streamViewers = new Set();
const streamServer = createServer(async (req, res) => {
  const path = new URL(req.url, "http://x").pathname;
  if (path === "/preview/t") {
    res.writeHead(200, { "content-type": "multipart/x-mixed-replace; boundary=f", "cache-control": "no-store" });
    streamViewers.add(res);
    req.on("close", () => streamViewers.delete(res));
  } else if (path === "/preview/t/view" || path === "/preview/t/view.js") {
    const file = path.endsWith(".js") ? "view.js" : "view.html";
    res.writeHead(200, { "content-type": TYPES[extname(file)] });
    res.end(await readFile(join(streamPageDir, file)));
  } else {
    res.writeHead(404).end();
  }
});
await new Promise((r) => streamServer.listen(0, "127.0.0.1", r));
const streamOrigin = `http://127.0.0.1:${streamServer.address().port}`;

function previewStreamPush(req, res) {
  if (req.method !== "POST" || !req.url.startsWith("/__stream/push")) return false;
  const parts = [];
  req.on("data", (d) => parts.push(d));
  req.on("end", () => {
    const jpeg = Buffer.concat(parts);
    for (const viewer of streamViewers) {
      viewer.write(`--f\r\ncontent-type: image/jpeg\r\ncontent-length: ${jpeg.length}\r\n\r\n`);
      viewer.write(jpeg);
      viewer.write("\r\n");
    }
    res.writeHead(204).end();
  });
  return true;
}

const server = createServer(async (req, res) => {
  if (previewStreamPush(req, res)) return;
  const path = normalize(decodeURIComponent(new URL(req.url, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
  const file = join(dist, path === "/" ? "index.html" : path);
  try {
    const body = await readFile(file);
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const url = `http://127.0.0.1:${server.address().port}/`;

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
  ],
});
const mock = await readFile(join(here, "mock-backend.js"), "utf8");
const filter = process.argv[2];
let failed = 0;
let ran = 0;
for (const test of tests) {
  if (filter && !test.name.includes(filter)) continue;
  ran += 1;
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // A page showing the endless preview stream never fires "load": such tests wait for less.
  const open = async (setup = {}, waitUntil = "load") => {
    await page.addInitScript(
      ([s, origin]) => {
        window.__mockSetup = s;
        window.__streamOrigin = origin;
      },
      [setup, streamOrigin],
    );
    await page.addInitScript(mock);
    await page.goto(url, { waitUntil });
  };
  const started = Date.now();
  try {
    await test.run({ page, open });
    if (errors.length) throw new Error(`page errors: ${errors.join("; ")}`);
    console.log(`ok   ${test.name} (${Date.now() - started} ms)`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${test.name}\n     ${String(e.stack ?? e).split("\n").slice(0, 6).join("\n     ")}`);
  } finally {
    await context.close();
  }
}
await browser.close();
streamServer.closeAllConnections();
streamServer.close();
server.close();
console.log(`ui tests: ${ran - failed} passed, ${failed} failed`);
process.exit(failed || !ran ? 1 : 0);
