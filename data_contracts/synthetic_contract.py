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

from rebalance.core.config import ColumnType
from rebalance.core.serialize import plain
from rebalance.core.validation.evaluate import ValidationContext, evaluate_candidate
from rebalance.core.validation.gate import CandidateResult, GateCheck
from rebalance.data_contracts.gx_runner import Check, CheckResult, run_checks
from rebalance.data_contracts.input_contract import DTYPES

CLASS_ID = "_class_id"
RANGE_TOLERANCE = 0.05  # share of the real class's span allowed beyond its min and max
# default of contract.null_share_tolerance: absolute, plus three binomial standard errors
NULL_TOLERANCE = 0.05


def synthetic_checks(
    real: pd.DataFrame,
    target: str,
    types: Mapping[str, ColumnType],
    requested: Mapping[str, int],
    null_tolerance: float = NULL_TOLERANCE,
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
        for column in real.columns:
            if column == target:
                continue
            checks.extend(_class_checks(real_class[column], types[column], label, rows, condition))
            checks.append(
                _null_share_check(real_class[column], label, rows, condition, null_tolerance)
            )
    return checks


def _class_checks(
    real: pd.Series, kind: str, label: str, rows: int, condition: dict[str, Any]
) -> list[Check]:
    checks = []
    name = str(real.name)
    if kind in ("continuous", "integer") and real.notna().any():
        low, high = float(real.min()), float(real.max())
        slack = RANGE_TOLERANCE * (high - low)
        checks.append(
            Check(
                "ExpectColumnValuesToBeBetween",
                {"column": name, "min_value": low - slack, "max_value": high + slack, **condition},
                f"column {name!r} of class {label!r} within the real range "
                f"[{low:g}, {high:g}] +/- {RANGE_TOLERANCE:.0%}",
            )
        )
    return checks


def _null_share_check(
    real: pd.Series, label: str, rows: int, condition: dict[str, Any], tolerance: float
) -> Check:
    name = str(real.name)
    present = float(real.notna().mean()) if len(real) else 1.0
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
    null_tolerance: float = NULL_TOLERANCE,
) -> list[CheckResult]:
    """Run the contract on ``synthetic`` and return every result (failures included)."""
    labels = list(requested)
    class_ids = synthetic[target].astype(str).map({label: i for i, label in enumerate(labels)})
    frame = synthetic.assign(**{CLASS_ID: class_ids.fillna(-1).to_numpy(np.int64)})
    as_objects = {c: object for c in real.columns if types[c] == "categorical" or c == target}
    frame = frame.astype({c: t for c, t in as_objects.items() if c in frame.columns})
    frame[target] = frame[target].astype(str)
    checks = synthetic_checks(real, target, types, requested, null_tolerance)
    return run_checks(frame, checks, suite_name="synthetic")


def contract_checks(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    target: str,
    types: Mapping[str, ColumnType],
    requested: Mapping[str, int],
    null_tolerance: float = NULL_TOLERANCE,
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
        for r in validate_synthetic(real, synthetic, target, types, requested, null_tolerance)
    ]


def evaluate_with_contract(
    context: ValidationContext,
    method: str,
    synthetic: pd.DataFrame | None,
    generative: bool = False,
    null_tolerance: float = NULL_TOLERANCE,
) -> CandidateResult:
    """Every check of one candidate: this contract on its rows, then the core's fidelity,
    privacy, memorisation (``generative`` methods) and utility checks. ``null_tolerance``:
    ``contract.null_share_tolerance``."""
    contract: list[GateCheck] = []
    if synthetic is not None and not synthetic.empty:
        contract = contract_checks(
            context.fit,
            synthetic,
            context.target,
            context.types,
            context.plan.to_generate,
            null_tolerance,
        )
    return evaluate_candidate(context, method, synthetic, contract, generative)
