"""Learning rate over a run that ends on a step count or a wall-clock limit, whichever is first:
the schedule follows the further-along of the two, so a run cut short by time still anneals."""

from __future__ import annotations

import math
import time


class TimedOneCycle:
    def __init__(self, optimizer, max_lr: float, total_steps: int, max_minutes: float, warmup: float = 0.1) -> None:
        self.optimizer, self.max_lr, self.total_steps = optimizer, max_lr, max(total_steps, 1)
        self.limit_s, self.warmup = max_minutes * 60.0, warmup
        self.started, self.steps = time.time(), 0

    def progress(self) -> float:
        return min(max(self.steps / self.total_steps, (time.time() - self.started) / self.limit_s), 1.0)

    def done(self) -> bool:
        return self.progress() >= 1.0

    def step(self) -> None:
        """Call after each optimizer step; sets the rate for the next one."""
        self.steps += 1
        p = self.progress()
        if p < self.warmup:
            lr = self.max_lr * (0.1 + 0.9 * p / self.warmup)
        else:
            q = (p - self.warmup) / (1 - self.warmup)
            lr = self.max_lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * q)))
        for group in self.optimizer.param_groups:
            group["lr"] = lr
