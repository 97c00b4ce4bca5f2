"""The inbox watcher's pure part: which files are new or changed."""

from __future__ import annotations

from pathlib import Path

from rebalance.core import events
from rebalance.core.inbox import find_arrivals, list_inbox, read_state, write_state


def test_new_changed_and_unchanged_files(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a.csv").write_text("x,y\n1,2\n")
    (inbox / ".partial.csv").write_text("hidden: still being written")
    (inbox / "notes.txt").write_text("not data")
    paths = list_inbox(str(inbox), "*.csv")
    assert paths == [str(inbox / "a.csv")]

    first = find_arrivals(paths, {})
    assert [a.path for a in first] == paths and first[0].size == 8
    seen = {a.path: a.fingerprint for a in first}
    assert find_arrivals(paths, seen) == []  # unchanged content: nothing to announce

    (inbox / "a.csv").write_text("x,y\n1,3\n")  # same name, new content
    changed = find_arrivals(paths, seen)
    assert len(changed) == 1 and changed[0].fingerprint != first[0].fingerprint


def test_state_round_trips_and_bad_state_reannounces(tmp_path: Path) -> None:
    state = tmp_path / "deep" / "state.json"
    assert read_state(state) == {}
    write_state(state, {"p": "f"})
    assert read_state(state) == {"p": "f"}
    state.write_text("{not json")
    assert read_state(state) == {}  # every file is announced again, none is lost


def test_event_payloads_name_what_downstream_needs() -> None:
    arrived = events.arrived_payload("d", "spec.yaml", "/in/a.csv", "abc", 10)
    assert set(arrived) == {"dataset", "spec", "path", "fingerprint", "size"}
    published = events.published_payload(
        "d", "v1", "/out", "/out/d/versions/v1", "smote", "publish", "synthetic_only"
    )
    assert set(published) == {"dataset", "version", "root", "path", "method", "gate", "release"}
    assert published["release"] == "synthetic_only"  # train-classifier: no holdout split
    assert events.inbox_resource("d")["prefect.resource.id"] == "rebalance.inbox.d"
