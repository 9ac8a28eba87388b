#!/usr/bin/env bash
# The peer for the app's web-process memory: Debian's MiniBrowser (the same WebKitGTK as the
# app, no Tauri, none of our code) on src-tauri/e2e/webkit-baseline.html, one instance per
# variant side by side under Xvfb, printing each web process's heap (RssAnon, MiB) every 30 s.
#   src-tauri/scripts/webkit-baseline.sh SECONDS SPEC...
#   SPEC = variant[+ENV=VALUE...]; variants: static, js-only, buf-only (text updated at 20 Hz),
#   img-blob (20 JPEGs a second through <img> + blob URLs, as the app), bitmap, data-url, blob-only
#   e.g. webkit-baseline.sh 1800 static img-blob static+WEBKIT_DISABLE_COMPOSITING_MODE=1
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:?seconds}; shift
browser=/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser
page="file://$PWD/src-tauri/e2e/webkit-baseline.html"
display=:$((90 + RANDOM % 9))
Xvfb "$display" -screen 0 1600x1200x24 >/dev/null 2>&1 &
pids=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
sleep 1
browsers=()
for spec in "$@"; do
  IFS=+ read -r -a parts <<<"$spec"
  env DISPLAY="$display" "${parts[@]:1}" "$browser" "$page#${parts[0]}" >/dev/null 2>&1 &
  browsers+=($!)
  pids+=($!)
done
echo "seconds $*"
sleep 20
t0=$(date +%s)
while (( $(date +%s) - t0 < secs )); do
  line="$(( $(date +%s) - t0 ))"
  for b in "${browsers[@]}"; do
    web=$(pgrep -P "$b" -f WebKitWebProcess | head -1 || true)
    kb=$(awk '/RssAnon/{print $2}' "/proc/$web/status" 2>/dev/null || echo 0)
    line="$line $(( ${kb:-0} / 1024 ))"
  done
  echo "$line"
  sleep 30
done
