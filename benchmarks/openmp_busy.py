"""A small GAN call through the Python API under libgomp settings, idle and beside another
OpenMP job: what the README's advice for a busy machine rests on.

    .venv/bin/python benchmarks/openmp_busy.py --repeats 2

Each call runs in a fresh process (the settings are read when libgomp loads): ``balance()`` on
ecoli as "pp vs the rest" (336 rows), ``method="gan", epochs=5``. "Busy" runs it beside a
2-thread torch matrix-multiply loop in another process, started before and stopped after it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

try:  # imported as benchmarks.<name>, or run as a script from its folder
    from benchmarks.environment import describe, environment_line
except ModuleNotFoundError:
    from environment import describe, environment_line  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
SETTINGS = {
    "libgomp default": {},
    "GOMP_SPINCOUNT=10000": {"GOMP_SPINCOUNT": "10000"},
    "GOMP_SPINCOUNT=0": {"GOMP_SPINCOUNT": "0"},
    "OMP_NUM_THREADS=1": {"OMP_NUM_THREADS": "1"},
}
CALL = """
import pandas as pd
from rebalance import balance
names = ["mcg", "gvh", "lip", "chg", "aac", "alm1", "alm2", "site"]
frame = pd.read_csv({path!r}, header=None, names=names)
frame["site"] = frame["site"].where(frame["site"] == "pp", "other")
balance(frame, target="site", method="gan", epochs=5, on_failure="publish_real_only")
"""
LOAD = """
import torch
torch.set_num_threads(2)
a = torch.randn(600, 600)
while True:
    a = torch.tanh(a @ a / 600)
"""


def timed_call(settings: dict[str, str], data: Path, timeout: float) -> float | None:
    """Seconds of one call in a fresh process (None: past ``timeout``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOMP_", "OMP_"))}
    began = time.perf_counter()
    try:
        subprocess.run(
            [sys.executable, "-c", CALL.format(path=str(data))],
            env={**env, **settings},
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return None
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per call")
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    data = args.data_dir / "ecoli.csv"
    results: dict[tuple[str, str], list[float | None]] = {}
    for state in ("idle", "busy"):
        load = None
        if state == "busy":  # the load keeps libgomp's default spin, as another job would
            env = {k: v for k, v in os.environ.items() if not k.startswith(("GOMP_", "OMP_"))}
            load = subprocess.Popen([sys.executable, "-c", LOAD], env=env)
            time.sleep(3)
        try:
            for _ in range(args.repeats):  # settings alternate within each repeat
                for name, settings in SETTINGS.items():
                    seconds = timed_call(settings, data, args.timeout)
                    results.setdefault((name, state), []).append(seconds)
                    print(name, state, seconds, file=sys.stderr, flush=True)
        finally:
            if load is not None:
                load.kill()
                load.wait()
    print(environment_line(describe()) + "\n")
    print("seconds per call, a fresh process each (imports included)\n")
    print("| setting | idle | beside a 2-thread job |")
    print("|---|---|---|")
    for name in SETTINGS:
        cells = [_cell(results[(name, state)], args.timeout) for state in ("idle", "busy")]
        print(f"| {name} | {cells[0]} | {cells[1]} |")


def _cell(values: list[float | None], timeout: float) -> str:
    shown = [f"{v:.1f}" if v is not None else f"> {timeout:.0f}" for v in values]
    done = [v for v in values if v is not None]
    median = f" (median {statistics.median(done):.1f})" if len(done) == len(values) else ""
    return ", ".join(shown) + median


if __name__ == "__main__":
    main()
