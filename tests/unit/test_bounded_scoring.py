"""Large splits: the gate's classifiers and distances work on bounded samples."""

from __future__ import annotations

import pandas as pd

from rebalance.core.balance import generate_synthetic
from rebalance.core.config import BalanceConfig, ValidationConfig
from rebalance.core.plan import make_plan
from rebalance.core.profile import class_counts
from rebalance.core.samplers import make_oversampler
from rebalance.core.split import bounded_sample, stratified_split
from rebalance.core.validation.evaluate import evaluate_candidate, prepare
from rebalance.core.validation.holdout import score_holdout
from tests.support import MIXED_TYPES, mixed_frame


def test_a_bounded_sample_keeps_the_class_shares() -> None:
    frame = mixed_frame(n_major=4000, n_minor=1000)
    sample = bounded_sample(frame, "label", 1000, seed=0)
    assert len(sample) == 1000
    assert sample["label"].value_counts().to_dict() == {"no": 800, "yes": 200}
    assert bounded_sample(frame, "label", 5000, seed=0) is frame


def test_the_gate_scores_samples_of_large_splits_and_says_how_many() -> None:
    frame = mixed_frame(n_major=3200, n_minor=800, seed=2)
    train, holdout = stratified_split(frame, "label", 0.25, seed=0)
    fit, selection = stratified_split(train, "label", 0.25, seed=1)
    plan = make_plan(class_counts(train["label"]), BalanceConfig())
    sampler = make_oversampler("random", 0, {}).fit(fit, "label", MIXED_TYPES)
    synthetic = generate_synthetic(sampler, plan)
    bounded = ValidationConfig(max_split_rows=1000)
    context = prepare(fit, selection, "label", MIXED_TYPES, plan, bounded, 0)
    assert len(context.fit) == 2250 and len(context.problem.train) == 1000
    assert context.baseline.scored_rows == len(selection) == 750  # under the bound: all
    # the real-only reference trains on the rows every candidate's classifier starts from
    assert context.baseline.train_rows == len(context.problem.train) == 1000
    result = evaluate_candidate(context, "random", synthetic)
    # the synthetic rows are scaled to the sampled real rows: 1000 of 3000 train rows
    assert result.utility.train_rows == 1000 + round(len(synthetic) / 3)
    scores = score_holdout(train, holdout, "label", MIXED_TYPES, plan, bounded, 0, "random",
                           synthetic)  # fmt: skip
    assert scores.real_only.train_rows == 1000 and scores.real_only.scored_rows == 1000
    unbounded = score_holdout(train, holdout, "label", MIXED_TYPES, plan, ValidationConfig(), 0,
                              "random", synthetic)  # fmt: skip
    assert unbounded.real_only.train_rows == 3000 and unbounded.published.scored_rows == 1000
    assert isinstance(scores.as_dict()["published"]["scored_rows"], int)
    assert pd.notna(result.metrics["yes"]["dcr_ratio"])
