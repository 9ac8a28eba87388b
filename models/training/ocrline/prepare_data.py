"""Turn generated ticket images into training arrays.

For each image set written by `vrs-gen` (images + labels.jsonl):
  rec_<name>.npz  recognizer crops made in Python the way ocrs makes them, from the labelled
                  line with the detector's error simulated (uint8, REC_HEIGHT x W, padded to the
                  set's widest) + widths + labels
  det_<name>.npz  detector inputs (uint8, DET_HEIGHT x DET_WIDTH) + OCR-line masks (uint8): each
                  frame scaled and cut into bands as the reader does (tiles.py), each band
                  squashed as ocrs squashes it (bilinear, no antialiasing)

`ocrs_crop_set` loads the crops the Rust reader itself cuts (crates/ocr/examples/ocr_crops.rs).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

from .crops import BLACK, REC_HEIGHT, line_crop, load_gray_u8, reader_rect, to_float
from .nets import DET_HEIGHT, DET_WIDTH
from .tiles import band_height, scaled_gray


def read_labels(folder: Path) -> list[dict]:
    with open(folder / "labels.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def pack(crops: list[np.ndarray], texts: list[str]):
    widths = np.array([c.shape[1] for c in crops], dtype=np.int32)
    packed = np.zeros((len(crops), REC_HEIGHT, int(widths.max())), dtype=np.uint8)
    for i, c in enumerate(crops):
        packed[i, :, : c.shape[1]] = c
    return packed, widths, np.array(texts)


def rec_arrays(folder: Path, crops_per_image: int, seed: int):
    rng = np.random.default_rng(seed)
    crops, texts = [], []
    for label in read_labels(folder):
        gray, scale, _ = scaled_gray(load_gray_u8(folder / label["file"]))
        quad = [[x * scale, y * scale] for x, y in label["line_quad"]]
        gray = to_float(gray)
        for _ in range(crops_per_image):
            crop = line_crop(gray, reader_rect(quad, rng))
            crops.append(np.clip((crop - BLACK) * 255.0 + 0.5, 0, 255).astype(np.uint8))
            texts.append(label["line"])
    return pack(crops, texts)


def squash(band_u8: np.ndarray) -> np.ndarray:
    """As ocrs resizes a frame to the detector's input: bilinear, half-pixel, no antialiasing."""
    t = torch.from_numpy(band_u8.astype(np.float32))[None, None]
    out = F.interpolate(t, size=(DET_HEIGHT, DET_WIDTH), mode="bilinear", align_corners=False, antialias=False)
    return np.clip(out[0, 0].numpy() + 0.5, 0, 255).astype(np.uint8)


def det_arrays(folder: Path, limit: int | None, negatives_per_image: int, seed: int):
    """Bands holding the whole line, plus up to `negatives_per_image` bands without it."""
    rng = np.random.default_rng(seed)
    frames, masks = [], []
    for label in read_labels(folder)[:limit]:
        gray, scale, tops = scaled_gray(load_gray_u8(folder / label["file"]))
        bh = band_height(gray.shape[0])
        quad = [(x * scale, y * scale) for x, y in label["line_quad"]]
        ys = [y for _, y in quad]
        negatives = []
        for top in tops:
            inside = min(ys) >= top and max(ys) <= top + bh
            touching = max(ys) >= top and min(ys) <= top + bh
            if touching and not inside:
                continue  # a band cutting the line: the overlapping band holds it whole
            band = gray[top : top + bh]
            sx, sy = DET_WIDTH / band.shape[1], DET_HEIGHT / band.shape[0]
            mask = Image.new("L", (DET_WIDTH, DET_HEIGHT), 0)
            if inside:
                ImageDraw.Draw(mask).polygon([(x * sx, (y - top) * sy) for x, y in quad], fill=1)
                frames.append(squash(band))
                masks.append(np.asarray(mask, dtype=np.uint8))
            else:
                negatives.append((squash(band), np.asarray(mask, dtype=np.uint8)))
        for i in rng.permutation(len(negatives))[:negatives_per_image]:
            frames.append(negatives[i][0])
            masks.append(negatives[i][1])
    return np.stack(frames), np.stack(masks)


def ocrs_crop_set(prefix: Path):
    """(crops, widths, texts) from the Rust reader's own crops (PREFIX.bin + PREFIX.jsonl)."""
    raw = np.fromfile(prefix.with_suffix(".bin"), dtype=np.uint8)
    crops, texts = [], []
    with open(prefix.with_suffix(".jsonl"), encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            h, w, o = e["height"], e["width"], e["offset"]
            if h != REC_HEIGHT:
                raise SystemExit(f"{prefix}: crop height {h}, recognizer height {REC_HEIGHT}")
            crops.append(raw[o : o + h * w].reshape(h, w))
            texts.append(e["line"])
    return pack(crops, texts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--crops-per-image", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--det", action="store_true", help="also write detector arrays")
    ap.add_argument("--det-limit", type=int, default=None, help="images for the detector at most")
    ap.add_argument("--det-negatives", type=int, default=1, help="bands without the line per image at most")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.crops_per_image > 0:
        crops, widths, texts = rec_arrays(args.images, args.crops_per_image, args.seed)
        np.savez(args.out / f"rec_{args.name}.npz", crops=crops, widths=widths, texts=texts)
        print(f"{args.name}: {len(texts)} crops, width {widths.min()}..{widths.max()}", flush=True)
    if args.det:
        frames, masks = det_arrays(args.images, args.det_limit, args.det_negatives, args.seed)
        np.savez(args.out / f"det_{args.name}.npz", frames=frames, masks=masks)
        print(f"{args.name}: {len(frames)} detector frames", flush=True)


if __name__ == "__main__":
    main()
