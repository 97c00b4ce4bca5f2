"""Text to numbers at Arrow's speed, by pandas' rules.

A CSV column arrives as Arrow-backed text. Arrow's cast parses a clean column in one native
pass and gives the same float64 values as ``pd.to_numeric``; it refuses a column with any
value it cannot parse, and only such a column takes pandas' slower path, which coerces that
value to NaN. A cheap pattern count tells a text column from a numeric one before any parse.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Everything pandas or Arrow reads as a number matches (and a little more, e.g. "nan"): an
# upper bound on the share of values that parse.
NUMBER_LIKE = r"(?i)^[\s\v]*[+-]?((\d+\.?\d*|\.\d+)(e[+-]?\d+)?|inf|infinity|nan)[\s\v]*$"
PROBE_ROWS = 1000  # an all-or-nothing test looks at this many values first


def arrow_text(column: pd.Series) -> pa.ChunkedArray | None:
    """The Arrow strings behind a pandas text column (no copy), or None for other dtypes."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        chunks: pa.ChunkedArray = column.array.__arrow_array__()
        return chunks
    return None


def parse_numbers(column: pd.Series) -> pd.Series:
    """The column as float64, NaN where a value is missing or does not parse."""
    text = arrow_text(column)
    if text is not None:
        try:
            parsed = pc.cast(text, pa.float64()).to_numpy()  # nulls become NaN
            return pd.Series(parsed, index=column.index, dtype="float64")
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # some value is not a number: pandas says which, as NaN
    return pd.to_numeric(column, errors="coerce").astype("float64")


def number_like_share(values: pd.Series) -> float:
    """At least the share of ``values`` (no missing ones) that parse as numbers."""
    if values.empty:
        return 0.0
    text = arrow_text(values)
    if text is None:
        return float(pd.to_numeric(values, errors="coerce").notna().mean())
    matches = pc.match_substring_regex(text, NUMBER_LIKE)
    return float(pc.sum(matches).as_py() or 0) / len(values)


def all_pass(values: pd.Series, check: Callable[[pd.Series], pd.Series]) -> bool:
    """Whether ``check`` holds for every value: the first values first, so that a column
    which fails early is not scanned whole."""
    if not bool(check(values.iloc[:PROBE_ROWS]).all()):
        return False
    return len(values) <= PROBE_ROWS or bool(check(values).all())
