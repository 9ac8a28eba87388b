// Prints the figures of src-tauri/scripts/bench.sh from its metrics.json files.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { memoryTrend } from "./procs.mjs";

const mb = (kb) => (kb / 1024).toFixed(1);
for (const file of process.argv.slice(2)) {
  const m = JSON.parse(readFileSync(file, "utf8"));
  const s = m.soak;
  if (!s) {
    console.log(`${file}: no scanning run`);
    continue;
  }
  // Memory after the first minute (caches filled) against the end of the run.
  const warm = s.samples.find((x) => x.t >= 60) ?? s.samples[0];
  const last = s.samples.at(-1);
  const peak = Math.max(...s.samples.map((x) => x.app_kb + x.web_kb));
  console.log(
    [
      `transport ${s.transport}: ${s.seconds} s of scanning, ${s.verdicts} verdicts drawn` +
        (s.web_recycles !== undefined ? `, page renewed ${s.web_recycles} times (under WebDriver in the same web process)` : ""),
      `  frame to verdict drawn: p50 ${s.latency_p50_ms} ms, p95 ${s.latency_p95_ms} ms`,
      `  preview drawn: ${s.preview_fps.toFixed(1)} fps (last minute; source plays ${s.camera_fps ?? 15} fps)`,
      `  RSS app + web process: ${mb(warm.app_kb)} + ${mb(warm.web_kb)} MiB at ${warm.t} s, ` +
        `${mb(last.app_kb)} + ${mb(last.web_kb)} MiB at ${last.t} s, peak ${mb(peak)} MiB`,
      ...memoryTrend(s.samples),
      `  page at the end: ${JSON.stringify(s.page)}`,
      `  first pass (e2e): p50 ${m.scan.latency_p50_ms} ms, p95 ${m.scan.latency_p95_ms} ms, preview ${m.scan.preview_fps.toFixed(1)} fps`,
    ].join("\n"),
  );
  // The memory run outside WebDriver (src-tauri/e2e/memory-soak.mjs), when there was one.
  const memoryFile = join(dirname(file), "memory.json");
  if (existsSync(memoryFile)) {
    const run = JSON.parse(readFileSync(memoryFile, "utf8"));
    const pages = new Set(run.samples.flatMap((x) => x.web_pids ?? []));
    console.log(`  memory run outside WebDriver, ${run.seconds} s: ${pages.size} web processes seen`);
    console.log(memoryTrend(run.samples).join("\n"));
  }
}
