"""Export both networks to ONNX (opset 17, fixed heights, fixed detector size) and check the
exported graphs against torch with onnxruntime."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
import torch

from .crops import REC_HEIGHT
from .nets import DET_HEIGHT, DET_WIDTH, Detector, Recognizer


def export_recognizer(weights: Path, out: Path) -> float:
    model = Recognizer()
    model.load_state_dict(torch.load(weights, map_location="cpu"))
    model.eval()
    dummy = torch.zeros(1, 1, REC_HEIGHT, 400)
    torch.onnx.export(
        model, (dummy,), str(out), opset_version=17, dynamo=False,
        input_names=["line"], output_names=["log_probs"],
        # Height stays fixed: ocrs reads it from the declared input shape.
        dynamic_axes={"line": {0: "batch", 3: "width"}, "log_probs": {0: "seq", 1: "batch"}},
    )
    session = ort.InferenceSession(str(out))
    worst = 0.0
    for width in (200, 450):
        x = torch.rand(2, 1, REC_HEIGHT, width) - 0.5
        with torch.no_grad():
            want = model(x).numpy()
        got = session.run(None, {"line": x.numpy()})[0]
        worst = max(worst, float(np.abs(want - got).max()))
    return worst


def export_detector(weights: Path, out: Path) -> float:
    model = Detector()
    model.load_state_dict(torch.load(weights, map_location="cpu"))
    model.eval()
    dummy = torch.zeros(1, 1, DET_HEIGHT, DET_WIDTH)
    torch.onnx.export(
        model, (dummy,), str(out), opset_version=17, dynamo=False,
        input_names=["image"], output_names=["line_prob"],
        dynamic_axes={"image": {0: "batch"}, "line_prob": {0: "batch"}},
    )
    session = ort.InferenceSession(str(out))
    x = torch.rand(1, 1, DET_HEIGHT, DET_WIDTH) - 0.5
    with torch.no_grad():
        want = model(x).numpy()
    got = session.run(None, {"image": x.numpy()})[0]
    return float(np.abs(want - got).max())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--models", type=Path, required=True)
    ap.add_argument("--only", choices=["recognizer", "detector"])
    args = ap.parse_args()
    report = {}
    if args.only in (None, "recognizer"):
        report["recognizer_max_abs_diff"] = export_recognizer(args.work / "recognizer.pt", args.models / "ocr-line-recognizer.onnx")
    if args.only in (None, "detector"):
        report["detector_max_abs_diff"] = export_detector(args.work / "detector.pt", args.models / "ocr-line-detector.onnx")
    print(json.dumps(report))
    for key, diff in report.items():
        if diff > 1e-3:
            raise SystemExit(f"{key}: ONNX output differs from torch by {diff}")


if __name__ == "__main__":
    main()
