#!/usr/bin/env bash
# The whole pipeline, one command, from the repository root or anywhere:
#   models/training/run.sh
# Sets up the venv, generates tickets with the project's generator, trains both models,
# exports them to models/*.onnx (checked against torch), and writes the figures for the model
# cards to models/training/work/figures.json. About 1.5 h on 2 CPU cores; a CUDA GPU is used
# when present (install with OCR_TRAIN_CUDA=1). Sizes can be scaled down for a quick try:
#   TRAIN_CAMERA=2000 TRAIN_SCAN=300 REC_MINUTES=5 DET_MINUTES=5 models/training/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$here/work"
py="$here/.venv/bin/python"
threads="${THREADS:-2}"

# Seeds: the training, validation and benchmark sets never share a ticket seed.
TRAIN_CAMERA="${TRAIN_CAMERA:-12000}"; TRAIN_CAMERA_SEED=1000000
TRAIN_SCAN="${TRAIN_SCAN:-2000}";     TRAIN_SCAN_SEED=2000000
VAL_CAMERA="${VAL_CAMERA:-1000}";     VAL_CAMERA_SEED=3000000
REC_MINUTES="${REC_MINUTES:-55}"; REC_EPOCHS="${REC_EPOCHS:-8}"
DET_MINUTES="${DET_MINUTES:-20}"; DET_EPOCHS="${DET_EPOCHS:-10}"; DET_FRAMES="${DET_FRAMES:-4000}"

"$here/setup.sh"
mkdir -p "$work"
(cd "$root" && cargo build --release -p vrs-ticketgen --bin vrs-gen)
gen="$root/target/release/vrs-gen"

generate() { # name count seed capture
  if [ ! -f "$work/$1/labels.jsonl" ] || [ "$(wc -l < "$work/$1/labels.jsonl")" -ne "$2" ]; then
    rm -rf "${work:?}/$1"
    "$gen" --out "$work/$1" --count "$2" --seed "$3" --capture "$4" --width 1280 --height 720 --format jpg
  fi
}
generate train_camera "$TRAIN_CAMERA" "$TRAIN_CAMERA_SEED" camera
generate train_scan "$TRAIN_SCAN" "$TRAIN_SCAN_SEED" scan
generate val_camera "$VAL_CAMERA" "$VAL_CAMERA_SEED" camera

cd "$here"
"$py" -m ocrline.prepare_data --images "$work/train_camera" --out "$work" --name train_camera --crops-per-image 3 --seed 1 --det --det-limit "$DET_FRAMES"
"$py" -m ocrline.prepare_data --images "$work/train_scan" --out "$work" --name train_scan --crops-per-image 3 --seed 2 --det --det-limit "$((DET_FRAMES / 6))"
"$py" -m ocrline.prepare_data --images "$work/val_camera" --out "$work" --name val_camera --crops-per-image 1 --seed 3 --det

"$py" -m ocrline.train_recognizer --train "$work/rec_train_camera.npz" "$work/rec_train_scan.npz" \
  --val "$work/rec_val_camera.npz" --out "$work" --epochs "$REC_EPOCHS" --max-minutes "$REC_MINUTES" --threads "$threads"
"$py" -m ocrline.train_detector --train "$work/det_train_camera.npz" "$work/det_train_scan.npz" \
  --val "$work/det_val_camera.npz" --out "$work" --epochs "$DET_EPOCHS" --max-minutes "$DET_MINUTES" --threads "$threads"
"$py" -m ocrline.export --work "$work" --models "$root/models"

# End-to-end figures with the Rust reader on the validation photos (never trained on).
(cd "$root" && RTEN_NUM_THREADS=1 cargo run --release -p vrs-ocr --example ocr_eval -- \
  --images "$work/val_camera" --out "$work/figures.json")
cat "$work/figures.json"
