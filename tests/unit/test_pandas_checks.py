"""The pandas evaluation of the contracts' per-column checks equals Great Expectations' own.

Each test runs the same checks on the same batch twice: ``run_checks`` (pandas where it covers
a check, GX for the rest) and ``gx_results`` (GX for every check, the contracts' previous
path), and compares success and the printed finding check by check.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from great_expectations.expectations.row_conditions import Column

from rebalance.core.serialize import plain
from rebalance.data_contracts.gx_runner import Check, gx_results, run_checks
from rebalance.data_contracts.input_contract import DTYPES, input_checks
from rebalance.data_contracts.pandas_checks import evaluate
from rebalance.data_contracts.synthetic_contract import CLASS_ID, synthetic_checks
from tests.unit.test_input_contract import SPEC

BOUNDS = {"min_value": -2.0, "max_value": 4.0}


def mixed_frame() -> pd.DataFrame:
    """Every dtype the contracts meet, with missing values, infinities and stray types."""
    return pd.DataFrame(
        {
            "f": [1.0, np.inf, np.nan, -5.0, 3.0, 2.0, -np.inf],
            "i": np.arange(1, 8),
            "n": pd.array([1, None, 3, 4, 5, 6, 9], dtype="Int64"),
            "s": pd.array(["a", "b", None, "c", "a", "b", "a"], dtype="str"),
            "cat": pd.Series(["a", "b", None, "c", "a", "b", "a"], dtype="str").astype("category"),
            "o": pd.Series(["a", "b", None, 3, "a", np.nan, 2.5], dtype=object),
            "b": [True, False, True, True, False, True, False],
            "d": pd.to_datetime(["2020-01-01"] * 7),
            "cid": [0, 0, 1, 1, 1, -1, 1],
        }
    )


def check(expectation: str, **kwargs: Any) -> Check:
    return Check(f"Expect{expectation}", kwargs, "")


def column_checks(frame: pd.DataFrame) -> list[Check]:
    """Each covered expectation on each column it applies to, plain and per class."""
    checks = []
    for column in frame.columns:
        for types in DTYPES.values():
            checks.append(check("ColumnValuesToBeInTypeList", column=column, type_list=types))
        checks.append(check("ColumnValuesToNotBeNull", column=column))
        for condition in ({}, *({"row_condition": Column("cid") == k} for k in (1, 7))):
            share = {"column": column, "min_value": 0.9, "max_value": 1.0, **condition}
            checks.append(check("ColumnProportionOfNonNullValuesToBeBetween", **share))
            if column in ("f", "i", "n", "cid"):
                checks.append(
                    check("ColumnValuesToBeBetween", column=column, **BOUNDS, **condition)
                )
    in_set = {"s": ["a", "b"], "cat": ["a", "b"], "o": ["a", "b"], "i": [1, 2], "cid": [0]}
    for column, values in in_set.items():
        checks.append(check("ColumnValuesToBeInSet", column=column, value_set=values))
    return checks


def findings(results: list) -> list[tuple[bool, str]]:
    return [(result.success, result.observed) for result in results]


def text_checked_for_str(check: Check) -> bool:
    text = check.kwargs["column"] in ("s", "cat")
    return text and "str" in check.kwargs.get("type_list", ())


def test_every_column_check_is_evaluated_by_pandas_and_equals_gx() -> None:
    """As GX finds, except one case on purpose: a text column (pandas' string dtype, or
    categories of it) checked for ``str`` is answered as GX answers its object copy, value by
    value (GX's dtype rule does not take pandas 3's string dtype for ``str``)."""
    frame, checks = mixed_frame(), column_checks(mixed_frame())
    assert len(evaluate(frame, checks)) == len(checks)  # none left to GX
    both = findings(run_checks(frame, checks, "mixed"))
    expected = findings(gx_results(frame, checks, "mixed-gx"))
    copied = findings(gx_results(frame.astype({"s": object, "cat": object}), checks, "obj-gx"))
    special = [text_checked_for_str(check) for check in checks]
    assert any(special)
    assert both == [c if s else e for c, e, s in zip(copied, expected, special, strict=True)]
    assert not all(success for success, _ in both)  # the batch has defects to find


def test_checks_pandas_does_not_cover_go_to_gx() -> None:
    frame = mixed_frame()
    checks = [
        Check("ExpectColumnValuesToBeBetween", {"column": "s", **BOUNDS}, ""),  # text
        Check("ExpectColumnValuesToBeBetween", {"column": "f", "min_value": 5, "max_value": 1}, ""),
        Check("ExpectColumnValuesToBeInSet", {"column": "gone", "value_set": [1]}, ""),
        Check("ExpectColumnValuesToNotBeNull", {"column": "f", "mostly": 0.5}, ""),
        Check("ExpectColumnUniqueValueCountToBeBetween", {"column": "cid", "min_value": 2}, ""),
        check("ColumnValuesToNotBeNull", column="f", row_condition=Column("s") == "a"),
    ]
    assert evaluate(frame, checks) == {}
    assert findings(run_checks(frame, checks, "rest")) == findings(gx_results(frame, checks, "g"))


@pytest.mark.parametrize("defect", ["none", "types", "values"])
def test_input_contract_results_equal_gx(defect: str) -> None:
    frame = pd.DataFrame(
        {"a": [1, 2, 3, 4], "k": ["red", "blue", "red", "red"], "y": ["p", "q", "p", "q"],
         "z": [0.5, 1.5, 2.5, 3.5]}
    ).astype({"k": object, "y": object})  # fmt: skip
    if defect == "types":
        frame["a"] = frame["a"] + 0.5
    if defect == "values":
        frame.loc[[1, 3], "k"] = "teal"
        frame.loc[2, "z"] = np.inf
        frame.loc[0, "y"] = None
    types = {"a": "integer", "k": "categorical", "y": "categorical", "z": "continuous"}
    checks = input_checks(SPEC, types)
    expected = findings(gx_results(frame, checks, "input-gx"))
    assert findings(run_checks(frame, checks, "input")) == expected
    assert all(success for success, _ in expected) == (defect == "none")


def test_synthetic_contract_results_equal_gx() -> None:
    rng = np.random.default_rng(0)
    real = pd.DataFrame(
        {"x": rng.normal(size=40), "n": rng.integers(0, 9, 40), "c": rng.choice(["u", "v"], 40),
         "label": ["yes"] * 10 + ["no"] * 30}
    )  # fmt: skip
    real.loc[:3, "x"] = np.nan
    types = {"x": "continuous", "n": "integer", "c": "categorical", "label": "categorical"}
    requested = {"yes": 6, "no": 3}  # one "no" row short
    synthetic = real.iloc[[0, 1, 2, 5, 6, 7, 20, 21]].reset_index(drop=True)
    synthetic.loc[4, "x"] = 99.0  # out of the real range
    synthetic.loc[5, "c"] = "w"  # outside the real domain
    labels = synthetic["label"].map({"yes": 0, "no": 1}).to_numpy(np.int64)
    frame = synthetic.assign(**{CLASS_ID: labels}).astype({"c": object, "label": object})
    checks = synthetic_checks(real, "label", types, requested)
    expected = findings(gx_results(frame, checks, "synthetic-gx"))
    assert findings(run_checks(frame, checks, "synthetic")) == expected
    assert sum(not success for success, _ in expected) == 3  # row count, range, domain


def test_columns_are_told_apart_by_case() -> None:
    """Where the two differ, on purpose: GX 1.24 matches column names ignoring case (in a
    batch with ``v`` and ``V`` it reads ``v`` for ``V``); pandas reads the column named."""
    frame = pd.DataFrame({"v": [1.0, 2.0, 3.0, 4.0], "V": [1.0, np.nan, 30.0, 4.0]})
    checks = [
        Check("ExpectColumnValuesToNotBeNull", {"column": "V"}, ""),
        check("ColumnProportionOfNonNullValuesToBeBetween", column="V", min_value=0.9),
        Check("ExpectColumnValuesToBeBetween", {"column": "V", **BOUNDS}, ""),
    ]
    assert findings(run_checks(frame, checks, "case")) == [
        (False, "1 offending value(s), e.g. [nan]"),
        (False, plain(3 / 4)),
        (False, "1 offending value(s), e.g. [30]"),
    ]
