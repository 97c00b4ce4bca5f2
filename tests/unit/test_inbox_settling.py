"""The watcher announces settled files only, oldest first."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from rebalance.core import inbox
from rebalance.core.config import ScheduleConfig
from rebalance.core.inbox import list_inbox, look


def drop(folder: Path, name: str, text: str, modified: float) -> str:
    path = folder / name
    path.write_text(text)
    os.utime(path, (modified, modified))
    return str(path)


def test_a_file_written_to_recently_is_left_for_the_next_look(tmp_path: Path) -> None:
    now = time.time()
    fresh = drop(tmp_path, "a.csv", "x,y\n1,2\n", now - 1)
    first = look([fresh], {}, stable_seconds=5, now=now)
    assert first.arrivals == [] and first.settling == [fresh]  # not announced, not seen
    later = look([fresh], {}, stable_seconds=5, now=now + 10)
    assert [a.path for a in later.arrivals] == [fresh] and later.settling == []


def test_a_file_that_changes_while_it_is_read_is_not_announced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = drop(tmp_path, "a.csv", "x,y\n1,2\n", time.time() - 60)
    sizes = iter([(8, 1.0), (16, 2.0)])  # it grew between the two observations
    monkeypatch.setattr(inbox, "observe", lambda _: next(sizes))
    found = look([path], {}, stable_seconds=5, now=100.0)
    assert found.arrivals == [] and found.settling == [path]


def test_arrivals_come_oldest_first_not_by_name(tmp_path: Path) -> None:
    now = time.time()
    drop(tmp_path, "a.csv", "x\n1\n", now - 50)
    drop(tmp_path, "b.csv", "x\n2\n", now - 100)  # arrived first
    drop(tmp_path, "c.csv", "x\n3\n", now - 75)
    paths = list_inbox(str(tmp_path), "*.csv")
    found = look(paths, {}, stable_seconds=5, now=now)
    assert [Path(a.path).name for a in found.arrivals] == ["b.csv", "c.csv", "a.csv"]


def test_the_interval_is_a_schedule_setting_with_a_few_seconds_by_default() -> None:
    assert 0 < ScheduleConfig().stable_seconds <= 30
    assert ScheduleConfig.model_validate({"stable_seconds": 0}).stable_seconds == 0
    with pytest.raises(ValueError, match="stable_seconds"):
        ScheduleConfig.model_validate({"stable_seconds": -1})
