"""Line geometry and line crops, made the way the Rust reader makes them.

The reader (crates/ocr) takes the detector's word boxes from ocrs (each grown by 3 pixels),
puts one oriented box around the line, lengthens it at both ends by END_MARGIN x its height,
and samples it upright to the recognizer's height (crates/ocr/src/crop.rs). This module
simulates that from the labelled line, with the detector's error as jitter; the pipeline also
trains on the reader's own crops (crates/ocr/examples/ocr_crops.rs).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image

REC_HEIGHT = 32
# Lengthening of each end of the detected line, in line heights (crates/ocr/src/geometry.rs).
END_MARGIN = 0.6
# Growth on every side that ocrs's detector post-processing adds to each mask component.
OCRS_EXPAND = 3.0
BLACK = -0.5


def quad_to_rect(quad: list[list[float]]) -> tuple[float, float, float, float, float]:
    """(cx, cy, width, height, angle) of the OCR line quad (TL, TR, BR, BL)."""
    q = np.asarray(quad, dtype=np.float64)
    cx, cy = q.mean(axis=0)
    top, bottom = q[1] - q[0], q[2] - q[3]
    width = (np.linalg.norm(top) + np.linalg.norm(bottom)) / 2
    height = (np.linalg.norm(q[3] - q[0]) + np.linalg.norm(q[2] - q[1])) / 2
    angle = math.atan2(top[1] + bottom[1], top[0] + bottom[0])
    return cx, cy, width, height, angle


def reader_rect(quad, rng: np.random.Generator | None = None):
    """The rectangle the reader hands to recognition for a line whose true quad is `quad`:
    the detector's component grown by OCRS_EXPAND, then both ends lengthened by END_MARGIN.
    With `rng`, jittered by about the detector's error, so the recognizer tolerates it."""
    cx, cy, w, h, a = quad_to_rect(quad)
    if rng is not None:
        h *= rng.uniform(0.85, 1.2)
        w *= rng.uniform(0.97, 1.03)
        along, across = rng.normal(0, 0.12 * h), rng.normal(0, 0.06 * h)
        cx += along * math.cos(a) - across * math.sin(a)
        cy += along * math.sin(a) + across * math.cos(a)
        a += rng.normal(0, 0.01)
    w, h = w + 2 * OCRS_EXPAND, h + 2 * OCRS_EXPAND
    w += 2 * END_MARGIN * h
    return cx, cy, w, h, a


def line_crop(gray: np.ndarray, rect, height: int = REC_HEIGHT) -> np.ndarray:
    """gray: HxW float image in [-0.5, 0.5]. The oriented box `rect` sampled upright into a
    `height` x W float crop, exactly as crates/ocr/src/crop.rs does (bilinear, pixel centres
    at +0.5, BLACK outside the frame)."""
    cx, cy, w, h, a = rect
    width = int(min(max(round(height * w / max(h, 1e-3)), 10), 2400))
    along = np.array([math.cos(a), math.sin(a)], dtype=np.float32)
    down = np.array([-along[1], along[0]], dtype=np.float32)
    t = ((np.arange(height, dtype=np.float32) + 0.5) / height - 0.5) * np.float32(h)
    s = ((np.arange(width, dtype=np.float32) + 0.5) / width - 0.5) * np.float32(w)
    x = np.float32(cx) + along[0] * s[None, :] + down[0] * t[:, None] - 0.5
    y = np.float32(cy) + along[1] * s[None, :] + down[1] * t[:, None] - 0.5
    x0, y0 = np.floor(x), np.floor(y)
    fx, fy = x - x0, y - y0
    H, W = gray.shape

    def at(xi, yi):
        inside = (xi >= 0) & (yi >= 0) & (xi < W) & (yi < H)
        v = gray[np.clip(yi, 0, H - 1).astype(np.int64), np.clip(xi, 0, W - 1).astype(np.int64)]
        return np.where(inside, v, BLACK)

    top = at(x0, y0) * (1 - fx) + at(x0 + 1, y0) * fx
    bottom = at(x0, y0 + 1) * (1 - fx) + at(x0 + 1, y0 + 1) * fx
    return (top * (1 - fy) + bottom * fy).astype(np.float32)


def load_gray_u8(path) -> np.ndarray:
    """Grey bytes as the reader gets them: the image crate's `to_luma8` (BT.709 weights,
    integer division)."""
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.uint32)
    return ((rgb[..., 0] * 2126 + rgb[..., 1] * 7152 + rgb[..., 2] * 722) // 10000).astype(np.uint8)


def to_float(gray_u8: np.ndarray) -> np.ndarray:
    """Grey bytes to ocrs's [-0.5, 0.5] values."""
    return gray_u8.astype(np.float32) / 255.0 - 0.5
