"""Fault injection: `rebalance serve` is killed while a served run holds its concurrency slot;
after a restart the slot is released and a newly dropped file is announced at once. The
restarted server's UI calls the port it was given, not 4200."""

from __future__ import annotations

import datetime
import os
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serving import Served, get, post, toy_spec, wait_for
from tests.support import free_port, mixed_frame

pytestmark = pytest.mark.integration

ANNOUNCE_WAIT = 45.0  # waiting for the event; which look announced it is checked exactly
WATCH_EVERY = 5


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Served, Path]]:
    spec, inbox, _ = toy_spec(
        tmp_path,
        validation="enabled: false",
        schedule=f"watch_every_seconds: {WATCH_EVERY}, stable_seconds: 1",
    )
    serve = Served(tmp_path, spec, free_port())
    try:
        yield serve, inbox
    finally:
        serve.stop()


def hold_the_watch_slot(client: httpx.Client, log: Path) -> str:
    """A watch run moved to PENDING, as serve does when it starts one: it takes the slot."""
    deployment = wait_for(
        "the watch deployment", lambda: get(client, "/api/deployments/name/watch/toy"), log, 60
    )
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    scheduled = {"type": "SCHEDULED", "state_details": {"scheduled_time": later.isoformat()}}
    path = f"/api/deployments/{deployment['id']}/create_flow_run"
    run = wait_for("a new run", lambda: post(client, path, {"state": scheduled}), log, 60)

    def pending() -> bool:  # a real watch run may hold the slot for a moment
        answer = post(
            client, f"/api/flow_runs/{run['id']}/set_state", {"state": {"type": "PENDING"}}
        )
        return answer is not None and answer["status"] == "ACCEPT"

    wait_for("the slot", pending, log, 60)
    held = get(client, f"/api/deployments/{deployment['id']}")["global_concurrency_limit"]
    assert held["active_slots"] == 1
    return str(run["id"])


def test_a_restart_after_an_unclean_stop_releases_the_slot_and_announces_new_files(
    served: tuple[Served, Path],
) -> None:
    serve, inbox = served
    client = serve.start(1)
    orphan = hold_the_watch_slot(client, serve.log)
    serve.kill()  # the run never ends: nothing is left to end it

    client = serve.start(2)
    batch = inbox / "batch.csv"
    mixed_frame(n_major=60, n_minor=20).to_csv(batch, index=False)
    os.utime(batch, (time.time() - 60, time.time() - 60))  # settled already
    dropped, dropped_at = time.monotonic(), datetime.datetime.now(datetime.UTC)
    body = {"filter": {"event": {"name": ["rebalance.dataset.arrived"]}}, "limit": 5}
    events = wait_for(
        "the arrival event",
        lambda: (post(client, "/api/events/filter", body) or {}).get("events"),
        serve.log,
        ANNOUNCE_WAIT,
    )
    assert events[0]["payload"]["path"] == str(batch)
    print(f"announced {time.monotonic() - dropped:.1f} s after the drop")
    # within one polling interval: the watch run that announced it is the first one started
    # after the drop (or one already running when the file appeared)
    announcer = next(
        r["prefect.resource.id"].removeprefix("prefect.flow-run.")
        for r in events[0]["related"]
        if r["prefect.resource.id"].startswith("prefect.flow-run.")
    )
    started = get(client, f"/api/flow_runs/{announcer}")["start_time"]
    later = {
        "flow_runs": {"start_time": {"after_": dropped_at.isoformat(), "is_null_": False}},
        "flows": {"name": {"any_": ["watch"]}},
        "sort": "START_TIME_ASC",
        "limit": 1,
    }
    first_after = post(client, "/api/flow_runs/filter", later) or []
    assert started <= dropped_at.isoformat() or first_after[0]["id"] == announcer
    assert "1 run(s) left running by an unclean stop crashed" in serve.log.read_text()
    ui = get(client, "/ui-settings")
    assert ui["api_url"] == f"http://127.0.0.1:{serve.port}/api"  # the UI calls this server
    assert get(client, f"/api/flow_runs/{orphan}")["state"]["type"] == "CRASHED"
