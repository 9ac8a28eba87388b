// Prints the figures of src-tauri/scripts/bench.sh from its metrics.json files.
import { readFileSync } from "node:fs";

const mb = (kb) => (kb / 1024).toFixed(1);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
};
// Least-squares slope of y over t, per hour: growth, if any, once caches are filled.
function slopePerHour(points) {
  if (points.length < 2) return 0;
  const mt = points.reduce((a, p) => a + p.t, 0) / points.length;
  const my = points.reduce((a, p) => a + p.y, 0) / points.length;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return den > 0 ? (num / den) * 3600 : 0;
}
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
  const settled = s.samples.filter((x) => x.t >= 60);
  const half = Math.floor(settled.length / 2);
  const trend = (key) => {
    const pts = settled.map((x) => ({ t: x.t, y: x[key] / 1024 }));
    return `${slopePerHour(pts).toFixed(1)} MiB/h; median ${median(pts.slice(0, half).map((p) => p.y)).toFixed(1)} → ${median(pts.slice(half).map((p) => p.y)).toFixed(1)} MiB (first → second half)`;
  };
  console.log(
    [
      `transport ${s.transport}: ${s.seconds} s of scanning, ${s.verdicts} verdicts drawn (last 2000)`,
      `  frame to verdict drawn: p50 ${s.latency_p50_ms} ms, p95 ${s.latency_p95_ms} ms`,
      `  preview drawn: ${s.preview_fps.toFixed(1)} fps (last minute; source plays ${s.camera_fps ?? 15} fps)`,
      `  RSS app + web process: ${mb(warm.app_kb)} + ${mb(warm.web_kb)} MiB at ${warm.t} s, ` +
        `${mb(last.app_kb)} + ${mb(last.web_kb)} MiB at ${last.t} s, peak ${mb(peak)} MiB`,
      `  trend after the first minute: app ${trend("app_kb")}`,
      `                                web ${trend("web_kb")}`,
      ...(settled[0]?.web_anon_kb !== undefined
        ? [
            `                                web heaps (RssAnon) ${trend("web_anon_kb")}`,
            `                                web shared (RssShmem) ${trend("web_shmem_kb")}`,
            `  page at the end: ${JSON.stringify(s.page)}`,
          ]
        : []),
      `  first pass (e2e): p50 ${m.scan.latency_p50_ms} ms, p95 ${m.scan.latency_p95_ms} ms, preview ${m.scan.preview_fps.toFixed(1)} fps`,
    ].join("\n"),
  );
}
