"""The ``train-classifier`` flow: the downstream model on a newly published version."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from rebalance.core.classifier import ClassifierResult, train_on_version
from rebalance.core.config import ClassifierConfig
from rebalance.core.validation.utility import UTILITY_METRICS
from rebalance.tasks.io import artifact_key


@task(name="train-and-evaluate", cache_policy=NO_CACHE)
def train_and_evaluate(
    root: str, dataset: str, version: str, classifier: ClassifierConfig | None
) -> ClassifierResult:
    return train_on_version(root, dataset, version, classifier)


@flow(name="train-classifier", log_prints=True)
def train_classifier(
    root: str, dataset: str, version: str, classifier: ClassifierConfig | None = None
) -> dict[str, Any]:
    """train on split=train (threshold tuned out of fold) -> score on split=holdout -> metrics
    artifact and files. ``classifier`` None: the one in the version's spec
    (``validation.classifier``, kept in its manifest)."""
    result = train_and_evaluate(root, dataset, version, classifier)
    metrics = result.metrics
    create_table_artifact(
        key=artifact_key(dataset, "classifier"),
        table=metrics_table(metrics),
        description=(
            f"Holdout metrics of the {metrics['classifier']['name']} classifier trained on "
            f"{dataset} {version}, at the default and at the tuned decision threshold"
        ),
    )
    name = metrics["classifier"]["name"]
    default, tuned = metrics["at_default_threshold"], metrics["at_tuned_threshold"]
    if default is None:  # a synthetic_only version: no real rows to score
        print(f"{dataset} {version} ({name}): {metrics['holdout_note']} ({result.folder})")
        return metrics
    shown = f", tuned threshold {tuned['f1']:.3f}" if tuned is not None else ""
    print(
        f"{dataset} {version} ({name}): holdout minority F1 "
        f"{default['f1']:.3f} at the default threshold{shown} ({result.folder})"
    )
    return metrics


def metrics_table(metrics: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per holdout score, default and tuned threshold side by side, then the
    threshold itself and the row counts (the same for both)."""
    default = metrics["at_default_threshold"] or {}
    tuned = metrics["at_tuned_threshold"] or {}
    rows: list[dict[str, Any]] = [
        {"metric": name, "default threshold": default.get(name), "tuned threshold": tuned.get(name)}
        for name in UTILITY_METRICS
    ]
    rows.append(
        {
            "metric": "threshold",
            "default threshold": "most probable class",
            "tuned threshold": metrics["threshold"],
        }
    )
    for name in ("train_rows", "synthetic_train_rows", "holdout_rows"):
        rows.append(
            {"metric": name, "default threshold": metrics[name], "tuned threshold": metrics[name]}
        )
    return rows
