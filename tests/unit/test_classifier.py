"""The downstream classifier: a pipeline that takes published rows as pandas reads them, its
tuned threshold, the logged holdout scores, the classifier named in the manifest."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from threadpoolctl import threadpool_limits

from rebalance.core.balance import fit_oversampler, generate_synthetic
from rebalance.core.classifier import METRICS_FILE, MODEL_FILE, load_model, train_on_version
from rebalance.core.config import ClassifierConfig
from rebalance.core.errors import InputError, PublishError
from rebalance.core.lineage import run_metadata
from rebalance.core.plan import make_plan
from rebalance.core.profile import class_counts
from rebalance.core.publish import assemble_train, publish_version
from rebalance.core.split import stratified_split
from tests.support import MIXED_TYPES, make_config, mixed_frame

TYPES = {**MIXED_TYPES, "seen": "datetime", "member": "boolean"}
MODELS = {
    "hist_gradient_boosting": HistGradientBoostingClassifier,
    "random_forest": RandomForestClassifier,
    "logistic_regression": LogisticRegression,
}


@pytest.fixture(autouse=True)
def one_thread() -> Iterator[None]:
    # OpenMP threads of HistGradientBoosting crawl on a busy machine; one is plenty here.
    with threadpool_limits(limits=1):
        yield


def toy_frame(n_major: int = 400, n_minor: int = 80, seed: int = 5) -> pd.DataFrame:
    """mixed_frame plus a datetime and a boolean column; every feature has gaps."""
    frame = mixed_frame(n_major, n_minor, seed=seed)
    rng = np.random.default_rng(seed)
    n = len(frame)
    days = pd.to_timedelta(rng.integers(0, 900, n), unit="D")
    frame["seen"] = (pd.Timestamp("2020-01-01") + days).where(rng.random(n) >= 0.1)
    member = pd.array(rng.random(n) < 0.5, dtype="boolean")
    member[rng.random(n) < 0.1] = pd.NA
    frame["member"] = member
    age = frame["age"].astype("Int64")
    age[rng.random(n) < 0.1] = pd.NA
    frame["age"] = age
    return frame


def publish_toy(
    out: Path,
    train: pd.DataFrame,
    holdout: pd.DataFrame,
    classifier: dict[str, Any] | None = None,
    version: str = "v1",
) -> Path:
    """Publish real train rows + SMOTE rows and ``holdout`` as the rebalance flow would."""
    validation: dict[str, Any] = {"enabled": False}
    if classifier is not None:
        validation["classifier"] = classifier
    config = make_config(out / "toy.csv", out, validation=validation)
    plan = make_plan(class_counts(train["label"]), config.balance)
    sampler = fit_oversampler(train, "label", TYPES, "smote", seed=0)
    metadata = run_metadata(
        config,
        version=version,
        input_fingerprint="test",
        plan=plan,
        holdout_counts=class_counts(holdout["label"]),
        column_types=TYPES,
        run_id=None,
        method="smote",
    )
    splits = {
        "train": assemble_train(train, generate_synthetic(sampler, plan)),
        "holdout": holdout,
    }
    return Path(publish_version(out, "toy", version, splits, metadata).path)


def split_toy(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    return stratified_split(frame, "label", 0.3, seed=0)


REPRODUCE = """
import json, sys
import pandas as pd
from sklearn.metrics import f1_score
from rebalance.core.classifier import load_model

folder, version, minority = sys.argv[1:4]
model = load_model(folder)
holdout = pd.read_parquet(version + "/split=holdout")
truth, rows = holdout["label"].astype(str), holdout.drop(columns=["label"])
found = {
    "tuned": model.predict(rows),
    "default": model.pipeline.predict(rows),  # the bare sklearn pipeline: most probable class
}
print(json.dumps({k: f1_score(truth, v, pos_label=minority) for k, v in found.items()}))
"""


def test_saved_model_reproduces_the_logged_holdout_f1_in_a_fresh_process(tmp_path: Path) -> None:
    version = publish_toy(tmp_path / "out", *split_toy(toy_frame()))
    result = train_on_version(tmp_path / "out", "toy", "v1")
    metrics = json.loads((Path(result.folder) / METRICS_FILE).read_text())
    assert metrics["threshold"] is not None and 0 < metrics["threshold"] < 1
    tuned, default = metrics["at_tuned_threshold"]["f1"], metrics["at_default_threshold"]["f1"]
    assert tuned != default  # else this test could not tell whether the threshold is applied
    done = subprocess.run(
        [sys.executable, "-c", REPRODUCE, result.folder, str(version), "yes"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "OMP_NUM_THREADS": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert abs(found["tuned"] - tuned) <= 1e-9 and abs(found["tuned"] - metrics["f1"]) <= 1e-9
    assert abs(found["default"] - default) <= 1e-9
    assert metrics["holdout_rows"] == 144 and metrics["minority_classes"] == ["yes"]
    assert metrics["synthetic_train_rows"] == 224 and metrics["train_rows"] == 560


@pytest.mark.parametrize("name", sorted(MODELS))
def test_mixed_types_gaps_and_unseen_categories_predict(tmp_path: Path, name: str) -> None:
    train, holdout = split_toy(toy_frame())
    holdout.loc[:4, "colour"] = "purple"  # a level train never had
    features = [c for c in holdout.columns if c != "label"]
    holdout.loc[5, features] = None  # a row with every feature missing
    version = publish_toy(tmp_path / "out", train, holdout)
    result = train_on_version(tmp_path / "out", "toy", "v1", ClassifierConfig(name=name))  # type: ignore[arg-type]
    model = load_model(result.folder)
    assert isinstance(model.pipeline, Pipeline)
    assert isinstance(model.pipeline.steps[-1][1], MODELS[name]) or isinstance(
        model.pipeline.steps[-1][1].steps[-1][1], MODELS[name]
    )
    read = pd.read_parquet(version / "split=holdout")
    assert "purple" in set(read["colour"]) and read.loc[5, features].isna().all()
    assert read["seen"].dtype.kind == "M" and str(read["member"].dtype) == "boolean"
    proba = model.predict_proba(read)
    assert proba.shape == (len(read), 2) and np.allclose(proba.sum(axis=1), 1.0)
    assert set(model.predict(read)) <= {"no", "yes"}
    assert result.metrics["classifier"]["name"] == name and result.metrics["f1"] > 0.3
    published_train = pd.read_parquet(version / "split=train")  # with is_synthetic
    assert "is_synthetic" in published_train.columns
    bare = published_train.drop(columns=["is_synthetic", "label"])
    assert np.array_equal(model.predict_proba(published_train), model.predict_proba(bare))


def test_the_classifier_named_in_the_manifest_is_used_when_none_is_passed(
    tmp_path: Path,
) -> None:
    train, holdout = split_toy(toy_frame(200, 50))
    spec = {"name": "random_forest", "params": {"n_estimators": 7}}
    publish_toy(tmp_path / "out", train, holdout, classifier=spec)
    result = train_on_version(tmp_path / "out", "toy", "v1")
    assert result.metrics["classifier"] == {**spec, "training_rows": "compare"}
    assert result.metrics["classifier_source"] == "manifest"
    forest = load_model(result.folder).pipeline.named_steps["model"]
    assert isinstance(forest, RandomForestClassifier) and forest.n_estimators == 7

    passed = train_on_version(
        tmp_path / "out", "toy", "v1", ClassifierConfig(name="logistic_regression")
    )
    assert passed.metrics["classifier_source"] == "argument"
    assert passed.metrics["classifier"]["name"] == "logistic_regression"


def test_several_classes_get_no_threshold(tmp_path: Path) -> None:
    frame = toy_frame(300, 60)
    maybe = frame.index[frame["label"].eq("no")][:50]
    frame.loc[maybe, "label"] = "maybe"
    frame.loc[maybe, "income"] += 30.0
    version = publish_toy(tmp_path / "out", *split_toy(frame))
    result = train_on_version(tmp_path / "out", "toy", "v1")
    metrics = result.metrics
    assert metrics["threshold"] is None and metrics["at_tuned_threshold"] is None
    assert "no threshold" in metrics["threshold_rule"]
    assert sorted(metrics["minority_classes"]) == ["maybe", "yes"]  # the synthesized ones
    assert metrics["f1"] == metrics["at_default_threshold"]["f1"]
    model = load_model(result.folder)
    assert model.threshold is None and model.minority is None
    rows = pd.read_parquet(version / "split=holdout")
    assert np.array_equal(model.predict(rows), model.pipeline.predict(rows))


def test_load_model_refuses_foreign_types_and_missing_files(tmp_path: Path) -> None:
    import skops.io as sio

    publish_toy(tmp_path / "out", *split_toy(toy_frame(200, 50)))
    folder = Path(train_on_version(tmp_path / "out", "toy", "v1").folder)
    sio.dump(FunctionTransformer(json.dumps), folder / MODEL_FILE)  # code outside sklearn
    with pytest.raises(PublishError, match=r"scikit-learn and numpy types only.*json\.dumps"):
        load_model(folder)
    (folder / "model.json").unlink()
    with pytest.raises(PublishError, match=r"expected model\.skops and model\.json"):
        load_model(folder)


def test_rows_without_a_feature_column_name_it(tmp_path: Path) -> None:
    version = publish_toy(tmp_path / "out", *split_toy(toy_frame(200, 50)))
    model = load_model(train_on_version(tmp_path / "out", "toy", "v1").folder)
    rows = pd.read_parquet(version / "split=holdout").drop(columns=["seen"])
    with pytest.raises(InputError, match=r"missing \['seen'\]"):
        model.predict(rows)
