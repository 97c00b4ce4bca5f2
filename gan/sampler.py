"""The GAN behind the oversampler seam (``method: gan``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from gan.config import GanConfig
from gan.model import ConditionalTabularGAN
from gan.trainer import EpochStats
from rebalance.samplers.base import Oversampler


class GanOversampler(Oversampler):
    name = "gan"

    def __init__(self, seed: int = 0, **params: Any) -> None:
        super().__init__(seed=seed, **params)
        self.config = GanConfig.from_params({**params, "seed": seed})
        self.progress: list[Callable[[EpochStats], None]] = []

    def _fit(self, frame: pd.DataFrame) -> None:
        def on_epoch(stats: EpochStats) -> None:
            for listener in self.progress:
                listener(stats)

        self.model_ = ConditionalTabularGAN(self.config).fit(
            frame, self.target_, self.types_, on_epoch=on_epoch
        )

    def _sample(self, label: str, n: int) -> pd.DataFrame:
        return self.model_.sample(n, label)
