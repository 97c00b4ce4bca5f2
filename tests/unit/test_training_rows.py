"""The downstream model keeps the synthetic rows only where they raise the tuned minority F1 on
the run's selection rows (rows no sampler saw)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from rebalance.core.classifier import fit_model
from rebalance.core.config import ClassifierConfig
from rebalance.core.publish import assemble_train
from rebalance.core.split import selection_split

TYPES = {"x": "continuous", "y": "continuous"}


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    with threadpool_limits(limits=1):
        yield


def draw(n: int, label: str, rng: np.random.Generator) -> pd.DataFrame:
    """Minority rows sit on a thin ring, majority rows fill the square around it."""
    if label == "rare":
        angle = rng.uniform(0, 2 * np.pi, n)
        x, y = 2 * np.cos(angle), 2 * np.sin(angle)
    else:
        x, y = rng.uniform(-3, 3, n), rng.uniform(-3, 3, n)
    return pd.DataFrame({"x": x, "y": y, "label": label})


def manifest(enabled: bool = True) -> dict[str, Any]:
    return {
        "target": "label",
        "column_types": TYPES,
        "class_counts_before": {"common": 600, "rare": 16},
        "config": {"validation": {"enabled": enabled, "selection_fraction": 0.25}},
    }


def real_train(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.concat([draw(600, "common", rng), draw(16, "rare", rng)], ignore_index=True)
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def test_noise_rows_labelled_minority_are_left_out() -> None:
    real = real_train()
    rng = np.random.default_rng(1)
    noise = draw(400, "common", rng).assign(label="rare")  # minority labels on majority ground
    model = fit_model(assemble_train(real, noise), manifest(), ClassifierConfig(), seed=0)
    rows = model.training_rows
    assert rows is not None and not rows.synthetic
    assert rows.with_synthetic_f1 is not None and rows.real_only_f1 is not None
    assert rows.with_synthetic_f1 <= rows.real_only_f1
    assert "left out" in rows.reason
    # the final model learnt from the real rows only: same threshold as a real-only fit
    alone = fit_model(real, manifest(), ClassifierConfig(), seed=0)
    assert model.threshold == alone.threshold


def test_rows_from_the_true_minority_distribution_are_kept() -> None:
    real = real_train()
    synthetic = draw(600, "rare", np.random.default_rng(2))  # a perfect generator
    model = fit_model(assemble_train(real, synthetic), manifest(), ClassifierConfig(), seed=0)
    rows = model.training_rows
    assert rows is not None and rows.synthetic, rows
    assert rows.with_synthetic_f1 is not None and rows.real_only_f1 is not None
    assert rows.with_synthetic_f1 > rows.real_only_f1
    _, selection = selection_split(real, "label", 0.25, 0)
    assert rows.selection_rows == len(selection)


@pytest.mark.parametrize(
    ("config", "enabled", "selection_rows", "reason"),
    [
        (ClassifierConfig(training_rows="published"), True, None, "training_rows"),
        (ClassifierConfig(), False, None, "no selection rows"),
        (ClassifierConfig(), True, 3, "expected the run's 3 selection rows"),
    ],
)
def test_every_published_row_when_nothing_can_be_compared(
    config: ClassifierConfig, enabled: bool, selection_rows: int | None, reason: str
) -> None:
    real = real_train()
    noise = draw(400, "common", np.random.default_rng(1)).assign(label="rare")
    model = fit_model(
        assemble_train(real, noise),
        manifest(enabled),
        config,
        seed=0,
        selection_rows=selection_rows,
    )
    rows = model.training_rows
    assert rows is not None and rows.synthetic and rows.with_synthetic_f1 is None
    assert reason in rows.reason
