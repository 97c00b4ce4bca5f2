"""The rows a GAN fits on when the table is larger than ``max_fit_rows``."""

from __future__ import annotations

import numpy as np
import pandas as pd


def class_quotas(counts: dict[str, int], rows: int) -> dict[str, int]:
    """Rows to keep per class, ``rows`` in all: the smaller classes whole, the larger ones an
    equal share of what is left (batches are class-balanced, so a class beyond its share of
    the cap would add little)."""
    quotas, left = {}, rows
    ordered = sorted(counts, key=lambda label: (counts[label], label))
    for place, label in enumerate(ordered):
        quotas[label] = min(counts[label], left // (len(ordered) - place))
        left -= quotas[label]
    return quotas


def stratified_cap(frame: pd.DataFrame, target: str, rows: int, seed: int) -> pd.DataFrame:
    """``frame`` itself when it has at most ``rows`` rows; else a seeded sample of ``rows``
    rows with :func:`class_quotas` per class, in the frame's row order."""
    if len(frame) <= rows:
        return frame
    labels = frame[target].astype(str).to_numpy()
    indices = pd.Series(np.arange(len(frame))).groupby(labels).indices
    groups = {str(label): index for label, index in indices.items()}  # labels are str already
    quotas = class_quotas({label: len(index) for label, index in groups.items()}, rows)
    rng = np.random.default_rng([seed, 3])
    picked = [rng.choice(groups[label], quotas[label], replace=False) for label in sorted(groups)]
    return frame.iloc[np.sort(np.concatenate(picked))].reset_index(drop=True)
