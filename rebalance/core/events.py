"""The two events rebalance speaks, and what their payloads hold.

``rebalance.dataset.arrived``: new or changed content for a dataset (from the ``watch`` flow,
or from any upstream system through Prefect's API or CLI). Resource id
``rebalance.inbox.<dataset>``; payload ``{dataset, spec, path, fingerprint, size}``.

``rebalance.dataset.published``: a new version is in place. Resource id
``rebalance.dataset.<dataset>``; payload ``{dataset, version, root, path, method, gate,
release}``.

Locations in payloads have any URL password or secret redacted: events are stored and shown
by the Prefect API. An inbox's credentials come from fsspec's configuration, not its URL.
"""

from __future__ import annotations

from typing import Any

from rebalance.core.redaction import redact_url

ARRIVED = "rebalance.dataset.arrived"
PUBLISHED = "rebalance.dataset.published"


def inbox_resource(dataset: str) -> dict[str, str]:
    return {"prefect.resource.id": f"rebalance.core.inbox.{dataset}", "rebalance.dataset": dataset}


def dataset_resource(dataset: str) -> dict[str, str]:
    return {"prefect.resource.id": f"rebalance.dataset.{dataset}", "rebalance.dataset": dataset}


def arrived_payload(
    dataset: str, spec: str, path: str, fingerprint: str, size: int
) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "spec": spec,
        "path": redact_url(path),
        "fingerprint": fingerprint,
        "size": size,
    }


def published_payload(
    dataset: str,
    version: str,
    root: str,
    path: str,
    method: str,
    gate: str,
    release: str = "augmented",
) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "version": version,
        "root": redact_url(root),
        "path": redact_url(path),
        "method": method,
        "gate": gate,
        "release": release,  # synthetic_only: no real rows and no holdout split
    }
