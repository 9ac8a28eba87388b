// Manual entry for a ticket that will not read: the app checks the digits as they are typed.

import { clear, h, messageLine } from "../dom";
import { t } from "../i18n";
import { api } from "../ipc";
import type { LineCheck, SaveOutcome } from "../types";
import { duplicateLine, ticketDigits } from "./verdict";

export function manualEntry(onSaved: (outcome: SaveOutcome) => void): HTMLElement {
  const input = h("input", {
    type: "text",
    inputmode: "numeric",
    autocomplete: "off",
    class: "manual-digits",
    "data-testid": "manual-input",
    placeholder: "000000000000000000",
  });
  const check = h("div", { class: "manual-check", "data-testid": "manual-check" });
  const save = h("button", { class: "primary", "data-testid": "manual-save", disabled: true }, t("manual_save"));
  const msg = messageLine("manual-message");
  let latest: LineCheck | null = null;
  let asked = 0;

  const show = (c: LineCheck) => {
    latest = c;
    save.disabled = !c.valid;
    check.dataset.state = c.valid ? "valid" : c.complete ? "invalid" : "incomplete";
    if (c.valid && c.fields) {
      clear(check, ticketDigits(c.fields, "manual-digits"), h("span", { class: "ok" }, t("manual_ok")));
    } else if (c.reason) {
      clear(check, h("span", { class: "bad", "data-testid": "manual-reason" }, c.reason));
    } else {
      clear(check, h("span", {}, t("manual_incomplete", { n: c.digits.length })));
    }
  };

  input.addEventListener("input", () => {
    msg.show("");
    const mine = ++asked;
    void api.checkLine(input.value).then((c) => {
      // Only the answer to the latest keystroke counts.
      if (mine === asked) show(c);
    });
  });

  save.addEventListener("click", async () => {
    if (!latest?.valid) return;
    try {
      const outcome = await api.saveManual(latest.digits);
      if (outcome.status === "saved") {
        msg.show(t("st_saved"), "ok");
        input.value = "";
        clear(check);
        save.disabled = true;
      } else if (outcome.duplicate_of) {
        msg.show(`${t("st_duplicate")}: ${duplicateLine(outcome.duplicate_of)}`);
      }
      onSaved(outcome);
    } catch (e) {
      msg.show((e as { message: string }).message);
    }
  });

  return h(
    "section",
    { class: "card manual", "data-testid": "manual" },
    h("h3", {}, t("manual_title")),
    h("p", { class: "hint" }, t("manual_hint")),
    input,
    check,
    msg.el,
    save,
  );
}
