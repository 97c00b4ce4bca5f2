"""``prefect.yaml`` generated from dataset specs, for teams with their own server and work pool.

    python -m rebalance.deployments.prefect_yaml examples/specs/*.yaml > prefect.yaml

Per spec: ``<dataset>-worker`` of ``rebalance-spec`` (the spec's own cron schedule if it has
one, and the arrival trigger), and, only for a spec with ``schedule.inbox``,
``<dataset>-watch-worker`` of ``watch`` every ``schedule.watch_every_seconds``. Once:
``on-publish-worker`` of ``train-classifier``. The ``-worker`` names never collide with the
deployments ``rebalance serve`` creates (``<dataset>``, ``on-publish``) on the same server, and
every entry's ``name`` is unique in the file, so ``prefect deploy --name`` picks exactly one.

The pull step changes into ``$REBALANCE_PROJECT_DIR`` on the worker's machine (resolved there,
when a run starts), where this project is checked out and installed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from rebalance.core import events
from rebalance.core.config import RebalanceConfig, load_config
from rebalance.tasks.stages import GPU_LIMIT

POOL = "rebalance-process"
PROJECT_DIR = "{{ $REBALANCE_PROJECT_DIR }}"
HEADER = f"""\
# Generated from the dataset specs; do not edit by hand. Regenerate with
#   python -m rebalance.deployments.prefect_yaml examples/specs/*.yaml > prefect.yaml
# For teams that run their own Prefect server, once per server:
#   prefect work-pool create {POOL} --type process
#   prefect global-concurrency-limit create {GPU_LIMIT} --limit 1   # one GAN training per GPU
# then `prefect --no-prompt deploy --all` from this folder, and on a machine with this project
# checked out and installed:
#   REBALANCE_PROJECT_DIR=/path/to/checkout prefect worker start --pool {POOL}
# One machine, nothing set up yet? `rebalance serve SPEC...` does all of this by itself.
"""


def prefect_yaml(spec_paths: Sequence[str | Path], project_dir: str | Path = ".") -> str:
    """The text of ``prefect.yaml``; spec paths are written relative to ``project_dir``."""
    project = Path(project_dir).resolve()
    deployments: list[dict[str, Any]] = []
    for spec_path in spec_paths:
        resolved = Path(spec_path).resolve()
        spec = (
            resolved.relative_to(project).as_posix()
            if resolved.is_relative_to(project)
            else str(resolved)
        )
        config = load_config(resolved)
        deployments.append(_rebalance_entry(spec, config))
        if config.schedule.inbox:
            deployments.append(_watch_entry(spec, config))
    deployments.append(_classifier_entry())
    document = {
        "name": "rebalance",
        "prefect-version": "3.8.8",
        "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": PROJECT_DIR}}],
        "deployments": deployments,
    }
    return HEADER + yaml.safe_dump(document, sort_keys=False, width=100)


def _rebalance_entry(spec: str, config: RebalanceConfig) -> dict[str, Any]:
    name, schedule = config.dataset.name, config.schedule
    entry: dict[str, Any] = {
        "name": f"{name}-worker",
        "description": f"Rebalance {spec} on its schedule and when new data arrives.",
        "entrypoint": "flows/rebalance_flow.py:rebalance_spec",
        "parameters": {"spec_path": spec},
        "schedules": (
            [{"cron": schedule.cron, "timezone": schedule.timezone}] if schedule.cron else []
        ),
        # ENQUEUE: a queued run may carry new data; it ends at once if already published
        "concurrency_limit": {"limit": 1, "collision_strategy": "ENQUEUE"},
        "triggers": [
            {
                "type": "event",
                "enabled": True,
                "expect": [events.ARRIVED],
                "match": {
                    "prefect.resource.id": events.inbox_resource(name)["prefect.resource.id"]
                },
                "parameters": {"spec_path": spec, "input_path": "{{ event.payload.path }}"},
            }
        ],
        "tags": ["rebalance", name],
        "work_pool": {"name": POOL},
    }
    return entry


def _watch_entry(spec: str, config: RebalanceConfig) -> dict[str, Any]:
    name = config.dataset.name
    return {
        "name": f"{name}-watch-worker",
        "description": f"Announce new or changed files in the inbox of {spec}.",
        "entrypoint": "flows/watch_flow.py:watch",
        "parameters": {"spec_path": spec},
        "schedules": [{"interval": config.schedule.watch_every_seconds}],
        "concurrency_limit": {"limit": 1, "collision_strategy": "CANCEL_NEW"},
        "tags": ["rebalance", name],
        "work_pool": {"name": POOL},
    }


def _classifier_entry() -> dict[str, Any]:
    return {
        "name": "on-publish-worker",
        "description": "Train and evaluate the downstream classifier on each published version.",
        "entrypoint": "flows/train_classifier_flow.py:train_classifier",
        "triggers": [
            {
                "type": "event",
                "enabled": True,
                "expect": [events.PUBLISHED],
                "match": {"prefect.resource.id": "rebalance.dataset.*"},
                "parameters": {
                    "root": "{{ event.payload.root }}",
                    "dataset": "{{ event.payload.dataset }}",
                    "version": "{{ event.payload.version }}",
                },
            }
        ],
        "tags": ["rebalance"],
        "work_pool": {"name": POOL},
    }


def main(argv: Sequence[str] | None = None) -> int:
    specs = list(sys.argv[1:] if argv is None else argv)
    if not specs:
        print("usage: python -m rebalance.deployments.prefect_yaml SPEC... > prefect.yaml")
        return 2
    sys.stdout.write(prefect_yaml(sorted(specs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
