"""The example specs on the real datasets in ../shared/data, through the real flow."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.rebalance_flow import rebalance
from rebalance import publish
from rebalance.config import load_config
from tests.conftest import EXAMPLE_SPECS, shared_file

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
    config = load_config(EXAMPLE_SPECS / f"{name}.yaml")
    config = config.model_copy(
        update={"output": config.output.model_copy(update={"root": str(tmp_path)})}
    )
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
    config = load_config(EXAMPLE_SPECS / "adult.yaml")
    config = config.model_copy(
        update={"output": config.output.model_copy(update={"root": str(tmp_path)})}
    )
    rebalance(config)
    train = publish.read_split(tmp_path, "adult", "train")
    real = train[~train["is_synthetic"]]
    assert real["workclass"].isna().mean() > 0.04  # '?' became missing, not a category
    assert "?" not in set(train["workclass"].dropna())


def test_abalone_one_row_classes_fail_under_the_fail_policy(tmp_path: Path) -> None:
    shared_file("abalone.csv")
    from rebalance.errors import PlanError

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
