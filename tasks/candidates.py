"""Trying one candidate method: fit its sampler and generate what the plan asks for.

Candidates are submitted side by side on the flow's task runner; each task caps its own native
threads so that N of them do not oversubscribe the cores (see ``rebalance.core.runtime``).
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.concurrency.sync import concurrency

from rebalance.core.balance import fit_oversampler, generate_synthetic
from rebalance.core.c_heap import free_pages_returned
from rebalance.core.config import BalanceConfig, ColumnType, DatasetSpec
from rebalance.core.errors import RebalanceError
from rebalance.core.plan import BalancePlan
from rebalance.core.progress import TerminalBar, close_all, finish_all
from rebalance.core.runtime import native_threads
from rebalance.core.samplers import Oversampler, method_traits
from rebalance.core.samplers.base import ProgressListener
from rebalance.core.timing import Stopwatch
from rebalance.tasks.io import artifact_key
from rebalance.tasks.progress import PrefectProgress
from rebalance.tasks.stages import GPU_LIMIT


@dataclass
class Attempt:
    """One method's synthetic rows, its loss curves (methods that train) and its seconds."""

    method: str
    synthetic: pd.DataFrame | None
    history: dict[str, Any] | None
    seconds: dict[str, float]
    rows_fitted: tuple[int, int] | None = None  # (rows the sampler learnt from, rows given)


def retry_unless_domain_error(task: Any, task_run: Any, state: Any) -> bool:
    """Retry a training that crashed (out of memory, a lost device), never a bad input."""
    try:
        state.result()
    except RebalanceError:
        return False
    except Exception:
        return True
    return False


# A retried training resumes from the checkpoint in the run's work folder.
@task(
    name="try-method",
    retries=1,
    retry_delay_seconds=5,
    retry_condition_fn=retry_unless_domain_error,
    cache_policy=NO_CACHE,
)
def try_method(
    train: pd.DataFrame,
    types: dict[str, ColumnType],
    spec: DatasetSpec,
    balance: BalanceConfig,
    plan: BalancePlan,
    work_dir: str | None = None,
    threads: int | None = None,
) -> Attempt:
    """Fit ``balance.method`` on ``train`` and generate ``plan.to_generate`` rows, with at
    most ``threads`` OpenMP threads for scikit-learn (None: uncapped). The fitted sampler is
    a local of ``_attempt``: it is freed before the heap's free pages go back to the system
    (``core.c_heap``)."""
    with free_pages_returned():
        return _attempt(train, types, spec, balance, plan, work_dir, threads)


def _attempt(
    train: pd.DataFrame,
    types: dict[str, ColumnType],
    spec: DatasetSpec,
    balance: BalanceConfig,
    plan: BalancePlan,
    work_dir: str | None,
    threads: int | None,
) -> Attempt:
    method, clock = balance.method, Stopwatch()
    trains = method_traits(method).trains
    # A trained model keeps the process's thread count: its rows must not depend on the
    # tasks that happen to run beside it.
    with _torch_threads() if trains else native_threads(threads):
        with clock.stage(f"fit:{method}"):
            sampler = _fit(train, types, spec, balance, work_dir)
        with clock.stage(f"generate:{method}"):
            rows = generate_synthetic(sampler, plan)
    if sampler is None:
        return Attempt(method, rows, None, clock.rounded())
    rows_fitted = (sampler.fitted_rows(), sampler.given_rows_)
    return Attempt(method, rows, sampler.training_history(), clock.rounded(), rows_fitted)


def _fit(
    train: pd.DataFrame,
    types: dict[str, ColumnType],
    spec: DatasetSpec,
    balance: BalanceConfig,
    work_dir: str | None,
) -> Oversampler | None:
    traits = method_traits(balance.method)
    listeners: list[ProgressListener] = []
    if traits.trains:
        listeners = [TerminalBar(), PrefectProgress(artifact_key(spec.name, "training"))]
    # one GPU-bound fit per GPU: the "gpu" global limit, when the server has one (a fit on the
    # CPU holds none, so a local run does not ask a server that has no such limit)
    on_gpu = traits.uses_accelerator and _on_gpu(balance.params)
    slot = concurrency(GPU_LIMIT, occupy=1, strict=False) if on_gpu else None
    try:
        with slot or nullcontext():
            sampler = fit_oversampler(
                train,
                spec.target,
                types,
                balance.method,
                balance.seed,
                balance.params,
                work_dir=work_dir if traits.checkpoints else None,
                progress=listeners,
            )
    except BaseException:
        close_all(listeners)
        raise
    if sampler is not None:
        finish_all(listeners, sampler.training_history())  # the bar ends at the real end
    if sampler is not None and (summary := sampler.training_summary()):
        get_run_logger().info(summary)
    return sampler


def _on_gpu(options: Any) -> bool:
    """Whether the sampler's ``device`` option (``auto``: CUDA when present) is a GPU."""
    from rebalance.gan.devices import pick_device  # torch: only for a sampler that trains

    return pick_device(getattr(options, "device", "auto")).type == "cuda"


def _torch_threads() -> Any:
    """The calling thread's torch threads set to the process default (a new thread inherits
    whatever count another thread set last, e.g. a sampling pool's 1)."""
    from rebalance.gan.devices import use_default_threads

    return use_default_threads()
