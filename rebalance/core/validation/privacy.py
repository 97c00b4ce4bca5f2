"""Privacy metrics: how close synthetic rows sit to the real train rows, measured against how
close real holdout rows (never seen by the generator) sit to them."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from sklearn.neighbors import NearestNeighbors

from rebalance.core.validation.encoding import DistanceEncoder
from rebalance.core.validation.metrics import FIDELITY_METRICS, Metric


class ExactCopyShare(Metric):
    name = "exact_copy_share"
    kind = "privacy"
    goal = "minimize"
    min_value, max_value = 0.0, 1.0
    description = "share of synthetic rows identical to a real train row"

    @classmethod
    def compute(
        cls,
        real: pd.DataFrame,
        synthetic: pd.DataFrame,
        types: Mapping[str, str],
        *,
        holdout: pd.DataFrame | None = None,
        seed: int = 0,
    ) -> float:
        if synthetic.empty:
            return float("nan")
        real_keys = set(row_keys(real))
        return float(np.mean([key in real_keys for key in row_keys(synthetic)]))


def row_keys(frame: pd.DataFrame) -> np.ndarray:
    """One hash per row over its values as text, so equal rows match across dtypes."""
    as_text = frame.astype(object).where(frame.notna(), "<missing>").astype(str)
    return pd.util.hash_pandas_object(as_text, index=False).to_numpy()


class DCRRatio(Metric):
    name = "dcr_ratio"
    kind = "privacy"
    goal = "maximize"  # 1: synthetic rows sit as far from train as unseen real rows do
    min_value, max_value = 0.0, float("inf")
    description = (
        "median distance from synthetic rows to their closest train row, over the same median "
        "for real holdout rows"
    )

    @classmethod
    def compute(
        cls,
        real: pd.DataFrame,
        synthetic: pd.DataFrame,
        types: Mapping[str, str],
        *,
        holdout: pd.DataFrame | None = None,
        seed: int = 0,
    ) -> float:
        if holdout is None or holdout.empty or synthetic.empty or real.empty:
            return float("nan")
        synthetic_dcr, holdout_dcr = closest_record_distances(real, synthetic, holdout, types)
        baseline = float(np.median(holdout_dcr))
        if baseline == 0.0:  # unseen real rows repeat train rows: distance says nothing here
            return float("nan")
        return float(np.median(synthetic_dcr)) / baseline


class CloserThanHoldoutShare(Metric):
    name = "closer_than_holdout_share"
    kind = "privacy"
    goal = "minimize"  # about 0.05 when synthetic rows are as novel as unseen real rows
    min_value, max_value = 0.0, 1.0
    description = "share of synthetic rows closer to a train row than 95% of real holdout rows are"
    quantile = 0.05

    @classmethod
    def compute(
        cls,
        real: pd.DataFrame,
        synthetic: pd.DataFrame,
        types: Mapping[str, str],
        *,
        holdout: pd.DataFrame | None = None,
        seed: int = 0,
    ) -> float:
        if holdout is None or len(holdout) < 20 or synthetic.empty or real.empty:
            return float("nan")  # too few unseen rows to place a 5% quantile
        synthetic_dcr, holdout_dcr = closest_record_distances(real, synthetic, holdout, types)
        cut = float(np.quantile(holdout_dcr, cls.quantile))
        return float(np.mean(synthetic_dcr < cut)) if cut > 0 else float("nan")


def closest_record_distances(
    train: pd.DataFrame,
    synthetic: pd.DataFrame,
    holdout: pd.DataFrame,
    types: Mapping[str, str],
) -> tuple[np.ndarray, np.ndarray]:
    """Euclidean distance of each synthetic and each holdout row to its closest train row."""
    encoder = DistanceEncoder(types).fit(train)
    index = NearestNeighbors(n_neighbors=1, algorithm="brute").fit(encoder.transform(train))
    synthetic_dcr = index.kneighbors(encoder.transform(synthetic))[0][:, 0]
    holdout_dcr = index.kneighbors(encoder.transform(holdout))[0][:, 0]
    return synthetic_dcr, holdout_dcr


PRIVACY_METRICS: tuple[type[Metric], ...] = (ExactCopyShare, DCRRatio, CloserThanHoldoutShare)
ALL_METRICS = FIDELITY_METRICS + PRIVACY_METRICS
