"""Identifier-like columns: a text column whose every value (or nearly) is its own.

Such a column carries no pattern a sampler can learn: SMOTE and random oversampling copy a
real row's id into each synthetic row, and the GAN can only echo levels it saw. Every method
refuses it the same way, before any sampler runs: one line naming the column and how to leave
it out (``dataset.drop``).
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from rebalance.core.errors import InputError

# Distinct values over rows at or above this share make a categorical column an identifier.
IDENTIFIER_UNIQUE_SHARE = 0.95
# Below this many rows, distinct values are unremarkable (a small table has few repeats).
IDENTIFIER_MIN_ROWS = 20


def looks_like_identifier(column: pd.Series) -> bool:
    """Whether ``column`` (categorical) has a distinct value in nearly every row."""
    rows = len(column)
    return rows >= IDENTIFIER_MIN_ROWS and column.nunique(dropna=True) >= (
        IDENTIFIER_UNIQUE_SHARE * rows
    )


def identifier_problem(column: pd.Series) -> str:
    """The refusal's text: what was expected, what was found, and what to do."""
    distinct, rows = column.nunique(dropna=True), len(column)
    return (
        f"expected a categorical column with repeated values, found {distinct} distinct values "
        f"in {rows} rows (at least {IDENTIFIER_UNIQUE_SHARE:.0%} distinct: an identifier?); "
        "synthetic rows would copy real ids: list it under dataset.drop (or drop it from the "
        "DataFrame)"
    )


def check_no_identifiers(
    frame: pd.DataFrame, types: Mapping[str, str], target: str, path: str
) -> None:
    """Refuse identifier-like categorical feature columns, naming the first (and the rest)."""
    found = [
        name
        for name, kind in types.items()
        if name != target
        and kind == "categorical"
        and name in frame.columns
        and looks_like_identifier(frame[name])
    ]
    if found:
        first, others = found[0], found[1:]
        more = f" (so are {others})" if others else ""
        raise InputError(path, identifier_problem(frame[first]) + more, column=first)
