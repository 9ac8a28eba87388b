"""The two networks: a CRNN line recognizer and a small line-mask detector."""

from __future__ import annotations

import torch
from torch import nn
import torch.nn.functional as F

ALPHABET = "0123456789"
# Detector input, fixed in the exported graph: ocrs squashes every frame to this size.
DET_HEIGHT, DET_WIDTH = 224, 384


def conv_bn(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation, bias=False),
        nn.BatchNorm2d(cout),
        nn.ReLU(inplace=True),
    )


class Recognizer(nn.Module):
    """[N, 1, 32, W] line crop -> [W/4, N, 11] log-probabilities (class 0 = CTC blank).

    Four CTC steps per input-height-worth of width: a digit is about 0.6 heights wide, so each
    digit gets ~5 steps, enough for doubled digits ("44") to keep a blank between them."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            conv_bn(1, 32), nn.MaxPool2d(2, 2),  # 16 x W/2
            conv_bn(32, 64), nn.MaxPool2d(2, 2),  # 8 x W/4
            conv_bn(64, 96), nn.MaxPool2d((2, 1), (2, 1)),  # 4
            conv_bn(96, 96), nn.MaxPool2d((2, 1), (2, 1)),  # 2
            conv_bn(96, 128), nn.MaxPool2d((2, 1), (2, 1)),  # 1
        )
        self.rnn = nn.LSTM(128, 64, bidirectional=True)
        self.classify = nn.Linear(128, len(ALPHABET) + 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.features(x)  # N, C, 1, T
        f = f.squeeze(2).permute(2, 0, 1)  # T, N, C
        f, _ = self.rnn(f)
        return F.log_softmax(self.classify(f), dim=2)


class Detector(nn.Module):
    """[N, 1, 224, 384] squashed frame -> [N, 1, 224, 384] probability of 'OCR line'."""

    def __init__(self) -> None:
        super().__init__()
        self.down1 = conv_bn(1, 16, stride=2)  # 112 x 192
        self.down2 = conv_bn(16, 24, stride=2)  # 56 x 96
        self.down3 = conv_bn(24, 32, stride=2)  # 28 x 48
        self.context = nn.Sequential(
            conv_bn(32, 32, dilation=2), conv_bn(32, 32, dilation=4), conv_bn(32, 32, dilation=8)
        )
        self.merge = nn.Sequential(nn.Conv2d(32 + 24, 24, 1, bias=False), nn.BatchNorm2d(24), nn.ReLU(inplace=True))
        self.refine = conv_bn(24, 16)
        self.out = nn.Conv2d(16, 1, 1)

    def forward_logits(self, x: torch.Tensor) -> torch.Tensor:
        d2 = self.down2(self.down1(x))
        c = self.context(self.down3(d2))
        up = F.interpolate(c, scale_factor=2.0, mode="bilinear", align_corners=False)
        m = self.refine(self.merge(torch.cat([up, d2], dim=1)))
        return self.out(m)  # N, 1, 56, 96

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logits = F.interpolate(self.forward_logits(x), scale_factor=4.0, mode="bilinear", align_corners=False)
        return torch.sigmoid(logits)


def greedy_decode(log_probs: torch.Tensor) -> list[str]:
    """[T, N, C] -> best path strings."""
    best = log_probs.argmax(2).T.tolist()
    out = []
    for seq in best:
        s, prev = [], 0
        for c in seq:
            if c != 0 and c != prev:
                s.append(ALPHABET[c - 1])
            prev = c
        out.append("".join(s))
    return out
