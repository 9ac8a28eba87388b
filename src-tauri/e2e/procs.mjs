// Reading processes and their memory from /proc, and the figures the runs compute from samples
// (shared by the end-to-end run, the memory run and the benchmark summary).
import { readFileSync, readdirSync } from "node:fs";

/** The PIN the end-to-end run chooses; the memory run unlocks the same data folder with it. */
export const E2E_PIN = "246810";

/** Process ids under `root` (the app, and WebKit's processes beside it). */
export function descendants(root) {
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
export function statusKb(pid, field = "VmRSS") {
  try {
    const m = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

export function commName(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/** CPU time (user + system) of a process, in clock ticks. */
export function cpuTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** One memory sample of the app (`pid` and what it started) at `t` seconds. */
export function memorySample(pid, t) {
  const pids = [pid, ...descendants(pid)];
  const app = pids.filter((p) => commName(p) === "vrs-app");
  const web = pids.filter((p) => commName(p).startsWith("WebKitWebProces"));
  return {
    t,
    app_kb: app.reduce((a, p) => a + statusKb(p), 0),
    web_kb: web.reduce((a, p) => a + statusKb(p), 0),
    // Which part grows: heaps (anonymous) or shared memory (graphics, IPC buffers).
    web_anon_kb: web.reduce((a, p) => a + statusKb(p, "RssAnon"), 0),
    web_shmem_kb: web.reduce((a, p) => a + statusKb(p, "RssShmem"), 0),
    web_pids: web,
  };
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
};

export const percentile = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

/** Least-squares slope of y over t (seconds), per hour: growth, if any, once caches are filled. */
export function slopePerHour(points) {
  if (points.length < 2) return 0;
  const mt = points.reduce((a, p) => a + p.t, 0) / points.length;
  const my = points.reduce((a, p) => a + p.y, 0) / points.length;
  const num = points.reduce((a, p) => a + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.t - mt) ** 2, 0);
  return den > 0 ? (num / den) * 3600 : 0;
}

/** Memory trend lines of a run's samples after its first minute. */
export function memoryTrend(samples) {
  const settled = samples.filter((x) => x.t >= 60);
  const half = Math.floor(settled.length / 2);
  const trend = (key) => {
    const pts = settled.map((x) => ({ t: x.t, y: x[key] / 1024 }));
    return `${slopePerHour(pts).toFixed(1)} MiB/h; median ${median(pts.slice(0, half).map((p) => p.y)).toFixed(1)} → ${median(pts.slice(half).map((p) => p.y)).toFixed(1)} MiB (first → second half)`;
  };
  const lines = [`  trend after the first minute: app ${trend("app_kb")}`, `                                web ${trend("web_kb")}`];
  if (settled[0]?.web_anon_kb !== undefined) {
    lines.push(`                                web heaps (RssAnon) ${trend("web_anon_kb")}`);
    lines.push(`                                web shared (RssShmem) ${trend("web_shmem_kb")}`);
  }
  return lines;
}
