"""Turn generated ticket images into training arrays.

For each image set written by `vrs-gen` (images + labels.jsonl):
  rec_<name>.npz  recognizer crops (uint8, REC_HEIGHT x W, padded to the set's widest) + widths + labels
  det_<name>.npz  detector frames squashed to DET_HEIGHT x DET_WIDTH (uint8) + OCR-line masks (uint8)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from .crops import BLACK, REC_HEIGHT, line_crop, load_gray, reader_rect
from .nets import DET_HEIGHT, DET_WIDTH


def read_labels(folder: Path) -> list[dict]:
    with open(folder / "labels.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def rec_arrays(folder: Path, crops_per_image: int, seed: int):
    rng = np.random.default_rng(seed)
    crops, texts = [], []
    for label in read_labels(folder):
        gray = load_gray(folder / label["file"])
        for _ in range(crops_per_image):
            crop = line_crop(gray, reader_rect(label["line_quad"], rng))
            crops.append(np.clip((crop - BLACK) * 255.0 + 0.5, 0, 255).astype(np.uint8))
            texts.append(label["line"])
    widths = np.array([c.shape[1] for c in crops], dtype=np.int32)
    packed = np.zeros((len(crops), REC_HEIGHT, int(widths.max())), dtype=np.uint8)
    for i, c in enumerate(crops):
        packed[i, :, : c.shape[1]] = c
    return packed, widths, np.array(texts)


def det_arrays(folder: Path, limit: int | None):
    frames, masks = [], []
    for label in read_labels(folder)[:limit]:
        img = Image.open(folder / label["file"]).convert("L")
        sx, sy = DET_WIDTH / img.width, DET_HEIGHT / img.height
        frames.append(np.asarray(img.resize((DET_WIDTH, DET_HEIGHT), Image.BILINEAR), dtype=np.uint8))
        mask = Image.new("L", (DET_WIDTH, DET_HEIGHT), 0)
        ImageDraw.Draw(mask).polygon([(x * sx, y * sy) for x, y in label["line_quad"]], fill=1)
        masks.append(np.asarray(mask, dtype=np.uint8))
    return np.stack(frames), np.stack(masks)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--name", required=True)
    ap.add_argument("--crops-per-image", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--det", action="store_true", help="also write detector arrays")
    ap.add_argument("--det-limit", type=int, default=None, help="detector frames at most")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    crops, widths, texts = rec_arrays(args.images, args.crops_per_image, args.seed)
    np.savez(args.out / f"rec_{args.name}.npz", crops=crops, widths=widths, texts=texts)
    print(f"{args.name}: {len(texts)} crops, width {widths.min()}..{widths.max()}")
    if args.det:
        frames, masks = det_arrays(args.images, args.det_limit)
        np.savez(args.out / f"det_{args.name}.npz", frames=frames, masks=masks)
        print(f"{args.name}: {len(frames)} detector frames")


if __name__ == "__main__":
    main()
