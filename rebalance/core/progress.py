"""Training progress for people: a one-line terminal bar, and the text both it and the Prefect
progress artifact show (epoch, losses, time left), for any sampler that trains."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from rebalance.core.samplers.base import TrainingProgress


def describe(stats: TrainingProgress, seconds_left: float) -> str:
    losses = "".join(f"  {name} {value:+.3f}" for name, value in stats.losses.items())
    score = f"  held-out loss {stats.score:.3f}" if stats.score is not None else ""
    return f"epoch {stats.epoch}/{stats.epochs}{losses}{score}  ~{_clock(seconds_left)} left"


def resumed_line(stats: TrainingProgress) -> str | None:
    """The line a resumed fit logs once (None: it started from scratch)."""
    if stats.resumed_from is None:
        return None
    return (
        f"training resumed from its checkpoint: epoch {stats.resumed_from} of {stats.epochs} "
        "was done, so it goes on from there"
    )


class EtaClock:
    """Time left from the mean epoch time so far."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def seconds_left(self, stats: TrainingProgress, first_epoch: int) -> float:
        done = max(stats.epoch - first_epoch, 1)
        per_epoch = (time.perf_counter() - self.started) / done
        return per_epoch * (stats.epochs - stats.epoch)


class TerminalBar:
    """Redraws one line on a terminal; silent when the stream is not a TTY (CI, logs)."""

    def __init__(self, stream: TextIO | None = None, width: int = 24) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.clock = EtaClock()
        self.first_epoch: int | None = None
        self.enabled = self.stream.isatty()

    def __call__(self, stats: TrainingProgress) -> None:
        if self.first_epoch is None:
            self.first_epoch = stats.epoch - 1
        if not self.enabled:
            return
        filled = round(self.width * stats.epoch / stats.epochs)
        bar = "#" * filled + "." * (self.width - filled)
        line = describe(stats, self.clock.seconds_left(stats, self.first_epoch))
        end = "\n" if stats.epoch == stats.epochs else ""
        self.stream.write(f"\r[{bar}] {line}{end}")
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


def _clock(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    return f"{seconds // 60}m{seconds % 60:02d}s"
