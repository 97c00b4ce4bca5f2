"""A Prefect progress artifact that follows a sampler's training."""

from __future__ import annotations

import time
from typing import cast
from uuid import UUID

from prefect import get_run_logger
from prefect.artifacts import create_progress_artifact, update_progress_artifact

from rebalance.core.progress import EtaClock, describe, resumed_line
from rebalance.core.samplers.base import TrainingProgress


class PrefectProgress:
    def __init__(self, key: str, every_seconds: float = 2.0) -> None:
        self.key = key
        self.every_seconds = every_seconds  # API writes are throttled
        self.artifact: UUID | None = None
        self.clock = EtaClock()
        self.first_epoch: int | None = None
        self.last_write = 0.0

    def __call__(self, stats: TrainingProgress) -> None:
        if self.first_epoch is None:
            self.first_epoch = stats.epoch - 1
            if line := resumed_line(stats):  # a retried fit: say where it picked up
                get_run_logger().info(line)
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
