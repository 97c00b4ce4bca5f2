"""The encodings' fast paths read every dtype as their per-row definitions do.

``numeric_values`` converts plain numeric columns in one call and ``level_codes`` spells each
distinct value once; both must give what the per-row definitions give (through Python objects),
value for value, missing values and unseen levels included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rebalance.core.validation.encoding import (
    MISSING_LEVEL,
    category_values,
    level_codes,
    numeric_values,
)


def numeric_by_row(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column.astype(object), errors="coerce").to_numpy(np.float64)


def codes_by_row(column: pd.Series, levels: pd.Index) -> np.ndarray:
    return levels.get_indexer(pd.Index(category_values(column)))


NUMERIC_COLUMNS = {
    "int64": pd.Series([3, -1, 2**53 + 1, 0, 7], dtype="int64"),
    "uint64": pd.Series([0, 2**64 - 1, 5, 1, 2], dtype="uint64"),
    "float64": pd.Series([0.5, np.nan, -0.0, 1e300, -3.25]),
    "float32": pd.Series([0.1, np.nan, 2.5, -1.0, 3.0], dtype="float32"),
    "Int64": pd.Series([1, None, 3, None, -4], dtype="Int64"),
    "Float64": pd.Series([1.5, None, 3.0, 0.0, -4.0], dtype="Float64"),
    "bool": pd.Series([True, False, True, True, False]),
    "boolean": pd.Series([True, None, False, True, None], dtype="boolean"),
    "int64[pyarrow]": pd.Series([1, None, 3, 4, 5], dtype="int64[pyarrow]"),
    "text numbers": pd.Series(["1", "2.5", "x", None, "-3"], dtype=object),
}


@pytest.mark.parametrize("name", list(NUMERIC_COLUMNS))
def test_numeric_values_equal_the_per_row_conversion(name: str) -> None:
    column = NUMERIC_COLUMNS[name]
    np.testing.assert_array_equal(numeric_values(column), numeric_by_row(column))


def test_numeric_values_read_datetimes_as_nanoseconds() -> None:
    column = pd.Series(pd.to_datetime(["2020-01-01 00:00:00", None, "1970-01-01 00:00:01"]))
    np.testing.assert_array_equal(numeric_values(column), [1577836800e9, np.nan, 1e9])


CATEGORY_COLUMNS = {
    "str": pd.Series(["a", "b", None, "a", "zz", "c"], dtype="str"),
    "string[python]": pd.Series(["a", pd.NA, "b", "b", "q", "a"], dtype="string[python]"),
    "string[pyarrow]": pd.Series(["a", pd.NA, "b", "b", "q", "a"], dtype="string[pyarrow]"),
    "category": pd.Series(pd.Categorical(["b", None, "a", "b", "zz", "c"])),
    "category of ints": pd.Series(pd.Categorical([1, 2, None, 10, 1, 2])),
    "category of floats": pd.Series(pd.Categorical([0.1, -0.0, 1e16, None, 2.5, 1.0])),
    "category of times": pd.Series(
        pd.Categorical(
            pd.to_datetime(["2020-01-01", None, "2021-05-06"]).append(
                pd.DatetimeIndex(["2020-01-01"])
            )
        )
    ),
    "int64": pd.Series([1, 2, 10, 1, 3, 2]),
    "Int64": pd.Series([1, None, 10, 1, 3, 2], dtype="Int64"),
    "bool": pd.Series([True, False, True, True, False, False]),
    "boolean": pd.Series([True, None, False, True, None, False], dtype="boolean"),
    # the per-row path: values whose equality is not their text's
    "float": pd.Series([1.0, -0.0, 0.0, np.nan, 2.5, 1.0]),
    "object": pd.Series([1, 1.0, True, "a", None, "1", "zz"], dtype=object),
}
LEVELS = pd.Index(
    [
        "a",
        "b",
        "1",
        "2",
        "True",
        "0.0",
        "-0.0",
        "1.0",
        "1e+16",
        "2020-01-01 00:00:00",
        MISSING_LEVEL,
    ],
    dtype="str",
)


@pytest.mark.parametrize("name", list(CATEGORY_COLUMNS))
def test_level_codes_equal_the_per_row_lookup(name: str) -> None:
    column = CATEGORY_COLUMNS[name]
    expected = codes_by_row(column, LEVELS)
    assert (expected >= 0).any() and (expected < 0).any()  # found and unseen levels both occur
    np.testing.assert_array_equal(level_codes(column, LEVELS), expected)


def test_level_codes_without_a_missing_level_mark_missing_values_unseen() -> None:
    levels = pd.Index(["a", "b"], dtype="str")
    column = pd.Series(["b", None, "a"], dtype="str")
    np.testing.assert_array_equal(level_codes(column, levels), [1, -1, 0])


def test_level_codes_of_an_empty_column() -> None:
    assert level_codes(pd.Series([], dtype="str"), LEVELS).shape == (0,)
