"""Cheap column-wise fidelity: KS complement for numbers, TV complement for categories.

Used as the early-stopping signal on the held-out slice and by the benchmark.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

NUMERIC = ("continuous", "integer", "datetime")


def ks_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - Kolmogorov-Smirnov statistic of the non-missing values (1 = same distribution)."""
    a = np.sort(pd.to_numeric(real, errors="coerce").dropna().to_numpy(np.float64))
    b = np.sort(pd.to_numeric(synthetic, errors="coerce").dropna().to_numpy(np.float64))
    if len(a) == 0 or len(b) == 0:
        return float(len(a) == len(b))
    grid = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, grid, side="right") / len(a)
    cdf_b = np.searchsorted(b, grid, side="right") / len(b)
    return float(1.0 - np.max(np.abs(cdf_a - cdf_b)))


def tv_complement(real: pd.Series, synthetic: pd.Series) -> float:
    """1 - total variation distance of the category frequencies (missing is a category)."""
    p = real.astype(object).fillna("<missing>").value_counts(normalize=True)
    q = synthetic.astype(object).fillna("<missing>").value_counts(normalize=True)
    p, q = p.align(q, fill_value=0.0)
    return float(1.0 - 0.5 * np.abs(p - q).sum())


def column_scores(
    real: pd.DataFrame, synthetic: pd.DataFrame, types: dict[str, str]
) -> dict[str, float]:
    scores = {}
    for name in real.columns:
        if types[name] in NUMERIC:
            score = ks_complement(real[name], synthetic[name])
            if real[name].isna().any() or synthetic[name].isna().any():
                gaps = 1.0 - abs(real[name].isna().mean() - synthetic[name].isna().mean())
                score = min(score, gaps)
            scores[name] = score
        else:
            scores[name] = tv_complement(real[name], synthetic[name])
    return scores


def mean_fidelity(real: pd.DataFrame, synthetic: pd.DataFrame, types: dict[str, str]) -> float:
    """Mean KS/TV complement over columns, in [0, 1], higher is better."""
    scores = column_scores(real, synthetic, types)
    return float(np.mean(list(scores.values()))) if scores else 1.0
