#!/usr/bin/env bash
# Runs the product. For now: generates a few synthetic ticket photos and reads them with
# vrs-scan. (The sync server and the tablet app join here as they land.)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup-debian.sh
cargo build --release --bin vrs-gen --bin vrs-scan

data_dir="${VRS_DEMO_DIR:-$PWD/target/demo}"
mkdir -p "$data_dir/tickets"
target/release/vrs-gen --out "$data_dir/tickets" --count 6 --seed 2021 --format jpg >/dev/null
echo "Generated ticket photos in $data_dir/tickets; reading them:"
target/release/vrs-scan "$data_dir"/tickets/*.jpg
