// A stand-in for the app's Rust commands, injected before the page loads (page.addInitScript).
// It plays the Tauri IPC contract (window.__TAURI_INTERNALS__) with in-memory state, records
// every call, and lets a test push scan events the way the camera pipeline does.
(() => {
  const VALID = new Set(["121310160000012345", "121310160000054321", "131310160000000777"]);
  const callbacks = new Map();
  let nextCallback = 1;
  const fieldsOf = (d) => ({
    digits: d,
    kind: Number(d[0]),
    dose: Number(d[1]),
    municipality: d.slice(2, 8),
    number: d.slice(8),
  });

  const state = {
    initialized: false,
    unlocked: false,
    pin: null,
    enrolled: false,
    serverUrl: null,
    session: null,
    records: [],
    run: 0,
    scanEvents: null,
    scanPreview: null,
    /** Previews through the (test server's) loopback stream instead of the channel. */
    streamPreview: false,
    online: true,
    lastSync: null,
    syncErrors: [],
    /** Devices that made the pending records, when not this one (a restored queue). */
    madeElsewhere: [],
    calls: [],
  };

  const fail = (code, message, field) => {
    throw field ? { code, message, field } : { code, message };
  };
  const needUnlocked = () => {
    if (!state.unlocked) fail("locked", "the record queue is locked; unlock it with the PIN first");
  };
  const send = (channel, message) => {
    if (!channel) return;
    channel.__index = (channel.__index ?? 0) + 1;
    const cb = callbacks.get(channel.id);
    if (cb) cb({ index: channel.__index - 1, message });
  };
  /** A small JPEG behind the frame id, as the app's preview channel sends them. */
  const previewBytes = async (frameId) => {
    const canvas = document.createElement("canvas");
    canvas.width = 64;
    canvas.height = 48;
    canvas.getContext("2d").fillRect(0, 0, 32, 24);
    const blob = await new Promise((r) => canvas.toBlob(r, "image/jpeg"));
    const jpeg = new Uint8Array(await blob.arrayBuffer());
    const bytes = new Uint8Array(8 + jpeg.length);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(frameId), true);
    bytes.set(jpeg, 8);
    return bytes.buffer;
  };
  const duplicateOf = (digits) => {
    const r = state.records.find((x) => x.fields.digits === digits && x.status === "active");
    return r ? { record_id: r.id, vaccinated_at: r.vaccinated_at, venue: r.venue, dose: r.dose } : null;
  };
  const save = (digits, evidence) => {
    const dup = duplicateOf(digits);
    if (dup) return { status: "duplicate", record_id: null, fields: fieldsOf(digits), duplicate_of: dup };
    const s = state.session;
    const id = `0190${String(state.records.length + 1).padStart(4, "0")}-0000-7000-8000-000000000000`;
    state.records.push({
      id,
      version: 1,
      fields: fieldsOf(digits),
      vaccinated_at: `${s.date}T10:00:00+09:00`,
      venue: s.venue,
      operator: s.operator,
      maker: s.maker,
      lot: s.lot,
      dose: s.dose,
      status: "active",
      sync: "pending",
      server_reason: null,
      change_reason: null,
      evidence,
      versions: [],
    });
    return { status: "saved", record_id: id, fields: fieldsOf(digits), duplicate_of: null };
  };
  const counts = () => {
    const r = state.records;
    return {
      session: r.filter((x) => x.venue === state.session?.venue).length,
      total: r.length,
      active: r.filter((x) => x.status === "active").length,
      voided: r.filter((x) => x.status === "voided").length,
      pending: r.filter((x) => x.sync === "pending").length,
      synced: r.filter((x) => x.sync === "synced").length,
      quarantined: r.filter((x) => x.sync === "quarantined").length,
    };
  };
  const row = (r) => {
    const { versions: _v, ...rest } = r;
    return rest;
  };
  const checkLine = (text) => {
    const digits = text.replace(/\s/g, "");
    const base = { digits, complete: digits.length === 18, valid: false, fields: null, field: null, reason: null };
    if (/\D/.test(digits)) return { ...base, field: "line", reason: "OCR line: only digits are allowed" };
    if (digits.length < 18) return base;
    if (digits.length > 18) return { ...base, field: "line", reason: `OCR line: expected 18 digits, found ${digits.length} characters` };
    if (!VALID.has(digits)) {
      return { ...base, field: "municipality_code", reason: `municipality code ${digits.slice(2, 8)}: check digit is wrong` };
    }
    return { ...base, valid: true, fields: fieldsOf(digits) };
  };

  const commands = {
    app_status: () => ({
      initialized: state.initialized,
      unlocked: state.unlocked,
      enrolled: state.enrolled,
      server_url: state.serverUrl,
      device_id: state.enrolled ? "tablet-mock-01" : null,
      session: state.session,
      source: { kind: "folder", path: "/tmp/tickets", fps: 15, hold_frames: 20 },
      today: "2026-11-25",
      web_memory_limit_mb: 160,
    }),
    vaccine_makers: () => ["ファイザー", "モデルナ", "第一三共"],
    create_pin: ({ pin }) => {
      if (!/^\d{6,}$/.test(pin)) fail("field", "pin: at least 6 digits", "pin");
      state.pin = pin;
      state.initialized = true;
      state.unlocked = true;
    },
    unlock: ({ pin }) => {
      if (pin !== state.pin) fail("wrong_pin", "the PIN is wrong");
      state.unlocked = true;
    },
    lock: () => {
      state.unlocked = false;
    },
    enrol: ({ serverUrl, activationCode }) => {
      if (!/^https?:\/\//.test(serverUrl)) fail("field", "server URL: must start with http:// or https://", "server_url");
      if (activationCode !== "DEMO-CODE") fail("field", "activation code: not known to the server", "activation_code");
      state.enrolled = true;
      state.serverUrl = serverUrl;
      return { device_id: "tablet-mock-01", server_url: serverUrl, municipality: "131016" };
    },
    set_session: ({ session }) => {
      needUnlocked();
      for (const f of ["venue", "operator", "maker", "lot"]) {
        if (!session[f]) fail("field", `${f}: must not be empty`, f);
      }
      state.session = session;
      return session;
    },
    list_cameras: () => [],
    set_source: () => null,
    start_scan: ({ events, preview }) => {
      needUnlocked();
      if (!state.session) fail("no_session", "no session is set");
      state.run += 1;
      state.scanEvents = events;
      state.scanPreview = preview;
      return {
        run: state.run,
        source: { kind: "folder", name: "/tmp/tickets", width: 1280, height: 960, fps: 15 },
        preview_url: null,
        preview_stream: state.streamPreview ? `${window.__streamOrigin}/preview/t/view` : null,
        preview_stamped: state.streamPreview,
      };
    },
    stop_scan: () => {
      state.scanEvents = null;
    },
    confirm_read: ({ digits }) => {
      const c = checkLine(digits);
      if (!c.valid) fail("field", c.reason ?? "incomplete", "digits");
      return save(c.digits, "OCR, operator confirmed");
    },
    check_line: ({ text }) => checkLine(text),
    save_manual: ({ digits }) => {
      const c = checkLine(digits);
      if (!c.valid) fail("field", c.reason ?? "incomplete", "digits");
      return save(c.digits, "manual entry");
    },
    import_folder: ({ path, events }) => {
      if (!path) fail("field", "folder: none given", "path");
      const files = [
        ["form-001.png", "accepted", "121310160000054321"],
        ["form-002.png", "mismatch", null],
        ["form-003.png", "unreadable", null],
      ];
      let saved = 0;
      files.forEach(([file, status, digits], index) => {
        let item = { index, total: files.length, file, status, fields: null, reason: null, record_id: null, duplicate_of: null };
        if (digits) {
          const out = save(digits, "QR + OCR");
          item = { ...item, status: out.status === "saved" ? "saved" : "duplicate", fields: out.fields, record_id: out.record_id };
          if (out.status === "saved") saved += 1;
        } else {
          item.reason = status === "mismatch" ? "QR code and OCR line differ at digit 18" : "no ticket found";
        }
        send(events, { type: "file", ...item });
      });
      return { total: files.length, saved, duplicates: 0, failed: files.length - saved };
    },
    counts: () => (needUnlocked(), counts()),
    list_records: ({ query }) => {
      needUnlocked();
      const q = query.search.toLowerCase();
      return state.records
        .filter((r) => (query.filter === "all" ? true : query.filter === "voided" ? r.status === "voided" : r.sync === query.filter))
        .filter((r) => !q || [r.fields.digits, r.venue, r.lot].some((s) => s.toLowerCase().includes(q)))
        .map(row);
    },
    record_versions: ({ id }) => {
      const r = state.records.find((x) => x.id === id);
      return r ? [...r.versions, row(r)] : [];
    },
    retry_record: ({ id }) => {
      const r = state.records.find((x) => x.id === id);
      if (r.sync === "quarantined") Object.assign(r, { sync: "pending", server_reason: null });
      return row(r);
    },
    void_record: ({ id, reason }) => {
      const r = state.records.find((x) => x.id === id);
      if (!reason) fail("field", "reason: must not be empty", "reason");
      r.versions.push(row(r));
      Object.assign(r, { status: "voided", version: r.version + 1, change_reason: reason, sync: "pending" });
      return row(r);
    },
    correct_record: ({ id, changes, reason }) => {
      const r = state.records.find((x) => x.id === id);
      r.versions.push(row(r));
      Object.assign(r, changes, { version: r.version + 1, change_reason: reason, sync: "pending" });
      return row(r);
    },
    export_csv: ({ path }) => ({ path, count: state.records.length }),
    backup: ({ path }) => ({ path, count: state.records.length }),
    restore: ({ path, pin }) => {
      if (pin !== state.pin) fail("wrong_pin", "the PIN is wrong");
      return { path, count: state.records.length };
    },
    default_paths: () => ({ export_csv: "/home/nurse/vrs-export.csv", backup: "/home/nurse/vrs-backup.vrsq", import: "/home/nurse/scans" }),
    sync_status: () => ({
      enrolled: state.enrolled,
      server_url: state.serverUrl,
      online: state.enrolled ? state.online : null,
      syncing: false,
      last_sync_at: state.lastSync,
      last_error: state.online ? null : "connection refused",
      pending: counts().pending,
      errors: state.syncErrors,
    }),
    pending_makers_elsewhere: () => state.madeElsewhere,
    sync_now: () => {
      if (!state.online) fail("other", "sync: connection refused");
      const pending = state.records.filter((r) => r.sync === "pending");
      let rejected = 0;
      for (const r of pending) {
        if (r.lot === "BAD") {
          r.sync = "quarantined";
          r.server_reason = "lot: not a lot the municipality received";
          state.syncErrors.push({ record_id: r.id, digits: r.fields.digits, reason: r.server_reason });
          rejected += 1;
        } else r.sync = "synced";
      }
      state.lastSync = "2026-11-25T10:30:00+09:00";
      return { sent: pending.length, accepted: pending.length - rejected, rejected, pending: 0 };
    },
  };

  window.__TAURI_INTERNALS__ = {
    invoke: async (cmd, args = {}) => {
      state.calls.push({ cmd, args: JSON.parse(JSON.stringify(args, (k, v) => (v && v.id && v.onmessage !== undefined ? `channel:${v.id}` : v))) });
      const handler = commands[cmd];
      if (!handler) throw { code: "other", message: `mock: no command ${cmd}` };
      return handler(args);
    },
    transformCallback: (cb) => {
      const id = nextCallback++;
      callbacks.set(id, cb);
      return id;
    },
    unregisterCallback: (id) => callbacks.delete(id),
    convertFileSrc: (p) => p,
  };

  const verdict = (v) => ({
    type: "verdict",
    run: state.run,
    captured_ms: Date.now() - 80,
    decided_ms: Date.now(),
    fields: null,
    agreed: [],
    reason: null,
    differences: [],
    record_id: null,
    already_saved: false,
    duplicate_of: null,
    consensus: null,
    crop_jpeg: null,
    label: null,
    ...v,
  });

  // What the tests drive.
  window.__mock = {
    state,
    fieldsOf,
    setup(partial) {
      Object.assign(state, partial);
    },
    /** Sends a verdict as the pipeline would; `saveAs` also puts the record in the queue. */
    verdict(v, saveAs) {
      if (saveAs) {
        const out = save(saveAs, "QR + OCR");
        v = { ...v, record_id: out.record_id };
      }
      send(state.scanEvents, verdict(v));
    },
    stats(s) {
      send(state.scanEvents, { type: "stats", run: state.run, frames: 0, dropped: 0, reader_fps: 5, ...s });
    },
    async preview(frameId) {
      send(state.scanPreview, await previewBytes(frameId));
    },
    /** Frames delivered back to back in one task, faster than any image can be decoded. */
    async previewBurst(frameIds) {
      const all = await Promise.all(frameIds.map(previewBytes));
      for (const bytes of all) send(state.scanPreview, bytes);
    },
    /** A 640x360 JPEG with the frame id stamped into its top rows as the app stamps it
     * (white and black guard blocks, then 32 bits, dark for 1), pushed to the stream. */
    async streamFrame(frameId) {
      const canvas = document.createElement("canvas");
      canvas.width = 640;
      canvas.height = 360;
      const g = canvas.getContext("2d");
      g.fillStyle = "#777";
      g.fillRect(0, 0, 640, 360);
      for (let index = 0; index < 34; index++) {
        const black = index === 1 || (index > 1 && Math.floor(frameId / 2 ** (33 - index)) % 2 === 1);
        g.fillStyle = black ? "#000" : "#fff";
        g.fillRect(index * 16, 0, 16, 8);
      }
      const blob = await new Promise((r) => canvas.toBlob(r, "image/jpeg", 0.7));
      await fetch("/__stream/push", { method: "POST", body: blob });
    },
    calls: (cmd) => state.calls.filter((c) => c.cmd === cmd),
  };

  // A test's starting state, set by an earlier init script.
  if (window.__mockSetup) Object.assign(state, window.__mockSetup);
})();
