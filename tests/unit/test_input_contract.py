from __future__ import annotations

import pandas as pd
import pytest

from rebalance.core.config import DatasetSpec
from rebalance.core.errors import ContractError, InputError
from rebalance.data_contracts.input_contract import validate_input

SPEC = DatasetSpec(
    name="t",
    path="/data/t.csv",
    target="y",
    columns={"a": "integer"},
    domains={"k": ["red", "blue"]},
)
TYPES = {"a": "integer", "k": "categorical", "y": "categorical"}


def test_a_good_batch_passes_every_check() -> None:
    frame = pd.DataFrame({"a": [1, 2, 3], "k": ["red", "blue", "red"], "y": ["p", "q", "p"]})
    results = validate_input(frame, SPEC, TYPES)
    assert results and all(result.success for result in results)


def test_one_class_only_fails_before_training() -> None:
    frame = pd.DataFrame({"a": [1, 2], "k": ["red", "red"], "y": ["p", "p"]})
    with pytest.raises(
        ContractError, match=r"/data/t.csv.*at least 2 classes in target column 'y', found 1"
    ):
        validate_input(frame, SPEC, TYPES)


def test_wrong_declared_type_and_domain_are_reported_together() -> None:
    frame = pd.DataFrame({"a": [1.5, 2.0], "k": ["red", "teal"], "y": ["p", "q"]})
    with pytest.raises(ContractError) as info:
        validate_input(frame, SPEC, TYPES)
    message = str(info.value)
    assert "2 check(s)" in message
    assert "column 'a' of declared type integer, found 'float64'" in message
    assert "column 'k' values within its declared domain" in message and "teal" in message


def test_an_identifier_like_column_is_refused_naming_it() -> None:
    rows = 40
    frame = pd.DataFrame(
        {
            "a": range(rows),
            "k": ["red", "blue"] * (rows // 2),
            "ref": [f"r{i}" for i in range(rows - 1)] + ["r0"],  # 39 distinct in 40 rows
            "y": ["p", "q"] * (rows // 2),
        }
    )
    types = {**TYPES, "ref": "categorical"}
    with pytest.raises(InputError) as info:
        validate_input(frame, SPEC, types)
    message = str(info.value)
    assert message.startswith("/data/t.csv, column 'ref': expected a categorical column with ")
    assert "found 39 distinct values in 40 rows" in message and "dataset.drop" in message
    assert "\n" not in message
    # a categorical column with repeats, a numeric id and a small table are not refused
    assert validate_input(frame.drop(columns="ref"), SPEC, TYPES)
    assert validate_input(frame.head(10), SPEC, types)
