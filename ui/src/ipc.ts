// The typed IPC layer: one function per Rust command (src-tauri/src/commands/). Nothing else in
// the UI calls `invoke`, so a browser with the Tauri IPC mocked runs the same screens.

import { Channel, invoke } from "@tauri-apps/api/core";
import type {
  AppError,
  AppStatus,
  CameraInfo,
  Correction,
  Counts,
  EnrolInfo,
  FileResult,
  FrameSourceSetting,
  ImportEvent,
  ImportSummary,
  LineCheck,
  RecordQuery,
  RecordRow,
  SaveOutcome,
  ScanEvent,
  ScanStarted,
  Session,
  SyncReport,
  SyncStatus,
} from "./types";

/** Every command failure arrives as an `AppError`; anything else is wrapped into one. */
export function asAppError(e: unknown): AppError {
  if (e && typeof e === "object" && "code" in e && "message" in e) {
    return e as AppError;
  }
  return { code: "other", message: String(e) };
}

async function call<T>(cmd: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    throw asAppError(e);
  }
}

export const api = {
  appStatus: () => call<AppStatus>("app_status"),
  vaccineMakers: () => call<string[]>("vaccine_makers"),

  createPin: (pin: string) => call<void>("create_pin", { pin }),
  unlock: (pin: string) => call<void>("unlock", { pin }),
  lock: () => call<void>("lock"),
  enrol: (serverUrl: string, activationCode: string) =>
    call<EnrolInfo>("enrol", { serverUrl, activationCode }),

  setSession: (session: Session) => call<Session>("set_session", { session }),

  listCameras: () => call<CameraInfo[]>("list_cameras"),
  setSource: (source: FrameSourceSetting) => call<void>("set_source", { source }),
  /** Starts the camera; verdicts and stats arrive on `events`, preview JPEGs on `preview`
   * (8 bytes of frame id, little-endian, then the JPEG). */
  startScan: (events: Channel<ScanEvent>, preview: Channel<ArrayBuffer>) =>
    call<ScanStarted>("start_scan", { events, preview }),
  stopScan: () => call<void>("stop_scan"),
  /** The operator confirms (or fixes) an OCR-only read of a frame. */
  confirmRead: (run: number, frameId: number, digits: string) =>
    call<SaveOutcome>("confirm_read", { run, frameId, digits }),

  checkLine: (text: string) => call<LineCheck>("check_line", { text }),
  saveManual: (digits: string) => call<SaveOutcome>("save_manual", { digits }),

  importFolder: (path: string, events: Channel<ImportEvent>) =>
    call<ImportSummary>("import_folder", { path, events }),

  counts: () => call<Counts>("counts"),
  listRecords: (query: RecordQuery) => call<RecordRow[]>("list_records", { query }),
  recordVersions: (id: string) => call<RecordRow[]>("record_versions", { id }),
  voidRecord: (id: string, reason: string) => call<RecordRow>("void_record", { id, reason }),
  retryRecord: (id: string) => call<RecordRow>("retry_record", { id }),
  correctRecord: (id: string, changes: Correction, reason: string) =>
    call<RecordRow>("correct_record", { id, changes, reason }),
  exportCsv: (path: string) => call<FileResult>("export_csv", { path }),
  backup: (path: string) => call<FileResult>("backup", { path }),
  restore: (path: string, pin: string) => call<FileResult>("restore", { path, pin }),
  defaultPaths: () => call<{ export_csv: string; backup: string; import: string }>("default_paths"),

  syncStatus: () => call<SyncStatus>("sync_status"),
  pendingMakersElsewhere: () => call<string[]>("pending_makers_elsewhere"),
  syncNow: () => call<SyncReport>("sync_now"),
};

export { Channel };
