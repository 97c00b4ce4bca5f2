"""``method: gan`` through the real flow, on the example specs and the shared datasets."""

from __future__ import annotations

from pathlib import Path

import pytest

from rebalance.core import publish
from rebalance.core.columns import type_table
from rebalance.core.config import RebalanceConfig, load_config
from rebalance.core.ingest import read_raw
from rebalance.data_contracts.input_contract import validate_input
from rebalance.flows.rebalance_flow import rebalance
from rebalance.gan.config import GanConfig
from rebalance.gan.model import ConditionalTabularGAN
from tests.support import EXAMPLE_SPECS, make_config, shared_file

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

QUICK = {"epochs": 2, "eval_every": 1}
SPECS = {
    "adult": "adult-train.csv",
    "bank-marketing": "bank-marketing.csv",
    "mammography": "mammography.csv",
    "abalone": "abalone.csv",
    "oil-spill": "oil-spill.csv",
    "phoneme": "phoneme.csv",
    "german": "german.csv",
}


def gan_config(name: str, root: Path) -> RebalanceConfig:
    config = load_config(EXAMPLE_SPECS / f"{name}.yaml").with_overrides(method="gan", params=QUICK)
    return config.model_copy(
        update={
            "validation": config.validation.model_copy(update={"enabled": False}),
            "output": config.output.model_copy(update={"root": str(root)}),
        }
    )


def test_gan_method_on_a_small_table(toy_csv: Path, tmp_path: Path) -> None:
    summary = rebalance(make_config(toy_csv, tmp_path, balance={"method": "gan", "params": QUICK}))
    train = publish.read_split(tmp_path, "toy", "train")
    assert summary.after == {"no": 96, "yes": 96}
    synthetic = train[train["is_synthetic"]]
    assert len(synthetic) == 72 and (synthetic["label"] == "yes").all()


@pytest.mark.parametrize("name", sorted(SPECS))
def test_gan_method_on_every_example_spec(name: str, tmp_path: Path) -> None:
    shared_file(SPECS[name])
    config = gan_config(name, tmp_path)
    summary = rebalance(config)
    train = publish.read_split(tmp_path, name, "train")
    target = config.dataset.target
    counts = {str(k): int(v) for k, v in train[target].value_counts().items()}
    assert counts == summary.after
    synthetic = train[train["is_synthetic"]]
    generated = {str(k): int(v) for k, v in synthetic[target].value_counts().items()}
    planned = {k: summary.after[k] - summary.before[k] for k in summary.after}
    assert generated == {k: v for k, v in planned.items() if v}  # exactly the asked classes


def test_tiny_gan_fit_on_adult_passes_the_input_schema(tmp_path: Path) -> None:
    shared_file("adult-train.csv")
    config = load_config(EXAMPLE_SPECS / "adult.yaml")
    table = type_table(read_raw(config.dataset), config.dataset)
    # the schema is the decoder's: no rejection filter (tested on its own), which at 3 epochs
    # fits trees on 32k rows and draws ~20 candidates per row
    gan = GanConfig(epochs=3, rejection=False)
    model = ConditionalTabularGAN(gan).fit(table.frame, "income", table.types)
    rows = model.sample(">50K", 3000)
    # the same dtypes by name: a ``category`` column's categories are the levels the GAN
    # learned (the pipeline's sampler casts them to the table's categories)
    assert rows.dtypes.astype(str).to_dict() == table.frame.dtypes.astype(str).to_dict()
    assert (rows["income"] == ">50K").all()
    results = validate_input(
        rows.assign(income=[">50K", "<=50K"] * 1500), config.dataset, table.types
    )
    assert all(r.success for r in results)  # declared types, domains, finite numbers
    for column in ("workclass", "occupation"):  # gaps reproduced, not refused (5.6% real)
        assert 0 < rows[column].isna().mean() < 0.3
