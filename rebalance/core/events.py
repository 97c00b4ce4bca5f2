"""The two events rebalance speaks, and what their payloads hold.

``rebalance.dataset.arrived``: new or changed content for a dataset (from the ``watch`` flow,
or from any upstream system through Prefect's API or CLI). Resource id
``rebalance.inbox.<dataset>``; payload ``{dataset, spec, path, fingerprint, size}``.

``rebalance.dataset.published``: a new version is in place. Resource id
``rebalance.dataset.<dataset>``; payload ``{dataset, version, root, path, method, gate,
release}``.

Locations in payloads are absolute (a local path is resolved against the emitter's working
directory, because the flow the event triggers may run in another one; an fsspec URL is kept
as given) and have any URL password or secret redacted: events are stored and shown by the
Prefect API. An inbox's credentials come from fsspec's configuration, not its URL.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from rebalance.core.errors import RebalanceError
from rebalance.core.redaction import redact_url

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")

ARRIVED = "rebalance.dataset.arrived"
PUBLISHED = "rebalance.dataset.published"


class EventNotSentError(RebalanceError):
    """Prefect's events client was configured but did not take the event; worth a retry."""

    transient = True

    def __init__(
        self,
        event: str,
        dataset: str,
        where: str,
        found: str = "it not sent (emit_event returned None; see the log above)",
    ) -> None:
        super().__init__(
            f"{redact_url(where)}: expected Prefect to accept event {event} for dataset "
            f"{dataset!r}, found {found}"
        )


def absolute_location(location: str) -> str:
    """A local path made absolute; an fsspec URL left as it is. Secrets redacted."""
    if _URL.match(location):
        return redact_url(location)
    return redact_url(str(Path(location).expanduser().resolve()))  # a "?token=" is kept out too


def inbox_resource(dataset: str) -> dict[str, str]:
    return {"prefect.resource.id": f"rebalance.inbox.{dataset}", "rebalance.dataset": dataset}


def dataset_resource(dataset: str) -> dict[str, str]:
    return {"prefect.resource.id": f"rebalance.dataset.{dataset}", "rebalance.dataset": dataset}


def arrived_payload(
    dataset: str, spec: str, path: str, fingerprint: str, size: int
) -> dict[str, Any]:
    return {
        "dataset": dataset,
        "spec": absolute_location(spec),
        "path": absolute_location(path),
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
        "root": absolute_location(root),
        "path": absolute_location(path),
        "method": method,
        "gate": gate,
        "release": release,  # synthetic_only: no real rows and no holdout split
    }
