"""Columns appended to wide tables without pandas' fragmentation warning."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from rebalance.core.frames import with_columns


def _wide_text_table(columns: int = 300) -> pd.DataFrame:
    return pd.DataFrame({f"c{i}": pd.array(["a", "b", "c"], dtype="str") for i in range(columns)})


def test_appends_on_the_right_without_a_performance_warning() -> None:
    frame = _wide_text_table()
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        out = with_columns(frame, {"flag": False, "n": np.arange(3)})
    assert list(out.columns[-2:]) == ["flag", "n"]
    assert out["flag"].dtype == bool and out["flag"].tolist() == [False] * 3
    assert out["n"].tolist() == [0, 1, 2]
    pd.testing.assert_frame_equal(out.iloc[:, :-2], frame)


def test_a_name_already_there_is_replaced_and_moves_last() -> None:
    frame = pd.DataFrame({"a": [1, 2], "b": [3, 4]}, index=[7, 9])
    out = with_columns(frame, {"a": [5, 6]})
    assert list(out.columns) == ["b", "a"]
    assert out.loc[9, "a"] == 6 and list(out.index) == [7, 9]


def test_scalars_broadcast_on_an_empty_table() -> None:
    out = with_columns(_wide_text_table(3).iloc[:0], {"flag": True})
    assert len(out) == 0 and out["flag"].dtype == bool
