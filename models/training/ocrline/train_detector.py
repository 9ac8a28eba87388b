"""Train the OCR-line mask detector on squashed frames from prepare_data.py."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .nets import Detector
from .schedule import TimedOneCycle


def load(paths: list[Path]):
    frames, masks = [], []
    for p in paths:
        d = np.load(p)
        frames.append(d["frames"])
        masks.append(d["masks"])
    return np.concatenate(frames), np.concatenate(masks)


def to_input(frames: np.ndarray, rng: np.random.Generator | None) -> torch.Tensor:
    x = frames.astype(np.float32)[:, None] / 255.0
    if rng is not None:
        n = len(x)
        x = (x - 0.5) * rng.uniform(0.6, 1.3, (n, 1, 1, 1)) + 0.5 + rng.uniform(-0.15, 0.15, (n, 1, 1, 1))
        x = np.clip(x + rng.normal(0, 0.02, x.shape), 0, 1).astype(np.float32)
    return torch.from_numpy(x - 0.5)


def tilt_degrees(masks: np.ndarray) -> np.ndarray:
    """Each mask's line angle from its pixels' principal axis (0 for masks without a line)."""
    out = np.zeros(len(masks), dtype=np.float32)
    for i, m in enumerate(masks):
        ys, xs = np.nonzero(m)
        if len(xs) < 10:
            continue
        cov = np.cov(np.stack([xs, ys]).astype(np.float64))
        out[i] = np.degrees(0.5 * np.arctan2(2 * cov[0, 1], cov[0, 0] - cov[1, 1]))
    return out


def sampling_weights(masks: np.ndarray, tilt_boost: float) -> np.ndarray:
    """Tilted lines are where the detector fails (the mask reaches the barcode or loses a
    leading digit), so they are drawn up to 1 + tilt_boost times as often (full boost from 10°)."""
    w = 1.0 + tilt_boost * np.minimum(np.abs(tilt_degrees(masks)) / 10.0, 1.0)
    return w / w.sum()


def pixel_weights(small: torch.Tensor, edge_weight: float) -> torch.Tensor:
    """Extra BCE weight where the misses happen: the line's two ends (a split-off leading digit)
    and the background just around the line (a mask bleeding into the barcode)."""
    if edge_weight <= 0:
        return torch.ones_like(small)
    on = (small > 0.5).float()
    near = F.max_pool2d(on, 7, stride=1, padding=3)
    cols = on.amax(dim=2, keepdim=True)  # N, 1, 1, W: columns the line spans
    x = torch.arange(small.shape[3], dtype=small.dtype).view(1, 1, 1, -1)
    big = float(small.shape[3])
    left = torch.where(cols > 0, x, torch.full_like(x, big)).amin(dim=3, keepdim=True)
    right = torch.where(cols > 0, x, torch.full_like(x, -big)).amax(dim=3, keepdim=True)
    ends = ((x - left).abs() <= 4) | ((x - right).abs() <= 4)
    ring = near * (1 - on)
    return 1.0 + edge_weight * torch.clamp(ring + near * ends.float(), max=1.0)


def mask_loss(logits: torch.Tensor, target: torch.Tensor, edge_weight: float = 0.0) -> torch.Tensor:
    # Supervise at the network's own 1/4 resolution; the exported graph upsamples afterwards.
    small = F.interpolate(target, size=logits.shape[2:], mode="area")
    bce = F.binary_cross_entropy_with_logits(
        logits, small, weight=pixel_weights(small, edge_weight), pos_weight=torch.tensor(4.0)
    )
    p = torch.sigmoid(logits)
    dice = 1 - (2 * (p * small).sum((1, 2, 3)) + 1) / (p.sum((1, 2, 3)) + small.sum((1, 2, 3)) + 1)
    return bce + dice.mean()


def iou_at(model: Detector, frames: np.ndarray, masks: np.ndarray, threshold: float = 0.5) -> float:
    model.eval()
    inter = union = 0.0
    with torch.no_grad():
        for s in range(0, len(frames), 32):
            p = model(to_input(frames[s : s + 32], None)) > threshold
            t = torch.from_numpy(masks[s : s + 32][:, None] > 0)
            inter += (p & t).sum().item()
            union += (p | t).sum().item()
    return inter / max(union, 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=Path, nargs="+", required=True)
    ap.add_argument("--val", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--max-minutes", type=float, default=25.0)
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--tilt-boost", type=float, default=0.0, help="extra draws of tilted lines (0: uniform)")
    ap.add_argument("--edge-weight", type=float, default=0.0, help="extra BCE weight at line ends and around the line")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    frames, masks = load(args.train)
    vframes, vmasks = load([args.val])
    draw = sampling_weights(masks, args.tilt_boost)
    model = Detector()
    params = sum(p.numel() for p in model.parameters())
    steps = args.epochs * (len(frames) // args.batch_size)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=1e-4)
    sched = TimedOneCycle(opt, 3e-3, steps, args.max_minutes)
    sched.step()
    started, history = time.time(), []
    for epoch in range(args.epochs):
        model.train()
        order = rng.choice(len(frames), size=len(frames), p=draw) if args.tilt_boost > 0 else rng.permutation(len(frames))
        total = 0.0
        for s in range(0, len(order) - args.batch_size + 1, args.batch_size):
            idx = np.sort(order[s : s + args.batch_size])
            x = to_input(frames[idx], rng)
            t = torch.from_numpy(masks[idx][:, None].astype(np.float32))
            loss = mask_loss(model.forward_logits(x), t, args.edge_weight)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item()
            if sched.done():
                break
        history.append({"epoch": epoch + 1, "loss": total / max(len(order) // args.batch_size, 1),
                        "val_iou": iou_at(model, vframes, vmasks), "minutes": (time.time() - started) / 60})
        print(json.dumps(history[-1]), flush=True)
        torch.save(model.state_dict(), args.out / "detector.pt")
        if sched.done():
            break
    (args.out / "detector_train.json").write_text(json.dumps({"parameters": params, "train_frames": len(frames), "val_frames": len(vframes),
                                                       "tilt_boost": args.tilt_boost, "edge_weight": args.edge_weight, "history": history}, indent=1))


if __name__ == "__main__":
    main()
