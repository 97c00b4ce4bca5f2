"""Arrow-speed number parsing gives pandas' answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rebalance.core.parsing import all_pass, number_like_share, parse_numbers

TOKENS = ["1", "-2.5", "1e400", "+5", ".5", "5.", "1E+05", "inf", "-Infinity", "NaN", None]
BAD = ["x", " 3", "1_000", "0x10", "1d5", "", "3,5"]


@pytest.mark.parametrize("values", [TOKENS, TOKENS + BAD, BAD])
def test_numbers_parse_as_pandas_parses_them(values: list[str | None]) -> None:
    column = pd.Series(values * 3, dtype="str")
    expected = pd.to_numeric(column, errors="coerce").astype("float64")
    pd.testing.assert_series_equal(parse_numbers(column), expected)


def test_non_text_columns_are_parsed_by_pandas() -> None:
    column = pd.Series([1, 2, None], dtype="Int64")
    np.testing.assert_array_equal(parse_numbers(column).to_numpy(), [1.0, 2.0, np.nan])


def test_the_number_like_share_bounds_the_parsed_share_from_above() -> None:
    values = pd.Series((TOKENS[:-1] + BAD) * 5, dtype="str")
    parsed = pd.to_numeric(values, errors="coerce").notna().mean()
    share = number_like_share(values)
    assert parsed <= share < 1.0
    assert number_like_share(pd.Series(["red", "blue"], dtype="str")) == 0.0


def test_all_pass_looks_at_every_value_past_the_probe() -> None:
    values = pd.Series(["true"] * 5000 + ["maybe"], dtype="str")
    is_true = lambda part: part.str.lower().isin({"true", "false"})  # noqa: E731
    assert not all_pass(values, is_true)
    assert all_pass(values.iloc[:5000], is_true)
    assert not all_pass(pd.Series(["maybe"] + ["true"] * 5000, dtype="str"), is_true)
