#!/usr/bin/env bash
# The end-to-end test on the real app window: builds the UI, the app with the UI inside it,
# vrs-server and vrs-gen, then drives the app under Xvfb through tauri-driver and
# WebKitWebDriver against the server on loopback.
#   VRS_E2E_SHOTS=DIR         save a screenshot of each screen there (docs/screenshots for the docs)
#   VRS_E2E_SOAK_SECONDS=N    afterwards keep scanning N seconds and sample memory
#   VRS_E2E_BUILD=workspace   build with `cargo build --workspace --bins` (what scripts/test.sh
#                             already ran, so nothing is rebuilt with other feature unification);
#                             default: only the three packages
# Figures land in $VRS_E2E_WORK/metrics.json (default target/e2e/).
set -euo pipefail
cd "$(dirname "$0")/../.."

VRS_APP_WITH_E2E=1 src-tauri/scripts/setup-debian.sh # also builds ui/dist when stale
export PATH="$HOME/.cargo/bin:$PATH"

# The app's default features include `custom-protocol`: it serves the built UI from inside itself.
if [[ "${VRS_E2E_BUILD:-packages}" == workspace ]]; then
  cargo build --workspace --bins
else
  cargo build -p vrs-app -p vrs-server -p vrs-ticketgen --bins
fi

target="${CARGO_TARGET_DIR:-$PWD/target}"
export VRS_APP="$target/debug/vrs-app"
export VRS_SERVER="$target/debug/vrs-server"
export VRS_GEN="$target/debug/vrs-gen"
export VRS_E2E_WORK="${VRS_E2E_WORK:-$target/e2e}"
export TAURI_DRIVER="${TAURI_DRIVER:-$(command -v tauri-driver)}"
# WebKitGTK under Xvfb: software rendering, no compositing.
export WEBKIT_DISABLE_COMPOSITING_MODE=1 LIBGL_ALWAYS_SOFTWARE=1

xvfb-run -a -s "-screen 0 1280x800x24" node src-tauri/e2e/app.e2e.mjs
