"""Deliberately bad oversamplers, planted into the flow to prove the gate refuses them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rebalance.core.samplers.base import Oversampler


class NoiseOversampler(Oversampler):
    """Rows of uniform noise far outside the real ranges, categories drawn at random."""

    name = "noise"

    def _fit(self, frame: pd.DataFrame) -> None:
        self.frame_ = frame

    def _sample(self, label: str, n: int) -> pd.DataFrame:
        rng = self.class_rng(label)
        out = {}
        for column in self.columns_:
            kind = self.types_[column]
            real = self.frame_[column]
            if kind in ("continuous", "integer"):
                values = rng.uniform(-1000.0, 1000.0, n)
                out[column] = np.round(values) if kind == "integer" else values
            else:
                out[column] = rng.choice(real.dropna().unique(), n)
        return pd.DataFrame(out)


class CopyOversampler(Oversampler):
    """Exact copies of real rows of the class (what a memorizing generator emits)."""

    name = "copies"

    def _fit(self, frame: pd.DataFrame) -> None:
        self.frame_ = frame

    def _sample(self, label: str, n: int) -> pd.DataFrame:
        rows = self.frame_[self.frame_[self.target_].astype(str) == label]
        picks = self.class_rng(label).integers(0, len(rows), n)
        return rows.iloc[picks].reset_index(drop=True)
