"""The Python API: balance a DataFrame in this process, with no Prefect and no files written.

``balance(frame, target=..., method=...)`` runs the stages of the ``rebalance`` flow in its
order (type columns -> input contract -> holdout split -> plan -> selection split -> fit and
generate every candidate -> validate -> gate -> publication decision -> holdout score) and
returns a :class:`BalanceResult`.
Arguments are validated first (``rebalance.api.arguments``, imbalanced-learn style): a bad one
raises ``SpecError`` or ``InputError`` with one line naming it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rebalance.api.arguments import DATASET, WHERE, check_columns, check_frame, run_config
from rebalance.core.balance import fit_oversampler, generate_synthetic
from rebalance.core.columns import (
    REASON_COLUMN,
    TypedTable,
    as_text,
    type_table,
)
from rebalance.core.config import ColumnType, RebalanceConfig
from rebalance.core.ingest import RawTable
from rebalance.core.plan import BalancePlan, plan_run
from rebalance.core.publication import decide_publication, refusal_error, release_splits
from rebalance.core.quarantine import check_quarantine_share
from rebalance.core.samplers import method_traits
from rebalance.core.split import (
    check_validation_splits,
    selection_split,
    stratified_split,
    validated_classes,
)
from rebalance.core.timing import Stopwatch
from rebalance.core.validation.decision import GateDecision, decide
from rebalance.core.validation.evaluate import prepare
from rebalance.core.validation.holdout import score_holdout
from rebalance.core.validation.record import validation_record
from rebalance.data_contracts.input_contract import validate_input
from rebalance.data_contracts.synthetic_contract import evaluate_with_contract

__all__ = ["BalanceResult", "balance"]


@dataclass(frozen=True)
class BalanceResult:
    """What :func:`balance` returns; nothing is written anywhere."""

    # real train rows, then synthetic rows (synthetic_only: those alone); ``is_synthetic`` last
    frame: pd.DataFrame
    holdout: pd.DataFrame  # real rows kept aside (empty when not validated); never in ``frame``
    method: str  # whose synthetic rows were added ("none": real rows only)
    gate: str  # publish | publish_real_only | "not validated"
    decision: GateDecision | None  # the gate's decision (None when not validated)
    validation: dict[str, Any] | None  # every candidate's metrics and checks (_validation.json)
    plan: BalancePlan  # class counts before and after, as published
    column_types: dict[str, ColumnType]  # the type of every column, declared or inferred


def balance(
    frame: pd.DataFrame,
    *,
    target: str,
    method: str = "auto",
    sampling_strategy: Any = "auto",
    seed: int = 0,
    column_types: Mapping[str, str] | None = None,
    validate: bool = True,
    holdout_fraction: float = 0.2,
    on_failure: str = "fail",
    thresholds: Mapping[str, Any] | None = None,
    method_params: Mapping[str, Mapping[str, Any]] | None = None,
    release: str = "augmented",
    **options: Any,
) -> BalanceResult:
    """Balance ``frame`` on its ``target`` column with ``method`` and return the rows.

    ``method``: none, random, smote, gan, or auto (each is fitted on the train rows minus a
    selection split and validated on that split; the best that passes the gate is used, and
    scored once on the real holdout for the record). ``sampling_strategy``: imbalanced-learn's
    vocabulary (auto, not majority, minority, not minority, all, a float for binary targets, or
    ``{class: count}``), or ``f1`` (binary targets: the minority up to the count at which a
    classifier's default cut is its F1-best one, measured out of fold on the fit rows; see
    the README). ``column_types``: declared types (continuous, integer, categorical,
    boolean, datetime); the rest are inferred from the dtypes. ``options`` are the options of
    ``method`` (e.g. ``k_neighbors=3`` for smote, ``epochs=50`` for gan); ``method_params``
    gives options per method for the candidates of ``auto``.

    With ``validate=False`` there is no holdout and no gate: every row is train. When the gate
    refuses the rows (``on_failure="fail"``, or a fallback chain where nothing passes) a
    ``GateError`` is raised; ``on_failure="publish_real_only"`` returns the real rows instead.
    ``thresholds``: gate thresholds to change (``validation.thresholds`` of a spec, e.g.
    ``{"min_gain_probability": 0.6}``). ``release="synthetic_only"``: ``frame`` holds synthetic
    rows of every class and no real row (for sharing); privacy gates them and utility is
    train-synthetic-test-real.
    """
    check_frame(frame)
    arguments = {
        "target": target, "method": method, "sampling_strategy": sampling_strategy,
        "seed": seed, "column_types": column_types, "validate": validate,
        "holdout_fraction": holdout_fraction, "on_failure": on_failure, "thresholds": thresholds,
        "method_params": method_params, "options": options, "release": release,
    }  # fmt: skip
    config = run_config(arguments)
    check_columns(frame, config)
    return _balance(frame, config)


def _balance(frame: pd.DataFrame, config: RebalanceConfig) -> BalanceResult:
    """The stages, in the order of the ``rebalance`` flow."""
    target, validate, clock = config.dataset.target, config.validation.enabled, Stopwatch()
    # typing holds categorical columns as category codes; they come back as the caller gave them
    coded = [name for name, dtype in frame.dtypes.items() if isinstance(dtype, pd.CategoricalDtype)]
    with clock.stage("validate-input"):
        table = _typed(frame, config)
        validate_input(table.frame, config.dataset, table.types)
    train, holdout = _split(table.frame, config)
    fit = train
    if validate:  # samplers fit on the train rows the gate does not decide on
        share, seed = config.validation.selection_fraction, config.balance.seed
        fit, selection = selection_split(train, target, share, seed)
    with clock.stage("plan"):  # sampling_strategy f1 fits a classifier here
        plan = plan_run(train, fit, table.types, config)  # plan.basis: what f1 measured
    if validate:
        fractions = (config.balance.holdout_fraction, config.validation.selection_fraction)
        check_validation_splits(
            target, validated_classes(plan), (train, holdout, selection), fractions
        )
    synthetic = {
        candidate: _generate(fit, table.types, plan, config, candidate, clock)
        for candidate in config.candidate_methods()
    }
    decision, record = None, None
    if validate:
        with clock.stage("validate"):
            decision, record = _validate(
                (train, fit, selection, holdout), table.types, plan, synthetic, config
            )
    chosen = decide_publication(plan, config.balance.method, synthetic, decision)
    if decision is not None and chosen.gate == "refuse":
        raise refusal_error(DATASET, decision, None, clock.rounded())
    return BalanceResult(
        frame=as_text(release_splits(train, holdout, chosen)["train"], keep=coded),
        holdout=as_text(holdout, keep=coded),
        method=chosen.method,
        gate=chosen.gate,
        decision=decision,
        validation=record,
        plan=chosen.plan,
        column_types=dict(table.types),
    )


# ---- stages ---------------------------------------------------------------------------------


def _typed(frame: pd.DataFrame, config: RebalanceConfig) -> TypedTable:
    """Typed rows; defective ones (a missing target, +-inf) are dropped with a warning, and
    the run fails when more than ``max_quarantine_share`` of them are."""
    raw = RawTable(frame=frame, path=WHERE, fingerprint="", text_source=False)
    table = type_table(raw, config.dataset)
    check_quarantine_share(table, config.contract.max_quarantine_share)
    if len(table.quarantine):
        reasons = table.quarantine[REASON_COLUMN].head(3).tolist()
        warnings.warn(
            f"balance(): dropped {len(table.quarantine)} of {table.n_read} row(s) with defects; "
            f"first reasons: {reasons}",
            UserWarning,
            stacklevel=4,  # the caller of balance()
        )
    return table


def _split(frame: pd.DataFrame, config: RebalanceConfig) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The stratified real holdout when validating; otherwise every row is train."""
    if not config.validation.enabled:
        return frame, frame.iloc[:0].reset_index(drop=True)
    fraction, seed = config.balance.holdout_fraction, config.balance.seed
    return stratified_split(frame, config.dataset.target, fraction, seed)


def _generate(
    train: pd.DataFrame,
    types: dict[str, ColumnType],
    plan: BalancePlan,
    config: RebalanceConfig,
    method: str,
    clock: Stopwatch,
) -> pd.DataFrame | None:
    """Fit one candidate method on the train rows and generate what the plan asks for."""
    settings = config.for_method(method)
    with clock.stage(f"fit:{method}"):
        sampler = fit_oversampler(
            train, config.dataset.target, types, method, settings.seed, settings.params
        )
    with clock.stage(f"generate:{method}"):
        return generate_synthetic(sampler, plan)


def _validate(
    rows: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame],
    types: dict[str, ColumnType],
    plan: BalancePlan,
    synthetic: Mapping[str, pd.DataFrame | None],
    config: RebalanceConfig,
) -> tuple[GateDecision, dict[str, Any]]:
    """Score every candidate on the selection rows, let the gate decide, then score what is
    published once on the holdout. ``rows``: train, fit, selection, holdout."""
    train, fit, selection, holdout = rows
    target, settings, seed = config.dataset.target, config.validation, config.balance.seed
    context = prepare(fit, selection, target, types, plan, settings, seed)
    candidates = {
        method: evaluate_with_contract(
            context, method, found, method_traits(method).generative, config.contract
        )
        for method, found in synthetic.items()
    }
    decision = decide(config.balance.method, candidates, settings)
    chosen = decide_publication(plan, config.balance.method, synthetic, decision)
    scores = None
    if chosen.gate != "refuse":
        scores = score_holdout(
            train, holdout, target, types, plan, settings, seed, chosen.method, chosen.synthetic
        )
    return decision, validation_record(decision, context, candidates, scores, settings)
