"""Line geometry and line crops, made the way the Rust reader makes them.

The reader (crates/ocr) takes the detector's line rectangle from ocrs, lengthens it at both
ends by END_MARGIN x its height, and hands it to ocrs, which cuts the rectangle's polygon out
of the grey frame (outside = black, -0.5), and resizes it to the recognizer's height keeping
the aspect ratio (bilinear, half-pixel centres, no antialiasing). This module repeats that, so
the recognizer is trained on the crops it will meet.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image, ImageDraw

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


def rect_corners(rect) -> np.ndarray:
    cx, cy, w, h, a = rect
    ux, uy = math.cos(a), math.sin(a)
    vx, vy = -uy, ux
    pts = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1)):
        pts.append((cx + sx * w / 2 * ux + sy * h / 2 * vx, cy + sx * w / 2 * uy + sy * h / 2 * vy))
    return np.asarray(pts)


def line_crop(gray: np.ndarray, rect, height: int = REC_HEIGHT) -> np.ndarray:
    """gray: HxW float image in [-0.5, 0.5]. Returns a height x W float crop."""
    corners = rect_corners(rect)
    # ocrs: polygon from the two leftmost and two rightmost corners, each pair top first, floored.
    by_x = corners[np.argsort(corners[:, 0], kind="stable")]
    left = sorted(by_x[:2].tolist(), key=lambda p: p[1])
    right = sorted(by_x[2:].tolist(), key=lambda p: p[1])
    poly = [left[0], right[0], right[1], left[1]]
    poly = [(math.floor(x), math.floor(y)) for x, y in poly]
    xs, ys = [p[0] for p in poly], [p[1] for p in poly]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    bw, bh = max(x1 - x0, 1), max(y1 - y0, 1)
    mask_img = Image.new("L", (bw, bh), 0)
    ImageDraw.Draw(mask_img).polygon([(x - x0, y - y0) for x, y in poly], fill=1)
    mask = np.asarray(mask_img, dtype=bool)
    out = np.full((bh, bw), BLACK, dtype=np.float32)
    H, W = gray.shape
    sy0, sy1, sx0, sx1 = max(y0, 0), min(y0 + bh, H), max(x0, 0), min(x0 + bw, W)
    if sy1 > sy0 and sx1 > sx0:
        region = out[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0]
        m = mask[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0]
        region[m] = gray[sy0:sy1, sx0:sx1][m]
    # ocrs sizes the crop from the float corners' integral bounding box.
    fw = math.ceil(corners[:, 0].max()) - math.floor(corners[:, 0].min())
    fh = math.ceil(corners[:, 1].max()) - math.floor(corners[:, 1].min())
    width = int(min(max(height * fw / fh, 10.0), 2400.0))
    t = torch.from_numpy(out)[None, None]
    return F.interpolate(t, size=(height, width), mode="bilinear", align_corners=False)[0, 0].numpy()


def load_gray(path) -> np.ndarray:
    """Grey as ocrs computes it from RGB bytes (BT.601), scaled to [-0.5, 0.5]."""
    rgb = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32)
    return (rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)) / 255.0 - 0.5
