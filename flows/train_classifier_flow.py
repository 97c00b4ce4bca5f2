"""The ``train-classifier`` flow: the downstream model on a newly published version."""

from __future__ import annotations

from typing import Any

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from rebalance.core.classifier import ClassifierResult, train_on_version
from rebalance.core.config import ClassifierConfig
from rebalance.tasks.io import artifact_key


@task(name="train-and-evaluate", cache_policy=NO_CACHE)
def train_and_evaluate(
    root: str, dataset: str, version: str, classifier: ClassifierConfig
) -> ClassifierResult:
    return train_on_version(root, dataset, version, classifier)


@flow(name="train-classifier", log_prints=True)
def train_classifier(
    root: str, dataset: str, version: str, classifier: ClassifierConfig | None = None
) -> dict[str, Any]:
    """train on split=train -> score on split=holdout -> metrics artifact and file"""
    result = train_and_evaluate(root, dataset, version, classifier or ClassifierConfig())
    shown = ("f1", "recall", "precision", "pr_auc", "balanced_accuracy", "train_rows")
    create_table_artifact(
        key=artifact_key(dataset, "classifier"),
        table=[{"metric": k, "value": result.metrics[k]} for k in shown],
        description=f"Holdout metrics of the classifier trained on {dataset} {version}",
    )
    print(f"{dataset} {version}: holdout minority F1 {result.metrics['f1']:.3f} ({result.folder})")
    return result.metrics
