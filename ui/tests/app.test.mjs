// UI behaviour against the mocked IPC: what the nurse and the supervisor see and can do.
import assert from "node:assert/strict";

const SESSION = { venue: "千代田区役所", operator: "佐藤 花子", maker: "ファイザー", lot: "FA1234", date: "2026-11-25", dose: 2 };
const READY = { initialized: true, unlocked: true, pin: "123456", enrolled: true, serverUrl: "http://127.0.0.1:8080", session: SESSION };
const A = "121310160000012345";
const B = "121310160000054321";

/** Retries an assertion until it holds or the time is up. */
async function eventually(check, ms = 3000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 40));
    }
  }
}

const byId = (page, id) => page.getByTestId(id);
const textOf = (page, id) => byId(page, id).first().innerText();
const attr = (page, id, name) => byId(page, id).first().getAttribute(name);
const calls = (page, cmd) => page.evaluate((c) => window.__mock.calls(c), cmd);
const mock = (page, fn, ...args) => page.evaluate(([f, a]) => window.__mock[f](...a), [fn, args]);

async function verdictIs(page, status) {
  await eventually(async () => assert.equal(await attr(page, "verdict", "data-status"), status));
}

export const tests = [
  {
    name: "first start: choose a PIN, enrol, then the session screen",
    async run({ page, open }) {
      await open();
      await byId(page, "pin").fill("123456");
      await byId(page, "pin-again").fill("654321");
      await byId(page, "create-pin-submit").click();
      await eventually(async () => assert.match(await textOf(page, "unlock-message"), /一致しません/));
      await byId(page, "pin-again").fill("123456");
      await byId(page, "create-pin-submit").click();

      await byId(page, "server-url").fill("http://127.0.0.1:8080");
      await byId(page, "activation-code").fill("WRONG");
      await byId(page, "enrol-submit").click();
      await eventually(async () => assert.match(await textOf(page, "enrol-message"), /activation code/));
      await byId(page, "activation-code").fill("DEMO-CODE");
      await byId(page, "enrol-submit").click();
      await byId(page, "screen-session").waitFor();
      const [enrol] = await calls(page, "enrol");
      assert.deepEqual(enrol.args, { serverUrl: "http://127.0.0.1:8080", activationCode: "WRONG" });
      assert.equal((await calls(page, "create_pin"))[0].args.pin, "123456");
    },
  },
  {
    name: "the PIN pad unlocks; a wrong PIN says so and clears",
    async run({ page, open }) {
      await open({ ...READY, unlocked: false });
      for (const d of "111111") await page.locator(".key", { hasText: d }).first().click();
      await byId(page, "unlock-submit").click();
      await eventually(async () => assert.match(await textOf(page, "unlock-message"), /PIN is wrong/));
      assert.equal(await byId(page, "pin").inputValue(), "");
      for (const d of "123456") await page.locator(".key", { hasText: new RegExp(`^${d}$`) }).click();
      await byId(page, "unlock-submit").click();
      await byId(page, "screen-scan").waitFor();
      await byId(page, "lock").click();
      await byId(page, "screen-unlock").waitFor();
    },
  },
  {
    name: "session: maker presets, dose, saved and shown in the top bar; a bad field is named",
    async run({ page, open }) {
      await open({ ...READY, session: null });
      await byId(page, "screen-session").waitFor();
      assert.equal(await byId(page, "date").inputValue(), "2026-11-25", "today by default");
      await byId(page, "venue").fill("港区民センター");
      await byId(page, "operator").fill("田中");
      await byId(page, "maker-presets").getByText("モデルナ").click();
      assert.equal(await byId(page, "maker").inputValue(), "モデルナ");
      await byId(page, "session-save").click();
      await eventually(async () => assert.match(await textOf(page, "session-message"), /lot: must not be empty/));
      await byId(page, "lot").fill("MD-77");
      await byId(page, "dose-3").click();
      await byId(page, "session-save").click();
      await byId(page, "screen-scan").waitFor();
      const summary = await textOf(page, "session-summary");
      assert.match(summary, /港区民センター/);
      assert.match(summary, /モデルナ MD-77/);
      assert.match(summary, /3回目/);
      const [, second] = await calls(page, "set_session");
      assert.equal(second.args.session.dose, 3);
    },
  },
  {
    name: "scan: each verdict is drawn for its own frame; older frames and stopped runs never show",
    async run({ page, open }) {
      await open(READY);
      await byId(page, "screen-scan").waitFor();
      await eventually(async () => assert.equal(await attr(page, "scan-toggle", "data-running"), "true"));

      await mock(page, "verdict", { frame_id: 5, status: "accepted", fields: await page.evaluate((d) => window.__mock.fieldsOf(d), A), agreed: ["ocr", "qr"] }, A);
      await verdictIs(page, "accepted");
      assert.equal(await attr(page, "ticket-digits", "data-digits"), A);
      const parts = await byId(page, "ticket-digits").locator(".part b").allInnerTexts();
      assert.deepEqual(parts, ["1", "2", "131016", "0000012345"]);
      await eventually(async () => assert.match(await textOf(page, "recent"), new RegExp(A)));
      await eventually(async () => assert.equal(await byId(page, "count-pending").locator("b").innerText(), "1"));

      // A late verdict from an older frame is dropped.
      await mock(page, "verdict", { frame_id: 3, status: "mismatch", reason: "late" });
      await page.waitForTimeout(100);
      await verdictIs(page, "accepted");

      // The next frame shows no ticket: the previous ticket's result is gone at once.
      await mock(page, "verdict", { frame_id: 6, status: "unreadable" });
      await verdictIs(page, "unreadable");
      assert.equal(await byId(page, "ticket-digits").count(), 0);

      // A stopped run's message is ignored after a restart.
      await byId(page, "scan-toggle").click();
      await eventually(async () => assert.equal(await attr(page, "scan-toggle", "data-running"), "false"));
      await byId(page, "scan-toggle").click();
      await eventually(async () => assert.equal(await attr(page, "scan-toggle", "data-running"), "true"));
      await page.evaluate(() => {
        window.__mock.state.run -= 1;
        window.__mock.verdict({ frame_id: 50, status: "mismatch", reason: "from the old run" });
        window.__mock.state.run += 1;
      });
      await page.waitForTimeout(100);
      assert.notEqual(await attr(page, "verdict", "data-status"), "mismatch");
      // Frame ids restart with the new run.
      await mock(page, "verdict", { frame_id: 1, status: "unreadable" });
      await verdictIs(page, "unreadable");
      assert.equal(await attr(page, "verdict", "data-frame"), "1");
    },
  },
  {
    name: "scan: mismatch is red with the differing digits, duplicate is amber with when and where",
    async run({ page, open }) {
      await open(READY);
      await eventually(async () => assert.equal(await attr(page, "scan-toggle", "data-running"), "true"));
      await mock(page, "verdict", {
        frame_id: 2,
        status: "mismatch",
        reason: "QR code and OCR line differ",
        differences: [{ position: 18, field: "ticket_number", first: ["qr", "5"], second: ["ocr", "6"] }],
      });
      await verdictIs(page, "mismatch");
      assert.match(await attr(page, "verdict", "class"), /bad/);
      assert.match(await textOf(page, "verdict-differences"), /18桁目（券番号）: QR 5 \/ OCR 6/);
      assert.match(await textOf(page, "verdict-title"), /保存していません/);

      await mock(page, "verdict", {
        frame_id: 3,
        status: "duplicate",
        fields: await page.evaluate((d) => window.__mock.fieldsOf(d), A),
        duplicate_of: { record_id: "x", vaccinated_at: "2026-11-20T09:15:00+09:00", venue: "中央会場", dose: 2 },
      });
      await verdictIs(page, "duplicate");
      assert.match(await attr(page, "verdict", "class"), /warn/);
      assert.match(await textOf(page, "verdict-duplicate"), /2026-11-20 09:15、中央会場で2回目/);
    },
  },
  {
    name: "scan: an OCR-only read waits for two frames, then stays for the operator to confirm or fix",
    async run({ page, open }) {
      await open(READY);
      await eventually(async () => assert.equal(await attr(page, "scan-toggle", "data-running"), "true"));
      await mock(page, "verdict", { frame_id: 4, status: "pending", consensus: { seen: 1, needed: 2 } });
      await verdictIs(page, "pending");
      assert.match(await textOf(page, "verdict"), /1\/2/);
      const fields = await page.evaluate((d) => window.__mock.fieldsOf(d), "121310160000054320");
      await mock(page, "verdict", { frame_id: 5, status: "unconfirmed", fields, agreed: ["ocr"], consensus: { seen: 2, needed: 2 }, crop_jpeg: "AAAA" });
      await verdictIs(page, "unconfirmed");
      assert.equal(await attr(page, "confirm-digits", "data-digits"), "121310160000054320");
      await byId(page, "confirm-crop").waitFor();
      // Frames with nothing new do not take the read away from the operator.
      await mock(page, "verdict", { frame_id: 6, status: "unreadable" });
      await page.waitForTimeout(100);
      await verdictIs(page, "unconfirmed");
      // The operator fixes the last digit and confirms; the call names the frame.
      await byId(page, "confirm-input").fill(B);
      await byId(page, "confirm-submit").click();
      await eventually(async () => assert.match(await textOf(page, "confirm-message"), /保存しました/));
      const [call] = await calls(page, "confirm_read");
      assert.deepEqual(call.args, { run: 1, frameId: 5, digits: B });
      await eventually(async () => assert.match(await textOf(page, "recent"), new RegExp(B)));
    },
  },
  {
    name: "manual entry checks digits live and saves only a valid line",
    async run({ page, open }) {
      await open(READY);
      const input = byId(page, "manual-input");
      await input.pressSequentially("12131016");
      await eventually(async () => assert.match(await textOf(page, "manual-check"), /8\/18/));
      assert.equal(await byId(page, "manual-save").isDisabled(), true);
      await input.fill("121310170000012345");
      await eventually(async () => assert.match(await textOf(page, "manual-reason"), /check digit/));
      assert.equal(await byId(page, "manual-save").isDisabled(), true);
      await input.fill(A);
      await eventually(async () => assert.equal(await attr(page, "manual-digits", "data-digits"), A));
      await byId(page, "manual-save").click();
      await eventually(async () => assert.match(await textOf(page, "manual-message"), /保存しました/));
      await input.fill(A);
      await eventually(async () => assert.equal(await byId(page, "manual-save").isDisabled(), false));
      await byId(page, "manual-save").click();
      await eventually(async () => assert.match(await textOf(page, "manual-message"), /記録済み/));
      assert.equal((await page.evaluate(() => window.__mock.state.records.length)), 1);
    },
  },
  {
    name: "preview frames from the channel are shown with their frame id; stats show fps",
    async run({ page, open }) {
      await open(READY);
      await eventually(async () => assert.equal(await attr(page, "scan-toggle", "data-running"), "true"));
      await mock(page, "preview", 41);
      await mock(page, "preview", 42);
      await eventually(async () => assert.equal(await attr(page, "preview-frame", "data-frame"), "42"));
      assert.match(await attr(page, "preview", "src"), /^blob:/);
      await eventually(async () =>
        assert.ok(await page.evaluate(() => document.querySelector('[data-testid="preview"]').naturalWidth === 64)),
      );
      await mock(page, "stats", { preview_fps: 17.5 });
      await eventually(async () => assert.match(await textOf(page, "preview-fps"), /17.5/));
    },
  },
  {
    name: "the loopback preview stream: its own page in a frame, each drawn frame known by its stamp",
    async run({ page, open }) {
      await open({ ...READY, streamPreview: true }, "domcontentloaded");
      await eventually(async () => assert.equal(await attr(page, "scan-toggle", "data-running"), "true"));
      await eventually(async () =>
        assert.match(await attr(page, "preview-stream", "src"), /^http:\/\/127\.0\.0\.1:\d+\/preview\/t\/view\?stamp=1$/),
      );
      // The stream's page is of another origin than the UI, as in the app.
      assert.ok(await page.evaluate(() => new URL(document.querySelector('[data-testid="preview-stream"]').src).origin !== location.origin));
      assert.equal(await page.locator('[data-testid="preview"]').isHidden(), true);
      for (const id of [7, 123456789, 2 ** 32 - 2]) {
        // Pushed again until drawn: the stream's connection may not be open yet.
        await eventually(async () => {
          await mock(page, "streamFrame", id);
          await page.waitForTimeout(100);
          assert.equal(await attr(page, "preview-frame", "data-frame"), String(id));
        });
      }
      assert.equal(await page.evaluate(() => window.__vrs.lastPreviewFrame), 2 ** 32 - 2);
      const drawn = await page.evaluate(() => window.__vrs.previews);
      assert.ok(drawn >= 3);
      // Only the stream's page is heard: a message from anywhere else changes nothing.
      await page.evaluate(() => window.postMessage({ vrsPreview: { frame: 99 } }, "*"));
      await page.waitForTimeout(100);
      assert.equal(await attr(page, "preview-frame", "data-frame"), String(2 ** 32 - 2));
      assert.equal(await page.evaluate(() => window.__vrs.previews), drawn);
      // The same stream all along: no new URL per frame.
      const streamPage = page.frames().find((f) => f.url().includes("/preview/t/view"));
      assert.match(await streamPage.evaluate(() => document.getElementById("preview").src), /\/preview\/t\?open=1$/);
      assert.equal((await calls(page, "start_scan")).length, 1);
      assert.equal(await page.evaluate(() => window.__vrs.previewStampError), null);
      // Stopping takes the frame (and its connection) away and brings the channel's picture back.
      await byId(page, "scan-toggle").click();
      await eventually(async () => assert.equal(await page.locator('[data-testid="preview-stream"]').count(), 0));
      assert.equal(await page.locator('[data-testid="preview"]').isHidden(), false);
    },
  },
  {
    name: "a burst of preview frames: each decode finishes, the newest is drawn last",
    async run({ page, open }) {
      await open(READY);
      await eventually(async () => assert.equal(await attr(page, "scan-toggle", "data-running"), "true"));
      // Twenty frames faster than they can be drawn: the newest must end on screen, and the
      // frames drawn before it must not all have been abandoned half-decoded.
      await page.evaluate(() => window.__mock.previewBurst(Array.from({ length: 20 }, (_, i) => 50 + i)));
      await eventually(async () => assert.equal(await page.evaluate(() => window.__vrs.lastPreviewFrame), 69));
      assert.equal(await attr(page, "preview-frame", "data-frame"), "69");
      const drawn = await page.evaluate(() => window.__vrs.previews);
      assert.ok(drawn >= 2 && drawn <= 20, `drawn ${drawn} of 20`);
    },
  },
  {
    name: "scanning needs a session and says so",
    async run({ page, open }) {
      await open({ ...READY, session: null });
      await byId(page, "screen-session").waitFor();
      await byId(page, "nav-scan").click();
      await eventually(async () => assert.match(await textOf(page, "scan-message"), /セッション/));
      assert.equal((await calls(page, "start_scan")).length, 0);
    },
  },
  {
    name: "import: a progress bar and one result per file",
    async run({ page, open }) {
      await open(READY);
      await byId(page, "nav-import").click();
      await eventually(async () => assert.equal(await byId(page, "import-path").inputValue(), "/home/nurse/scans"));
      await byId(page, "import-start").click();
      await eventually(async () => assert.equal(await byId(page, "import-results").locator("li").count(), 3));
      const statuses = await byId(page, "import-results").locator("li").evaluateAll((l) => l.map((x) => x.dataset.status));
      assert.deepEqual(statuses, ["saved", "mismatch", "unreadable"]);
      assert.equal(await byId(page, "import-progress").evaluate((p) => p.value / p.max), 1);
      await eventually(async () => assert.match(await textOf(page, "import-message"), /3件中 1件登録、2件要確認/));
    },
  },
  {
    name: "queue: counts, search, void needs a reason, versions, quarantine reason after sync",
    async run({ page, open }) {
      await open(READY);
      await page.evaluate(([a, b]) => {
        window.__mock.verdict({ frame_id: 1, status: "accepted" }, a);
        window.__mock.state.session = { ...window.__mock.state.session, lot: "BAD" };
        window.__mock.verdict({ frame_id: 2, status: "accepted" }, b);
      }, [A, B]);
      await byId(page, "nav-queue").click();
      await eventually(async () => assert.equal(await byId(page, "record").count(), 2));
      assert.equal(await byId(page, "count-total").locator("b").innerText(), "2");
      await byId(page, "queue-search").fill("54321");
      await eventually(async () => assert.equal(await byId(page, "record").count(), 1));
      await byId(page, "queue-search").fill("");
      await eventually(async () => assert.equal(await byId(page, "record").count(), 2));

      const first = page.locator(`[data-testid="record"][data-digits="${A}"]`);
      await first.locator("summary").click();
      await first.getByTestId("void-submit").click();
      await eventually(async () => assert.match(await first.getByTestId("record-message").innerText(), /理由/));
      assert.equal((await calls(page, "void_record")).length, 0);
      await first.getByTestId("change-reason").fill("二重登録");
      await first.getByTestId("void-submit").click();
      await eventually(async () => assert.equal(await page.locator(`[data-testid="record"][data-digits="${A}"]`).getAttribute("data-status"), "voided"));
      const again = page.locator(`[data-testid="record"][data-digits="${A}"]`);
      await again.locator("summary").click();
      await eventually(async () => assert.equal(await again.getByTestId("versions").locator("li").count(), 2));
      assert.match(await again.getByTestId("versions").innerText(), /二重登録/);

      await page.evaluate(() => window.__TAURI_INTERNALS__.invoke("sync_now"));
      await byId(page, "filter-quarantined").click();
      await eventually(async () => assert.equal(await byId(page, "record").count(), 1));
      await byId(page, "record").locator("summary").click();
      await eventually(async () => assert.match(await textOf(page, "server-reason"), /lot: not a lot/));
      // Sent again by the supervisor: pending, and gone from the quarantined list.
      const quarantinedId = await byId(page, "record").getAttribute("data-id");
      await byId(page, "retry-submit").click();
      await eventually(async () => assert.equal(await byId(page, "record").count(), 0));
      assert.equal(
        await page.evaluate((id) => window.__mock.state.records.find((r) => r.id === id).sync, quarantinedId),
        "pending",
      );
      await byId(page, "filter-all").click();

      await page.locator("details.files summary").click();
      await byId(page, "export-submit").click();
      await eventually(async () => assert.match(await textOf(page, "queue-message"), /vrs-export.csv に 2件/));
    },
  },
  {
    name: "sync: status, sync now, per-record errors; offline shown; not enrolled offers enrolment",
    async run({ page, open }) {
      await open(READY);
      await page.evaluate((a) => {
        window.__mock.state.session = { ...window.__mock.state.session, lot: "BAD" };
        window.__mock.verdict({ frame_id: 1, status: "accepted" }, a);
      }, A);
      await byId(page, "nav-sync").click();
      await eventually(async () => assert.equal(await textOf(page, "sync-pending"), "1"));
      assert.equal(await attr(page, "sync-online", "data-online"), "true");
      assert.equal(await textOf(page, "sync-last"), "未同期");
      await byId(page, "sync-now").click();
      await eventually(async () => assert.match(await textOf(page, "sync-message"), /1件送信、0件受理、1件保留/));
      await eventually(async () => assert.match(await textOf(page, "sync-errors"), new RegExp(`${A}.*lot: not a lot`)));
      assert.equal(await textOf(page, "sync-pending"), "0");

      await page.evaluate(() => (window.__mock.state.online = false));
      await eventually(async () => assert.equal(await attr(page, "sync-online", "data-online"), "false"));
      await eventually(async () => assert.match(await attr(page, "online-dot", "class"), /off/), 5000);
      await byId(page, "sync-now").click();
      await eventually(async () => assert.match(await textOf(page, "sync-message"), /connection refused/));
    },
  },
  {
    name: "sync: a device not enrolled is offered enrolment there",
    async run({ page, open }) {
      await open({ ...READY, enrolled: false, serverUrl: null });
      await byId(page, "nav-sync").click();
      await byId(page, "enrol-form").waitFor();
      assert.equal(await byId(page, "enrol-skip").count(), 0);
      assert.equal(await byId(page, "replaces-hint").count(), 0);
      await byId(page, "server-url").fill("http://127.0.0.1:9");
      await byId(page, "activation-code").fill("DEMO-CODE");
      await byId(page, "enrol-submit").click();
      await eventually(async () => assert.equal(await textOf(page, "sync-server"), "http://127.0.0.1:9"));
    },
  },
  {
    name: "sync: a restored queue names the device its records were made on",
    async run({ page, open }) {
      const old = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
      await open({ ...READY, enrolled: false, serverUrl: null, madeElsewhere: [old] });
      await byId(page, "nav-sync").click();
      await byId(page, "enrol-form").waitFor();
      assert.match(await textOf(page, "replaces-hint"), /--replaces/);
      assert.deepEqual(await byId(page, "replaced-device").allInnerTexts(), [old]);
    },
  },
  {
    name: "language switch: English throughout, kept after reload",
    async run({ page, open }) {
      await open(READY);
      await byId(page, "screen-scan").waitFor();
      assert.equal(await byId(page, "nav-queue").innerText(), "記録一覧");
      await byId(page, "lang-switch").click();
      await eventually(async () => assert.equal(await byId(page, "nav-queue").innerText(), "Records"));
      assert.match(await textOf(page, "session-summary"), /dose 2/);
      assert.equal(await page.evaluate(() => document.documentElement.lang), "en");
      await page.reload();
      await eventually(async () => assert.equal(await byId(page, "nav-queue").innerText(), "Records"));
    },
  },
  {
    name: "touch targets: every button and input is at least 44 px high",
    async run({ page, open }) {
      await open(READY);
      for (const screen of ["scan", "session", "import", "queue", "sync"]) {
        await byId(page, `nav-${screen}`).click();
        await byId(page, `screen-${screen}`).waitFor();
        const small = await page.evaluate(() =>
          [...document.querySelectorAll("button, input, select")]
            .filter((e) => e.offsetParent !== null)
            .map((e) => [e.dataset.testid ?? e.textContent, e.getBoundingClientRect().height])
            .filter(([, h]) => h < 44),
        );
        assert.deepEqual(small, [], `${screen}: small controls`);
      }
    },
  },
];
