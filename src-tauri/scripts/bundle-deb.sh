#!/usr/bin/env bash
# Builds the tablet app's .deb with the Tauri CLI from ui/node_modules (@tauri-apps/cli).
# The .deb lands in $CARGO_TARGET_DIR (default target/)/release/bundle/deb/, or debug/bundle/deb/
# with VRS_BUNDLE_PROFILE=debug (reuses the tests' dev-profile build: much quicker).
# AppImage is not offered: its tools are downloaded at bundle time.
set -euo pipefail
cd "$(dirname "$0")/../.."

src-tauri/scripts/setup-debian.sh # packages, ui/node_modules, and ui/dist when stale
export PATH="$HOME/.cargo/bin:$PATH"

profile=(); dir=release
if [[ "${VRS_BUNDLE_PROFILE:-release}" == debug ]]; then
  profile=(--debug); dir=debug
fi
target="${CARGO_TARGET_DIR:-$PWD/target}"

# The UI is already built (setup): no beforeBuildCommand.
(cd src-tauri && ../ui/node_modules/.bin/tauri build "${profile[@]}" --ci --bundles deb \
  --config '{"build":{"beforeBuildCommand":""}}')

deb=$(ls -t "$target/$dir/bundle/deb/"*.deb | head -n 1)
echo "bundle-deb: $deb"
dpkg-deb --info "$deb" | sed -n '/Package:/,/Description:/p'
