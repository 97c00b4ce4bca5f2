"""The downstream classifier: train on a published version's ``split=train``, score on its
real ``split=holdout``, and keep the model and its metrics beside the version.

``<root>/<dataset>/classifiers/<version>/``:

- ``model.skops``: a scikit-learn ``Pipeline`` (encoding + classifier, see
  ``rebalance.core.downstream``) that takes the published rows as ``pd.read_parquet`` gives them.
  skops files are loaded with an allow-list of types (scikit-learn and numpy ones, and
  ``functools.partial``), so loading runs no code from the file (unlike pickle or joblib).
- ``model.json``: the decision rule: feature columns, classes, minority class and the decision
  threshold tuned out of fold on the train split (binary targets; null for several classes).
- ``metrics.json``: holdout scores at the default and at the tuned threshold, and what was
  trained on.

``load_model(folder)`` returns both as one ``DownstreamModel`` (``predict``, ``predict_proba``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from rebalance.core.config import ClassifierConfig
from rebalance.core.downstream import DownstreamModel, build_pipeline, out_of_fold_threshold
from rebalance.core.errors import PublishError
from rebalance.core.publish import (
    SYNTHETIC_COLUMN,
    dataset_dir,
    find_version,
    read_manifest,
    replace_folder,
)
from rebalance.core.serialize import to_json
from rebalance.core.training_rows import selection_rows_of, training_rows_for, validation_record
from rebalance.core.validation.utility import (
    UTILITY_METRICS,
    minority_classes,
    score_predictions,
)

MODEL_FILE = "model.skops"
# skops audits a partial's function and arguments as types of their own: trusting the wrapper
# (HistGradientBoosting wraps sklearn's check_array in one) trusts nothing else.
TRUSTED_PREFIXES = ("sklearn.", "numpy.")
TRUSTED_TYPES = ("functools.partial",)
RULE_FILE = "model.json"
METRICS_FILE = "metrics.json"


@dataclass(frozen=True)
class ClassifierResult:
    dataset: str
    version: str
    folder: str
    metrics: dict[str, Any]


def classifier_dir(root: str | Path, dataset: str, version: str) -> Path:
    return dataset_dir(root, dataset) / "classifiers" / version


def classifier_of_manifest(manifest: dict[str, Any]) -> tuple[ClassifierConfig, str]:
    """The run's ``validation.classifier`` and where it came from ("manifest", or "default"
    for a version published without its config)."""
    found = manifest.get("config", {}).get("validation", {}).get("classifier")
    if found is None:
        return ClassifierConfig(), "default"
    return ClassifierConfig.model_validate(found), "manifest"


def train_on_version(
    root: str | Path,
    dataset: str,
    version: str,
    config: ClassifierConfig | None = None,
    seed: int | None = None,
) -> ClassifierResult:
    """Fit the pipeline on ``split=train``, tune its threshold out of fold, score
    ``split=holdout`` and write the model folder. ``config`` None: the classifier named in the
    version's manifest; ``seed`` None: the run's balance seed."""
    folder = find_version(root, dataset, version)
    if folder is None:
        raise PublishError(f"expected version {version!r} of {dataset!r} under {root}, found none")
    manifest = read_manifest(folder)
    source = "argument"
    if config is None:
        config, source = classifier_of_manifest(manifest)
    seed = int(manifest.get("seed", 0)) if seed is None else seed
    train = pd.read_parquet(folder / "split=train")
    model = fit_model(train, manifest, config, seed, str(folder), selection_rows_of(folder))
    if (folder / "split=holdout").is_dir():
        holdout = pd.read_parquet(folder / "split=holdout")  # as any reader gets it
        scores = _holdout_metrics(model, holdout, manifest)
    else:
        scores = _no_holdout(model, folder)
    metrics = {
        "dataset": dataset,
        "version": version,
        "classifier": config.model_dump(),
        "classifier_source": source,
        "seed": seed,
        "target": manifest["target"],
        **scores,
        "published_train_rows": len(train),
        "train_rows": model.training_rows.fitted_rows if model.training_rows else len(train),
        "synthetic_train_rows": model.training_rows.fitted_synthetic_rows
        if model.training_rows
        else _synthetic_rows(train),
        "trained_on": model.training_rows.as_dict() if model.training_rows else None,
    }
    target_dir = classifier_dir(root, dataset, version)
    _write_atomically(target_dir, model, metrics)
    return ClassifierResult(dataset, version, str(target_dir), metrics)


def fit_model(
    train: pd.DataFrame,
    manifest: dict[str, Any],
    config: ClassifierConfig,
    seed: int,
    source: str = "<in memory>",
    selection_rows: int | None = None,
) -> DownstreamModel:
    """The fitted pipeline on the published train rows (the synthetic ones only where they
    help, see ``rebalance.core.training_rows``), with its tuned threshold (binary).
    ``selection_rows``: the run's count from ``_validation.json``, to check the recovered split."""
    target, types = manifest["target"], manifest["column_types"]
    if target not in train.columns:
        raise PublishError(
            f"{source}: expected target column {target!r} in split=train, found none"
        )
    features = [c for c in train.columns if c not in (target, SYNTHETIC_COLUMN)]
    untyped = [c for c in features if c not in types]
    if untyped:
        raise PublishError(
            f"{source}: expected a column type in the manifest for every feature, found none "
            f"for {untyped}"
        )
    pipeline = build_pipeline(features, types, config, seed)
    y = train[target].astype(str).to_numpy()
    # counts of the classes split=train holds (a synthetic_only export may leave a class out)
    present = {k: v for k, v in manifest["class_counts_before"].items() if k in set(y)}
    minority = minority_classes(present, [])[0] if _binary(y) and len(present) == 2 else None
    if _binary(y) and minority is None:
        raise PublishError(
            f"{source}: expected the classes of split=train column {target!r} in the manifest's "
            f"class counts {sorted(manifest['class_counts_before'])}, found {sorted(set(y))}"
        )
    synthetic = _synthetic_mask(train)
    rows = training_rows_for(
        pipeline, train, minority, synthetic, manifest, config.training_rows, seed, selection_rows
    )
    if not rows.synthetic:
        train, y, synthetic = train[~synthetic], y[~synthetic], synthetic[~synthetic]
    rows = replace(rows, fitted_rows=len(train), fitted_synthetic_rows=int(synthetic.sum()))
    threshold = None
    if minority is not None:
        threshold = out_of_fold_threshold(pipeline, train, y, minority, ~synthetic, seed)
    pipeline.fit(train, y)
    classes = [str(c) for c in pipeline.classes_]
    return DownstreamModel(pipeline, features, classes, minority, threshold, source, rows)


def _no_holdout(model: DownstreamModel, folder: Path) -> dict[str, Any]:
    """A synthetic_only version carries no real rows: nothing to score here. The run scored
    the real holdout itself (trained on the synthetic rows) and kept the numbers."""
    return {
        "classes": model.classes,
        "minority_classes": [model.minority] if model.minority is not None else [],
        "threshold": model.threshold,
        "threshold_rule": _rule(model),
        "at_default_threshold": None,
        "at_tuned_threshold": None,
        "holdout_rows": 0,
        "holdout_note": "a synthetic_only version has no real holdout split; the run's own "
        "holdout scores (trained on the synthetic rows) are under run_holdout",
        "run_holdout": validation_record(folder).get("holdout"),
    }


def _binary(y: np.ndarray) -> bool:
    return len(set(y)) == 2


def _synthetic_mask(train: pd.DataFrame) -> np.ndarray:
    if SYNTHETIC_COLUMN not in train.columns:
        return np.zeros(len(train), dtype=bool)
    return train[SYNTHETIC_COLUMN].fillna(False).to_numpy(dtype=bool)


def _synthetic_rows(train: pd.DataFrame) -> int:
    return int(_synthetic_mask(train).sum())


def _holdout_metrics(
    model: DownstreamModel, holdout: pd.DataFrame, manifest: dict[str, Any]
) -> dict[str, Any]:
    """Scores at the default rule (most probable class) and at the tuned threshold; the
    top-level scores are those of the saved rule (``model.predict``)."""
    minority = minority_classes(
        manifest["class_counts_before"], list(manifest.get("synthetic_counts", {}))
    )
    truth = holdout[manifest["target"]].astype(str).to_numpy()
    proba = model.predict_proba(holdout)
    rows = len(holdout)

    def scores(threshold: float | None) -> dict[str, float]:
        found = score_predictions(truth, model.classes, proba, minority, threshold, rows)
        return {name: getattr(found, name) for name in UTILITY_METRICS}

    default = scores(None)
    tuned = scores(model.threshold) if model.threshold is not None else None
    return {
        "classes": model.classes,
        "minority_classes": minority,
        "threshold": model.threshold,
        "threshold_rule": _rule(model),
        **(tuned or default),
        "at_default_threshold": default,
        "at_tuned_threshold": tuned,
        "holdout_rows": rows,
    }


def _rule(model: DownstreamModel) -> str:
    if model.threshold is not None:
        return (
            f"{model.minority!r} where its probability >= threshold (maximizes its F1 on "
            "out-of-fold predictions of the real train rows)"
        )
    if model.minority is None:
        return "most probable class (several classes: no threshold is tuned)"
    return "most probable class (too few minority rows to tune a threshold out of fold)"


def _write_atomically(final: Path, model: DownstreamModel, metrics: dict[str, Any]) -> None:
    import skops.io as sio

    def fill(staging: Path) -> None:
        sio.dump(model.pipeline, staging / MODEL_FILE)
        rule = {**model.describe(), "target": metrics["target"], "model_file": MODEL_FILE}
        (staging / RULE_FILE).write_text(to_json(rule, indent=2), encoding="utf-8")
        (staging / METRICS_FILE).write_text(to_json(metrics, indent=2), encoding="utf-8")

    replace_folder(final, fill)


def load_model(folder: str | Path) -> DownstreamModel:
    """Load a saved classifier folder; only scikit-learn and numpy types (and
    ``functools.partial``) are accepted in ``model.skops``. ``predict`` applies the tuned
    threshold of ``model.json``."""
    import skops.io as sio

    folder = Path(folder)
    path, rule_path = folder / MODEL_FILE, folder / RULE_FILE
    try:
        rule = json.loads(rule_path.read_text(encoding="utf-8"))
        untrusted = sio.get_untrusted_types(file=path)
    except (OSError, ValueError) as exc:
        raise PublishError(
            f"{folder}: expected {MODEL_FILE} and {RULE_FILE} written by train-classifier, "
            f"found an unreadable or missing file ({exc})"
        ) from None
    allowed = [t for t in untrusted if t.startswith(TRUSTED_PREFIXES) or t in TRUSTED_TYPES]
    refused = sorted(set(untrusted) - set(allowed))
    if refused:
        raise PublishError(
            f"{path}: expected scikit-learn and numpy types only (and functools.partial), "
            f"found {refused}"
        )
    pipeline = sio.load(path, trusted=allowed)
    return DownstreamModel(
        pipeline=pipeline,
        features=list(rule["features"]),
        classes=list(rule["classes"]),
        minority=rule["minority"],
        threshold=rule["threshold"],
        source=str(folder),
    )
