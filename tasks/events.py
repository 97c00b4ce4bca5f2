"""Emitting rebalance's events (see ``rebalance.events`` for names and payloads)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any
from uuid import UUID

import httpx
from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.events import emit_event
from prefect.events.worker import should_emit_events, should_emit_events_to_running_server

from rebalance.core import announcements, events
from rebalance.tasks.retry import IO_RETRIES, IO_RETRY_DELAYS, retry_if_transient

if TYPE_CHECKING:  # the inbox watcher imports this module: it needs neither the gate nor sklearn
    from rebalance.core.publication import Publication, RunSummary
    from rebalance.core.publish import PublishResult

# The server stores events in batches (every 5 s by default): how long a sent event may take
# to show, and how often to look.
CONFIRM_SECONDS = 60.0
STORED_POLL_SECONDS = 0.5
EVENT_OPTIONS: dict[str, Any] = {
    "retries": IO_RETRIES,
    "retry_delay_seconds": IO_RETRY_DELAYS,
    "retry_condition_fn": retry_if_transient,
    "cache_policy": NO_CACHE,
}


def send(name: str, dataset: str, payload: dict[str, Any]) -> str | None:
    """The sent event's id; None only when no Prefect API is configured at all.

    ``emit_event`` never raises: it logs and returns None. With a client configured that means
    the event was not taken, so it raises a transient error and the calling task retries."""
    resource = (
        events.inbox_resource(dataset)
        if name == events.ARRIVED
        else events.dataset_resource(dataset)
    )
    event = emit_event(event=name, resource=resource, payload=payload)
    if event is None and should_emit_events():
        raise events.EventNotSentError(name, dataset, str(payload.get("path", "")))
    return str(event.id) if event is not None else None


@task(name="emit-event", **EVENT_OPTIONS)
def emit(name: str, dataset: str, payload: dict[str, Any]) -> str | None:
    return send(name, dataset, payload)


def wait_until_stored(event_id: str, seconds: float = CONFIRM_SECONDS) -> bool | None:
    """Whether the Prefect server at ``PREFECT_API_URL`` stored the event within ``seconds``
    (``emit_event`` only queues it for a background sender, which drops what it cannot send).
    None without such a server: the ephemeral API of a local run has no listener to reach."""
    if not should_emit_events_to_running_server():
        return None
    from prefect.client.orchestration import get_client
    from prefect.events.filters import EventFilter, EventIDFilter

    deadline = time.monotonic() + seconds
    with get_client(sync_client=True) as client:
        while True:
            try:  # a fresh filter each time: its time window ends now
                wanted = EventFilter(id=EventIDFilter(id=[UUID(event_id)]))
                if client.read_events(wanted, limit=1).events:
                    return True
            except httpx.HTTPError:
                pass  # an unreachable or busy server: not stored yet
            if time.monotonic() >= deadline:
                return False
            time.sleep(STORED_POLL_SECONDS)


@task(name="announce-published", **EVENT_OPTIONS)
def announce(root: str, dataset: str, version: str, payload: dict[str, Any]) -> str | None:
    """Emit ``rebalance.dataset.published`` unless this version's marker says a server stored
    it; write the marker once the server has it (a lost event is a transient failure, so the
    task retries, and a later run that finds the version sends it again)."""
    if announcements.is_announced(root, dataset, version):
        return None
    event_id = send(events.PUBLISHED, dataset, payload)
    if event_id is None:
        return None
    stored = wait_until_stored(event_id)
    if stored is False:
        raise events.EventNotSentError(
            events.PUBLISHED,
            dataset,
            str(payload.get("path", "")),
            f"it not stored by the server within {CONFIRM_SECONDS:.0f} s",
        )
    if stored:
        announcements.mark_announced(root, dataset, version, event_id)
    return event_id


def announce_published(
    dataset: str,
    root: str,
    published: PublishResult | RunSummary,
    chosen: Publication | None = None,
) -> str | None:
    """Announce a version this run wrote (``chosen``: what it published) or one it found
    already published (a ``RunSummary`` from the manifest), unless it was announced before."""
    from rebalance.core.publication import RunSummary

    if chosen is not None:
        what = (chosen.method, chosen.gate, chosen.release)
    elif isinstance(published, RunSummary):
        what = (published.method, published.gate, published.release)
    else:
        raise TypeError("announce_published needs `chosen` for a PublishResult")
    payload = events.published_payload(dataset, published.version, root, published.path, *what)
    return announce(root, dataset, published.version, payload)
