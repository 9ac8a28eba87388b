// The shapes the app's Rust commands send and take (src-tauri/src/dto.rs); keep the two in step.

export type Lang = "ja" | "en";

export interface AppError {
  code: string;
  message: string;
  field?: string;
}

export interface CameraInfo {
  index: number;
  name: string;
}

export type FrameSourceSetting =
  | { kind: "camera"; index: number; width: number; height: number }
  | { kind: "folder"; path: string; fps: number; hold_frames: number };

export interface SourceInfo {
  kind: "camera" | "folder";
  name: string;
  width: number;
  height: number;
  fps: number;
}

export interface Session {
  venue: string;
  operator: string;
  maker: string;
  lot: string;
  /** YYYY-MM-DD, the day the doses are given. */
  date: string;
  dose: number;
}

export interface AppStatus {
  /** A queue exists (a PIN was chosen). */
  initialized: boolean;
  unlocked: boolean;
  enrolled: boolean;
  server_url: string | null;
  device_id: string | null;
  session: Session | null;
  source: FrameSourceSetting | null;
  today: string;
  /** The WebKit web process's memory limit in MB, when the window runs with one. */
  web_memory_limit_mb: number | null;
}

/** The 18 digits split into their fields. */
export interface TicketFields {
  digits: string;
  kind: number;
  dose: number;
  municipality: string;
  number: string;
}

export interface LineCheck {
  /** Digits typed so far, after dropping spaces. */
  digits: string;
  complete: boolean;
  valid: boolean;
  fields: TicketFields | null;
  /** Which field is wrong, and why. */
  field: string | null;
  reason: string | null;
}

export type ReadSource = "ocr" | "qr" | "nw7";

export interface DigitDifference {
  position: number;
  field: string;
  first: [ReadSource, string];
  second: [ReadSource, string];
}

export interface DuplicateOf {
  record_id: string;
  vaccinated_at: string;
  venue: string;
  dose: number;
}

export type VerdictStatus =
  | "accepted"
  | "unconfirmed"
  | "pending"
  | "mismatch"
  | "invalid"
  | "duplicate"
  | "unreadable"
  | "error";

export interface ScanVerdict {
  /** Each start of scanning is a new run; frame ids restart with it. */
  run: number;
  frame_id: number;
  /** Wall clock (ms since epoch) when the frame was captured and when the verdict was made. */
  captured_ms: number;
  decided_ms: number;
  status: VerdictStatus;
  fields: TicketFields | null;
  agreed: ReadSource[];
  reason: string | null;
  differences: DigitDifference[];
  /** Set when this frame's ticket is in the queue (just saved, or saved from an earlier frame). */
  record_id: string | null;
  /** The record was saved from an earlier frame of the same ticket still in view. */
  already_saved: boolean;
  duplicate_of: DuplicateOf | null;
  /** For OCR-only reads: frames seen with the same digits, and how many are needed. */
  consensus: { seen: number; needed: number } | null;
  /** For OCR-only reads: the OCR line's crop, a JPEG as base64. */
  crop_jpeg: string | null;
  /** The file the frame came from, for the file source. */
  label: string | null;
}

export interface ScanStarted {
  run: number;
  source: SourceInfo;
  /** Set when previews are pulled from the custom protocol rather than pushed on the channel. */
  preview_url: string | null;
  /** The page showing the app's loopback preview stream, for a frame (stream transport). */
  preview_stream: string | null;
  /** Whether each streamed preview carries its frame id in its top rows. */
  preview_stamped: boolean;
}

export interface ScanStats {
  run: number;
  preview_fps: number;
  reader_fps: number;
  frames: number;
  dropped: number;
}

export type ScanEvent =
  | ({ type: "verdict" } & ScanVerdict)
  | ({ type: "stats" } & ScanStats)
  | { type: "stopped"; run: number; reason: string | null };

export interface SaveOutcome {
  status: "saved" | "duplicate";
  record_id: string | null;
  fields: TicketFields;
  duplicate_of: DuplicateOf | null;
}

export interface Counts {
  session: number;
  total: number;
  active: number;
  voided: number;
  pending: number;
  synced: number;
  quarantined: number;
}

export type SyncState = "pending" | "synced" | "quarantined";

export interface RecordRow {
  id: string;
  version: number;
  fields: TicketFields;
  vaccinated_at: string;
  venue: string;
  operator: string;
  maker: string;
  lot: string;
  dose: number;
  status: "active" | "voided";
  sync: SyncState;
  /** The server's reason, for quarantined records. */
  server_reason: string | null;
  change_reason: string | null;
  evidence: string;
}

export interface RecordQuery {
  search: string;
  filter: "all" | "pending" | "synced" | "quarantined" | "voided";
  limit: number;
}

export interface Correction {
  venue?: string;
  operator?: string;
  maker?: string;
  lot?: string;
  dose?: number;
  vaccinated_at?: string;
}

export interface ImportItem {
  index: number;
  total: number;
  file: string;
  status: VerdictStatus | "saved";
  fields: TicketFields | null;
  reason: string | null;
  record_id: string | null;
  /** For `duplicate`: the record that already holds this dose. */
  duplicate_of: DuplicateOf | null;
}

export type ImportEvent =
  | ({ type: "file" } & ImportItem)
  | { type: "done"; total: number; saved: number; failed: number };

export interface ImportSummary {
  total: number;
  saved: number;
  duplicates: number;
  failed: number;
}

export interface SyncError {
  record_id: string;
  digits: string | null;
  reason: string;
}

export interface SyncStatus {
  enrolled: boolean;
  server_url: string | null;
  online: boolean | null;
  syncing: boolean;
  last_sync_at: string | null;
  last_error: string | null;
  pending: number;
  errors: SyncError[];
}

export interface SyncReport {
  sent: number;
  accepted: number;
  rejected: number;
  pending: number;
}

export interface EnrolInfo {
  device_id: string;
  server_url: string;
  municipality: string | null;
}

export interface FileResult {
  path: string;
  count: number;
}
