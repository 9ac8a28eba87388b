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

export interface StreamWatch {
  stop: () => void;
}

/** What the stream's page (served by the app beside the stream, `preview_page/view.js`) tells
 * this page: each newly drawn frame id, or why it could not read one. */
interface StreamNews {
  frame?: number;
  error?: string;
}

/** Shows the app's loopback preview stream: a frame holding the stream's own page, whose `<img>`
 * shows one multipart response (WebKit swaps each JPEG in, no script per frame). That page is
 * of the stream's origin, so with `stamped` it can read the frame id stamped into each drawn
 * picture, which this page cannot (WebKitGTK fails CORS for multipart images); it posts each
 * new id here, for the frame tag and the drawn-preview count. */
export function watchStream(
  img: HTMLImageElement,
  frameTag: HTMLElement,
  pageUrl: string,
  stamped: boolean,
): StreamWatch {
  const frame = document.createElement("iframe");
  frame.className = "preview-img";
  frame.dataset.testid = "preview-stream";
  frame.title = "preview";
  frame.src = `${pageUrl}?stamp=${stamped ? 1 : 0}`;
  const onMessage = (event: MessageEvent) => {
    if (event.source !== frame.contentWindow) return;
    const news = (event.data as { vrsPreview?: StreamNews } | null)?.vrsPreview;
    if (typeof news?.frame === "number") {
      frameTag.textContent = `#${news.frame}`;
      frameTag.dataset.frame = String(news.frame);
      previewDrawn(news.frame);
    } else if (typeof news?.error === "string") {
      metrics.previewStampError = news.error;
    }
  };
  window.addEventListener("message", onMessage);
  frameTag.textContent = "";
  img.hidden = true;
  img.removeAttribute("src");
  img.after(frame);
  return {
    stop: () => {
      window.removeEventListener("message", onMessage);
      // Removing the frame ends its page and with it the stream's connection.
      frame.remove();
      img.hidden = false;
    },
  };
}
