"""The start-up sweep of ``rebalance serve``: give back what an unclean stop left held.

Prefect keeps a deployment's concurrency slot as a count in its database and the slot's lease
in the server's memory. When ``serve`` (and the server it started) is killed while a run holds a
slot, the restarted server has the count but no lease to expire, so the slot is never freed and
every later run of that deployment waits ("AwaitingConcurrencySlot") forever.

A served deployment runs only in the ``serve`` process that serves it, so when ``serve`` starts,
none of its runs can still be pending or running: those the server still calls so are crashed
(which releases their slots), and whatever count remains on the deployment's limit is reset to
zero. The ``gpu`` limit is reset only on a server this ``serve`` started itself, where no other
process can hold it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

ACTIVE_STATES = ("PENDING", "RUNNING", "CANCELLING")
CRASH_MESSAGE = "its rebalance serve process stopped while it ran; crashed at the next start"


def release_orphans(deployment_names: Sequence[str], gpu_limit: str | None = None) -> list[str]:
    """Crash the served deployments' runs still marked active and free their slots; reset
    ``gpu_limit`` when given. Returns one line per deployment that had anything to release."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    lines = []
    with get_client(sync_client=True) as client:
        for name in deployment_names:
            try:
                deployment = client.read_deployment_by_name(name)
            except ObjectNotFound:
                continue  # first start: nothing was held
            crashed = _crash_active_runs(client, deployment.id)
            freed = _reset_slots(client, client.read_deployment(deployment.id))
            if crashed or freed:
                lines.append(
                    f"{name}: {crashed} run(s) left running by an unclean stop crashed, "
                    f"{freed} concurrency slot(s) released"
                )
        if gpu_limit is not None:
            freed = _reset_limit(client, gpu_limit)
            if freed:
                lines.append(f"{gpu_limit}: {freed} slot(s) held before the restart released")
    return lines


def _crash_active_runs(client: Any, deployment_id: Any) -> int:
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterId,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.states import Crashed

    runs = client.read_flow_runs(
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id])),
        flow_run_filter=FlowRunFilter(
            state=FlowRunFilterState(
                type=FlowRunFilterStateType(any_=[StateType(s) for s in ACTIVE_STATES])
            )
        ),
    )
    for run in runs:
        # forced: no rule may keep it; the server's release transform still frees its slot
        client.set_flow_run_state(run.id, Crashed(message=CRASH_MESSAGE), force=True)
    return len(runs)


def _reset_slots(client: Any, deployment: Any) -> int:
    limit = deployment.global_concurrency_limit
    if limit is None or not limit.active_slots:
        return 0
    return _reset_limit(client, limit.name)


def _reset_limit(client: Any, name: str) -> int:
    from prefect.client.schemas.actions import GlobalConcurrencyLimitUpdate
    from prefect.exceptions import ObjectNotFound

    try:
        held = int(client.read_global_concurrency_limit_by_name(name).active_slots)
    except ObjectNotFound:
        return 0
    if held:
        client.update_global_concurrency_limit(name, GlobalConcurrencyLimitUpdate(active_slots=0))
    return held
