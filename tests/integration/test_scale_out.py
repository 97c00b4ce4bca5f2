"""Candidates side by side, many specs in one command, and a real Dask cluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from rebalance.cli.main import main
from rebalance.core import publish
from rebalance.core.config import RebalanceConfig
from rebalance.core.errors import SpecError
from rebalance.flows.rebalance_flow import run_rebalance
from tests.support import make_config, mixed_frame, write_csv

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

QUICK_GAN = {"epochs": 2, "eval_every": 1, "batch_size": 60, "rejection": False}
AUTO = {"method": "auto", "seed": 0, "method_params": {"gan": QUICK_GAN}}


def auto_config(data: Path, root: Path, **runtime: Any) -> RebalanceConfig:
    validation = {"enabled": True, "on_failure": "publish_real_only"}
    return make_config(data, root, balance=AUTO, validation=validation, runtime=runtime)


def published(root: Path, dataset: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The published train split and the validation record without its timings."""
    version = publish.find_version(root, dataset, str(publish.latest_version(root, dataset)))
    assert version is not None
    record = json.loads((version / "_validation.json").read_text(encoding="utf-8"))
    record.pop("seconds_per_stage", None)
    for candidate in record.get("candidates", {}).values():
        candidate.pop("seconds", None)
    return publish.read_split(root, dataset, "train"), record


def test_candidates_side_by_side_publish_what_one_at_a_time_publishes(
    toy_csv: Path, tmp_path: Path
) -> None:
    side_by_side = run_rebalance(auto_config(toy_csv, tmp_path / "a", max_workers=4))
    one_by_one = run_rebalance(auto_config(toy_csv, tmp_path / "b", max_workers=1))
    assert side_by_side.version == one_by_one.version
    rows_a, record_a = published(tmp_path / "a", "toy")
    rows_b, record_b = published(tmp_path / "b", "toy")
    pd.testing.assert_frame_equal(rows_a, rows_b)
    assert record_a == record_b
    assert {"fit:gan", "validate:gan", "candidates"} <= set(side_by_side.seconds)


def test_dask_runtime_without_prefect_dask_names_the_extra(
    toy_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "prefect_dask", None)  # as if not installed
    config = auto_config(toy_csv, tmp_path, task_runner="dask")
    with pytest.raises(SpecError, match=r"rebalance-tabular\[dask\]"):
        run_rebalance(config)


def test_an_address_without_dask_is_refused(toy_csv: Path, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="expected task_runner 'dask'"):
        auto_config(toy_csv, tmp_path, address="tcp://127.0.0.1:8786")


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[str]:
    """A real two-process Dask cluster, as `dask scheduler` and two `dask worker`s would be."""
    distributed = pytest.importorskip("distributed", reason="prefect-dask is not installed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def write_spec(folder: Path, name: str, data: Path, **balance: Any) -> Path:
    spec = {
        "dataset": {"name": name, "path": str(data), "target": "label"},
        "balance": {"method": "smote", "seed": 0, **balance},
        "validation": {"enabled": False},
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    return path


def test_two_specs_and_a_broken_one_through_a_dask_cluster(
    dask_cluster: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = write_spec(tmp_path, "first", write_csv(tmp_path / "a.csv", mixed_frame(seed=1)))
    second = write_spec(tmp_path, "second", write_csv(tmp_path / "b.csv", mixed_frame(seed=2)))
    broken = write_spec(tmp_path, "broken", tmp_path / "missing.csv")
    out = tmp_path / "out"
    argv = ["run", str(first), str(broken), str(second), "--output", str(out)]
    assert main([*argv, "--task-runner", dask_cluster]) == 2  # one failed: exit 2
    captured = capsys.readouterr()
    assert "2 of 3 spec(s) published" in captured.out
    assert "broken" in captured.err and "missing.csv" in captured.err
    for name in ("first", "second"):
        assert publish.read_split(out, name, "train")["label"].value_counts().nunique() == 1


def test_auto_through_a_dask_cluster_publishes_what_threads_publish(
    dask_cluster: str, toy_csv: Path, tmp_path: Path
) -> None:
    on_dask = run_rebalance(auto_config(toy_csv, tmp_path / "d", address=dask_cluster,
                                        task_runner="dask"))  # fmt: skip
    on_threads = run_rebalance(auto_config(toy_csv, tmp_path / "t"))
    assert on_dask.version == on_threads.version
    rows_d, record_d = published(tmp_path / "d", "toy")
    rows_t, record_t = published(tmp_path / "t", "toy")
    pd.testing.assert_frame_equal(rows_d, rows_t)
    assert record_d == record_t
