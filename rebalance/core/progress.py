"""Training progress for people: a one-line terminal bar, and the text both it and the Prefect
progress artifact show (epoch, losses, time left), for any sampler that trains.

A fit that stops early never reports its last planned epoch, so whoever ran it calls
``finish(history)`` on its listeners afterwards: the bar and the artifact then end at the real
final state ("stopped early at epoch 35 of 150: best epoch 20"), and the bar ends its line."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from rebalance.core.samplers.base import TrainingProgress


def describe(stats: TrainingProgress, seconds_left: float) -> str:
    losses = "".join(f"  {name} {value:+.3f}" for name, value in stats.losses.items())
    score = f"  held-out loss {stats.score:.3f}" if stats.score is not None else ""
    return f"epoch {stats.epoch}/{stats.epochs}{losses}{score}  ~{_clock(seconds_left)} left"


def final_line(last: TrainingProgress, history: Mapping[str, Any] | None) -> str:
    """How a fit ended, from its last epoch and ``training_history()`` (GAN keys:
    ``stopped_early_at``, ``best_epoch``)."""
    history = history or {}
    stopped = history.get("stopped_early_at")
    epoch = stopped if stopped is not None else last.epoch
    how = "stopped early" if stopped is not None or last.epoch < last.epochs else "finished"
    best = history.get("best_epoch")
    return f"{how} at epoch {epoch} of {last.epochs}" + (f": best epoch {best}" if best else "")


def finish_all(listeners: Iterable[object], history: Mapping[str, Any] | None) -> None:
    """Tell every listener that can hear it that the fit is over."""
    for listener in listeners:
        finish = getattr(listener, "finish", None)
        if callable(finish):
            finish(history)


def close_all(listeners: Iterable[object]) -> None:
    """End what listeners drew (a bar's line) after a fit that raised: the error that follows
    starts on a line of its own."""
    for listener in listeners:
        close = getattr(listener, "close", None)
        if callable(close):
            close()


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
        self.last: TrainingProgress | None = None
        self.drawn = 0  # length of the bar line now on screen, 0 when its line is ended

    def __call__(self, stats: TrainingProgress) -> None:
        if self.first_epoch is None:
            self.first_epoch = stats.epoch - 1
        self.last = stats
        line = describe(stats, self.clock.seconds_left(stats, self.first_epoch))
        self._draw(stats.epoch / stats.epochs, line, ended=stats.epoch == stats.epochs)

    def finish(self, history: Mapping[str, Any] | None = None) -> None:
        """Redraw the bar as the fit ended, then end its line."""
        if self.last is not None:
            self._draw(1.0, final_line(self.last, history), ended=True)

    def close(self) -> None:
        if self.enabled and self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = 0

    def _draw(self, done: float, line: str, ended: bool) -> None:
        if not self.enabled:
            return
        filled = round(self.width * done)
        text = f"[{'#' * filled}{'.' * (self.width - filled)}] {line}"
        pad = " " * max(self.drawn - len(text), 0)  # wipe the tail of a longer line
        self.stream.write(f"\r{text}{pad}{chr(10) if ended else ''}")
        self.stream.flush()
        self.drawn = 0 if ended else len(text)


def _clock(seconds: float) -> str:
    seconds = max(int(seconds), 0)
    return f"{seconds // 60}m{seconds % 60:02d}s"
