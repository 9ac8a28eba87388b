#!/usr/bin/env bash
# Runs the product: the sync server (SQLite store) with a demo municipality and activation
# code, and the tablet app. Without a camera the app plays generated ticket photos as frames.
#   VRS_DEMO_DIR=DIR      where the demo's data lives (default target/demo)
#   VRS_RUN_PROFILE=release  build the release profile; default: the dev profile (optimised, see
#                            Cargo.toml), the very build the tests make, so nothing compiles twice
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh # also the app's packages, and builds the UI (ui/dist) when stale

profile="${VRS_RUN_PROFILE:-dev}"
[[ "$profile" == release ]] && cargo_profile=(--release) || cargo_profile=()
target="${CARGO_TARGET_DIR:-$PWD/target}"
bin="$target/$([[ "$profile" == release ]] && echo release || echo debug)"

# The app's default features include `custom-protocol`: it serves the built UI from inside itself.
cargo build "${cargo_profile[@]}" -p vrs-app -p vrs-server -p vrs-ticketgen --bins

demo="${VRS_DEMO_DIR:-$PWD/target/demo}"
municipality=131016 # 千代田区; the tickets below belong to it
mkdir -p "$demo/tickets" "$demo/app"

# Ticket photos for the file source: four good tickets and one whose QR code disagrees.
if [[ ! -f "$demo/tickets/ticket-4.jpg" ]]; then
  # Seeds whose photos read with both codes; the generator is deterministic.
  seeds=(15 17 22 24)
  for i in 1 2 3 4; do
    "$bin/vrs-gen" --out "$demo/gen-$i" --count 1 --seed "${seeds[$((i - 1))]}" --line "12${municipality}000000100$i" >/dev/null
    cp "$demo/gen-$i/ticket-00000.jpg" "$demo/tickets/ticket-$i.jpg"
  done
  "$bin/vrs-gen" --out "$demo/gen-5" --count 1 --seed 14 --line "12${municipality}0000001005" \
    --qr "12${municipality}0000001006" >/dev/null
  cp "$demo/gen-5/ticket-00000.jpg" "$demo/tickets/ticket-5-mismatch.jpg"
  rm -rf "$demo"/gen-*
fi

# The server's store: the demo municipality and one activation code, made once.
server_admin=("$bin/vrs-server" admin --data-dir "$demo/server")
if [[ ! -f "$demo/activation-code.txt" ]]; then
  mkdir -p "$demo/server"
  "${server_admin[@]}" municipality add "$municipality" 千代田区 >/dev/null
  "${server_admin[@]}" device issue --municipality "$municipality" --venue 千代田区役所 \
    | tail -n 1 | awk '{print $NF}' >"$demo/activation-code.txt"
fi
port="${VRS_SERVER_PORT:-8787}"
"$bin/vrs-server" serve --data-dir "$demo/server" --listen "127.0.0.1:$port" --insecure-http \
  >"$demo/server.log" 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null || true' EXIT

export VRS_APP_DATA_DIR="$demo/app"
if ! compgen -G "/dev/video*" >/dev/null; then
  echo "No camera: the app plays $demo/tickets as camera frames."
  export VRS_CAMERA_DIR="$demo/tickets"
fi
cat <<INFO
Sync server: http://127.0.0.1:$port (log: $demo/server.log)
On first start choose a PIN (6+ digits), then enrol with
  server URL:      http://127.0.0.1:$port
  activation code: $(cat "$demo/activation-code.txt")   (one-time; the app keeps its enrolment)
The municipality's export: ${server_admin[*]} export --municipality $municipality --csv export.csv
INFO

app=("$bin/vrs-app")
if [[ -z "${DISPLAY:-}" && -z "${WAYLAND_DISPLAY:-}" ]]; then
  echo "No display: running the app under Xvfb (nothing will be visible)." >&2
  app=(xvfb-run -a -s "-screen 0 1280x800x24" "${app[@]}")
fi
"${app[@]}"
