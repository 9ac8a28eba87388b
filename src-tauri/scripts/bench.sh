#!/usr/bin/env bash
# The app's figures, measured on the real window by the end-to-end run (src-tauri/scripts/e2e.sh)
# followed by a continuous scanning run: frame-to-verdict latency on the file source (capture of
# the frame to the verdict drawn, p50/p95), preview frames drawn per second (distinct frames), and
# the resident memory of the app and its web process sampled through the run.
#   VRS_BENCH_TRANSPORTS="stream channel"    preview transports to measure, one run each
#   VRS_BENCH_SOAK_SECONDS=600               length of each continuous scanning run
#   VRS_BENCH_CAMERA_FPS=30                  the file source's rate (a webcam's; the e2e test plays 15)
# Writes target/bench-app/<transport>/metrics.json and prints a summary.
set -euo pipefail
cd "$(dirname "$0")/../.."

target="${CARGO_TARGET_DIR:-$PWD/target}"
measured=()
for transport in ${VRS_BENCH_TRANSPORTS:-stream channel}; do
  echo "== preview over the $transport, ${VRS_BENCH_SOAK_SECONDS:-600} s of scanning"
  VRS_PREVIEW_TRANSPORT="$transport" VRS_E2E_WORK="$target/bench-app/$transport" \
    VRS_E2E_CAMERA_FPS="${VRS_BENCH_CAMERA_FPS:-30}" VRS_E2E_SOAK_SECONDS="${VRS_BENCH_SOAK_SECONDS:-600}" src-tauri/scripts/e2e.sh
  measured+=("$target/bench-app/$transport/metrics.json")
done
# Only this run's transports: folders of earlier runs stay on disk.
node src-tauri/e2e/bench-summary.mjs "${measured[@]}"
