"""Wide inputs: ``rebalance run`` end to end on a few rows and many columns.

Generates a seeded imbalanced CSV (numeric columns, a few categorical ones, a binary target),
writes it and its spec to a temporary folder (never into the repository), runs the
``rebalance run`` command on it with validation on, and prints the seconds per stage the run
reports, its total wall time and its peak resident memory.

    .venv/bin/python benchmarks/wide.py                     # 50 rows x 1,000 columns, auto
    .venv/bin/python benchmarks/wide.py --columns 200 --method smote
    .venv/bin/python benchmarks/wide.py --gan-params '{"min_packs": 10}'
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

try:  # imported as benchmarks.<name> (scale.py), or run as a script from its folder
    from benchmarks.environment import describe, environment_line
except ModuleNotFoundError:
    from environment import describe, environment_line  # type: ignore[no-redef]

CATEGORICAL = 5  # categorical feature columns; the rest are numeric
MINORITY_SHARE = 0.2  # 40/10 on 50 rows
ROOT = Path(__file__).resolve().parent.parent


def wide_frame(rows: int, columns: int, seed: int = 0) -> pd.DataFrame:
    """``columns`` features (continuous, integer, categorical) and a binary ``label``."""
    rng = np.random.default_rng(seed)
    minority = max(2, round(rows * MINORITY_SHARE))
    label = np.array(["major"] * (rows - minority) + ["minor"] * minority)
    rng.shuffle(label)
    shift = (label == "minor")[:, None] * 0.8  # the minority class sits a little apart
    numeric = columns - CATEGORICAL
    values = rng.normal(size=(rows, numeric)) + shift
    parts: dict[str, np.ndarray] = {f"x{i:04d}": values[:, i].round(4) for i in range(numeric)}
    for i in range(0, numeric, 4):  # every fourth numeric column holds small integers
        parts[f"x{i:04d}"] = np.rint(values[:, i] * 3).astype(np.int64)
    for i in range(CATEGORICAL):
        levels = np.array([f"level{j}" for j in range(3 + i % 3)])
        parts[f"c{i}"] = levels[rng.integers(0, len(levels), rows)]
    return pd.DataFrame({**parts, "label": label})  # one build, not a thousand inserts


def write_inputs(
    folder: Path, rows: int, columns: int, method: str, gan_params: dict | None = None
) -> Path:
    """The CSV and a spec naming it (JSON is valid YAML); the spec's path."""
    wide_frame(rows, columns).to_csv(folder / "wide.csv", index=False)
    spec = {
        "dataset": {"name": "wide", "path": "wide.csv", "target": "label"},
        "balance": {
            "method": method,
            **({"method_params": {"gan": gan_params}} if gan_params else {}),
        },
        "validation": {"enabled": True},
        "output": {"root": str(folder / "out")},
    }
    (folder / "wide.yaml").write_text(json.dumps(spec))
    return folder / "wide.yaml"


def run_cli(spec: Path) -> tuple[float, str, int]:
    """Wall seconds, combined output, and the largest child's peak RSS in MiB."""
    command = [str(ROOT / ".venv" / "bin" / "rebalance"), "run", str(spec)]
    env = {**os.environ, "GOMP_SPINCOUNT": os.environ.get("GOMP_SPINCOUNT", "10000")}
    began = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - began
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB on Linux
    if done.returncode not in (0, 2):
        sys.stderr.write(done.stdout[-4000:] + done.stderr[-4000:])
        raise SystemExit(f"rebalance run exited with {done.returncode}")
    return wall, done.stdout + done.stderr, peak_kib // 1024


def stage_seconds(output: str) -> dict[str, float]:
    """The ``seconds per stage:`` line the command prints, as a dict."""
    line = next((x for x in output.splitlines() if "seconds per stage:" in x), "")
    pairs = re.findall(r"([\w:.-]+) ([\d.]+) s", line.split("seconds per stage:")[-1])
    return {name: float(value) for name, value in pairs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=50)
    parser.add_argument("--method", default="auto")
    parser.add_argument("--gan-params", type=json.loads, default={}, help="the GAN's options, JSON")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="rebalance-wide-") as folder:
        spec = write_inputs(Path(folder), args.rows, args.columns, args.method, args.gan_params)
        wall, output, peak = run_cli(spec)
    seconds = stage_seconds(output)
    outcome = next((x.strip() for x in output.splitlines() if "gate:" in x), "")
    if not seconds or "error" in output.lower():
        print(output[-3000:])
    print(environment_line(describe()))
    print(f"columns {args.columns}, rows {args.rows}, method {args.method}; {outcome}")
    print(f"| {'stage':<22} | {'seconds':>8} |")
    print(f"| {'-' * 22} | {'-' * 8}:|")
    for name, value in seconds.items():
        print(f"| {name:<22} | {value:>8.2f} |")
    print(f"| {'sum of stages':<22} | {sum(seconds.values()):>8.2f} |")
    print(f"| {'wall (command)':<22} | {wall:>8.2f} |")
    print(f"| {'peak RSS (MiB)':<22} | {peak:>8} |")


if __name__ == "__main__":
    main()
