"""Strict JSON (NaN and infinity as null) and plain numbers in messages."""

from __future__ import annotations

import json

import numpy as np
import pytest

from rebalance.core.serialize import json_safe, plain, to_json
from rebalance.data_contracts.gx_runner import _observed


def test_to_json_writes_nan_and_infinity_as_null_and_numpy_as_numbers() -> None:
    value = {
        "nan": float("nan"),
        "inf": np.float64("-inf"),
        "f32": np.float32(0.25),
        "i": np.int64(7),
        "b": np.bool_(True),
        "arr": np.array([1.0, np.nan]),
        "nested": [{"x": (np.nan, 1)}],
        3: "int key",
    }
    text = to_json(value, sort_keys=True)
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {
        "nan": None,
        "inf": None,
        "f32": 0.25,
        "i": 7,
        "b": True,
        "arr": [1.0, None],
        "nested": [{"x": [None, 1]}],
        "3": "int key",
    }
    with pytest.raises(ValueError, match="Out of range float"):
        json.dumps(value["nan"], allow_nan=False)  # what to_json guards against
    assert json_safe("text") == "text"


def test_plain_prints_rounded_numbers_never_numpy_reprs() -> None:
    assert plain(np.float64(0.7476190476)) == "0.7476"
    assert plain(np.int64(12)) == "12"
    assert plain([np.float64(4.0), np.float64(0.123456)]) == "[4, 0.1235]"
    assert plain({"a": np.float32(0.5)}) == "{'a': 0.5}"
    assert plain("x") == "'x'" and plain(None) == "None"


def test_contract_findings_print_plain_numbers() -> None:
    assert _observed({"observed_value": np.float64(0.7476190476)}) == "0.7476"
    found = _observed(
        {"unexpected_count": np.int64(3), "partial_unexpected_list": [np.float64(4.5), "x"]}
    )
    assert found == "3 offending value(s), e.g. [4.5, 'x']"
    assert "np." not in found
