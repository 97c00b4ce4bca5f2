"""Appending columns to a table without pandas' slow path for fragmented frames."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd


def with_columns(frame: pd.DataFrame, columns: Mapping[str, Any]) -> pd.DataFrame:
    """``frame`` with ``columns`` (arrays or scalars, by name) appended on the right; a name
    already in ``frame`` is replaced and moves to the end.

    Text columns are one pandas block each, so a wide table holds hundreds of blocks, and
    every ``assign`` or ``frame[name] = ...`` on it logs a PerformanceWarning and copies the
    block list. One concatenation adds them all at once.
    """
    kept = frame.drop(columns=[name for name in columns if name in frame.columns])
    added = pd.DataFrame(dict(columns), index=frame.index)
    return pd.concat([kept, added], axis=1)
