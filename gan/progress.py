"""Training progress for people: a one-line terminal bar, and the text both it and the Prefect
progress artifact show (epoch, losses, time left)."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:  # torch is imported only when a GAN actually trains
    from gan.trainer import EpochStats


def describe(stats: EpochStats, seconds_left: float) -> str:
    score = f" fidelity-loss {stats.score:.3f}" if stats.score is not None else ""
    return (
        f"epoch {stats.epoch}/{stats.epochs}  critic {stats.critic_loss:+.3f}  "
        f"generator {stats.generator_loss:+.3f}{score}  ~{_clock(seconds_left)} left"
    )


class EtaClock:
    """Time left from the mean epoch time so far."""

    def __init__(self) -> None:
        self.started = time.perf_counter()

    def seconds_left(self, stats: EpochStats, first_epoch: int) -> float:
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

    def __call__(self, stats: EpochStats) -> None:
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
