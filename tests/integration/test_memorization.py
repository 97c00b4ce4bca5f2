"""A GAN trained for thousands of epochs on a handful of rows memorizes them: caught."""

from __future__ import annotations

import pandas as pd
import pytest

from rebalance.core.config import GateThresholds
from rebalance.core.validation.gate import metric_checks
from rebalance.core.validation.privacy import PRIVACY_METRICS
from rebalance.gan.config import GanConfig
from rebalance.gan.model import ConditionalTabularGAN
from tests.support import MIXED_TYPES, mixed_frame

pytestmark = pytest.mark.integration

ROWS_PER_CLASS = 8


def privacy_checks(epochs: int) -> dict[str, bool]:
    frame = mixed_frame(n_major=400, n_minor=400, seed=1)
    train = pd.concat(
        [
            frame[frame.label == "no"].head(ROWS_PER_CLASS),
            frame[frame.label == "yes"].head(ROWS_PER_CLASS),
        ],
        ignore_index=True,
    )
    unseen = frame[frame.label == "yes"].iloc[100:300].drop(columns="label")
    real = train[train.label == "yes"].drop(columns="label")
    config = GanConfig(
        epochs=epochs,
        batch_size=2 * ROWS_PER_CLASS,
        pac=1,
        critic_dropout=0.0,  # no regularisation: let it overfit
        weight_decay=0.0,
        validation_fraction=0.0,  # and no early stopping
        generator_lr=1e-3,
        critic_lr=1e-3,
        generator_dims=(128, 128),
        critic_dims=(128, 128),
        checkpoint_every=0,
    )
    model = ConditionalTabularGAN(config).fit(train, "label", MIXED_TYPES)
    synthetic = model.sample("yes", 200).drop(columns="label")
    values = {
        m.name: m.compute(real.reset_index(drop=True), synthetic, MIXED_TYPES, holdout=unseen)
        for m in PRIVACY_METRICS
    }
    checks = metric_checks(
        {"yes": values}, {m.name: "privacy" for m in PRIVACY_METRICS}, GateThresholds()
    )
    return {check.name.split("[")[0]: check.passed for check in checks}


def test_memorizing_generator_fails_the_privacy_gate() -> None:
    assert privacy_checks(epochs=10)["closer_than_holdout_share"]  # barely trained: novel rows
    # 2,500 epochs: a share of 0.31 against the 0.15 threshold (4,000 gave 0.43)
    assert not privacy_checks(epochs=2500)["closer_than_holdout_share"]
