"""Emitting rebalance's events (see ``rebalance.events`` for names and payloads)."""

from __future__ import annotations

from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event

from rebalance.core import events
from rebalance.core.publication import Publication
from rebalance.core.publish import PublishResult
from rebalance.tasks.retry import IO_RETRIES, IO_RETRY_DELAYS, retry_if_transient


@task(
    name="emit-event",
    retries=IO_RETRIES,
    retry_delay_seconds=IO_RETRY_DELAYS,
    retry_condition_fn=retry_if_transient,
    cache_policy=NO_CACHE,
)
def emit(name: str, dataset: str, payload: dict[str, Any]) -> str | None:
    resource = (
        events.inbox_resource(dataset)
        if name == events.ARRIVED
        else events.dataset_resource(dataset)
    )
    event = emit_event(event=name, resource=resource, payload=payload)
    return str(event.id) if event is not None else None


def announce_published(
    dataset: str, root: str, result: PublishResult, chosen: Publication
) -> str | None:
    """Emit ``rebalance.dataset.published`` for a version this run wrote (not a reused one)."""
    if result.reused:
        return None
    payload = events.published_payload(
        dataset, result.version, root, result.path, chosen.method, chosen.gate, chosen.release
    )
    return emit(events.PUBLISHED, dataset, payload)
