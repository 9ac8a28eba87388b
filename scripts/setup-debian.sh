#!/usr/bin/env bash
# Installs the Debian packages the project builds, runs and tests with, when missing.
# Safe to run repeatedly; does nothing when everything is present.
set -euo pipefail

packages=(
  pkg-config            # -sys crates
  fonts-ocr-b           # the OCR line's typeface, for the ticket generator
  fonts-ipafont-gothic  # Japanese text on generated tickets
  fonts-ipafont-mincho
  zbar-tools            # zbarimg: the decoding benchmark's peer
)
if [[ "${VRS_WITH_POSTGRES:-0}" == 1 ]]; then
  packages+=(postgresql)
fi
if [[ -n "${VRS_EXTRA_PACKAGES:-}" ]]; then
  read -r -a extra <<<"$VRS_EXTRA_PACKAGES"
  packages+=("${extra[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The tablet app's packages (WebKitGTK, libclang for nokhwa, node, chromium): the workspace
# includes src-tauri, so even `cargo clippy --workspace` needs them.
"$(dirname "$0")/../src-tauri/scripts/setup-debian.sh"

if ! command -v cargo >/dev/null; then
  echo "setup: cargo not found; install Rust (rustup) first" >&2
  exit 1
fi
