"""Real runs of the ``rebalance`` flow under one Prefect test harness."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from rebalance.core import publish
from rebalance.core.amounts import measure_f1_amount
from rebalance.core.errors import ContractError, InputError, QuarantineError
from rebalance.core.split import selection_split
from rebalance.flows.rebalance_flow import rebalance
from tests.support import make_config, mixed_frame, record_f1_measurements, write_csv

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]


def test_flow_publishes_a_balanced_dataset_and_reuses_it(toy_csv: Path, tmp_path: Path) -> None:
    config = make_config(toy_csv, tmp_path / "out")
    summary = rebalance(config)
    assert not summary.reused
    assert summary.before == {"no": 96, "yes": 24} and summary.after == {"no": 96, "yes": 96}
    train = publish.read_split(tmp_path / "out", "toy", "train")
    holdout = publish.read_split(tmp_path / "out", "toy", "holdout")
    assert train["label"].value_counts().to_dict() == {"no": 96, "yes": 96}
    assert train["is_synthetic"].sum() == 72
    assert not holdout.empty and holdout["label"].value_counts().to_dict() == {"no": 24, "yes": 6}
    source = mixed_frame()
    assert list(train.columns) == [*source.columns, "is_synthetic"]
    manifest = publish.read_manifest(summary.path)
    assert manifest["input_fingerprint"] and manifest["class_counts_after"] == summary.after
    assert manifest["library_versions"]["prefect"]
    assert manifest["sampler_rows"] == {"fitted": 120, "given": 120}  # smote: every train row
    assert (Path(summary.path) / "_profile.json").is_file()

    again = rebalance(config)
    assert again.reused and again.version == summary.version
    assert len(list((tmp_path / "out" / "toy" / "versions").iterdir())) == 1

    reseeded = rebalance(config.with_overrides(seed=1))
    assert reseeded.version != summary.version
    assert publish.latest_version(tmp_path / "out", "toy") == reseeded.version


def test_sampling_strategy_f1_publishes_the_amount_measured_on_the_fit_rows(
    toy_csv: Path, tmp_path: Path
) -> None:
    config = make_config(toy_csv, tmp_path / "out").with_overrides(sampling_strategy="f1")
    summary = rebalance(config)
    train = publish.read_split(tmp_path / "out", "toy", "train")
    real = train[~train["is_synthetic"]].drop(columns="is_synthetic")
    types = publish.read_manifest(summary.path)["column_types"]
    amount = measure_f1_amount(real, "label", "yes", types, config.validation.classifier, 0)
    wanted = amount.target(24, 96)
    assert 24 < wanted < 96  # neither left alone nor full balance on this table
    assert summary.after == {"no": 96, "yes": wanted}
    assert train["label"].value_counts().to_dict() == summary.after
    assert summary.seconds["plan"] > 0  # the measurement is timed as its own stage
    assert (
        "sampling_strategy f1: out-of-fold minority F1"
        in publish.read_manifest(summary.path)["sampling_amount"]
    )


def test_sampling_strategy_f1_with_the_gate_is_measured_without_the_selection_rows(
    toy_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    measured = record_f1_measurements(monkeypatch)
    config = make_config(
        toy_csv, tmp_path / "out", balance={"method": "random", "sampling_strategy": "f1"},
        validation={"on_failure": "publish_real_only"},
    )  # fmt: skip
    summary = rebalance(config)
    train = publish.read_split(tmp_path / "out", "toy", "train")
    fit, selection = selection_split(train[~train["is_synthetic"]], "label", 0.25, 0)
    assert measured == [len(fit)] and len(selection) > 0  # never the selection rows
    assert f"on {len(fit)} real rows" in publish.read_manifest(summary.path)["sampling_amount"]


def test_bad_input_fails_the_flow_and_publishes_nothing(tmp_path: Path) -> None:
    one_class = mixed_frame().assign(label="no")
    path = write_csv(tmp_path / "one.csv", one_class)
    with pytest.raises(ContractError, match="at least 2 classes"):
        rebalance(make_config(path, tmp_path / "out"))
    missing_target = write_csv(tmp_path / "nt.csv", mixed_frame().drop(columns="label"))
    with pytest.raises(InputError, match="expected target column 'label'"):
        rebalance(make_config(missing_target, tmp_path / "out"))
    assert not (tmp_path / "out" / "toy" / "versions").exists()


def test_quarantine_is_written_and_enforced(tmp_path: Path) -> None:
    frame = mixed_frame().astype({"income": object})
    frame.loc[:9, "income"] = "n/a-ish"  # 10 of 150 rows unparseable (6.7%)
    path = write_csv(tmp_path / "dirty.csv", frame)
    declared = {"columns": {"income": "continuous"}}
    with pytest.raises(QuarantineError, match="found 10 of 150"):
        rebalance(make_config(path, tmp_path / "out", dataset=declared))
    quarantine = list((tmp_path / "out" / "toy" / "quarantine").glob("*.parquet"))
    assert len(quarantine) == 1
    rows = pd.read_parquet(quarantine[0])
    assert len(rows) == 10 and rows["_quarantine_reason"].str.contains("unparseable number").all()
    assert not (tmp_path / "out" / "toy" / "versions").exists()

    tolerant = make_config(
        path, tmp_path / "out", dataset=declared, contract={"max_quarantine_share": 0.1}
    )
    summary = rebalance(tolerant)
    assert summary.quarantined_rows == 10
    assert sum(summary.before.values()) == 112  # 140 clean rows, 80% in train


def test_reading_is_retried_on_transient_faults_only(
    toy_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rebalance.core import sources

    real_open = sources.fsspec.open
    calls: list[str] = []
    faults = [ConnectionError("connection reset while reading")]  # fails once, then works

    def flaky(path: str, *args: object, **kwargs: object) -> object:
        calls.append(path)
        if faults:
            raise faults.pop()
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(sources.fsspec, "open", flaky)
    summary = rebalance(make_config(toy_csv, tmp_path / "out"))
    assert len(calls) == 2 and not summary.reused

    calls.clear()
    with pytest.raises(InputError, match="found nothing at this path"):
        rebalance(make_config(tmp_path / "missing.csv", tmp_path / "out"))
    assert len(calls) == 1  # a missing file is not retried
