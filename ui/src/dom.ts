// A few DOM helpers; the screens build plain elements with them.

type Attrs = Record<string, string | number | boolean | EventListener | undefined | null>;
type Child = Node | string | number | null | undefined | false;

/** Makes an element: attributes starting with `on` become listeners, `class` and `data-*` are set. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2), value);
    } else if (value === true) {
      el.setAttribute(name, "");
    } else if (name === "value" && "value" in el) {
      (el as HTMLInputElement).value = String(value);
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
}

export function clear(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** A labelled field: the label wraps the control so the whole row is a touch target. */
export function field(label: string, control: HTMLElement, testid?: string): HTMLLabelElement {
  return h("label", { class: "field", "data-testid": testid }, h("span", {}, label), control);
}

/** A message line that shows errors and notices; `show` replaces what it says. */
export function messageLine(testid: string): { el: HTMLElement; show: (text: string, kind?: "error" | "ok") => void } {
  const el = h("p", { class: "message", "data-testid": testid, role: "status" });
  return {
    el,
    show(text, kind = "error") {
      el.textContent = text;
      el.className = `message ${text ? kind : ""}`;
    },
  };
}

/** Date and minute as written in the timestamp, in its own offset (the venue's clock), not the viewer's. */
export function formatTime(iso: string | null): string {
  if (!iso) return "";
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso;
}
