"""The synthetic-data contract, derived from the real train rows and the balancing plan.

Synthetic rows must have the real columns and dtypes, categorical values inside the real
domain, numbers inside the real class's range (widened by a tolerance), null shares close to
the real class's, labels only from the requested classes, and exactly the planned row count per
class. Per-class checks use a helper column ``_class_id`` and GX condition objects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from rebalance.core.config import ColumnType, ContractConfig
from rebalance.core.frames import with_columns
from rebalance.core.serialize import plain
from rebalance.core.validation.evaluate import ValidationContext, evaluate_candidate
from rebalance.core.validation.gate import CandidateResult, GateCheck
from rebalance.data_contracts.gx_runner import Check, CheckResult, run_checks, text_as_values
from rebalance.data_contracts.input_contract import DTYPES

CLASS_ID = "_class_id"
DEFAULTS = ContractConfig()  # range_tolerance, null_share_tolerance (and three standard errors)


def synthetic_checks(
    real: pd.DataFrame,
    target: str,
    types: Mapping[str, ColumnType],
    requested: Mapping[str, int],
    tolerances: ContractConfig = DEFAULTS,
) -> list[Check]:
    labels = list(requested)
    real_labels = real[target].astype(str)
    checks = [
        Check(
            "ExpectTableColumnsToMatchOrderedList",
            {"column_list": [*real.columns, CLASS_ID]},
            f"the real columns in order: {list(real.columns)}",
        ),
        Check(
            "ExpectColumnValuesToBeInSet",
            {"column": target, "value_set": sorted({str(x) for x in labels})},
            f"labels in {target!r} only from the requested classes {labels}",
        ),
    ]
    for column in real.columns:
        kind = types[column]
        if column == target:
            continue  # compared as text above; the sampler casts it to the real dtype
        checks.append(
            Check(
                "ExpectColumnValuesToBeInTypeList",
                {"column": column, "type_list": DTYPES[kind]},
                f"column {column!r} of type {kind}",
            )
        )
        if kind == "categorical":
            domain = sorted(real[column].dropna().astype(str).unique())
            checks.append(
                Check(
                    "ExpectColumnValuesToBeInSet",
                    {"column": column, "value_set": domain},
                    f"column {column!r} values inside the real domain ({len(domain)} levels)",
                )
            )
    from great_expectations.expectations.row_conditions import Column  # GX loads slowly

    for class_id, label in enumerate(labels):
        condition = {"row_condition": Column(CLASS_ID) == class_id}
        rows = requested[label]
        checks.append(
            Check(
                "ExpectTableRowCountToEqual",
                {"value": rows, **condition},
                f"exactly {rows} synthetic row(s) of class {label!r}",
            )
        )
        real_class = real[real_labels == label]
        checks.extend(_class_checks(real_class, target, types, label, rows, condition, tolerances))
    return checks


def _class_checks(
    real: pd.DataFrame,
    target: str,
    types: Mapping[str, ColumnType],
    label: str,
    rows: int,
    condition: dict[str, Any],
    tolerances: ContractConfig,
) -> list[Check]:
    """Per column of one class: its range (numbers) and its non-null share. The class's
    minima, maxima and shares are read for all columns at once (a wide table has 1,000)."""
    columns = [c for c in real.columns if c != target]
    numeric = [c for c in columns if types[c] in ("continuous", "integer")]
    low, high = real[numeric].min(), real[numeric].max()
    present = real[columns].notna().mean() if len(real) else pd.Series(1.0, index=columns)
    checks = []
    for name in columns:
        if name in low.index and pd.notna(low[name]):
            span = (float(low[name]), float(high[name]))
            checks.append(_range_check(name, span, label, condition, tolerances.range_tolerance))
        share = float(present[name])
        checks.append(
            _null_share_check(name, share, label, rows, condition, tolerances.null_share_tolerance)
        )
    return checks


def _range_check(
    name: str, span: tuple[float, float], label: str, condition: dict[str, Any], tolerance: float
) -> Check:
    low, high = span
    slack = tolerance * (high - low)
    return Check(
        "ExpectColumnValuesToBeBetween",
        {"column": name, "min_value": low - slack, "max_value": high + slack, **condition},
        f"column {name!r} of class {label!r} within the real range "
        f"[{low:g}, {high:g}] +/- {plain(tolerance, 3)} of its span (contract.range_tolerance)",
    )


def _null_share_check(
    name: str, present: float, label: str, rows: int, condition: dict[str, Any], tolerance: float
) -> Check:
    slack = tolerance + 3 * math.sqrt(present * (1 - present) / max(rows, 1))
    low, high = max(0.0, present - slack), min(1.0, present + slack)
    return Check(
        "ExpectColumnProportionOfNonNullValuesToBeBetween",
        {"column": name, "min_value": low, "max_value": high, **condition},
        f"column {name!r} of class {label!r} non-null share in [{plain(low, 3)}, "
        f"{plain(high, 3)}]: the real {plain(present, 3)} +/- {plain(tolerance, 3)} "
        "(contract.null_share_tolerance) and three standard errors",
    )


def validate_synthetic(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    target: str,
    types: Mapping[str, ColumnType],
    requested: Mapping[str, int],
    tolerances: ContractConfig = DEFAULTS,
) -> list[CheckResult]:
    """Run the contract on ``synthetic`` and return every result (failures included)."""
    labels = list(requested)
    class_ids = synthetic[target].astype(str).map({label: i for i, label in enumerate(labels)})
    frame = with_columns(synthetic, {CLASS_ID: class_ids.fillna(-1).to_numpy(np.int64)})
    frame = text_as_values(frame, {**types, target: "categorical"})
    if not isinstance(frame[target].dtype, pd.StringDtype):
        frame[target] = frame[target].astype(str)
    checks = synthetic_checks(real, target, types, requested, tolerances)
    return run_checks(frame, checks, suite_name="synthetic")


def contract_checks(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    target: str,
    types: Mapping[str, ColumnType],
    requested: Mapping[str, int],
    tolerances: ContractConfig = DEFAULTS,
) -> list[GateCheck]:
    """The contract's results as gate checks (kind ``contract``)."""
    return [
        GateCheck(
            f"contract: {r.check.description}",
            "contract",
            None,
            None,
            None,
            r.success,
            "passed" if r.success else f"found {r.observed}",
        )
        for r in validate_synthetic(real, synthetic, target, types, requested, tolerances)
    ]


def evaluate_with_contract(
    context: ValidationContext,
    method: str,
    synthetic: pd.DataFrame | None,
    generative: bool = False,
    tolerances: ContractConfig = DEFAULTS,
) -> CandidateResult:
    """Every check of one candidate: this contract on its rows, then the core's fidelity,
    privacy, memorisation (``generative`` methods) and utility checks. ``tolerances``: the
    spec's ``contract`` section."""
    contract: list[GateCheck] = []
    if synthetic is not None and not synthetic.empty:
        contract = contract_checks(
            context.fit,
            synthetic,
            context.target,
            context.types,
            context.plan.to_generate,
            tolerances,
        )
    return evaluate_candidate(context, method, synthetic, contract, generative)
