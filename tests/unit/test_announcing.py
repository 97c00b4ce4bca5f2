"""Events that reach downstream: absolute locations, retried sends, an announced marker per
version, and a rerun that sends a lost event again."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from rebalance.core import announcements, events
from rebalance.core.publication import RunSummary
from rebalance.core.publish import dataset_dir
from rebalance.tasks import events as emitting
from rebalance.tasks.retry import is_transient


def test_payload_locations_are_absolute_and_urls_kept_but_redacted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    published = events.published_payload("d", "v1", "out", "out/d/versions/v1", "smote", "publish")
    assert published["root"] == str((tmp_path / "out").resolve())
    assert published["path"] == str((tmp_path / "out/d/versions/v1").resolve())
    arrived = events.arrived_payload("d", "specs/d.yaml", "inbox/a.csv", "abc", 1)
    assert arrived["spec"] == str((tmp_path / "specs/d.yaml").resolve())
    remote = events.published_payload(
        "d", "v1", "s3://me:pw@bucket/out", "s3://bucket/out/d", "smote", "publish"
    )
    assert remote["root"] == "s3://me:***@bucket/out"  # a URL: not resolved, no password
    assert remote["path"] == "s3://bucket/out/d"


class FakeEmitter:
    """``emit_event`` as Prefect has it: an event back when sent, None when not."""

    def __init__(self, sends: bool = True) -> None:
        self.sends = sends
        self.calls: list[dict[str, Any]] = []

    def __call__(self, **kwargs: Any) -> Any:
        self.calls.append(kwargs)
        return SimpleNamespace(id=f"event-{len(self.calls)}") if self.sends else None


def patch_emitter(
    monkeypatch: pytest.MonkeyPatch,
    sends: bool = True,
    client: bool = True,
    stored: bool | None = True,
) -> FakeEmitter:
    """``stored``: what the server answers when asked for the event (None: no server)."""
    fake = FakeEmitter(sends)
    monkeypatch.setattr(emitting, "emit_event", fake)
    monkeypatch.setattr(emitting, "should_emit_events", lambda: client)
    monkeypatch.setattr(emitting, "wait_until_stored", lambda event_id: stored)
    return fake


def test_an_event_not_taken_by_a_configured_client_is_a_transient_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    patch_emitter(monkeypatch, sends=False, client=True)
    with pytest.raises(events.EventNotSentError, match="expected Prefect to accept") as raised:
        emitting.send(events.PUBLISHED, "d", {"path": "/out/d/versions/v1"})
    assert is_transient(raised.value)  # so the task's retries fire
    patch_emitter(monkeypatch, sends=False, client=False)  # no API configured: nothing to retry
    assert emitting.send(events.PUBLISHED, "d", {}) is None


def test_announce_writes_a_marker_once_sent_and_never_sends_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = str(tmp_path / "out")
    failing = patch_emitter(monkeypatch, sends=False)
    with pytest.raises(events.EventNotSentError):
        emitting.announce.fn(root, "d", "v1", {"path": "p"})
    assert failing.calls and not announcements.is_announced(root, "d", "v1")

    sending = patch_emitter(monkeypatch)
    assert emitting.announce.fn(root, "d", "v1", {"path": "p"}) == "event-1"
    marker = announcements.marker_path(root, "d", "v1")
    assert announcements.read_marker(root, "d", "v1") == {"version": "v1", "event_id": "event-1"}
    assert marker.parent.parent == dataset_dir(root, "d")  # beside versions/, not inside one
    assert emitting.announce.fn(root, "d", "v1", {"path": "p"}) is None
    assert len(sending.calls) == 1


def test_an_event_the_server_never_stored_is_retried_and_not_marked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = str(tmp_path / "out")
    patch_emitter(monkeypatch, stored=False)  # queued by emit_event, never reached the server
    with pytest.raises(events.EventNotSentError, match="not stored by the server") as raised:
        emitting.announce.fn(root, "d", "v1", {"path": "/out/d/versions/v1"})
    assert is_transient(raised.value)
    assert not announcements.is_announced(root, "d", "v1")
    patch_emitter(monkeypatch, stored=None)  # the ephemeral API of a local run: no listener
    assert emitting.announce.fn(root, "d", "v1", {"path": "p"}) == "event-1"
    assert not announcements.is_announced(root, "d", "v1")  # a served rerun announces it


def test_wait_until_stored_reads_the_event_back_from_a_running_server(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from prefect.events.filters import EventFilter

    asked: list[EventFilter] = []

    class Client:
        def __init__(self, answers: list[bool]) -> None:
            self.answers = answers

        def __enter__(self) -> Client:
            return self

        def __exit__(self, *exc: object) -> None: ...

        def read_events(self, wanted: EventFilter, limit: int) -> Any:
            asked.append(wanted)
            return SimpleNamespace(events=["stored"] if self.answers.pop(0) else [])

    import prefect.client.orchestration as orchestration

    event_id = "6f1c4b5e-64c5-4a5e-9d38-8a2f1c2b7d10"
    monkeypatch.setattr(emitting, "STORED_POLL_SECONDS", 0.0)
    monkeypatch.setattr(emitting, "should_emit_events_to_running_server", lambda: False)
    assert emitting.wait_until_stored(event_id) is None
    monkeypatch.setattr(emitting, "should_emit_events_to_running_server", lambda: True)
    monkeypatch.setattr(orchestration, "get_client", lambda **_: Client([False, False, True]))
    assert emitting.wait_until_stored(event_id, seconds=5) is True
    assert [str(i) for i in asked[-1].id.id or []] == [event_id] and len(asked) == 3
    monkeypatch.setattr(orchestration, "get_client", lambda **_: Client([False] * 1000))
    assert emitting.wait_until_stored(event_id, seconds=0.0) is False


def test_a_rerun_that_finds_its_version_announces_it_when_the_marker_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sending = patch_emitter(monkeypatch)
    monkeypatch.setattr(emitting, "announce", emitting.announce.fn)  # no Prefect runtime needed
    root = tmp_path / "out"
    version = root / "d" / "versions" / "v1"
    version.mkdir(parents=True)
    pd.DataFrame({"x": [1, 2]}).to_parquet(version / "part-0.parquet")
    found = RunSummary(
        dataset="d", version="v1", path=str(version), reused=True, method="smote", gate="publish"
    )

    assert emitting.announce_published("d", str(root), found) == "event-1"
    payload = sending.calls[0]["payload"]
    assert (payload["version"], payload["method"], payload["gate"]) == ("v1", "smote", "publish")
    assert emitting.announce_published("d", str(root), found) is None  # marker present now
    assert len(pd.read_parquet(version)) == 2  # the published folder reads as before
    announcements.marker_path(root, "d", "v1").unlink()  # e.g. the event was lost in a crash
    assert emitting.announce_published("d", str(root), found) == "event-2"
