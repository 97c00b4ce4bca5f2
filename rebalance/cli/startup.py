"""Process start-up of the ``rebalance`` command: Prefect's local API server started beside the
imports a run needs.

Nothing here runs on import; ``rebalance.cli.runs`` calls it in the command's own process.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Iterable
from typing import Any


def start_beside_imports(modules: Iterable[str]) -> None:
    """Import ``modules`` while Prefect's temporary API server starts, then wait for it.

    Without ``PREFECT_API_URL`` a flow run first starts that server in a subprocess and waits
    for it (about 7 s on 2 cores); the run later imports torch, Great Expectations and
    matplotlib lazily (5-6 s). Started here, the server boots on one core while this
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
