"""Train the CTC line recognizer on crops from prepare_data.py."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from .nets import ALPHABET, Recognizer, greedy_decode
from .prepare_data import ocrs_crop_set
from .schedule import TimedOneCycle


class CropSet:
    def __init__(self, crops: np.ndarray, widths: np.ndarray, texts: np.ndarray) -> None:
        self.crops, self.widths, self.texts = crops, widths, texts

    @classmethod
    def load(cls, path: Path) -> "CropSet":
        """An .npz from prepare_data, or a PREFIX of the Rust reader's own crops (.bin/.jsonl)."""
        if path.suffix == ".npz":
            data = np.load(path)
            return cls(data["crops"], data["widths"], data["texts"])
        return cls(*ocrs_crop_set(path))

    def __len__(self) -> int:
        return len(self.texts)

    def batch(self, idx: np.ndarray, rng: np.random.Generator | None):
        """Float batch padded on the right with black, as ocrs pads a batch to a multiple of 50."""
        widths = self.widths[idx]
        extra = rng.integers(0, 50, len(idx)) if rng is not None else np.zeros(len(idx), dtype=int)
        total = int((widths + extra).max())
        total += (-total) % 4
        x = np.zeros((len(idx), 1, self.crops.shape[1], total), dtype=np.float32)
        for j, (i, w) in enumerate(zip(idx, widths)):
            x[j, 0, :, :w] = self.crops[i, :, :w] / 255.0
        if rng is not None:
            # Contrast, brightness and sensor noise, per crop; black padding stays black.
            n = len(idx)
            contrast = rng.uniform(0.6, 1.3, (n, 1, 1, 1)).astype(np.float32)
            bright = rng.uniform(-0.15, 0.15, (n, 1, 1, 1)).astype(np.float32)
            noise = rng.normal(0, 1, x.shape).astype(np.float32) * rng.uniform(0, 0.05, (n, 1, 1, 1)).astype(np.float32)
            inside = x > 0
            x = np.where(inside, np.clip((x - 0.5) * contrast + 0.5 + bright + noise, 0, 1), x)
        targets = [[ALPHABET.index(c) + 1 for c in self.texts[i]] for i in idx]
        return torch.from_numpy(x - 0.5), targets


def evaluate(model: Recognizer, data: CropSet, batch_size: int = 128) -> float:
    model.eval()
    order = np.argsort(data.widths)
    right = 0
    with torch.no_grad():
        for s in range(0, len(order), batch_size):
            idx = order[s : s + batch_size]
            x, _ = data.batch(idx, None)
            got = greedy_decode(model(x))
            right += sum(g == data.texts[i] for g, i in zip(got, idx))
    return right / len(data)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--train", type=Path, nargs="+", required=True, help=".npz files or PREFIXes of Rust crops")
    ap.add_argument("--val", type=Path, required=True, help="the reader's own crops of held-out photos")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--max-minutes", type=float, default=60.0)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--init", type=Path, help="start from these weights (to continue a run)")
    ap.add_argument("--max-lr", type=float, default=2e-3)
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    sets = [CropSet.load(p) for p in args.train]
    val = CropSet.load(args.val)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = Recognizer()
    if args.init:
        model.load_state_dict(torch.load(args.init, map_location="cpu"))
    model = model.to(device)
    params = sum(p.numel() for p in model.parameters())
    steps_per_epoch = sum(len(s) for s in sets) // args.batch_size
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-4)
    sched = TimedOneCycle(opt, args.max_lr, args.epochs * steps_per_epoch, args.max_minutes)
    sched.step()
    started = time.time()
    history = []
    for epoch in range(args.epochs):
        model.train()
        # Batches of similar width waste less padding; shuffle within and across width buckets.
        batches = []
        for si, s in enumerate(sets):
            order = np.argsort(s.widths + rng.uniform(0, 20, len(s)))
            batches += [(si, order[i : i + args.batch_size]) for i in range(0, len(order) - args.batch_size + 1, args.batch_size)]
        rng.shuffle(batches)
        loss_sum = 0.0
        for si, idx in batches:
            x, targets = sets[si].batch(idx, rng)
            x = x.to(device)
            log_probs = model(x)
            t_len = torch.full((len(idx),), log_probs.shape[0], dtype=torch.long)
            y = torch.tensor([c for t in targets for c in t], dtype=torch.long)
            y_len = torch.tensor([len(t) for t in targets], dtype=torch.long)
            loss = F.ctc_loss(log_probs.cpu(), y, t_len, y_len, blank=0, zero_infinity=True)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            loss_sum += loss.item()
            if sched.done():
                break
        acc = evaluate(model, val)
        history.append({"epoch": epoch + 1, "loss": loss_sum / max(len(batches), 1), "val_exact": acc, "minutes": (time.time() - started) / 60})
        print(json.dumps(history[-1]), flush=True)
        torch.save(model.state_dict(), args.out / "recognizer.pt")
        if sched.done():
            break
    (args.out / "recognizer_train.json").write_text(json.dumps({"parameters": params, "train_crops": sum(len(s) for s in sets), "val_crops": len(val), "history": history}, indent=1))


if __name__ == "__main__":
    main()
