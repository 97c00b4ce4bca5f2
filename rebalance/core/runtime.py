"""Where a run's tasks execute: the spec's ``runtime`` section.

None of it changes the published rows of a CPU run, so none of it is in the config hash: the
GAN's fit keeps the process's torch thread count whatever runs beside it (its batch-norm
reductions depend on the thread count), and the scikit-learn work inside candidate tasks is
capped so that N tasks side by side use the machine's cores once, not N times.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_serializer, model_validator

from rebalance.core.redaction import redact_url

TaskRunnerKind = Literal["threads", "dask"]


class RuntimeConfig(BaseModel):
    """How the candidates of one run (and the runs of many specs) are spread out."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task_runner: TaskRunnerKind = Field(
        "threads",
        description="threads: candidates side by side in this process; dask: on a Dask "
        "cluster (a LocalCluster, or the one at `address`)",
    )
    address: str | None = Field(
        None, description="scheduler of an existing Dask cluster, e.g. tcp://scheduler:8786"
    )
    max_workers: int | None = Field(
        None,
        ge=1,
        description="tasks run at once (threads) or LocalCluster worker processes (dask); "
        "default: one per CPU core, at most one per candidate; 1 runs them one after another",
    )
    gan_resources: dict[str, float] = Field(
        default_factory=dict,
        description="Dask worker resources a GAN fit asks for, e.g. {GPU: 1}: GAN fits then "
        "run only on workers started with `--resources GPU=1`",
    )

    @model_validator(mode="after")
    def _address_needs_dask(self) -> RuntimeConfig:
        if self.address is not None and self.task_runner != "dask":
            raise ValueError(
                f"runtime.address is the address of a Dask scheduler: expected task_runner "
                f"'dask' with it, found {self.task_runner!r}"
            )
        if self.gan_resources and self.task_runner != "dask":
            raise ValueError(
                "runtime.gan_resources are Dask worker resources: expected task_runner 'dask' "
                f"with them, found {self.task_runner!r}"
            )
        return self

    @field_serializer("address", when_used="json")
    def _address_without_secrets(self, address: str | None) -> str | None:
        return None if address is None else redact_url(address)

    def workers_for(self, tasks: int) -> int:
        """How many of ``tasks`` independent tasks run at once."""
        if self.max_workers is not None:
            return self.max_workers
        return max(1, min(tasks, cpu_cores()))


def cpu_cores() -> int:
    """Cores this process may use (its affinity mask where the OS has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def threads_per_task(workers: int) -> int:
    """Native threads each of ``workers`` concurrent tasks may use, so that together they
    use every core once."""
    return max(1, cpu_cores() // max(1, workers))


@contextmanager
def native_threads(limit: int | None) -> Iterator[None]:
    """Cap the OpenMP pools (scikit-learn's) of the calling thread's work; None: leave them
    as they are. OpenMP only: its thread count is per calling thread, while BLAS libraries
    keep one process-wide count that concurrent tasks would overwrite in turn."""
    if limit is None:
        yield
        return
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=limit, user_api="openmp"):
        yield
