"""prefect.yaml is generated from the specs: distinct names, the spec's schedule, a watcher only
where there is an inbox, pull steps; the committed file is what the generator writes."""

from __future__ import annotations

from pathlib import Path

import yaml

from rebalance.deployments.prefect_yaml import prefect_yaml
from tests.support import EXAMPLE_SPECS

ROOT = EXAMPLE_SPECS.parents[1]


def test_the_committed_prefect_yaml_is_what_the_generator_writes() -> None:
    specs = sorted(EXAMPLE_SPECS.glob("*.yaml"))
    assert (ROOT / "prefect.yaml").read_text() == prefect_yaml(specs, ROOT), (
        "regenerate: python -m rebalance.deployments.prefect_yaml examples/specs/*.yaml"
        " > prefect.yaml"
    )


def test_schedules_come_from_the_spec_and_only_an_inbox_gets_a_watcher(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "a.yaml").write_text(
        "dataset: {name: a, path: a.csv, target: y}\n"
        "schedule: {cron: '15 2 * * 1', timezone: Europe/Berlin, inbox: in,"
        " watch_every_seconds: 30}\n"
    )
    (tmp_path / "b.yaml").write_text("dataset: {name: b, path: b.csv, target: y}\n")
    document = yaml.safe_load(prefect_yaml([tmp_path / "a.yaml", tmp_path / "b.yaml"], tmp_path))
    entries = {entry["name"]: entry for entry in document["deployments"]}
    assert list(entries) == ["a-worker", "a-watch-worker", "b-worker", "on-publish-worker"]
    assert entries["a-worker"]["schedules"] == [{"cron": "15 2 * * 1", "timezone": "Europe/Berlin"}]
    assert entries["a-worker"]["parameters"] == {"spec_path": "a.yaml"}
    assert entries["a-watch-worker"]["schedules"] == [{"interval": 30}]
    assert entries["b-worker"]["schedules"] == []  # event-driven only: no invented cron
    assert "b-watch-worker" not in entries  # no inbox: nothing to watch
    served = {"a", "b", "on-publish"}  # what `rebalance serve` names its deployments
    assert not served & set(entries)
    (pull,) = document["pull"]
    assert "prefect.deployments.steps.set_working_directory" in pull
