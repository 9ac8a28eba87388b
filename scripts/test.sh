#!/usr/bin/env bash
# Runs every test of the project: unit, property, integration and end-to-end tests,
# the server's against both SQLite and a throwaway PostgreSQL cluster.
# Installs what it needs (Debian packages) first.
set -euo pipefail
cd "$(dirname "$0")/.."

VRS_WITH_POSTGRES=1 scripts/setup-debian.sh

# Binaries the end-to-end tests start as real processes.
cargo build --workspace --bins

test_command=(cargo test --workspace --no-fail-fast "$@")

# The PostgreSQL wrapper starts a throwaway cluster on a loopback port for the server's store tests.
if [[ -x sync-server/scripts/with-postgres.sh ]]; then
  sync-server/scripts/with-postgres.sh "${test_command[@]}"
else
  "${test_command[@]}"
fi

# The tablet app: its UI in chromium (IPC mocked) and the end-to-end test on the real window.
# Its cargo tests ran above with the workspace.
VRS_APP_SKIP_CARGO_TEST=1 src-tauri/scripts/test.sh
