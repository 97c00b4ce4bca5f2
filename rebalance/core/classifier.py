"""The downstream classifier: train on a published version's ``split=train``, score on its
real ``split=holdout``, and keep the metrics (and the model, in skops format) beside it.

skops files are loaded with an allow-list of types, so loading runs no code from the file
(unlike pickle or joblib).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from rebalance.core.config import ClassifierConfig
from rebalance.core.errors import PublishError
from rebalance.core.publish import (
    SYNTHETIC_COLUMN,
    dataset_dir,
    find_version,
    read_manifest,
    replace_folder,
)
from rebalance.core.validation.utility import (
    UtilityProblem,
    fit_and_score_model,
    minority_classes,
)

MODEL_FILE = "model.skops"
METRICS_FILE = "metrics.json"


@dataclass(frozen=True)
class ClassifierResult:
    dataset: str
    version: str
    folder: str
    metrics: dict[str, Any]


def classifier_dir(root: str | Path, dataset: str, version: str) -> Path:
    return dataset_dir(root, dataset) / "classifiers" / version


def train_on_version(
    root: str | Path, dataset: str, version: str, config: ClassifierConfig, seed: int = 0
) -> ClassifierResult:
    folder = find_version(root, dataset, version)
    if folder is None:
        raise PublishError(f"expected version {version!r} of {dataset!r} under {root}, found none")
    manifest = read_manifest(folder)
    target, types = manifest["target"], manifest["column_types"]
    train = pd.read_parquet(folder / "split=train").drop(columns=[SYNTHETIC_COLUMN])
    holdout = pd.read_parquet(folder / "split=holdout")
    before = manifest["class_counts_before"]
    problem = UtilityProblem(
        train=train,
        holdout=holdout,
        target=target,
        types=types,
        minority=minority_classes(before, list(manifest.get("synthetic_counts", {}))),
        classifier=config,
        seed=seed,
    )
    model, scores = fit_and_score_model(problem, train)
    metrics = {
        "dataset": dataset,
        "version": version,
        "classifier": config.model_dump(),
        "minority_classes": problem.minority,
        "holdout_rows": len(holdout),
        "train_rows": len(train),
        "synthetic_train_rows": int(manifest["row_counts"]["train"]) - sum(before.values()),
        **scores.as_dict(),
    }
    target_dir = classifier_dir(root, dataset, version)
    _write_atomically(target_dir, model, metrics)
    return ClassifierResult(dataset, version, str(target_dir), metrics)


def _write_atomically(final: Path, model: Any, metrics: dict[str, Any]) -> None:
    import skops.io as sio

    def fill(staging: Path) -> None:
        sio.dump(model, staging / MODEL_FILE)
        (staging / METRICS_FILE).write_text(json.dumps(metrics, indent=2), encoding="utf-8")

    replace_folder(final, fill)


def load_model(folder: str | Path) -> Any:
    """Load a saved classifier; only scikit-learn and numpy types are accepted."""
    import skops.io as sio

    path = Path(folder) / MODEL_FILE
    untrusted = sio.get_untrusted_types(file=path)
    allowed = [t for t in untrusted if t.startswith(("sklearn.", "numpy."))]
    refused = sorted(set(untrusted) - set(allowed))
    if refused:
        raise PublishError(f"{path}: expected scikit-learn and numpy types only, found {refused}")
    return sio.load(path, trusted=allowed)
