// Unlock with the PIN; on first start choose a PIN, then enrol with the server (or later).

import { clear, field, h, messageLine } from "../dom";
import { t } from "../i18n";
import { api } from "../ipc";
import type { AppStatus } from "../types";

/** A PIN box with an on-screen keypad, for one thumb. */
function pinPad(testid: string, onEnter: () => void): { el: HTMLElement; input: HTMLInputElement } {
  const input = h("input", {
    type: "password",
    inputmode: "numeric",
    autocomplete: "off",
    class: "pin",
    "data-testid": testid,
    onkeydown: (e: Event) => {
      if ((e as KeyboardEvent).key === "Enter") onEnter();
    },
  });
  const key = (label: string, action: () => void) =>
    h("button", { type: "button", class: "key", onclick: action }, label);
  const keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9"].map((d) => key(d, () => (input.value += d)));
  keys.push(key("⌫", () => (input.value = input.value.slice(0, -1))));
  keys.push(key("0", () => (input.value += "0")));
  keys.push(key("⏎", onEnter));
  return { el: h("div", { class: "pinpad" }, input, h("div", { class: "keys" }, ...keys)), input };
}

function enrolForm(onDone: () => void, withSkip: boolean): HTMLElement {
  const url = h("input", { type: "url", "data-testid": "server-url", placeholder: "https://", value: "" });
  const code = h("input", { type: "text", "data-testid": "activation-code", autocomplete: "off" });
  const msg = messageLine("enrol-message");
  const submit = async () => {
    msg.show("");
    try {
      const info = await api.enrol(url.value.trim(), code.value.trim());
      msg.show(`${t("enrolled_as")}: ${info.device_id}`, "ok");
      onDone();
    } catch (e) {
      msg.show((e as { message: string }).message);
    }
  };
  return h(
    "form",
    {
      class: "card",
      "data-testid": "enrol-form",
      onsubmit: (e: Event) => {
        e.preventDefault();
        void submit();
      },
    },
    h("h2", {}, t("enrol_title")),
    h("p", { class: "hint" }, t("enrol_hint")),
    field(t("server_url"), url),
    field(t("activation_code"), code),
    msg.el,
    h(
      "div",
      { class: "row" },
      h("button", { type: "submit", class: "primary", "data-testid": "enrol-submit" }, t("enrol_button")),
      withSkip && h("button", { type: "button", "data-testid": "enrol-skip", onclick: onDone }, t("enrol_later")),
    ),
  );
}

export { enrolForm };

export function unlockScreen(status: AppStatus, onUnlocked: () => void): { el: HTMLElement } {
  const el = h("div", { class: "unlock", "data-testid": "screen-unlock" });
  const msg = messageLine("unlock-message");

  const afterPin = async () => {
    const now = await api.appStatus();
    if (!now.enrolled) clear(el, enrolForm(onUnlocked, true));
    else onUnlocked();
  };

  if (status.initialized) {
    const pad = pinPad("pin", () => void submit());
    const submit = async () => {
      msg.show("");
      try {
        await api.unlock(pad.input.value);
        await afterPin();
      } catch (e) {
        pad.input.value = "";
        msg.show((e as { message: string }).message);
      }
    };
    clear(
      el,
      h(
        "div",
        { class: "card" },
        h("h2", {}, t("unlock_title")),
        pad.el,
        msg.el,
        h("button", { class: "primary wide", "data-testid": "unlock-submit", onclick: () => void submit() }, t("unlock_button")),
      ),
    );
  } else {
    const again = h("input", { type: "password", inputmode: "numeric", class: "pin", "data-testid": "pin-again" });
    const pad = pinPad("pin", () => again.focus());
    const submit = async () => {
      msg.show("");
      if (pad.input.value !== again.value) {
        msg.show(t("pins_differ"));
        return;
      }
      try {
        await api.createPin(pad.input.value);
        await afterPin();
      } catch (e) {
        msg.show((e as { message: string }).message);
      }
    };
    clear(
      el,
      h(
        "div",
        { class: "card" },
        h("h2", {}, t("create_pin_title")),
        h("p", { class: "hint" }, t("create_pin_hint")),
        pad.el,
        field(t("pin_again"), again),
        msg.el,
        h("button", { class: "primary wide", "data-testid": "create-pin-submit", onclick: () => void submit() }, t("create_pin_button")),
      ),
    );
  }
  return { el };
}
