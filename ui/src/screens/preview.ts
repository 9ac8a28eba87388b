// Draws preview JPEGs into the preview <img> one at a time. Setting `src` while the previous
// image is still decoding aborts that decode, so under load most frames would be thrown away
// half-drawn; instead the newest frame waits until the one in progress has been drawn, and
// older waiting frames are dropped.

import { metrics, previewDrawn } from "../metrics";

export interface PreviewPainter {
  /** Shows the frame unless a newer one of this run has already arrived. */
  show: (jpeg: Blob, frameId: number) => void;
  /** A new run: its frame ids start again. */
  reset: () => void;
  dispose: () => void;
}

export function previewPainter(img: HTMLImageElement, frameTag: HTMLElement): PreviewPainter {
  let shownUrl: string | null = null;
  let loadingUrl: string | null = null;
  let loadingFrame = 0;
  let waiting: { jpeg: Blob; frameId: number } | null = null;
  let newest = 0;

  const start = (jpeg: Blob, frameId: number) => {
    loadingUrl = URL.createObjectURL(jpeg);
    loadingFrame = frameId;
    img.src = loadingUrl;
    frameTag.textContent = `#${frameId}`;
    frameTag.dataset.frame = String(frameId);
  };

  const settle = (drawn: boolean) => {
    if (loadingUrl === null) return;
    // The image now on screen owns its URL; the one it replaced can go.
    if (shownUrl) URL.revokeObjectURL(shownUrl);
    shownUrl = loadingUrl;
    loadingUrl = null;
    // Counted when drawn, not when sent: what the nurse sees.
    if (drawn) previewDrawn(loadingFrame);
    if (waiting) {
      const next = waiting;
      waiting = null;
      start(next.jpeg, next.frameId);
    }
  };

  img.addEventListener("load", () => settle(true));
  img.addEventListener("error", () => settle(false));

  return {
    show: (jpeg, frameId) => {
      if (frameId <= newest) return;
      newest = frameId;
      if (loadingUrl === null) start(jpeg, frameId);
      else waiting = { jpeg, frameId };
    },
    reset: () => {
      newest = 0;
      waiting = null;
    },
    dispose: () => {
      waiting = null;
      for (const url of [shownUrl, loadingUrl]) if (url) URL.revokeObjectURL(url);
      shownUrl = null;
      loadingUrl = null;
    },
  };
}

/** Blocks and rows of the frame stamp the app draws with the stream transport (the app's
 * `encode_preview`): a white and a black guard block, then the frame id's low 32 bits, most
 * significant first, dark for 1. */
export const STAMP_BLOCKS = 34;
export const STAMP_ROWS = 8;

export function stampBlockWidth(width: number): number {
  return Math.min(16, Math.max(1, Math.floor(width / STAMP_BLOCKS)));
}

/** The frame id in a stamp's RGBA pixels (`STAMP_ROWS` rows of `width`), or null when the
 * guard blocks are not there. */
export function readStamp(rgba: Uint8ClampedArray, width: number, block: number): number | null {
  const dark = (index: number) => {
    const at = ((STAMP_ROWS >> 1) * width + index * block + (block >> 1)) * 4;
    return rgba[at] < 128;
  };
  if (dark(0) || !dark(1)) return null;
  let id = 0;
  for (let index = 2; index < STAMP_BLOCKS; index++) id = id * 2 + (dark(index) ? 1 : 0);
  return id;
}

export interface StreamWatch {
  stop: () => void;
}

/** Shows the app's loopback preview stream in `img` (one multipart response; WebKit swaps each
 * JPEG in, no script per frame). With `stamped`, reads the frame id from each drawn picture on
 * every animation frame, for the frame tag and the drawn-preview count. A broken stream is
 * opened again after a pause. */
export function watchStream(img: HTMLImageElement, frameTag: HTMLElement, url: string, stamped: boolean): StreamWatch {
  let stopped = false;
  let opened = 0;
  let lastId: number | null = null;
  let animation = 0;
  let retry: number | undefined;
  const open = () => {
    opened += 1;
    img.src = `${url}?open=${opened}`;
  };
  const onError = () => {
    if (stopped) return;
    window.clearTimeout(retry);
    retry = window.setTimeout(open, 500);
  };
  img.addEventListener("error", onError);
  // Same origin (the UI tests' stand-in) reads the stamp. From the app's tauri:// page the
  // picture taints the canvas (WebKitGTK fails CORS for multipart images, so crossOrigin would
  // stop the stream drawing at all): the stamp error is kept and the preview still shows.
  frameTag.textContent = "";
  open();
  if (stamped) {
    const canvas = document.createElement("canvas");
    canvas.height = STAMP_ROWS;
    const g = canvas.getContext("2d", { willReadFrequently: true });
    const look = () => {
      if (stopped) return;
      const width = img.naturalWidth;
      try {
        if (g && width > 0 && img.naturalHeight >= STAMP_ROWS) {
          if (canvas.width !== width) canvas.width = width;
          g.drawImage(img, 0, 0, width, STAMP_ROWS, 0, 0, width, STAMP_ROWS);
          const id = readStamp(g.getImageData(0, 0, width, STAMP_ROWS).data, width, stampBlockWidth(width));
          if (id !== null && id !== lastId) {
            lastId = id;
            frameTag.textContent = `#${id}`;
            frameTag.dataset.frame = String(id);
            previewDrawn(id);
          }
        }
      } catch (e) {
        // A canvas the stream tainted stays tainted: stop looking rather than throw every
        // animation frame. Kept for the tests to report; the preview itself still shows.
        metrics.previewStampError = String(e);
        return;
      }
      animation = requestAnimationFrame(look);
    };
    animation = requestAnimationFrame(look);
  }
  return {
    stop: () => {
      stopped = true;
      cancelAnimationFrame(animation);
      window.clearTimeout(retry);
      img.removeEventListener("error", onError);
    },
  };
}
