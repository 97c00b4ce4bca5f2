"""The task runner a run's candidates are submitted to, built from the spec's ``runtime``."""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from typing import Any

from prefect.task_runners import ThreadPoolTaskRunner

from rebalance.core.errors import SpecError
from rebalance.core.redaction import redact_url
from rebalance.core.runtime import RuntimeConfig, cpu_cores, threads_per_task

DASK_EXTRA = "rebalance-tabular[dask]"


def task_runner_for(runtime: RuntimeConfig, tasks: int) -> Any:
    """Threads in this process, a LocalCluster of worker processes, or an existing cluster.
    ``tasks`` is the number of independent tasks the flow will submit (the default width)."""
    workers = runtime.workers_for(tasks)
    if runtime.task_runner == "threads":
        return ThreadPoolTaskRunner(max_workers=workers)
    runner_class = _dask_runner_class()
    if runtime.address is not None:
        return runner_class(address=runtime.address)
    # one thread per worker process: native pools inside each are capped the same way
    cluster: dict[str, Any] = {"n_workers": workers, "threads_per_worker": 1, "processes": True}
    cluster["resources"] = dict(runtime.gan_resources) or None
    return runner_class(cluster_kwargs={k: v for k, v in cluster.items() if v is not None})


def default_task_runner() -> Any:
    """Threads, one per core: what a direct call of a flow submits its tasks to."""
    return ThreadPoolTaskRunner(max_workers=cpu_cores())


def worker_threads(runtime: RuntimeConfig, tasks: int) -> int | None:
    """Native threads per task, so that the tasks side by side on this machine use its
    cores once (None: uncapped, on a remote cluster whose cores are not known here)."""
    if runtime.address is not None:
        return None
    return threads_per_task(runtime.workers_for(tasks))


def resources_for(runtime: RuntimeConfig, trains: bool) -> AbstractContextManager[Any]:
    """Dask annotations for a task: a GAN fit asks for ``runtime.gan_resources``."""
    if runtime.task_runner != "dask" or not trains or not runtime.gan_resources:
        return nullcontext()
    import dask

    return dask.annotate(resources=dict(runtime.gan_resources))


def describe_runner(runtime: RuntimeConfig, tasks: int) -> str:
    """One line for the log: where the candidates run."""
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    active = type(context.task_runner).__name__ if context is not None else ""
    if runtime.task_runner == "dask" and active != "DaskTaskRunner":
        # the runner is fixed when the flow starts: run_rebalance() applies the spec's
        return (
            f"the flow's {active or 'task runner'} (runtime.task_runner 'dask' is applied "
            "by run_rebalance and `rebalance run`, not by a direct call of the flow)"
        )
    if runtime.task_runner == "threads":
        return f"{runtime.workers_for(tasks)} thread(s) in this process"
    if runtime.address is not None:
        return f"the Dask cluster at {redact_url(runtime.address)}"
    return f"a local Dask cluster of {runtime.workers_for(tasks)} worker process(es)"


def _dask_runner_class() -> Any:
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise SpecError(
            "runtime.task_runner 'dask': expected prefect-dask to be installed, found it "
            f"missing; install the extra: pip install '{DASK_EXTRA}'"
        ) from None
    return DaskTaskRunner
