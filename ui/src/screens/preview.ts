// Draws preview JPEGs into the preview <img> one at a time. Setting `src` while the previous
// image is still decoding aborts that decode, so under load most frames would be thrown away
// half-drawn; instead the newest frame waits until the one in progress has been drawn, and
// older waiting frames are dropped.

import { previewDrawn } from "../metrics";

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
