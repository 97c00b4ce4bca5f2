from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from rebalance.core.columns import as_text
from rebalance.core.row_groups import write_row_groups


def _frame(rows: int) -> pd.DataFrame:
    colours = pd.Series(["red", "blue", None] * rows, dtype="str")[:rows]
    return pd.DataFrame(
        {
            "colour": colours.astype("category"),
            "label": pd.Series(["p", "q"] * rows, dtype="str")[:rows],
            "count": pd.array(np.arange(rows), dtype="Int64"),
            "share": np.linspace(0.0, 1.0, rows),
        }
    )


def test_rows_are_written_in_groups_with_categories_as_text(tmp_path: Path) -> None:
    frame, path = _frame(7), tmp_path / "part.parquet"
    write_row_groups(frame, path, {b"key": b"value"}, rows_per_group=3)
    parquet = pq.ParquetFile(path)
    assert [parquet.metadata.row_group(i).num_rows for i in range(3)] == [3, 3, 1]
    assert parquet.schema_arrow.metadata[b"key"] == b"value"
    back = parquet.read().to_pandas()
    assert isinstance(back["colour"].dtype, pd.StringDtype)
    assert str(back["count"].dtype) == "Int64"
    pd.testing.assert_frame_equal(back, as_text(frame))


def test_a_file_of_one_group_is_the_file_a_single_write_makes(tmp_path: Path) -> None:
    frame = as_text(_frame(5))
    grouped, single = tmp_path / "grouped.parquet", tmp_path / "single.parquet"
    write_row_groups(frame, grouped, {})
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), single)
    assert pq.read_schema(grouped) == pq.read_schema(single)
    pd.testing.assert_frame_equal(pq.read_table(grouped).to_pandas(), frame)


def test_an_empty_frame_writes_its_columns(tmp_path: Path) -> None:
    path = tmp_path / "empty.parquet"
    write_row_groups(_frame(4).iloc[:0], path, {})
    back = pq.read_table(path).to_pandas()
    assert list(back.columns) == ["colour", "label", "count", "share"] and back.empty
