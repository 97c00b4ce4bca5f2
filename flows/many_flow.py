"""The ``rebalance-many`` flow: one ``rebalance`` run per spec, fanned out over a task runner.

One failing spec does not stop the others; the outcome of each is returned in spec order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from rebalance.core.config import RebalanceConfig
from rebalance.core.errors import RebalanceError
from rebalance.core.publication import RunSummary
from rebalance.core.redaction import redact_url
from rebalance.core.runtime import RuntimeConfig
from rebalance.flows import runners


@dataclass
class SpecOutcome:
    """What one spec's run ended in: its summary, or the one-line error that stopped it."""

    dataset: str
    summary: RunSummary | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def run_many(configs: list[RebalanceConfig], runtime: RuntimeConfig) -> list[SpecOutcome]:
    """``rebalance-many`` on the task runner ``runtime`` names."""
    runner = runners.task_runner_for(runtime, len(configs))
    return rebalance_many.with_options(task_runner=runner)(configs)


@flow(name="rebalance-many", log_prints=True, task_runner=runners.default_task_runner())
def rebalance_many(configs: list[RebalanceConfig]) -> list[SpecOutcome]:
    """submit one rebalance run per spec -> wait for all -> one outcome per spec"""
    futures = [rebalance_one.submit(config) for config in configs]
    outcomes = [future.result() for future in futures]
    failed = [outcome.dataset for outcome in outcomes if not outcome.ok]
    get_run_logger().info(
        "%d of %d spec(s) published%s",
        len(outcomes) - len(failed),
        len(outcomes),
        f"; failed: {', '.join(failed)}" if failed else "",
    )
    return outcomes


@task(name="rebalance-one", retries=0, cache_policy=NO_CACHE)
def rebalance_one(config: RebalanceConfig) -> SpecOutcome:
    """One spec's run, its candidates one after another: the specs are what runs side by
    side. A domain error becomes this spec's outcome instead of failing the others."""
    # imported here, on the worker: a task's function travels to Dask workers by value, and
    # a flow reached through its globals would lose the names its signature is checked with
    from rebalance.flows.rebalance_flow import rebalance

    runner: Any = ThreadPoolTaskRunner(max_workers=1)
    try:
        summary = rebalance.with_options(task_runner=runner)(config)
    except RebalanceError as exc:
        return SpecOutcome(config.dataset.name, error=redact_url(str(exc)))
    return SpecOutcome(config.dataset.name, summary=summary)
