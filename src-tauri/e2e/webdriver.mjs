// A small W3C WebDriver client over fetch, enough to drive the app through tauri-driver.

const ELEMENT = "element-6066-11e4-a52e-4f735466cecf";

export class WebDriver {
  constructor(base) {
    this.base = base.replace(/\/$/, "");
    this.session = null;
  }

  async #cmd(method, path, body) {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok || json?.value?.error) {
      const v = json?.value ?? {};
      throw new Error(`webdriver ${method} ${path}: ${v.error ?? res.status}: ${v.message ?? ""}`.trim());
    }
    return json.value;
  }

  #s(path) {
    return `/session/${this.session}${path}`;
  }

  async start(application) {
    const value = await this.#cmd("POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application } } },
    });
    this.session = value.sessionId;
    return value;
  }

  async quit() {
    if (this.session) await this.#cmd("DELETE", this.#s("")).catch(() => undefined);
    this.session = null;
  }

  /** Waits for an element matching `css` and returns its id. */
  async find(css, ms = 10000) {
    const end = Date.now() + ms;
    for (;;) {
      try {
        const v = await this.#cmd("POST", this.#s("/element"), { using: "css selector", value: css });
        return v[ELEMENT];
      } catch (e) {
        if (Date.now() > end) throw new Error(`no element ${css}: ${e.message}`);
        await sleep(100);
      }
    }
  }

  byTestId(id, ms) {
    return this.find(`[data-testid="${id}"]`, ms);
  }

  async click(css) {
    const el = await this.find(css);
    await this.#cmd("POST", this.#s(`/element/${el}/click`), {});
  }

  async type(css, text, { clear = true } = {}) {
    const el = await this.find(css);
    if (clear) await this.#cmd("POST", this.#s(`/element/${el}/clear`), {});
    await this.#cmd("POST", this.#s(`/element/${el}/value`), { text });
  }

  async text(css) {
    const el = await this.find(css);
    return this.#cmd("GET", this.#s(`/element/${el}/text`));
  }

  execute(script, ...args) {
    return this.#cmd("POST", this.#s("/execute/sync"), { script, args });
  }

  /** PNG bytes of the window. */
  async screenshot() {
    return Buffer.from(await this.#cmd("GET", this.#s("/screenshot")), "base64");
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Retries `check` (which throws until it holds) for up to `ms`. */
export async function eventually(check, ms = 10000, every = 100) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw e;
      await sleep(every);
    }
  }
}
