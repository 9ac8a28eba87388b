// What the scan screen did, for the end-to-end test and the benchmark to read from the window
// (window.__vrs): each drawn verdict with its frame and latency, and preview frames drawn.

export interface DrawnVerdict {
  run: number;
  frame_id: number;
  status: string;
  label: string | null;
  digits: string | null;
  /** Capture of the frame to the verdict drawn, in ms. */
  latency_ms: number;
  at: number;
}

const KEEP = 5000;

export const metrics = {
  verdicts: [] as DrawnVerdict[],
  previews: 0,
  previewTimes: [] as number[],
  /** The frame id of the preview image last drawn. */
  lastPreviewFrame: 0,
  /** Why the last stamp could not be read from the streamed preview, if it could not. */
  previewStampError: null as string | null,
  /** The web process's memory limit the app reported (MB), if any. */
  webMemoryLimitMb: null as number | null,
};

(window as unknown as { __vrs: typeof metrics }).__vrs = metrics;

export function verdictDrawn(v: Omit<DrawnVerdict, "at" | "latency_ms">, capturedMs: number): void {
  const at = Date.now();
  metrics.verdicts.push({ ...v, at, latency_ms: at - capturedMs });
  if (metrics.verdicts.length > KEEP) metrics.verdicts.splice(0, metrics.verdicts.length - KEEP);
}

export function previewDrawn(frameId: number): void {
  metrics.previews += 1;
  metrics.lastPreviewFrame = frameId;
  metrics.previewTimes.push(performance.now());
  if (metrics.previewTimes.length > KEEP) metrics.previewTimes.splice(0, metrics.previewTimes.length - KEEP);
}
