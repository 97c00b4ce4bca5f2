"""Random oversampling: draw real rows of the class with replacement."""

from __future__ import annotations

import pandas as pd

from rebalance.core.samplers.base import Oversampler


class RandomOversampler(Oversampler):
    name = "random"

    def _fit(self, frame: pd.DataFrame) -> None:
        self.frame_ = frame
        self.rows_by_class_ = {
            str(label): rows for label, rows in frame.groupby(self.target_).indices.items()
        }

    def _sample(self, label: str, n: int) -> pd.DataFrame:
        picks = self.class_rng(label).choice(self.rows_by_class_[label], size=n, replace=True)
        return self.frame_.iloc[picks]
