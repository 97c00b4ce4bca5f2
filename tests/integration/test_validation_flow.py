"""The validation stage inside the real flow: refusal, fallback, metadata, report, rerun."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from rebalance.core import publish
from rebalance.core.classifier import train_on_version
from rebalance.core.errors import GateError
from rebalance.core.samplers import registry
from rebalance.flows.rebalance_flow import rebalance
from tests.planted import NoiseOversampler
from tests.support import make_config, mixed_frame, write_csv

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

LENIENT_PRIVACY = {
    "max_exact_copy_share": 1.0,
    "min_dcr_ratio": 0.0,
    "max_closer_than_holdout_share": 1.0,
    "min_utility_gain": -1.0,
    "min_gain_probability": 0.0,  # these tests are about the policies, not a toy table's gain
}


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return write_csv(tmp_path / "toy.csv", mixed_frame(n_major=400, n_minor=100, seed=5))


@pytest.fixture
def planted_noise_gan(monkeypatch: pytest.MonkeyPatch) -> None:
    """``method: gan`` runs a generator of noise."""
    monkeypatch.setitem(registry._REGISTERED, "gan", NoiseOversampler)


@pytest.mark.usefixtures("planted_noise_gan")
def test_fail_policy_refuses_a_noise_generator_and_publishes_nothing(
    data: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    config = make_config(data, out, balance={"method": "gan"}, validation={})
    with pytest.raises(GateError) as refused:
        rebalance(config)
    message = str(refused.value)
    assert "failed the publishing gate, nothing published" in message
    assert "detection_auc[yes] = " in message and "needs <= 0.98 (off by" in message
    assert not (out / "toy" / "versions").exists() and not (out / "toy" / "latest").exists()
    (refusal,) = (out / "toy" / "refused").iterdir()
    record = json.loads((refusal / "_validation.json").read_text())
    assert record["decision"]["outcome"] == "refuse"
    assert "<img" in (refusal / "_report.html").read_text()

    with pytest.raises(GateError, match="already refused for this input and config"):
        rebalance(config)  # same input and config: no second training


@pytest.mark.usefixtures("planted_noise_gan")
def test_fallback_policy_publishes_the_first_fallback_that_passes(
    data: Path, tmp_path: Path
) -> None:
    config = make_config(
        data,
        tmp_path / "out",
        balance={"method": "gan"},
        validation={
            "on_failure": "fallback",
            "fallback_methods": ["random"],
            "thresholds": LENIENT_PRIVACY,
        },
    )
    summary = rebalance(config)
    assert (summary.method, summary.gate) == ("random", "publish")
    train = publish.read_split(tmp_path / "out", "toy", "train")
    assert train["is_synthetic"].sum() == summary.after["yes"] - summary.before["yes"]
    meta = json.loads(
        pq.read_schema(Path(summary.path) / "split=train" / "part-0.parquet").metadata[b"rebalance"]
    )
    assert meta["method"] == "random" and meta["configured_method"] == "gan"
    decision = meta["validation"]["decision"]
    assert decision["outcome"] == "publish" and "fell back to random" in decision["reason"]
    assert any("detection_auc[yes]" in failure for failure in decision["failures"])
    gan_metrics = meta["validation"]["candidates"]["gan"]["metrics"]["yes"]
    assert gan_metrics["detection_auc"] > 0.98 and gan_metrics["ks_complement"] < 0.5

    # The classifier stage recovers the run's selection rows from the published real rows.
    trained = train_on_version(tmp_path / "out", "toy", Path(summary.path).name)
    record = json.loads((Path(summary.path) / "_validation.json").read_text())
    assert trained.metrics["trained_on"]["selection_rows"] == record["selection"]["selection_rows"]
    assert trained.metrics["trained_on"]["selection_f1"] is not None


def test_publish_real_only_keeps_the_real_rows(data: Path, tmp_path: Path) -> None:
    config = make_config(
        data,
        tmp_path / "out",
        balance={"method": "random"},
        validation={"on_failure": "publish_real_only"},  # random fails privacy by design
    )
    summary = rebalance(config)
    assert (summary.method, summary.gate) == ("none", "publish_real_only")
    assert summary.after == summary.before
    train = publish.read_split(tmp_path / "out", "toy", "train")
    assert not train["is_synthetic"].any()
    assert (Path(summary.path) / "_report.html").is_file()
