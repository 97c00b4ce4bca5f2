"""Score one candidate's synthetic rows: contract, fidelity and privacy per class, utility."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rebalance.core.config import ColumnType, ValidationConfig
from rebalance.core.plan import BalancePlan
from rebalance.core.publish import assemble_train
from rebalance.core.validation.gate import (
    CandidateResult,
    GateCheck,
    metric_checks,
    utility_checks,
)
from rebalance.core.validation.privacy import ALL_METRICS
from rebalance.core.validation.utility import (
    UtilityProblem,
    UtilityScores,
    fit_and_score,
    minority_classes,
    tuned_threshold_scores,
)


@dataclass
class ValidationContext:
    """What every candidate is compared with: the real rows and the two real-only baselines."""

    train: pd.DataFrame
    holdout: pd.DataFrame
    target: str
    types: dict[str, ColumnType]
    plan: BalancePlan
    config: ValidationConfig
    seed: int
    problem: UtilityProblem
    baseline: UtilityScores  # real train rows only
    tuned: UtilityScores | None  # real only, threshold tuned out of fold (binary targets)

    @property
    def features(self) -> list[str]:
        return [c for c in self.train.columns if c != self.target]


def prepare(
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    target: str,
    types: Mapping[str, ColumnType],
    plan: BalancePlan,
    config: ValidationConfig,
    seed: int,
) -> ValidationContext:
    problem = UtilityProblem(
        train=train,
        holdout=holdout,
        target=target,
        types=types,
        minority=minority_classes(plan.before, list(plan.to_generate)),
        classifier=config.classifier,
        seed=seed,
        folds=config.cv_folds,
    )
    return ValidationContext(
        train=train,
        holdout=holdout,
        target=target,
        types=dict(types),
        plan=plan,
        config=config,
        seed=seed,
        problem=problem,
        baseline=fit_and_score(problem, train),
        tuned=tuned_threshold_scores(problem),
    )


def evaluate_candidate(
    context: ValidationContext,
    method: str,
    synthetic: pd.DataFrame | None,
    contract: Sequence[GateCheck] = (),
) -> CandidateResult:
    """Every check of one candidate. ``contract``: the synthetic-data contract's results, run
    by the caller (the contract engine sits above this module)."""
    started = time.perf_counter()
    if method == "none" or synthetic is None or synthetic.empty:
        result = CandidateResult(method=method, synthetic_rows=0, utility=context.baseline)
        result.checks = utility_checks(
            context.baseline, context.baseline, context.tuned, context.config.thresholds
        )
        if method != "none" and context.plan.to_generate:  # asked for rows, produced none
            result.checks.append(
                GateCheck("synthetic_rows", "contract", 0.0, None, None, False, "no rows produced")
            )
        result.seconds["validate"] = time.perf_counter() - started
        return result
    balanced = assemble_train(context.train, synthetic).drop(columns="is_synthetic")
    utility = fit_and_score(context.problem, balanced)
    result = CandidateResult(method=method, synthetic_rows=len(synthetic), utility=utility)
    result.checks = list(contract)
    result.metrics = class_metrics(context, synthetic)
    groups = {metric.name: metric.kind for metric in ALL_METRICS}
    result.checks += metric_checks(result.metrics, groups, context.config.thresholds)
    result.checks += utility_checks(
        utility, context.baseline, context.tuned, context.config.thresholds
    )
    result.seconds["validate"] = time.perf_counter() - started
    return result


def class_metrics(
    context: ValidationContext, synthetic: pd.DataFrame
) -> dict[str, dict[str, float]]:
    """Every metric for every synthesized class, on at most ``max_rows`` rows per side."""
    cap = context.config.max_rows
    features = context.features
    real_labels = context.train[context.target].astype(str)
    holdout_labels = context.holdout[context.target].astype(str)
    synthetic_labels = synthetic[context.target].astype(str)
    out: dict[str, dict[str, float]] = {}
    for label in context.plan.to_generate:
        rng = np.random.default_rng([context.seed, len(out)])
        real_all = context.train.loc[real_labels == label, features].reset_index(drop=True)
        real = _cap(real_all, cap, rng)
        fake = _cap(synthetic.loc[synthetic_labels == label, features], cap, rng)
        holdout = _cap(context.holdout.loc[holdout_labels == label, features], cap, rng)
        out[label] = {}
        for metric in ALL_METRICS:
            # a copy or a near neighbour may be any train row: privacy sees all of them
            reference = real_all if metric.kind == "privacy" else real
            out[label][metric.name] = metric.compute(
                reference, fake, context.types, holdout=holdout, seed=context.seed
            )
    return out


def _cap(frame: pd.DataFrame, rows: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= rows:
        return frame.reset_index(drop=True)
    return frame.iloc[np.sort(rng.choice(len(frame), rows, replace=False))].reset_index(drop=True)
