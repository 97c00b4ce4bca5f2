"""Process start-up of the ``rebalance`` command: Prefect's local API server started beside the
imports a run needs.

Nothing here runs on import; ``rebalance.cli.runs`` calls it in the command's own process.
"""

from __future__ import annotations

import contextlib
import importlib
import threading
from collections.abc import Callable, Iterable
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
    start_process = getattr(server, "_run_uvicorn_command", None)  # Prefect 3.8's
    if start_process is not None:
        server._run_uvicorn_command = _in_own_process_group(start_process)
    try:
        server.start()
    except Exception:  # the flow's own start retries and reports the failure
        return


def _in_own_process_group(start_process: Callable[[], Any]) -> Callable[[], Any]:
    """Prefect's server process, started in a process group of its own. A terminal's Ctrl-C
    signals the whole foreground group: in it, the server died at once while the interrupted
    run spent minutes retrying it (two minutes and ~150 lines of connection errors, measured).
    Outside it, the run reports its end to a live server, and Prefect stops the server at exit
    as before."""
    from prefect.server.api import server as module

    def started() -> Any:
        real = module.subprocess
        module.subprocess = _OwnGroup(real)  # type: ignore[assignment]  # its one Popen call
        try:
            return start_process()
        finally:
            module.subprocess = real

    return started


class _OwnGroup:
    """The ``subprocess`` module, but ``Popen`` starts its process in a new process group."""

    def __init__(self, real: Any) -> None:
        self._real = real

    def Popen(self, *args: Any, **kwargs: Any) -> Any:  # subprocess.Popen, so named
        return self._real.Popen(*args, process_group=0, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)
