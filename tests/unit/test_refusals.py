from __future__ import annotations

from pathlib import Path

import pytest

from rebalance.core import refusals
from rebalance.core.errors import PublishError


def test_a_refused_version_keeps_its_verdict_and_reads_it_back(tmp_path: Path) -> None:
    record = {"decision": {"reason": "detection AUC 0.97 > 0.90"}}
    where = refusals.write_refusal(tmp_path, "d", "v1", {"_validation.json": record})
    assert where == tmp_path / "d" / "refused" / "v1"
    assert refusals.read_refusal(tmp_path, "d", "v1") == record
    assert refusals.read_refusal(tmp_path, "d", "v2") is None


def test_an_unreadable_verdict_counts_as_none(tmp_path: Path) -> None:
    folder = refusals.refusal_dir(tmp_path, "d", "v1")
    folder.mkdir(parents=True)
    (folder / "_validation.json").write_text("{not json", encoding="utf-8")
    assert refusals.read_refusal(tmp_path, "d", "v1") is None


def test_a_failed_write_leaves_the_previous_verdict_whole(tmp_path: Path) -> None:
    before = {"decision": {"reason": "first"}}
    refusals.write_refusal(tmp_path, "d", "v1", {"_validation.json": before})
    with pytest.raises(PublishError, match="side file"):  # a payload that cannot be written
        refusals.write_refusal(
            tmp_path, "d", "v1", {"_validation.json": {"decision": {}}, "_report.html": 3}
        )
    assert refusals.read_refusal(tmp_path, "d", "v1") == before
    assert [p.name for p in (tmp_path / "d" / "refused").iterdir()] == ["v1"]
