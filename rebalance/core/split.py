"""The stratified splits: the real holdout (made before any balancing, never augmented, scored
only for the report) and, inside train, the selection rows the gate decides on."""

from __future__ import annotations

import numpy as np
import pandas as pd


def stratified_split(
    frame: pd.DataFrame, target: str, holdout_fraction: float, seed: int | list[int]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per class, ``round(fraction * n)`` rows go to the holdout, keeping at least one row of
    every class in train (a one-row class stays wholly in train). Row order is preserved."""
    rng = np.random.default_rng(seed)
    holdout_mask = np.zeros(len(frame), dtype=bool)
    groups = frame.groupby(frame[target], sort=True, observed=True).indices
    for label in sorted(groups, key=str):  # sorted so the draw does not depend on row order
        rows = groups[label]
        n_holdout = min(len(rows) - 1, round(holdout_fraction * len(rows)))
        if n_holdout > 0:
            holdout_mask[rng.choice(rows, size=n_holdout, replace=False)] = True
    train = frame[~holdout_mask].reset_index(drop=True)
    holdout = frame[holdout_mask].reset_index(drop=True)
    return train, holdout


def selection_split(
    train: pd.DataFrame, target: str, fraction: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(fit, selection)``: the samplers fit on ``fit``; candidates are compared on
    ``selection``. Its own random stream, so the holdout split is unchanged by it."""
    return stratified_split(train, target, fraction, [seed, 1])
