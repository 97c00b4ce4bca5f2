"""A frame written as Parquet a row group at a time, categorical columns as plain text.

Categorical columns are held in memory as pandas ``category`` (a small code per value); a
published file keeps them as text, so that its schema does not depend on how the rows were
held and every Parquet reader sees strings. Converting one row group at a time bounds the
text a write materialises to that group, whatever the rows.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rebalance.core.columns import as_text

ROW_GROUP_ROWS = 1_000_000


def write_row_groups(
    frame: pd.DataFrame,
    path: Path,
    metadata: dict[bytes, bytes],
    rows_per_group: int = ROW_GROUP_ROWS,
) -> None:
    """Write ``frame`` to ``path`` in groups of ``rows_per_group`` rows, with ``metadata``
    added to the schema's (pandas') metadata."""
    first = _table(frame.iloc[:rows_per_group], metadata)
    with pq.ParquetWriter(path, first.schema) as writer:
        writer.write_table(first, row_group_size=rows_per_group)
        for start in range(rows_per_group, len(frame), rows_per_group):
            part = _table(frame.iloc[start : start + rows_per_group], metadata)
            writer.write_table(part.cast(first.schema), row_group_size=rows_per_group)


def _table(rows: pd.DataFrame, metadata: dict[bytes, bytes]) -> pa.Table:
    table = pa.Table.from_pandas(as_text(rows), preserve_index=False)
    return table.replace_schema_metadata({**(table.schema.metadata or {}), **metadata})
