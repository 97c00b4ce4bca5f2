"""A synthetic_only release through the real flow: synthetic rows alone, no holdout split,
privacy gating, the holdout scored TSTR once and kept as aggregate numbers only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from threadpoolctl import threadpool_limits

from rebalance.core import publish
from rebalance.core.classifier import train_on_version
from rebalance.core.errors import PublishError
from rebalance.core.validation.privacy import row_keys
from rebalance.flows.rebalance_flow import rebalance
from tests.support import make_config, mixed_frame, write_csv

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("prefect_harness")]

# SMOTE interpolates between neighbouring train rows, so on this 4-column toy its rows sit
# closer to train rows than unseen real rows do (closer_than_holdout_share about 0.3): those two
# distance marks are relaxed here, where the subject is what a synthetic-only version holds.
# Exact copies keep their default mark.
SMOTE_DISTANCES = {"min_dcr_ratio": 0.0, "max_closer_than_holdout_share": 1.0}
PRIVACY = ("exact_copy_share", "dcr_ratio", "closer_than_holdout_share")


@pytest.fixture(autouse=True)
def one_openmp_thread() -> Iterator[None]:
    with threadpool_limits(limits=1):
        yield


def test_a_synthetic_only_version_carries_no_real_row(tmp_path: Path) -> None:
    real = mixed_frame(n_major=400, n_minor=100, seed=5)
    data = write_csv(tmp_path / "toy.csv", real)
    out = tmp_path / "out"
    validation = {
        "release": "synthetic_only",
        "thresholds": {**SMOTE_DISTANCES, "max_tstr_f1_loss": 0.2},
    }
    config = make_config(data, out, balance={"method": "smote"}, validation=validation)
    summary = rebalance(config)
    assert (summary.method, summary.gate, summary.release) == ("smote", "publish", "synthetic_only")
    assert summary.after == {"no": 320, "yes": 320}  # the augmented release's balanced counts

    folder = Path(summary.path)
    assert sorted(p.name for p in folder.glob("split=*")) == ["split=train"]
    train = publish.read_split(out, "toy", "train")
    assert train["is_synthetic"].all()
    assert train["label"].value_counts().to_dict() == summary.after
    features = [c for c in real.columns if c != "label"]
    published_keys = set(row_keys(train[features].astype(object)))
    real_keys = set(row_keys(pd.read_csv(data)[features].astype(object)))
    assert not published_keys & real_keys  # no real row, of any split, is published
    with pytest.raises(PublishError, match="found splits \\['train'\\] \\(synthetic_only release"):
        publish.read_split(out, "toy", "holdout")

    manifest = publish.read_manifest(folder)
    assert manifest["release"] == "synthetic_only" and set(manifest["row_counts"]) == {"train"}
    meta = json.loads(
        pq.read_schema(folder / "split=train" / "part-0.parquet").metadata[b"rebalance"]
    )
    assert meta["release"] == "synthetic_only"

    record = json.loads((folder / "_validation.json").read_text())
    assert record["release"] == "synthetic_only"
    smote_checks = record["candidates"]["smote"]["checks"]
    privacy = [c for c in smote_checks if c["name"].split("[")[0] in PRIVACY]
    assert len(privacy) == 6 and all(c["gating"] for c in privacy)  # 3 metrics x 2 classes
    assert [c["name"] for c in smote_checks if c["group"] == "utility"] == ["tstr_minority_f1_loss"]
    holdout = record["holdout"]
    assert holdout["release"] == "synthetic_only" and holdout["method"] == "smote"
    assert holdout["published"]["train_rows"] == 640  # trained on the synthetic rows alone
    random_line = record["decision"]["lines"]["random"]
    assert (
        "exact_copy_share" in random_line and "gating for a synthetic_only release" in random_line
    )
    assert "TSTR minority F1" in summary.decision and "real-only" in summary.decision

    again = rebalance(config)  # the same content: the summary is read back from the manifest
    assert (again.reused, again.release, again.after) == (True, "synthetic_only", summary.after)

    # The classifier stage trains on the synthetic rows and has no real rows to score.
    trained = train_on_version(out, "toy", folder.name)
    metrics = trained.metrics
    assert metrics["at_default_threshold"] is None and metrics["holdout_rows"] == 0
    assert metrics["train_rows"] == metrics["synthetic_train_rows"] == 640
    assert metrics["run_holdout"] == holdout
    assert "synthetic rows only" in metrics["trained_on"]["reason"]
