from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from rebalance.core import publish
from rebalance.core.errors import PublishError
from rebalance.tasks.retry import is_transient


def splits(n: int = 4) -> dict[str, pd.DataFrame]:
    real = pd.DataFrame(
        {
            "x": [float(i) for i in range(n)],
            "k": ["a", "b"] * (n // 2),
            "y": ["p"] * (n - 1) + ["q"],
        }
    )
    synthetic = pd.DataFrame({"x": [9.5], "k": ["a"], "y": ["q"]})
    holdout = real.head(2)
    return {"train": publish.assemble_train(real, synthetic), "holdout": holdout}


META = {"method": "random", "seed": 0, "class_counts_before": {"p": 3, "q": 1}}


def test_published_version_layout_metadata_and_dtypes(tmp_path: Path) -> None:
    result = publish.publish_version(
        tmp_path, "ds", "v1", splits(), META, extra_files={"_profile.json": {"rows": 4}}
    )
    folder = Path(result.path)
    assert folder == tmp_path / "ds" / "versions" / "v1"
    assert publish.latest_version(tmp_path, "ds") == "v1"
    assert (folder / "_profile.json").is_file()
    train = publish.read_split(tmp_path, "ds", "train")
    assert list(train.columns) == ["x", "k", "y", "is_synthetic"]
    assert train["is_synthetic"].tolist() == [False] * 4 + [True]
    assert train["x"].dtype == "float64" and train["is_synthetic"].dtype == bool
    holdout = publish.read_split(tmp_path, "ds", "holdout")
    assert list(holdout.columns) == list(train.columns) and len(holdout) == 2
    assert not holdout["is_synthetic"].any()  # the holdout is real rows only
    schema = pq.read_schema(folder / "split=train" / "part-0.parquet")
    meta = json.loads(schema.metadata[publish.METADATA_KEY])
    assert meta["method"] == "random" and meta["split"] == "train"
    whole = pq.read_table(folder).to_pandas()  # hive partitions; side files are skipped
    assert sorted(whole["split"].astype(str).unique()) == ["holdout", "train"]
    assert result.row_counts == {"train": 5, "holdout": 2}


def test_republishing_the_same_version_reuses_it(tmp_path: Path) -> None:
    first = publish.publish_version(tmp_path, "ds", "v1", splits(), META)
    publish.publish_version(tmp_path, "ds", "v2", splits(6), META)
    again = publish.publish_version(tmp_path, "ds", "v1", splits(), META)
    assert not first.reused and again.reused
    assert sorted(p.name for p in (tmp_path / "ds" / "versions").iterdir()) == ["v1", "v2"]
    assert publish.latest_version(tmp_path, "ds") == "v1"


def test_interrupted_publish_leaves_the_previous_version_intact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    publish.publish_version(tmp_path, "ds", "v1", splits(), META)
    before = publish.read_split(tmp_path, "ds", "train")

    def crash(staging: Path, final: Path) -> None:
        assert (staging / publish.MANIFEST).is_file()  # everything was written ...
        raise KeyboardInterrupt  # ... and the process dies before the visible step

    monkeypatch.setattr(publish, "commit_rename", crash)
    with pytest.raises(KeyboardInterrupt):
        publish.publish_version(tmp_path, "ds", "v2", splits(8), META)
    assert publish.latest_version(tmp_path, "ds") == "v1"
    assert publish.find_version(tmp_path, "ds", "v2") is None
    assert not (tmp_path / "ds" / "versions" / "v2").exists()
    assert list((tmp_path / "ds" / ".staging").iterdir()) == []
    pd.testing.assert_frame_equal(publish.read_split(tmp_path, "ds", "train"), before)


def test_a_failed_write_publishes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(publish, "write_row_groups", disk_full)
    with pytest.raises(PublishError) as info:
        publish.publish_version(tmp_path, "ds", "v1", splits(), META)
    message = str(info.value)  # one line naming the folder, not a bare OSError
    assert f"output folder {tmp_path / 'ds'}:" in message and "no space left" in message
    assert "ENOSPC" in message and not is_transient(info.value)
    assert publish.latest_version(tmp_path, "ds") is None
    assert not (tmp_path / "ds" / "versions").exists()
    assert list((tmp_path / "ds" / ".staging").iterdir()) == []


def test_a_publish_sweeps_the_staging_leftovers_of_its_version_only(tmp_path: Path) -> None:
    staging = tmp_path / "ds" / ".staging"
    for name in ("v1-dead0001", "v1-dead0002", "v2-live0001"):  # runs killed mid-write
        (staging / name / "split=train").mkdir(parents=True)
    publish.publish_version(tmp_path, "ds", "v1", splits(), META)
    # v1 is in place: its leftovers are garbage now, not in 6 hours; v2's may be a live run
    assert sorted(p.name for p in staging.iterdir()) == ["v2-live0001"]


def test_a_writer_whose_staging_was_swept_reuses_the_published_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_write = publish._write_version

    def published_meanwhile(folder: Path, *args: object) -> dict[str, int]:
        monkeypatch.setattr(publish, "_write_version", real_write)
        publish.publish_version(tmp_path, "ds", "v1", splits(), META)  # another run wins ...
        raise FileNotFoundError(2, "No such file or directory")  # ... and swept our folder

    monkeypatch.setattr(publish, "_write_version", published_meanwhile)
    result = publish.publish_version(tmp_path, "ds", "v1", splits(), META)
    assert result.reused and publish.latest_version(tmp_path, "ds") == "v1"
    assert list((tmp_path / "ds" / ".staging").iterdir()) == []


@pytest.mark.parametrize("name", ["..", "../escape", "/abs/path", "a/b", "x/../../y", ""])
def test_dataset_names_that_escape_the_root_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(PublishError, match="output root"):
        publish.publish_version(tmp_path, name, "v1", splits(), META)
    assert list(tmp_path.iterdir()) == []


def test_side_files_must_be_hidden_from_parquet_readers(tmp_path: Path) -> None:
    with pytest.raises(PublishError, match=r"_name\.json"):
        publish.publish_version(tmp_path, "ds", "v1", splits(), META, extra_files={"p.json": {}})


def test_quarantine_file_is_written_whole(tmp_path: Path) -> None:
    rows = pd.DataFrame({"a": ["x", None], "_quarantine_reason": ["bad a", "bad b"]})
    path = publish.write_quarantine(tmp_path, "ds", "f" * 64, rows)
    back = pd.read_parquet(path)
    assert back["_quarantine_reason"].tolist() == ["bad a", "bad b"]
    assert back["a"].isna().tolist() == [False, True]
    assert [p.name for p in path.parent.iterdir()] == [path.name]


def test_the_version_folder_reads_as_one_table_with_is_synthetic_in_both_splits(
    tmp_path: Path,
) -> None:
    result = publish.publish_version(tmp_path, "ds", "v1", splits(), META)
    whole = pd.read_parquet(result.path)
    assert len(whole) == 5 + 2  # train (4 real + 1 synthetic) and holdout
    assert whole.groupby("split", observed=True)["is_synthetic"].sum().to_dict() == {
        "holdout": 0,
        "train": 1,
    }
    assert set(whole["is_synthetic"]) == {False, True} and whole["is_synthetic"].dtype == bool


def _strict(text: str) -> object:
    def refuse(token: str) -> object:
        raise ValueError(f"non-standard JSON constant {token}")

    return json.loads(text, parse_constant=refuse)


def test_nan_and_infinity_are_written_as_null_in_every_json(tmp_path: Path) -> None:
    import numpy as np

    meta = {**META, "score": float("nan"), "gain": np.float64("inf"), "n": np.int64(3)}
    side = {"_validation.json": {"f1": float("nan"), "rows": [np.float32(0.5), -np.inf]}}
    result = publish.publish_version(tmp_path, "ds", "v1", splits(), meta, extra_files=side)
    folder = Path(result.path)
    manifest = _strict((folder / publish.MANIFEST).read_text())
    assert isinstance(manifest, dict)
    assert manifest["score"] is None and manifest["gain"] is None and manifest["n"] == 3
    record = _strict((folder / "_validation.json").read_text())
    assert record == {"f1": None, "rows": [0.5, None]}
    for split in ("train", "holdout"):
        schema = pq.read_schema(folder / f"split={split}" / "part-0.parquet")
        blob = _strict(schema.metadata[publish.METADATA_KEY].decode())
        assert isinstance(blob, dict) and blob["score"] is None and blob["split"] == split
