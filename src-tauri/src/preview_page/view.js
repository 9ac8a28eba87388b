// The preview stream's own page, shown in a frame on the app's scan screen. It comes from the
// same loopback origin as the stream, so it may read the pictures it draws: the app's page
// (tauri://) may not, because WebKitGTK fails CORS for multipart images. With `?stamp=1` it
// reads the frame id the app stamps into each preview's top rows (`encode_preview`) on every
// animation frame and tells the app's page each new one, which is how drawn previews are
// counted. A broken stream is opened again after a pause.
"use strict";
(() => {
  // A white and a black guard block, then the frame id's low 32 bits, most significant
  // first, dark for 1; 8 rows high.
  const BLOCKS = 34;
  const ROWS = 8;
  const params = new URLSearchParams(location.search);
  const stamped = params.get("stamp") === "1";
  const img = document.getElementById("preview");
  const stream = location.pathname.replace(/\/view$/, "");
  // Only frame ids and errors go to the app's page, nothing secret, so any parent may hear.
  const tell = (message) => parent.postMessage({ vrsPreview: message }, "*");
  let opened = 0;
  let retry;
  const open = () => {
    opened += 1;
    img.src = `${stream}?open=${opened}`;
  };
  img.addEventListener("error", () => {
    clearTimeout(retry);
    retry = setTimeout(open, 500);
  });
  open();
  if (!stamped) return;

  const readStamp = (rgba, width) => {
    const block = Math.min(16, Math.max(1, Math.floor(width / BLOCKS)));
    const dark = (index) => rgba[((ROWS >> 1) * width + index * block + (block >> 1)) * 4] < 128;
    if (dark(0) || !dark(1)) return null;
    let id = 0;
    for (let index = 2; index < BLOCKS; index++) id = id * 2 + (dark(index) ? 1 : 0);
    return id;
  };
  const canvas = document.createElement("canvas");
  canvas.height = ROWS;
  const g = canvas.getContext("2d", { willReadFrequently: true });
  let lastId = null;
  const look = () => {
    const width = img.naturalWidth;
    try {
      if (g && width > 0 && img.naturalHeight >= ROWS) {
        if (canvas.width !== width) canvas.width = width;
        g.drawImage(img, 0, 0, width, ROWS, 0, 0, width, ROWS);
        const id = readStamp(g.getImageData(0, 0, width, ROWS).data, width);
        if (id !== null && id !== lastId) {
          lastId = id;
          tell({ frame: id });
        }
      }
    } catch (e) {
      // Not expected on this origin; reported once rather than thrown every frame.
      tell({ error: String(e) });
      return;
    }
    requestAnimationFrame(look);
  };
  requestAnimationFrame(look);
})();
