#!/usr/bin/env bash
# The tablet app's tests: the UI in Debian's chromium with the Tauri IPC mocked, the app
# crate's tests, and the end-to-end test on the real window (src-tauri/scripts/e2e.sh).
#   VRS_APP_SKIP_CARGO_TEST=1  leave out `cargo test -p vrs-app` (scripts/test.sh sets it: the
#                              workspace run has those tests and has built every binary already)
set -euo pipefail
cd "$(dirname "$0")/../.."

VRS_APP_WITH_E2E=1 src-tauri/scripts/setup-debian.sh # also builds ui/dist when stale

echo "== app UI (chromium, IPC mocked)"
(cd ui && node tests/run.mjs)

if [[ "${VRS_APP_SKIP_CARGO_TEST:-0}" != 1 ]]; then
  echo "== cargo test -p vrs-app"
  cargo test -p vrs-app
else
  # The workspace build already made every binary: build the same set, so nothing recompiles.
  export VRS_E2E_BUILD=workspace
fi

echo "== app end to end (Xvfb, tauri-driver)"
src-tauri/scripts/e2e.sh
