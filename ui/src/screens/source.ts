// Choosing the frame source: a camera and its resolution, or a folder of images played as frames.

import { field, h, messageLine } from "../dom";
import { t } from "../i18n";
import { api } from "../ipc";

const RESOLUTIONS: [number, number][] = [
  [640, 480],
  [1280, 720],
  [1920, 1080],
];

export function sourceSettings(onChanged: () => Promise<void>): HTMLElement {
  const camera = h("select", { "data-testid": "camera-select" });
  const resolution = h(
    "select",
    { "data-testid": "resolution-select" },
    ...RESOLUTIONS.map(([w, hgt]) => h("option", { value: `${w}x${hgt}` }, `${w}×${hgt}`)),
  );
  resolution.value = "1280x720";
  const folder = h("input", { type: "text", "data-testid": "folder-path", placeholder: "/home/…/tickets" });
  const msg = messageLine("source-message");

  void api.listCameras().then((cams) => {
    if (!cams.length) camera.append(h("option", { value: "" }, t("no_cameras")));
    for (const c of cams) camera.append(h("option", { value: String(c.index) }, `${c.index}: ${c.name}`));
  });
  void api.appStatus().then((s) => {
    if (s.source?.kind === "folder") folder.value = s.source.path;
    if (s.source?.kind === "camera") resolution.value = `${s.source.width}x${s.source.height}`;
  });

  const apply = async (kind: "camera" | "folder") => {
    msg.show("");
    try {
      if (kind === "camera") {
        const [w, hgt] = resolution.value.split("x").map(Number);
        await api.setSource({ kind: "camera", index: Number(camera.value || 0), width: w, height: hgt });
      } else {
        await api.setSource({ kind: "folder", path: folder.value.trim(), fps: 15, hold_frames: 20 });
      }
      await onChanged();
    } catch (e) {
      msg.show((e as { message: string }).message);
    }
  };

  return h(
    "details",
    { class: "card source", "data-testid": "source-settings" },
    h("summary", {}, t("source_settings")),
    field(t("source_camera"), camera),
    field(t("resolution"), resolution),
    h("button", { "data-testid": "apply-camera", onclick: () => void apply("camera") }, `${t("source_apply")}: ${t("source_camera")}`),
    field(t("folder_path"), folder),
    h("button", { "data-testid": "apply-folder", onclick: () => void apply("folder") }, `${t("source_apply")}: ${t("source_folder")}`),
    msg.el,
  );
}
