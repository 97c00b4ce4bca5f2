"""Which failures are worth a retry: I/O and network faults, never deterministic errors."""

from __future__ import annotations

from typing import Any

from prefect.tasks import exponential_backoff

from rebalance.core.errors import RebalanceError
from rebalance.core.storage import is_permanent_fault

# Missing files, permissions, read-only file systems and full disks do not fix themselves;
# other OS/network errors may.
PERMANENT_OS_ERRORS = (FileNotFoundError, IsADirectoryError, NotADirectoryError, PermissionError)
IO_RETRIES = 3
IO_RETRY_DELAYS = exponential_backoff(backoff_factor=1)(IO_RETRIES)  # 1 s, 2 s, 4 s


def is_transient(exc: BaseException | None) -> bool:
    if isinstance(exc, RebalanceError):
        return exc.transient  # an unreachable input location, say
    if exc is None or isinstance(exc, PERMANENT_OS_ERRORS) or is_permanent_fault(exc):
        return False
    return isinstance(exc, OSError | TimeoutError | ConnectionError)


def retry_if_transient(task: Any, task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: the failed state's data holds the exception."""
    exc = state.data if isinstance(state.data, BaseException) else None
    if exc is None:
        try:
            state.result(raise_on_failure=True)
        except BaseException as raised:
            exc = raised
    return is_transient(exc)
