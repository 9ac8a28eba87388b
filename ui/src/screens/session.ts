// The batch settings: venue, operator, vaccine maker (presets) and lot, date, dose.

import { field, h, messageLine } from "../dom";
import { t } from "../i18n";
import { api } from "../ipc";
import type { Ctx, Screen } from "../main";

const DOSES = [1, 2, 3, 4, 5, 6, 7];

export function sessionScreen(ctx: Ctx): Screen {
  const s = ctx.status.session;
  const venue = h("input", { type: "text", "data-testid": "venue", value: s?.venue ?? "" });
  const operator = h("input", { type: "text", "data-testid": "operator", value: s?.operator ?? "" });
  const maker = h("input", { type: "text", "data-testid": "maker", list: "makers", value: s?.maker ?? "" });
  const makerChips = h("div", { class: "chips", "data-testid": "maker-presets" });
  const lot = h("input", { type: "text", "data-testid": "lot", value: s?.lot ?? "" });
  const date = h("input", { type: "date", "data-testid": "date", value: s?.date ?? ctx.status.today });
  let dose = s?.dose ?? 1;
  const doseButtons = DOSES.map((n) =>
    h(
      "button",
      {
        type: "button",
        class: `chip ${n === dose ? "active" : ""}`,
        "data-testid": `dose-${n}`,
        onclick: (e: Event) => {
          dose = n;
          for (const b of doseButtons) b.classList.remove("active");
          (e.currentTarget as HTMLElement).classList.add("active");
        },
      },
      String(n),
    ),
  );
  const msg = messageLine("session-message");

  void api.vaccineMakers().then((makers) => {
    for (const m of makers) {
      makerChips.append(
        h(
          "button",
          {
            type: "button",
            class: `chip ${maker.value === m ? "active" : ""}`,
            onclick: (e: Event) => {
              maker.value = m;
              for (const c of makerChips.children) c.classList.remove("active");
              (e.currentTarget as HTMLElement).classList.add("active");
            },
          },
          m,
        ),
      );
    }
  });

  const submit = async () => {
    msg.show("");
    try {
      const saved = await api.setSession({
        venue: venue.value.trim(),
        operator: operator.value.trim(),
        maker: maker.value.trim(),
        lot: lot.value.trim(),
        date: date.value,
        dose,
      });
      ctx.status.session = saved;
      msg.show(t("session_saved"), "ok");
      await ctx.refresh();
      ctx.go("scan");
    } catch (e) {
      const err = e as { message: string; field?: string };
      msg.show(err.message);
      const bad = err.field ? document.querySelector<HTMLElement>(`[data-testid="${err.field}"]`) : null;
      bad?.focus();
    }
  };

  const el = h(
    "form",
    {
      class: "card session",
      "data-testid": "screen-session",
      onsubmit: (e: Event) => {
        e.preventDefault();
        void submit();
      },
    },
    h("h2", {}, t("session_title")),
    field(t("venue"), venue),
    field(t("operator"), operator),
    field(t("maker"), maker),
    makerChips,
    field(t("lot"), lot),
    field(t("date"), date),
    h("div", { class: "field" }, h("span", {}, t("dose")), h("div", { class: "chips" }, ...doseButtons)),
    msg.el,
    h("button", { type: "submit", class: "primary wide", "data-testid": "session-save" }, t("session_save")),
  );
  return { el };
}
