"""A Prefect progress artifact that follows a sampler's training."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, cast
from uuid import UUID

from prefect import get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact

from rebalance.core.progress import EtaClock, describe, final_line, resumed_line
from rebalance.core.samplers.base import TrainingProgress


class PrefectProgress:
    def __init__(self, key: str, every_seconds: float = 2.0) -> None:
        self.key = key
        self.every_seconds = every_seconds  # API writes are throttled
        self.artifact: UUID | None = None
        self.clock = EtaClock()
        self.first_epoch: int | None = None
        self.last_write = 0.0
        self.last: TrainingProgress | None = None

    def __call__(self, stats: TrainingProgress) -> None:
        if self.first_epoch is None:
            self.first_epoch = stats.epoch - 1
            if line := resumed_line(stats):  # a retried fit: say where it picked up
                get_run_logger().info(line)
        self.last = stats
        now = time.perf_counter()
        final = stats.epoch == stats.epochs
        if self.artifact is not None and not final and now - self.last_write < self.every_seconds:
            return
        self.last_write = now
        text = describe(stats, self.clock.seconds_left(stats, self.first_epoch))
        percent = 100.0 * stats.epoch / stats.epochs
        if self.artifact is None:
            self.artifact = cast(
                UUID, create_progress_artifact(percent, key=self.key, description=text)
            )
        else:
            update_progress_artifact(self.artifact, percent, description=text)

    def finish(self, history: Mapping[str, Any] | None = None) -> None:
        """End the artifact at how the fit ended (an early stop never reports its last epoch)."""
        if self.last is None:
            return
        text = final_line(self.last, history)
        if self.artifact is None:
            create_progress_artifact(100.0, key=self.key, description=text)
        else:
            update_progress_artifact(self.artifact, 100.0, description=text)
