#!/usr/bin/env bash
# Installs what the tablet app (src-tauri/, ui/) builds, runs and tests with, when missing:
# Debian packages, the UI's npm packages, and for the end-to-end test tauri-driver; then builds
# the UI (ui/dist) when it is missing or older than its sources, since the app embeds it.
# Idempotent: does nothing when everything is present. Needs root or sudo the first time.
#   VRS_APP_WITH_E2E=1  also the end-to-end test's tools (Xvfb, WebKitGTK WebDriver, tauri-driver).
set -euo pipefail
cd "$(dirname "$0")/../.."

packages=(
  pkg-config
  libwebkit2gtk-4.1-dev      # Tauri v2's webview
  libgtk-3-dev
  librsvg2-dev
  libayatana-appindicator3-dev
  libclang-dev               # nokhwa's V4L2 bindings (bindgen)
  libv4l-dev
  chromium                   # the UI tests' browser (playwright-core drives it)
  fonts-ipafont-gothic       # Japanese text in the UI
  nodejs
  npm
  xvfb                       # a display for the app where there is none (tests, headless demo)
  xauth
)
if [[ "${VRS_APP_WITH_E2E:-0}" == 1 ]]; then
  packages+=(webkit2gtk-driver)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs from another source (nodesource, nvm) is fine as long as node and npm run.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs/}")
  missing=("${missing[@]/npm/}")
fi
read -r -a missing <<<"${missing[*]}"
if ((${#missing[@]})); then
  echo "setup-app: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The UI's packages, exactly as locked.
if [[ ! -d ui/node_modules ]] || [[ ui/package-lock.json -nt ui/node_modules/.package-lock.json ]]; then
  echo "setup-app: npm ci in ui/" >&2
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
fi

if [[ "${VRS_APP_WITH_E2E:-0}" == 1 ]] && ! command -v tauri-driver >/dev/null; then
  echo "setup-app: cargo install tauri-driver" >&2
  cargo install tauri-driver --version ^2 --locked
fi

# The app embeds ui/dist when it compiles (even `cargo clippy` reads it), so build it first.
if [[ ! -f ui/dist/index.html ]] || [[ -n "$(find ui/src ui/index.html ui/package-lock.json ui/vite.config.ts -newer ui/dist/index.html -print -quit)" ]]; then
  echo "setup-app: building the UI (ui/dist)" >&2
  (cd ui && npm run --silent build >/dev/null)
fi
