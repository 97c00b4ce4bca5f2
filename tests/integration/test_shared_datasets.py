"""The example specs on the real datasets in ../shared/data, through the real flow."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from rebalance.core import publish
from rebalance.core.config import RebalanceConfig, load_config
from rebalance.core.errors import GateError
from rebalance.flows.rebalance_flow import rebalance
from tests.support import EXAMPLE_SPECS, shared_file


def mechanics_config(name: str, root: Path) -> RebalanceConfig:
    """The example spec with the validation gate off: these tests check balancing itself."""
    config = load_config(EXAMPLE_SPECS / f"{name}.yaml")
    return config.model_copy(
        update={
            "validation": config.validation.model_copy(update={"enabled": False}),
            "output": config.output.model_copy(update={"root": str(root)}),
        }
    )


pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

CASES = {
    "adult": "adult-train.csv",
    "bank-marketing": "bank-marketing.csv",
    "mammography": "mammography.csv",
    "abalone": "abalone.csv",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_example_spec_publishes_balanced_data(name: str, tmp_path: Path) -> None:
    shared_file(CASES[name])
    config = mechanics_config(name, tmp_path)
    summary = rebalance(config)
    train = publish.read_split(tmp_path, name, "train")
    target = config.dataset.target
    counts = {str(k): int(v) for k, v in train[target].value_counts().items()}
    assert counts == summary.after
    planned = {label: n for label, n in summary.after.items() if label not in summary.excluded}
    assert len(set(planned.values())) == 1 or config.balance.sampling_strategy != "auto"
    for label in summary.excluded:
        assert counts[label] == summary.before[label]
    assert train["is_synthetic"].sum() == sum(summary.after.values()) - sum(summary.before.values())
    assert len(publish.read_split(tmp_path, name, "holdout")) > 0


def test_adult_missing_values_survive_as_missing(tmp_path: Path) -> None:
    shared_file("adult-train.csv")
    rebalance(mechanics_config("adult", tmp_path))
    train = publish.read_split(tmp_path, "adult", "train")
    real = train[~train["is_synthetic"]]
    assert real["workclass"].isna().mean() > 0.04  # '?' became missing, not a category
    assert "?" not in set(train["workclass"].dropna())


def test_abalone_one_row_classes_fail_under_the_fail_policy(tmp_path: Path) -> None:
    shared_file("abalone.csv")
    from rebalance.core.errors import PlanError

    config = load_config(EXAMPLE_SPECS / "abalone.yaml")
    strict = config.model_copy(
        update={
            "balance": config.balance.model_copy(update={"small_class_policy": "fail"}),
            "output": config.output.model_copy(update={"root": str(tmp_path)}),
        }
    )
    with pytest.raises(PlanError, match="class '1': 1 train row"):
        rebalance(strict)
    assert not (tmp_path / "abalone" / "versions").exists()


VALIDATED = {
    "adult": "adult-train.csv",
    "bank-marketing": "bank-marketing.csv",
    "mammography": "mammography.csv",
    "oil-spill": "oil-spill.csv",
    "german": "german.csv",
    "phoneme": "phoneme.csv",
    "abalone": "abalone.csv",
}


@pytest.mark.parametrize("name", sorted(VALIDATED))
def test_example_spec_through_the_gate_publishes_or_refuses_with_a_report(
    name: str, tmp_path: Path
) -> None:
    shared_file(VALIDATED[name])
    config = load_config(EXAMPLE_SPECS / f"{name}.yaml")
    config = config.model_copy(
        update={"output": config.output.model_copy(update={"root": str(tmp_path)})}
    )
    try:
        summary = rebalance(config)
    except GateError as refused:
        assert "failed the publishing gate, nothing published" in str(refused)
        assert refused.failures and all("needs" in f or "contract" in f for f in refused.failures)
        assert not (tmp_path / name / "versions").exists()
        folder = Path(str(refused.report))
    else:
        assert summary.gate == "publish" and summary.method == config.balance.method
        folder = Path(summary.path)
        schema = pq.read_schema(folder / "split=train" / "part-0.parquet")
        meta = json.loads(schema.metadata[b"rebalance"])["validation"]
        assert meta["decision"]["outcome"] == "publish"
        for metrics in meta["candidates"][summary.method]["metrics"].values():
            assert 0.0 <= metrics["ks_complement"] <= 1.0
    assert (folder / "_report.html").stat().st_size > 10_000
    record = json.loads((folder / "_validation.json").read_text())
    assert set(record["candidates"]) >= {"none", "random", "smote"}
