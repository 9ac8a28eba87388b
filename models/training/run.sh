#!/usr/bin/env bash
# The whole pipeline, one command, from the repository root or anywhere:
#   models/training/run.sh
# Sets up the venv, generates tickets with the project's generator, trains the detector,
# exports it, lets the Rust reader cut the line out of every training photo with it (the crops
# the recognizer will really meet), trains the recognizer on those plus simulated crops,
# exports it to models/*.onnx (checked against torch), and evaluates both with the Rust reader
# on held-out photos (work/figures.json, quoted by the model cards). The limits below are
# wall-clock minutes; a CUDA GPU is used when present (install with OCR_TRAIN_CUDA=1).
# Sizes can be scaled down for a quick try, into another folder:
#   WORK=/tmp/ocr-try MODELS_OUT=/tmp/ocr-try TRAIN_CAMERA=200 TRAIN_SCAN=30 VAL_CAMERA=50 \
#     REC_MINUTES=2 DET_MINUTES=2 models/training/run.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="${WORK:-$here/work}"
models="${MODELS_OUT:-$root/models}"
py="$here/.venv/bin/python"
threads="${THREADS:-2}"

# Seeds: the training, validation and benchmark sets never share a ticket seed
# (the benchmark uses seeds from 9000000, crates/ocr/benches).
TRAIN_CAMERA="${TRAIN_CAMERA:-5000}"; TRAIN_CAMERA_SEED=1000000
TRAIN_SCAN="${TRAIN_SCAN:-1200}";     TRAIN_SCAN_SEED=2000000
VAL_CAMERA="${VAL_CAMERA:-400}";      VAL_CAMERA_SEED=3000000
REC_MINUTES="${REC_MINUTES:-70}"; REC_EPOCHS="${REC_EPOCHS:-30}"
DET_MINUTES="${DET_MINUTES:-45}"; DET_EPOCHS="${DET_EPOCHS:-30}"; DET_IMAGES="${DET_IMAGES:-4000}"
# Tilted lines drawn up to 1 + DET_TILT_BOOST times as often; BCE weight 1 + DET_EDGE_WEIGHT at
# the line's ends and around it (where the detector's misses are; 0 and 0: the plain loss).
DET_TILT_BOOST="${DET_TILT_BOOST:-2}"; DET_EDGE_WEIGHT="${DET_EDGE_WEIGHT:-2}"
CROP_IMAGES="${CROP_IMAGES:-100000}" # photos per set the reader cuts crops from
SIM_CROPS="${SIM_CROPS:-2}" # simulated crops per training photo

"$here/setup.sh"
mkdir -p "$work" "$models"
cd "$root"
cargo build --release -p vrs-ticketgen --bin vrs-gen
# The workspace's dev profile is optimised; building the examples there avoids a second rten build.
cargo build -p vrs-ocr --examples
gen="$root/target/release/vrs-gen"
examples="$root/target/debug/examples"

generate() { # name count seed capture
  if [ ! -f "$work/$1/labels.jsonl" ] || [ "$(wc -l < "$work/$1/labels.jsonl")" -ne "$2" ]; then
    rm -rf "${work:?}/$1"
    "$gen" --out "$work/$1" --count "$2" --seed "$3" --capture "$4" --width 1280 --height 720 --format jpg
  fi
}
generate train_camera "$TRAIN_CAMERA" "$TRAIN_CAMERA_SEED" camera &
generate train_scan "$TRAIN_SCAN" "$TRAIN_SCAN_SEED" scan &
wait
generate val_camera "$VAL_CAMERA" "$VAL_CAMERA_SEED" camera

cd "$here"
prep() { "$py" -m ocrline.prepare_data --out "$work" "$@"; }
prep --images "$work/train_camera" --name train_camera --crops-per-image "$SIM_CROPS" --seed 1 --det --det-limit "$DET_IMAGES" &
prep --images "$work/train_scan" --name train_scan --crops-per-image "$SIM_CROPS" --seed 2 --det --det-limit "$((DET_IMAGES / 4))" &
wait
prep --images "$work/val_camera" --name val_camera --crops-per-image 0 --seed 3 --det

"$py" -m ocrline.train_detector --train "$work/det_train_camera.npz" "$work/det_train_scan.npz" \
  --val "$work/det_val_camera.npz" --out "$work" --epochs "$DET_EPOCHS" --max-minutes "$DET_MINUTES" --threads "$threads" \
  --tilt-boost "$DET_TILT_BOOST" --edge-weight "$DET_EDGE_WEIGHT"
"$py" -m ocrline.export --work "$work" --models "$models" --only detector

# The reader's own crops, cut with the new detector (the recognizer passed is only loaded).
recognizer="$models/ocr-line-recognizer.onnx"
[ -f "$recognizer" ] || recognizer="$root/models/ocr-line-recognizer.onnx"
for set in train_camera train_scan val_camera; do
  RTEN_NUM_THREADS="$threads" "$examples/ocr_crops" --images "$work/$set" --out "$work/ocrs_$set" \
    --detector "$models/ocr-line-detector.onnx" --recognizer "$recognizer" --limit "$CROP_IMAGES" &
done
wait

"$py" -m ocrline.train_recognizer \
  --train "$work/ocrs_train_camera" "$work/ocrs_train_scan" "$work/rec_train_camera.npz" "$work/rec_train_scan.npz" \
  --val "$work/ocrs_val_camera" --out "$work" --epochs "$REC_EPOCHS" --max-minutes "$REC_MINUTES" --threads "$threads"
"$py" -m ocrline.export --work "$work" --models "$models" --only recognizer

# End-to-end figures with the Rust reader on the validation photos (never trained on).
RTEN_NUM_THREADS=1 "$examples/ocr_eval" --images "$work/val_camera" --out "$work/figures.json" \
  --detector "$models/ocr-line-detector.onnx" --recognizer "$models/ocr-line-recognizer.onnx"
"$py" -m ocrline.summary --work "$work" --models "$models"
