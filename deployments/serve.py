"""``rebalance serve``: everything on one machine, stopped cleanly with Ctrl-C.

If ``PREFECT_API_URL`` is not set, a real Prefect server (``prefect server start``, SQLite in
``PREFECT_HOME``) is started on loopback first, because the ephemeral API runs no schedules
and no event triggers. Then the deployments of every spec are served by this process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence

from rebalance.core.errors import RebalanceError

SERVER_START_TIMEOUT = 90.0


class ServeError(RebalanceError):
    """The Prefect server could not be started or reached."""


def start_server(host: str, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
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


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve_specs(
    spec_paths: Sequence[str], output_root: str | None, host: str = "127.0.0.1", port: int = 4200
) -> int:
    # SIGTERM (a supervisor, `kill`) stops like Ctrl-C: the started server goes down too.
    signal.signal(signal.SIGTERM, _interrupt)
    if hasattr(signal, "SIGINT"):
        signal.signal(signal.SIGINT, _interrupt)
    server = None
    if not os.environ.get("PREFECT_API_URL"):
        server = start_server(host, port)
        os.environ["PREFECT_API_URL"] = f"http://{host}:{port}/api"
    api = os.environ["PREFECT_API_URL"]
    try:
        from prefect import serve

        from rebalance.deployments.build import build_deployments, ensure_gpu_limit

        ensure_gpu_limit()
        deployments = build_deployments(spec_paths, output_root)
        print(f"rebalance: serving {len(deployments)} deployment(s); API {api}", flush=True)
        print(f"rebalance: UI at {api.removesuffix('/api')}  (Ctrl-C stops)", flush=True)
        serve(*deployments, print_starting_message=False)
    except KeyboardInterrupt:
        print("rebalance: stopping", flush=True)
    finally:
        if server is not None:
            stop_server(server)
    return 0
