// Prints the figures of src-tauri/scripts/bench.sh from its metrics.json files.
import { readFileSync } from "node:fs";

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
      `transport ${s.transport}: ${s.seconds} s of scanning, ${s.verdicts} verdicts drawn (last 2000)`,
      `  frame to verdict drawn: p50 ${s.latency_p50_ms} ms, p95 ${s.latency_p95_ms} ms`,
      `  preview drawn: ${s.preview_fps.toFixed(1)} fps (last minute; source plays 15 fps)`,
      `  RSS app + web process: ${mb(warm.app_kb)} + ${mb(warm.web_kb)} MiB at ${warm.t} s, ` +
        `${mb(last.app_kb)} + ${mb(last.web_kb)} MiB at ${last.t} s, peak ${mb(peak)} MiB`,
      `  first pass (e2e): p50 ${m.scan.latency_p50_ms} ms, p95 ${m.scan.latency_p95_ms} ms, preview ${m.scan.preview_fps.toFixed(1)} fps`,
    ].join("\n"),
  );
}
