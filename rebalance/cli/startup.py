"""Process start-up of the ``rebalance`` command: the allocator, and Prefect's local API server
started beside the imports a run needs.

Nothing here runs on import; ``rebalance.cli.main`` calls it for its own process only.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import os
import threading
from collections.abc import Iterable
from typing import Any

# glibc's mallopt parameters (malloc.h) and the values set for this command
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_MMAP_THRESHOLD = 32 << 20  # bytes: smaller blocks come from the heap and are reused
_TRIM_THRESHOLD = 128 << 20  # bytes of free heap top kept rather than handed back


def tune_allocator() -> None:
    """Keep freed blocks of up to 32 MiB for reuse instead of unmapping each one.

    glibc serves blocks above its mmap threshold with fresh pages, and tensors of a few MiB
    (a wide table's critic weights and their gradients) are allocated and freed at every
    training step: measured on a 1,000-column fit, 0.9 M page faults and 3.7 s of system time
    for 60 steps, 0.14 M and 1.1 s with these limits (benchmarks/RESULTS.md). Blocks above
    32 MiB still get their own mapping, so large frames return their memory when freed.
    The user's own ``MALLOC_*`` settings win; other C libraries are left alone.
    """
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return
    try:
        is_glibc = os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc")
    except (ValueError, OSError, AttributeError):  # no such name on this system
        return
    if not is_glibc:
        return
    libc = ctypes.CDLL(None)  # the C library this process already runs on
    libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
    libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD)
    # child processes (Dask workers of a LocalCluster) read the same limits at their start
    os.environ["MALLOC_MMAP_THRESHOLD_"] = str(_MMAP_THRESHOLD)
    os.environ["MALLOC_TRIM_THRESHOLD_"] = str(_TRIM_THRESHOLD)


def start_beside_imports(modules: Iterable[str]) -> None:
    """Import ``modules`` while Prefect's temporary API server starts, then wait for it.

    Without ``PREFECT_API_URL`` a flow run first starts that server in a subprocess and waits
    for it (about 7 s on 2 cores); the run later imports torch, Great Expectations and
    matplotlib lazily (about 8 s). Started here, the server boots on one core while this
    process imports on the other. The flow then finds the same server running (Prefect keeps
    one per process) and stops it at exit as usual.
    """
    starting = _start_local_api()
    for name in modules:
        with contextlib.suppress(ImportError):  # the stage that needs it raises its own error
            importlib.import_module(name)
    if starting is not None:
        starting.join()


def _start_local_api() -> threading.Thread | None:
    """A thread starting the server the flow would start itself; None when the flow would
    use a configured API instead, or this Prefect has no such server."""
    try:
        from prefect.settings import PREFECT_API_URL, PREFECT_SERVER_EPHEMERAL_ENABLED

        if PREFECT_API_URL.value() or not PREFECT_SERVER_EPHEMERAL_ENABLED.value():
            return None
        from prefect.server.api.server import SubprocessASGIServer
    except (ImportError, AttributeError):
        return None
    server = SubprocessASGIServer()  # the instance Prefect's client looks up later
    thread = threading.Thread(target=_start, args=(server,), name="prefect-api-start")
    thread.start()
    return thread


def _start(server: Any) -> None:
    try:
        server.start()
    except Exception:  # the flow's own start retries and reports the failure
        return
