"""The Python API: balance a DataFrame in this process, with no Prefect and no files written.

``balance(frame, target=..., method=...)`` runs the stages of the ``rebalance`` flow in its
order (type columns -> input contract -> holdout split -> plan -> selection split -> fit and
generate every candidate -> validate -> gate -> publication decision -> holdout score) and
returns a :class:`BalanceResult`.
Arguments are validated first (imbalanced-learn style): a bad one raises ``SpecError`` or
``InputError`` with one line naming it.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import ValidationError as PydanticValidationError

from rebalance.core.balance import fit_oversampler, generate_synthetic
from rebalance.core.columns import (
    REASON_COLUMN,
    TypedTable,
    as_text,
    check_quarantine_share,
    type_table,
)
from rebalance.core.config import ColumnType, RebalanceConfig
from rebalance.core.errors import InputError, SpecError
from rebalance.core.ingest import RawTable
from rebalance.core.plan import BalancePlan, make_plan
from rebalance.core.profile import class_counts
from rebalance.core.publication import decide_publication, refusal_error, release_splits
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

DATASET = "dataframe"
WHERE = "<DataFrame>"

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
    ``{class: count}``). ``column_types``: declared types (continuous, integer, categorical,
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
    _check_frame(frame)
    arguments = {
        "target": target, "method": method, "sampling_strategy": sampling_strategy,
        "seed": seed, "column_types": column_types, "validate": validate,
        "holdout_fraction": holdout_fraction, "on_failure": on_failure, "thresholds": thresholds,
        "method_params": method_params, "options": options, "release": release,
    }  # fmt: skip
    config = _config(arguments)
    _check_columns(frame, config)
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
    plan = make_plan(class_counts(train[target]), config.balance, config.validation.release)
    fit = train
    if validate:  # samplers fit on the train rows the gate does not decide on
        share, seed = config.validation.selection_fraction, config.balance.seed
        fit, selection = selection_split(train, target, share, seed)
        fractions = (config.balance.holdout_fraction, share)
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


# ---- arguments ------------------------------------------------------------------------------

# The balance() argument behind each config field an error can be about.
_ARGUMENTS: dict[tuple[str, ...], str] = {
    ("dataset", "target"): "target",
    ("dataset", "columns"): "column_types",
    ("balance", "method"): "method",
    ("balance", "sampling_strategy"): "sampling_strategy",
    ("balance", "seed"): "seed",
    ("balance", "holdout_fraction"): "holdout_fraction",
    ("balance", "params"): "options",
    ("balance", "method_params"): "method_params",
    ("validation", "enabled"): "validate",
    ("validation", "on_failure"): "on_failure",
    ("validation", "thresholds"): "thresholds",
    ("validation", "release"): "release",
}
_METHOD_TAGS = frozenset({"random", "smote", "gan"})
_EXPECTED = {
    "method": "one of 'none', 'random', 'smote', 'gan', 'auto'",
    "sampling_strategy": "one of 'auto', 'not majority', 'minority', 'not minority', 'all', "
    "a float in (0, 1] or a dict {class: count}",
    "release": "'augmented' or 'synthetic_only'",
}


def _check_frame(frame: Any) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise InputError(WHERE, f"expected a pandas DataFrame, found {type(frame).__name__}")
    if frame.empty:
        shape = f"{frame.shape[0]} row(s) and {frame.shape[1]} column(s)"
        raise InputError(WHERE, f"expected data rows, found an empty DataFrame ({shape})")
    odd = [name for name in frame.columns if not isinstance(name, str)]
    if odd:
        raise InputError(WHERE, f"expected text column names, found {odd[:5]}")
    duplicated = sorted(set(frame.columns[frame.columns.duplicated()]))
    if duplicated:
        raise InputError(WHERE, f"expected unique column names, found duplicates {duplicated}")


def _config(args: dict[str, Any]) -> RebalanceConfig:
    """The run config, validated by pydantic; a bad argument is one SpecError line."""
    method, options, strategy = args["method"], args["options"], args["sampling_strategy"]
    if options and method == "auto":
        raise SpecError(
            f"balance(): options {sorted(options)} belong to one method, found method='auto'; "
            "pass them per method as method_params={'gan': {...}, 'smote': {...}}"
        )
    if method == "auto" and args["validate"] is False:
        raise SpecError(
            "balance(): method='auto' picks the best method by validating each, found "
            "validate=False; pass validate=True or name a method"
        )
    if isinstance(strategy, Mapping):  # class labels are compared as text
        strategy = {str(label): count for label, count in strategy.items()}
    raw = {
        "dataset": {
            "name": DATASET, "path": WHERE, "target": args["target"],
            "columns": args["column_types"] or {},
        },
        "balance": {
            "method": method, "sampling_strategy": strategy, "seed": args["seed"],
            "holdout_fraction": args["holdout_fraction"], "params": options,
            "method_params": args["method_params"] or {},
        },
        "validation": {
            "enabled": args["validate"],
            "on_failure": args["on_failure"],
            "thresholds": dict(args["thresholds"] or {}),
            "release": args["release"],
        },
    }  # fmt: skip
    try:
        config = RebalanceConfig.model_validate(raw)
    except PydanticValidationError as exc:
        raise SpecError(f"balance(): {_describe(exc, args)}") from None
    if config.validation.enabled and config.balance.holdout_fraction == 0:
        raise SpecError("balance(): holdout_fraction must be > 0 when validate=True, found 0")
    return config


def _describe(exc: PydanticValidationError, args: dict[str, Any]) -> str:
    """``sampling_strategy: expected ..., found 'bogus'``: one clause per bad argument."""
    found: dict[str, list[str]] = {}
    for err in exc.errors():
        loc = tuple(str(part) for part in err["loc"])
        name = _ARGUMENTS.get(loc[:2], "")  # "": a rule over several arguments
        inner = loc[2:]
        if name == "options" and inner and inner[0] in _METHOD_TAGS:
            inner = inner[1:]  # the options union's tag, not something the caller wrote
        message = err["msg"].removeprefix("Value error, ")
        found.setdefault(name, []).append(f"{'.'.join(inner) + ': ' if inner else ''}{message}")
    if "method" in found:  # options are read against the method: no sense without one
        found.pop("options", None)
    clauses = []
    for name, messages in found.items():
        if not name:
            clauses.extend(messages)
        elif name in _EXPECTED:
            clauses.append(f"{name}: expected {_EXPECTED[name]}, found {args[name]!r}")
        else:
            joined = "; ".join(dict.fromkeys(messages))
            clauses.append(f"{name}: {joined} (found {args[name]!r})")
    return "; ".join(clauses)


def _check_columns(frame: pd.DataFrame, config: RebalanceConfig) -> None:
    spec = config.dataset
    if spec.target not in frame.columns:
        raise InputError(
            WHERE,
            f"expected target column {spec.target!r}, found columns {list(frame.columns)}",
            column=spec.target,
        )
    unknown = [name for name in spec.columns if name not in frame.columns]
    if unknown:
        raise InputError(
            WHERE,
            f"column_types names column(s) {unknown} that the DataFrame does not have "
            f"(found {list(frame.columns)})",
            column=unknown[0],
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
