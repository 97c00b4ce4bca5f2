"""The input data contract, derived from the dataset spec and the resolved column types.

It runs on the typed rows that survived quarantine, so a failure here is a whole-batch defect
(a missing target column, a single class, a wrong type) and the run stops before training.
"""

from __future__ import annotations

import sys

import pandas as pd

from rebalance.core.config import ColumnType, DatasetSpec
from rebalance.core.errors import ContractError
from rebalance.core.identifiers import check_no_identifiers
from rebalance.data_contracts.gx_runner import Check, CheckResult, run_checks, text_as_values

# The dtypes GX accepts for each declared type. Categorical columns are checked value by value
# (every value a str: pandas 2 and 3 string dtypes differ), see ``text_as_values``.
DTYPES: dict[ColumnType, list[str]] = {
    "continuous": ["float64", "float32", "Float64Dtype"],
    "integer": ["int64", "int32", "Int64Dtype", "Int32Dtype"],
    "categorical": ["str"],
    "boolean": ["bool", "BooleanDtype"],
    "datetime": ["datetime64[ns]", "datetime64[us]", "datetime64[ms]", "datetime64[s]"],
}


def input_checks(spec: DatasetSpec, types: dict[str, ColumnType]) -> list[Check]:
    target = spec.target
    checks = [
        Check("ExpectColumnToExist", {"column": target}, f"target column {target!r} to exist"),
        Check(
            "ExpectColumnValuesToNotBeNull",
            {"column": target},
            f"no missing values in target column {target!r}",
        ),
        Check(
            "ExpectColumnUniqueValueCountToBeBetween",
            {"column": target, "min_value": 2},
            f"at least 2 classes in target column {target!r}",
        ),
    ]
    for column, kind in spec.columns.items():
        checks.append(
            Check(
                "ExpectColumnValuesToBeInTypeList",
                {"column": column, "type_list": DTYPES[kind]},
                f"column {column!r} of declared type {kind}",
            )
        )
    for column, domain in spec.domains.items():
        checks.append(
            Check(
                "ExpectColumnValuesToBeInSet",
                {"column": column, "value_set": list(domain)},
                f"column {column!r} values within its declared domain",
            )
        )
    for column, kind in types.items():
        if kind in ("continuous", "integer"):
            checks.append(
                Check(
                    "ExpectColumnValuesToBeBetween",
                    {
                        "column": column,
                        "min_value": -sys.float_info.max,
                        "max_value": sys.float_info.max,
                    },
                    f"finite numbers in column {column!r}",
                )
            )
    return checks


def validate_input(
    frame: pd.DataFrame, spec: DatasetSpec, types: dict[str, ColumnType]
) -> list[CheckResult]:
    """Run the contract; raise ContractError naming every failed check. An identifier-like
    column fails first, for every method alike (InputError naming it)."""
    check_no_identifiers(frame, types, spec.target, spec.path)
    results = run_checks(
        text_as_values(frame, types), input_checks(spec, types), suite_name=f"{spec.name}-input"
    )
    failures = [result.message() for result in results if not result.success]
    if failures:
        raise ContractError(spec.path, failures)
    return results
