// Drawing one frame's verdict, and the ticket's 18 digits split into their fields.

import { formatTime, h } from "../dom";
import { t } from "../i18n";
import type { Key } from "../i18n";
import type { DigitDifference, DuplicateOf, ReadSource, ScanVerdict, TicketFields } from "../types";

const SOURCE_NAMES: Record<ReadSource, string> = { ocr: "OCR", qr: "QR", nw7: "NW-7" };

const FIELD_KEYS: Record<string, Key> = {
  ticket_kind: "f_kind",
  dose: "f_dose",
  municipality_code: "f_municipality",
  ticket_number: "f_number",
};

/** The digits in four boxes: kind, dose, municipality code, ticket number. */
export function ticketDigits(fields: TicketFields, testid = "ticket-digits"): HTMLElement {
  const part = (key: Key, value: string | number, cls: string) =>
    h("span", { class: `part ${cls}` }, h("small", {}, t(key)), h("b", {}, String(value)));
  return h(
    "div",
    { class: "digits", "data-testid": testid, "data-digits": fields.digits },
    part("f_kind", fields.kind, "kind"),
    part("f_dose", fields.dose, "dose"),
    part("f_municipality", fields.municipality, "municipality"),
    part("f_number", fields.number, "number"),
  );
}

export function differenceLine(d: DigitDifference): string {
  const fieldKey = FIELD_KEYS[d.field];
  return t("differs", {
    pos: d.position,
    field: fieldKey ? t(fieldKey) : d.field,
    a: SOURCE_NAMES[d.first[0]],
    x: d.first[1],
    b: SOURCE_NAMES[d.second[0]],
    y: d.second[1],
  });
}

export function duplicateLine(d: DuplicateOf): string {
  return t("duplicate_when", { when: formatTime(d.vaccinated_at), venue: d.venue, dose: d.dose });
}

const STATUS_KEYS: Record<ScanVerdict["status"], Key> = {
  accepted: "st_accepted",
  unconfirmed: "st_unconfirmed",
  pending: "st_pending",
  mismatch: "st_mismatch",
  invalid: "st_invalid",
  duplicate: "st_duplicate",
  unreadable: "st_unreadable",
  error: "st_error",
};

/** A verdict status in the chosen language. */
export function statusLabel(status: ScanVerdict["status"]): string {
  return t(STATUS_KEYS[status]);
}

/** The colour class for a status: green saved, amber look again, red not saved. */
export function tone(status: ScanVerdict["status"]): string {
  switch (status) {
    case "accepted":
      return "good";
    case "duplicate":
    case "unconfirmed":
      return "warn";
    case "mismatch":
    case "invalid":
    case "error":
      return "bad";
    default:
      return "idle";
  }
}

/** The panel body for a verdict (the confirm controls for OCR-only reads are added by the scan screen). */
export function verdictBody(v: ScanVerdict): HTMLElement[] {
  const title = v.status === "accepted" && v.already_saved ? t("st_already") : t(STATUS_KEYS[v.status]);
  const parts: HTMLElement[] = [
    h("div", { class: "verdict-title", "data-testid": "verdict-title" }, title),
    h("div", { class: "verdict-frame" }, `${t("frame")} #${v.frame_id}${v.label ? ` · ${v.label}` : ""}`),
  ];
  if (v.fields && v.status !== "unconfirmed") parts.push(ticketDigits(v.fields));
  // The reader's reason is English prose; where the differing digits are listed they say it in the chosen language.
  if (v.reason && v.status !== "accepted" && !v.differences.length) parts.push(h("p", { class: "reason", "data-testid": "verdict-reason" }, v.reason));
  if (v.differences.length) {
    parts.push(
      h(
        "ul",
        { class: "differences", "data-testid": "verdict-differences" },
        ...v.differences.map((d) => h("li", {}, differenceLine(d))),
      ),
    );
  }
  if (v.duplicate_of) {
    parts.push(h("p", { class: "duplicate", "data-testid": "verdict-duplicate" }, duplicateLine(v.duplicate_of)));
  }
  if (v.consensus && v.status === "pending") {
    parts.push(h("p", { class: "hint" }, t("consensus", v.consensus)));
  }
  return parts;
}

let audio: AudioContext | null = null;

/** A short tone for a saved record; silent where audio is unavailable. */
export function beep(): void {
  try {
    audio ??= new AudioContext();
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.15;
    osc.connect(gain).connect(audio.destination);
    osc.start();
    osc.stop(audio.currentTime + 0.12);
  } catch {
    // No audio device: the green panel is the signal.
  }
}
