"""How the reader cuts a frame into detector-sized bands (crates/ocr/src/tiles.rs, repeated).

Frames wider than TILE_WIDTH are scaled down to it (never up); frames then taller than
TILE_HEIGHT are cut into TILE_HEIGHT-high bands overlapping by at least MIN_OVERLAP.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

TILE_WIDTH, TILE_HEIGHT, MIN_OVERLAP = 1280, 720, 160


def plan(width: int, height: int) -> tuple[float, int, int, list[int]]:
    """(scale, scaled_width, scaled_height, band tops) as crates/ocr/src/tiles.rs computes them."""
    if width > TILE_WIDTH:
        scale = np.float32(TILE_WIDTH) / np.float32(width)
        scaled_w, scaled_h = TILE_WIDTH, max(int(round(float(np.float32(height) * scale))), 1)
    else:
        scale, scaled_w, scaled_h = 1.0, width, height
    if scaled_h <= TILE_HEIGHT:
        return float(scale), scaled_w, scaled_h, [0]
    last_top = scaled_h - TILE_HEIGHT
    step = TILE_HEIGHT - MIN_OVERLAP
    bands = -(-last_top // step) + 1
    return float(scale), scaled_w, scaled_h, [i * last_top // (bands - 1) for i in range(bands)]


def scaled_gray(gray_u8: np.ndarray) -> tuple[np.ndarray, float, list[int]]:
    """The frame scaled as the reader scales it (a triangle filter, like the image crate's),
    with the scale and the band tops."""
    h, w = gray_u8.shape
    scale, sw, sh, tops = plan(w, h)
    if scale < 1.0:
        gray_u8 = np.asarray(Image.fromarray(gray_u8).resize((sw, sh), Image.BILINEAR))
    return gray_u8, scale, tops


def band_height(scaled_h: int) -> int:
    return min(scaled_h, TILE_HEIGHT)
