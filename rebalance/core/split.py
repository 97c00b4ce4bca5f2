"""The stratified splits: the real holdout (made before any balancing, never augmented, scored
only for the report) and, inside train, the selection rows the gate decides on."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rebalance.core.errors import ValidationError
from rebalance.core.plan import BalancePlan
from rebalance.core.validation.utility import minority_classes


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


def bounded_sample(frame: pd.DataFrame, target: str, rows: int, seed: int) -> pd.DataFrame:
    """``frame`` if it has at most ``rows`` rows, else a seeded stratified sample of about
    ``rows`` rows with the class shares of ``frame`` (every class keeps a row)."""
    if len(frame) <= rows:
        return frame
    return stratified_split(frame, target, 1.0 - rows / len(frame), [seed, 5])[0]


def check_validation_splits(
    target: str,
    validated: list[str],
    splits: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame],
    fractions: tuple[float, float],
) -> None:
    """Refuse, before any sampler is fitted, a validated run whose holdout or selection split
    holds no row of a class the gate scores (``validated``): its classifier could not be
    scored. ``splits``: train (selection included), holdout, selection; ``fractions``:
    ``balance.holdout_fraction`` and ``validation.selection_fraction``."""
    train, holdout, selection = (frame[target].astype(str).value_counts() for frame in splits)
    empty = [
        (label, int(train.get(label, 0) + holdout.get(label, 0)), int(holdout.get(label, 0)),
         int(selection.get(label, 0)))
        for label in validated
        if not holdout.get(label, 0) or not selection.get(label, 0)
    ]  # fmt: skip
    if not empty:
        return
    settings = []
    if any(row[2] == 0 for row in empty):
        settings.append(f"balance.holdout_fraction {fractions[0]:g}")
    if any(row[3] == 0 for row in empty):
        settings.append(f"validation.selection_fraction {fractions[1]:g}")
    found = "; ".join(
        f"class {label!r} ({rows} rows): {h} in the holdout, {s} in the selection split"
        for label, rows, h, s in empty
    )
    raise ValidationError(
        f"column {target!r}: expected at least 1 row of every validated class in the holdout "
        f"and in the selection split, found {found} (with {' and '.join(settings)}); raise "
        f"{'that fraction' if len(settings) == 1 else 'those fractions'}, add rows of these "
        "classes, or set validation.enabled: false"
    )


def validated_classes(plan: BalancePlan) -> list[str]:
    """The classes whose scores the gate reads: the minority classes of the utility check and
    every class that gets synthetic rows."""
    minority = minority_classes(plan.before, list(plan.to_generate))
    return list(dict.fromkeys([*minority, *plan.to_generate]))
