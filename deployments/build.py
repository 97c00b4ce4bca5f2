"""The deployments of one machine's rebalance service, built from dataset spec files.

Per spec:
- ``rebalance-spec/<dataset>``: the cron schedule from the spec's ``schedule.cron``, and a
  trigger on ``rebalance.dataset.arrived`` for that dataset whose event payload's ``path``
  becomes the run's ``input_path``. At most one run per dataset at a time; a run that arrives
  while one is running is queued (ENQUEUE), not dropped, because it may carry new data; the
  queued run ends early when its content key was published meanwhile.
- ``watch/<dataset>`` (when the spec names ``schedule.inbox``): every
  ``schedule.watch_every_seconds`` it announces new or changed files.

Once: ``train-classifier/on-publish``, triggered by ``rebalance.dataset.published``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.events.schemas.deployment_triggers import DeploymentEventTrigger

from rebalance.core import events
from rebalance.core.config import load_config
from rebalance.tasks.stages import GPU_LIMIT  # held while a GAN trains: one training per GPU


def build_deployments(
    spec_paths: Sequence[str | Path], output_root: str | None = None
) -> list[Any]:
    from rebalance.flows.rebalance_flow import rebalance_spec
    from rebalance.flows.train_classifier_flow import train_classifier
    from rebalance.flows.watch_flow import watch

    built: list[Any] = []
    for spec_path in spec_paths:
        spec = str(Path(spec_path).resolve())
        config = load_config(spec)
        name = config.dataset.name
        arrived = DeploymentEventTrigger(
            name=f"{name}: new data arrived",
            expect={events.ARRIVED},
            match={"prefect.resource.id": events.inbox_resource(name)["prefect.resource.id"]},
            parameters={
                "spec_path": spec,
                "input_path": "{{ event.payload.path }}",
                "output_root": output_root,
            },
        )
        built.append(
            rebalance_spec.to_deployment(
                name=name,
                cron=config.schedule.cron,
                parameters={"spec_path": spec, "output_root": output_root},
                triggers=[arrived],
                concurrency_limit=ConcurrencyLimitConfig(
                    limit=1, collision_strategy=ConcurrencyLimitStrategy.ENQUEUE
                ),
                tags=["rebalance", name],
            )
        )
        if config.schedule.inbox:
            built.append(
                watch.to_deployment(
                    name=name,
                    interval=config.schedule.watch_every_seconds,
                    parameters={"spec_path": spec},
                    concurrency_limit=1,
                    tags=["rebalance", name],
                )
            )
    published = DeploymentEventTrigger(
        name="a dataset version was published",
        expect={events.PUBLISHED},
        match={"prefect.resource.id": "rebalance.dataset.*"},
        parameters={
            "root": "{{ event.payload.root }}",
            "dataset": "{{ event.payload.dataset }}",
            "version": "{{ event.payload.version }}",
        },
    )
    built.append(
        train_classifier.to_deployment(name="on-publish", triggers=[published], tags=["rebalance"])
    )
    return built


def ensure_gpu_limit() -> None:
    """Create the ``gpu`` global concurrency limit (1 slot) if the server lacks it."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_global_concurrency_limit_by_name(GPU_LIMIT)
        except ObjectNotFound:
            with contextlib.suppress(ObjectAlreadyExists):  # created meanwhile: fine
                client.create_global_concurrency_limit(
                    GlobalConcurrencyLimitCreate(name=GPU_LIMIT, limit=1)
                )
