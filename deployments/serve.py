"""``rebalance serve``: everything on one machine, stopped cleanly with Ctrl-C.

If ``PREFECT_API_URL`` is not set, a real Prefect server (``prefect server start``, SQLite in
``PREFECT_HOME``) is started on loopback first, because the ephemeral API runs no schedules
and no event triggers. Then what an unclean stop left held is released (``sweep.py``), and the
deployments of every spec are served by this process.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

from rebalance.core.errors import RebalanceError
from rebalance.core.serve_logs import ExplainAbortedSubmissions, quiet_logging_config

SERVER_START_TIMEOUT = 90.0


class ServeError(RebalanceError):
    """The Prefect server could not be started or reached."""


def server_env(host: str, port: int) -> dict[str, str]:
    """Settings for a started server on ``host:port``: its own port, and the UI told to call
    that port (``--port`` alone leaves the UI calling 4200, or a profile's API URL)."""
    base = f"http://{host}:{port}"
    return {
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_HOST": host,
        "PREFECT_SERVER_API_PORT": str(port),
        "PREFECT_UI_API_URL": f"{base}/api",
        "PREFECT_UI_URL": base,
    }


def start_server(host: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, **server_env(host, port)}
    env.pop("PREFECT_API_URL", None)
    command = [
        sys.executable,
        "-m",
        "prefect",
        "server",
        "start",
        "--host",
        host,
        "--port",
        str(port),
    ]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    url = f"http://{host}:{port}/api/health"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServeError(
                f"expected a Prefect server on {host}:{port}, but it exited "
                f"with status {process.returncode} (is the port in use?)"
            )
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return process
        except OSError:
            time.sleep(0.5)
    stop_server(process)
    raise ServeError(f"expected a Prefect server at {url} within {SERVER_START_TIMEOUT:.0f} s")


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def quiet_logs() -> Path | None:
    """Before Prefect is imported: a logging config without domain-error tracebacks, for this
    process and the served runs it starts (they inherit the variable). A user's own
    ``PREFECT_LOGGING_SETTINGS_PATH`` is kept. Returns the file written, if any."""
    spec = importlib.util.find_spec("prefect")  # found, not imported: logging is set up then
    if os.environ.get("PREFECT_LOGGING_SETTINGS_PATH") or spec is None or spec.origin is None:
        return None
    default = Path(spec.origin).parent / "logging" / "logging.yml"
    home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    home.mkdir(parents=True, exist_ok=True)
    target = home / "rebalance-serve-logging.yml"
    target.write_text(quiet_logging_config(default.read_text(encoding="utf-8")), encoding="utf-8")
    os.environ["PREFECT_LOGGING_SETTINGS_PATH"] = str(target)
    return target


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _serve(deployments: Sequence[object]) -> None:
    """Prefect's ``serve``, with SIGTERM stopping the runner the way Ctrl-C does.

    Prefect's runner answers SIGTERM with ``sys.exit`` from wherever its loop happens to be;
    raised inside an event-loop callback, that can leave a worker-thread hand-off waiting
    forever, and the process never exits. Here SIGTERM cancels the runner's task instead (what
    Ctrl-C does under ``asyncio.run``), which shuts it down in order. The cancel is scheduled
    directly, not by re-raising SIGINT: a process started in the background inherits SIGINT
    ignored, and would then never stop.
    """
    import asyncio

    from prefect.runner import Runner

    class _Runner(Runner):
        task: asyncio.Task[None] | None = None

        def handle_sigterm(self, *args: object, **kwargs: object) -> None:
            if self.task is not None:  # a signal handler: schedule, do not act mid-callback
                self.task.get_loop().call_soon_threadsafe(self.task.cancel)

    runner = _Runner(pause_on_shutdown=True)
    for deployment in deployments:
        runner.add_deployment(deployment)  # type: ignore[arg-type]

    async def run() -> None:
        runner.task = asyncio.current_task()
        await runner.start()

    try:
        asyncio.run(run())
    except asyncio.CancelledError:
        raise KeyboardInterrupt from None


def serve_specs(
    spec_paths: Sequence[str], output_root: str | None, host: str = "127.0.0.1", port: int = 4200
) -> int:
    # SIGTERM (a supervisor, `kill`) stops like Ctrl-C: the started server goes down too.
    # SIGINT keeps Python's own handler, so that asyncio.run turns it into a cancellation.
    signal.signal(signal.SIGTERM, _interrupt)
    quiet_logs()
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = start_server(host, port)
        os.environ.update(
            {
                "PREFECT_API_URL": f"http://{host}:{port}/api",
                "PREFECT_UI_URL": f"http://{host}:{port}",
            }
        )
    api = os.environ["PREFECT_API_URL"]
    try:
        from rebalance.deployments.build import GPU_LIMIT, build_deployments, ensure_gpu_limit
        from rebalance.deployments.sweep import release_orphans

        # the runner says this at every poll for each queued run: explained once instead
        logging.getLogger("prefect.runner.state_proposer").addFilter(ExplainAbortedSubmissions())
        ensure_gpu_limit()
        deployments = build_deployments(spec_paths, output_root)
        names = [deployment.full_name for deployment in deployments]
        for line in release_orphans(names, GPU_LIMIT if server is not None else None):
            print(f"rebalance: {line}", flush=True)
        print(f"rebalance: serving {len(deployments)} deployment(s); API {api}", flush=True)
        print(f"rebalance: UI at {api.removesuffix('/api')}  (Ctrl-C stops)", flush=True)
        _serve(deployments)
    except KeyboardInterrupt:
        print("rebalance: stopping", flush=True)
    finally:
        if server is not None:
            stop_server(server)
    return 0
