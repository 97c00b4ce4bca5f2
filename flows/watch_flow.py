"""The ``watch`` flow: announce new or changed data files in a dataset's inbox."""

from __future__ import annotations

from prefect import flow, get_run_logger

from rebalance.core import events
from rebalance.core.config import load_config
from rebalance.core.errors import SpecError
from rebalance.core.inbox import list_inbox, look, read_state, write_state
from rebalance.core.publish import dataset_dir
from rebalance.core.redaction import redact_url
from rebalance.tasks.events import emit


@flow(name="watch", log_prints=True)
def watch(spec_path: str) -> list[str]:
    """fingerprint the settled files of the inbox -> emit rebalance.dataset.arrived per new
    content, oldest file first -> save state (files still being written wait for the next look)"""
    config = load_config(spec_path)
    schedule, name = config.schedule, config.dataset.name
    if schedule.inbox is None:
        raise SpecError(f"{spec_path}: expected schedule.inbox to watch, found none")
    state_file = dataset_dir(config.output.root, name) / ".watch" / "inbox-state.json"
    seen = read_state(state_file)
    found = look(list_inbox(schedule.inbox, schedule.pattern), seen, schedule.stable_seconds)
    arrivals = found.arrivals
    for arrival in arrivals:
        payload = events.arrived_payload(
            name, str(spec_path), arrival.path, arrival.fingerprint, arrival.size
        )
        emit(events.ARRIVED, name, payload)
        seen[arrival.path] = arrival.fingerprint
    write_state(state_file, seen)
    get_run_logger().info(
        "%d new or changed file(s) in %s%s%s",
        len(arrivals),
        redact_url(schedule.inbox),
        "".join(f"\n  - {redact_url(a.path)}" for a in arrivals),
        f"; {len(found.settling)} still being written, left for the next look"
        if found.settling
        else "",
    )
    return [arrival.path for arrival in arrivals]
