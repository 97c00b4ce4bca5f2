"""Score one candidate's synthetic rows on the selection split: contract, fidelity, privacy and
memorisation per class, and utility.

The samplers fit on the *fit* rows (train minus the selection rows); every score here is
measured against the *selection* rows, which no sampler saw. The reported holdout is not used:
it is scored once, for the chosen method only (``holdout.py``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rebalance.core.config import ColumnType, ValidationConfig
from rebalance.core.errors import ValidationError
from rebalance.core.plan import BalancePlan
from rebalance.core.publish import assemble_train
from rebalance.core.split import bounded_sample
from rebalance.core.validation.gate import (
    CandidateResult,
    GateCheck,
    metric_checks,
    metric_group,
    nothing_to_share,
    tstr_checks,
    utility_checks,
)
from rebalance.core.validation.metrics import FIDELITY_METRICS
from rebalance.core.validation.privacy import ALL_METRICS, closest_record_distances
from rebalance.core.validation.significance import gain_probability
from rebalance.core.validation.utility import (
    UtilityProblem,
    UtilityScores,
    fit_and_score,
    tuned_threshold_scores,
    utility_problem,
)


@dataclass
class ValidationContext:
    """What every candidate is compared with: the real rows and the two real-only baselines,
    all on the selection split."""

    fit: pd.DataFrame  # the train rows the samplers fit on
    selection: pd.DataFrame  # train rows held aside: no sampler saw them
    target: str
    types: dict[str, ColumnType]
    plan: BalancePlan  # the published plan (synthetic counts balance all train rows)
    config: ValidationConfig
    seed: int
    problem: UtilityProblem
    baseline: UtilityScores  # fit rows only, scored on the selection rows
    tuned: UtilityScores | None  # the same, threshold tuned out of fold (binary targets)
    fit_share: float = 1.0  # classifier's real rows over train rows: synthetic rows scored
    # class -> fidelity metric -> its value between two real samples of the sizes compared
    references: dict[str, dict[str, float]] = field(default_factory=dict)

    @property
    def features(self) -> list[str]:
        return [c for c in self.fit.columns if c != self.target]

    @property
    def synthetic_only(self) -> bool:
        """The release publishes synthetic rows alone: privacy gates, utility is TSTR."""
        return self.config.release == "synthetic_only"


def prepare(
    fit: pd.DataFrame,
    selection: pd.DataFrame,
    target: str,
    types: Mapping[str, ColumnType],
    plan: BalancePlan,
    config: ValidationConfig,
    seed: int,
) -> ValidationContext:
    if plan.release != config.release:
        raise ValidationError(
            f"expected a plan for the {config.release!r} release (validation.release), found "
            f"one for {plan.release!r}"
        )
    # the classifiers train on and score bounded samples of large splits
    fit_scored = bounded_sample(fit, target, config.max_split_rows, seed)
    selection_scored = bounded_sample(selection, target, config.max_split_rows, seed)
    problem = utility_problem(fit_scored, selection_scored, target, types, plan, config, seed)
    context = ValidationContext(
        fit=fit,
        selection=selection,
        target=target,
        types=dict(types),
        plan=plan,
        config=config,
        seed=seed,
        problem=problem,
        baseline=fit_and_score(problem, problem.train),  # the candidates' real rows
        tuned=tuned_threshold_scores(problem),
        fit_share=len(fit_scored) / max(sum(plan.before.values()), 1),
    )
    context.references = reference_metrics(context)
    return context


def evaluate_candidate(
    context: ValidationContext,
    method: str,
    synthetic: pd.DataFrame | None,
    contract: Sequence[GateCheck] = (),
    generative: bool = False,
) -> CandidateResult:
    """Every check of one candidate. ``contract``: the synthetic-data contract's results, run
    by the caller (the contract engine sits above this module). ``generative``: the method
    draws rows from a learnt model, so copies of train rows are memorisation and gate."""
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
        elif context.synthetic_only:
            result.checks.append(nothing_to_share(method))
        result.seconds["validate"] = time.perf_counter() - started
        return result
    utility = fit_and_score(context.problem, _utility_rows(context, synthetic))
    result = CandidateResult(method=method, synthetic_rows=len(synthetic), utility=utility)
    result.checks = list(contract)
    result.metrics = class_metrics(context, synthetic)
    groups = {m.name: metric_group(m.name, m.kind, generative) for m in ALL_METRICS}
    result.checks += metric_checks(
        result.metrics,
        groups,
        context.config.thresholds,
        references=context.references,
        gating_privacy=context.config.release != "augmented",
        privacy_note=f"gating for a {context.config.release} release",
    )
    result.checks += _utility_checks(context, utility)
    result.seconds["validate"] = time.perf_counter() - started
    return result


def _utility_rows(context: ValidationContext, synthetic: pd.DataFrame) -> pd.DataFrame:
    """What the selection classifier trains on: the fit rows plus the candidate's rows, or
    for a synthetic-only release its rows alone (TSTR); both scaled to the fit rows."""
    scored = scaled_rows(synthetic, context.target, context.fit_share)
    if context.synthetic_only:
        return scored.reset_index(drop=True)
    return assemble_train(context.problem.train, scored).drop(columns="is_synthetic")


def _utility_checks(context: ValidationContext, utility: UtilityScores) -> list[GateCheck]:
    thresholds = context.config.thresholds
    if context.synthetic_only:
        return tstr_checks(utility, context.baseline, thresholds)
    probability = _gain_probability(context, utility)
    return utility_checks(utility, context.baseline, context.tuned, thresholds, probability)


def _gain_probability(context: ValidationContext, utility: UtilityScores) -> float | None:
    if utility.predicted is None or context.baseline.predicted is None:
        return None
    truth = context.problem.labels(context.problem.holdout)
    return gain_probability(
        truth,
        utility.predicted,
        context.baseline.predicted,
        context.problem.minority,
        context.seed,
    )


def scaled_rows(synthetic: pd.DataFrame, target: str, share: float) -> pd.DataFrame:
    """The first ``share`` of each class's synthetic rows: the plan balances all train rows,
    the selection classifier trains on the fit rows only, so both are scaled alike."""
    if share >= 1.0:
        return synthetic
    keep = synthetic.groupby(synthetic[target].astype(str), sort=False).cumcount()
    sizes = synthetic[target].astype(str).map(synthetic[target].astype(str).value_counts())
    return synthetic[keep.to_numpy() < np.round(sizes.to_numpy() * share)]


@dataclass(frozen=True)
class _ClassRows:
    fit: pd.DataFrame  # every fit row of the class: a copy may be of any of them
    fit_near: pd.DataFrame  # at most ``max_split_rows`` of them: where distances are measured
    fit_sample: pd.DataFrame  # at most ``max_rows`` of them
    selection: pd.DataFrame  # at most ``max_rows`` selection rows: the real side of fidelity


def _class_rows(context: ValidationContext, label: str, index: int) -> _ClassRows:
    cap, features = context.config.max_rows, context.features
    rng = np.random.default_rng([context.seed, index])
    fit_all = context.fit.loc[context.fit[context.target].astype(str) == label, features]
    selected = context.selection[context.selection[context.target].astype(str) == label]
    fit_all = fit_all.reset_index(drop=True)
    fit_sample, selected = _cap(fit_all, cap, rng), _cap(selected[features], cap, rng)
    near = _cap(fit_all, context.config.max_split_rows, np.random.default_rng([context.seed, 9]))
    return _ClassRows(fit_all, near, fit_sample, selected)


def reference_metrics(context: ValidationContext) -> dict[str, dict[str, float]]:
    """Per synthesized class, each fidelity metric between the selection rows and a real
    sample of the fit rows of the size the synthetic rows are compared at."""
    out: dict[str, dict[str, float]] = {}
    for index, label in enumerate(context.plan.to_generate):
        rows = _class_rows(context, label, index)
        out[label] = {
            metric.name: metric.compute(
                rows.selection, rows.fit_sample, context.types, seed=context.seed
            )
            for metric in FIDELITY_METRICS
        }
    return out


def class_metrics(
    context: ValidationContext, synthetic: pd.DataFrame
) -> dict[str, dict[str, float]]:
    """Every metric for every synthesized class. Fidelity: synthetic rows (as many as the
    reference's fit sample) against the selection rows; privacy: against the fit rows (every
    one for copies, at most ``max_split_rows`` for distances), with the selection rows as the
    unseen real rows."""
    synthetic_labels = synthetic[context.target].astype(str)
    out: dict[str, dict[str, float]] = {}
    for index, label in enumerate(context.plan.to_generate):
        rows = _class_rows(context, label, index)
        rng = np.random.default_rng([context.seed, index, 1])
        fake_all = synthetic.loc[synthetic_labels == label, context.features]
        fake = _cap(fake_all, max(len(rows.fit_sample), 1), rng)
        out[label] = {}
        distances = None  # to the nearest fit row: one search serves every distance metric
        for metric in ALL_METRICS:
            searchable = not (fake.empty or rows.fit_near.empty or rows.selection.empty)
            if hasattr(metric, "from_distances") and searchable:
                if distances is None:
                    distances = closest_record_distances(
                        rows.fit_near, fake, rows.selection, context.types
                    )
                value = metric.from_distances(*distances)
            elif metric.kind == "privacy":
                real = rows.fit if metric.every_train_row else rows.fit_near
                value = metric.compute(
                    real, fake, context.types, holdout=rows.selection, seed=context.seed
                )
            else:
                value = metric.compute(rows.selection, fake, context.types, seed=context.seed)
            out[label][metric.name] = value
    return out


def _cap(frame: pd.DataFrame, rows: int, rng: np.random.Generator) -> pd.DataFrame:
    if len(frame) <= rows:
        return frame.reset_index(drop=True)
    return frame.iloc[np.sort(rng.choice(len(frame), rows, replace=False))].reset_index(drop=True)
