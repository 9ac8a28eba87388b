"""Collect the figures the model cards quote into work/summary.json and print them."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--models", type=Path, required=True)
    args = ap.parse_args()
    summary = {}
    for name in ("detector", "recognizer"):
        train = json.loads((args.work / f"{name}_train.json").read_text())
        model = args.models / f"ocr-line-{name}.onnx"
        summary[name] = {
            "parameters": train["parameters"],
            "onnx_bytes": model.stat().st_size,
            "train_items": train.get("train_crops", train.get("train_frames")),
            "val_items": train.get("val_crops", train.get("val_frames")),
            "epochs": len(train["history"]),
            "minutes": train["history"][-1]["minutes"] if train["history"] else 0,
            "last": train["history"][-1] if train["history"] else None,
        }
    for crops in sorted(args.work.glob("ocrs_*.jsonl")):
        summary.setdefault("reader_crops", {})[crops.stem] = sum(1 for _ in open(crops, encoding="utf-8"))
    summary["reader_on_val_camera"] = json.loads((args.work / "figures.json").read_text())
    (args.work / "summary.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
