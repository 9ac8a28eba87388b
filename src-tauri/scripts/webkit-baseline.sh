#!/usr/bin/env bash
# The peer for the app's web-process memory: Debian's MiniBrowser (the same WebKitGTK as the
# app, no Tauri, none of our code) on src-tauri/e2e/webkit-baseline.html, one instance per
# variant side by side under Xvfb, printing each web process's heap (RssAnon, MiB) every 30 s.
#   src-tauri/scripts/webkit-baseline.sh SECONDS SPEC...
#   SPEC = variant[@LIMIT_MB][+ENV=VALUE...]; variants: static, js-only, buf-only (text updated at
#   20 Hz), img-blob (20 JPEGs a second through <img> + blob URLs, as the app), bitmap, data-url,
#   blob-only; and, in the PyGObject window only, fetch-blob (each JPEG fetched from a custom
#   scheme first), eval-blob (a new script run in the page per frame, as Tauri's channel does)
#   and eval-fetch-blob (both: how a Tauri channel message arrives). With @LIMIT_MB the page
#   opens in a bare PyGObject WebKit window (webkit-peer.py) whose web process has that memory
#   limit, as the app's has (@0: none).
#   e.g. webkit-baseline.sh 1800 static img-blob static+WEBKIT_DISABLE_COMPOSITING_MODE=1
#        webkit-baseline.sh 1200 img-blob@0 img-blob@160
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
  variant=${parts[0]%@*}
  if [[ ${parts[0]} == *@* ]]; then
    opener=(/usr/bin/python3 src-tauri/scripts/webkit-peer.py "$page#$variant" "${parts[0]#*@}")
  else
    opener=("$browser" "$page#$variant")
  fi
  env DISPLAY="$display" "${parts[@]:1}" "${opener[@]}" >/dev/null 2>&1 &
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
