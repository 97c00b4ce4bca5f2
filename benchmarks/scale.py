"""Large inputs: ``rebalance run`` end to end on Adult resampled to many rows.

Writes (never into the repository) a CSV of ``--rows`` rows drawn with replacement from
``../shared/data/adult-train.csv`` (integer columns jittered by at most 1, ``fnlwgt`` by ~1%),
in chunks so that writing it stays small, and a copy of the example spec naming it; then runs
``rebalance run`` once per (rows, method), each in its own child process, and prints the
seconds per stage the run reports, its wall time and the run's peak resident memory.

    .venv/bin/python benchmarks/scale.py --rows 100000 1000000 10000000 --methods smote gan
    .venv/bin/python benchmarks/scale.py --rows 100000 --methods smote --keep /tmp/scale

A last row runs the wide case (``benchmarks/wide.py``: 50 rows x ``--wide-columns`` columns,
``method: auto``, validation on); ``--wide-columns 0`` leaves it out.

The GAN fits on its capped stratified sample (``max_fit_rows``) for ``--gan-epochs`` epochs.
The gate computes every check but none of its thresholds can refuse, so that
every run goes on to publish: this measures what each stage costs, not what it is worth.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.environment import describe, environment_line  # noqa: E402
from benchmarks.wide import run_cli, stage_seconds, write_inputs  # noqa: E402

SPEC = ROOT / "examples" / "specs" / "adult.yaml"
CHUNK = 1_000_000
INTEGER_JITTER = {"age": (17, 90), "hours_per_week": (1, 99), "education_num": (1, 16)}


def write_large_csv(source: Path, path: Path, rows: int, seed: int = 0) -> None:
    """``rows`` resampled Adult rows, jittered, written chunk by chunk (same layout as the
    source: no header, '?' for missing)."""
    names = yaml.safe_load(SPEC.read_text())["dataset"]["csv"]["column_names"]
    real = pd.read_csv(source, header=None, names=names, skipinitialspace=True, dtype=str)
    rng = np.random.default_rng(seed)
    with path.open("w") as out:
        for start in range(0, rows, CHUNK):
            chunk = real.iloc[rng.integers(0, len(real), min(CHUNK, rows - start))].copy()
            for name, (low, high) in INTEGER_JITTER.items():
                values = chunk[name].astype(np.int64) + rng.integers(-1, 2, len(chunk))
                chunk[name] = np.clip(values, low, high).astype(str)
            weight = chunk["fnlwgt"].astype(np.float64) * rng.normal(1.0, 0.01, len(chunk))
            chunk["fnlwgt"] = np.rint(weight).astype(np.int64).astype(str)
            chunk.to_csv(out, header=False, index=False)


def write_spec(folder: Path, csv: Path, method: str, gan_epochs: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec = yaml.safe_load(SPEC.read_text())
    spec["dataset"] |= {"name": "adult-large", "path": str(csv)}
    spec["balance"] = {"method": method, "seed": 0, "holdout_fraction": 0.2}
    if method == "gan":
        spec["balance"]["params"] = {"epochs": gan_epochs}
    # cost, not quality, is measured: every check runs, none refuses, so every run publishes
    # (the resampled rows repeat each real row ~N / 32,561 times, so copies are expected)
    thresholds = {
        "min_ks_complement": 0.0,
        "min_tv_complement": 0.0,
        "min_correlation_similarity": 0.0,
        "min_contingency_similarity": 0.0,
        "max_detection_auc": 1.0,
        "max_exact_copy_share": 1.0,
        "min_dcr_ratio": 0.0,
        "max_closer_than_holdout_share": 1.0,
        "min_utility_gain": -1.0,
        "min_gain_probability": 0.0,
    }
    spec["validation"] = {"thresholds": thresholds}
    output = folder / f"out-{method}"
    shutil.rmtree(output, ignore_errors=True)  # a kept folder's earlier version would be reused
    spec["output"] = {"root": str(output)}
    path = folder / f"adult-large-{method}.yaml"
    path.write_text(yaml.safe_dump(spec))
    return path


def one_case(spec: Path) -> dict[str, Any]:
    """Run in a child of its own, so the peak RSS is this run's alone."""
    wall, output, peak = run_cli(spec)
    outcome = next((x.strip() for x in output.splitlines() if "gate:" in x), "")
    return {"wall": wall, "peak_mib": peak, "stages": stage_seconds(output), "outcome": outcome}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--methods", nargs="+", default=["smote", "gan"])
    parser.add_argument("--gan-epochs", type=int, default=10)
    parser.add_argument("--wide-columns", type=int, default=1000)
    parser.add_argument("--data-dir", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--keep", type=Path, help="write the inputs and outputs here")
    parser.add_argument("--case", type=Path, help=argparse.SUPPRESS)  # internal: one run
    args = parser.parse_args()
    if args.case:
        print(json.dumps(one_case(args.case)))
        return
    with tempfile.TemporaryDirectory(prefix="rebalance-scale-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        print(environment_line(describe()) + "\n")
        print("| rows | method | wall s | peak RSS MiB | seconds per stage | gate |")
        print("|---:|---|---:|---:|---|---|")
        for rows in args.rows:
            csv = folder / f"adult-{rows}.csv"
            if not csv.exists():
                write_large_csv(args.data_dir / "adult-train.csv", csv, rows)
            for method in args.methods:
                spec = write_spec(folder / str(rows), csv, method, args.gan_epochs)
                report(rows, method, spec)
            if not args.keep:
                csv.unlink()
        if args.wide_columns:
            wide = folder / "wide"
            shutil.rmtree(wide, ignore_errors=True)  # a kept folder's version would be reused
            wide.mkdir(parents=True)
            spec = write_inputs(wide, 50, args.wide_columns, "auto")
            report(50, f"auto, {args.wide_columns:,} columns", spec)


def report(rows: int, method: str, spec: Path) -> None:
    command = [sys.executable, __file__, "--case", str(spec)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    result = json.loads(done.stdout.splitlines()[-1])
    stages = ", ".join(f"{k} {v:.1f}" for k, v in result["stages"].items())
    print(
        f"| {rows:,} | {method} | {result['wall']:.1f} | {result['peak_mib']:,} | {stages} | "
        f"{result['outcome']} |",
        flush=True,
    )


if __name__ == "__main__":
    main()
