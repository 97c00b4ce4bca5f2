"""``method: auto`` with its candidates one after another vs side by side, in one run.

    .venv/bin/python benchmarks/parallel_candidates.py            # adult, threads: 1 vs default
    .venv/bin/python benchmarks/parallel_candidates.py --modes sequential threads dask

Each mode is a fresh ``rebalance run`` process (its own ephemeral Prefect API), with its own
output folder, in alternating order when ``--repeat`` > 1. The table gives the wall time of the
whole command, the flow's stage seconds for the candidates (fit, generate and score every
candidate) and for the gate / holdout / report, the peak RSS of the process, and the published
version, which must be the same in every mode: the runtime settings do not change the rows.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

try:  # imported as benchmarks.<name> (scale.py), or run as a script from its folder
    from benchmarks.environment import describe, environment_line
except ModuleNotFoundError:
    from environment import describe, environment_line  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[1]
MODES = {
    "sequential": ["--max-workers", "1"],
    "threads": [],  # the default: one task per core
    "dask": ["--task-runner", "dask"],
}


def run_mode(mode: str, spec: Path, out: Path, extra: list[str]) -> dict[str, Any]:
    command = [str(ROOT / ".venv" / "bin" / "rebalance"), "run", str(spec), "--method", "auto"]
    command += ["--output", str(out), *MODES[mode], *extra]
    env = {**os.environ, "GOMP_SPINCOUNT": os.environ.get("GOMP_SPINCOUNT", "10000")}
    log = out.parent / f"{out.name}.log"
    started = time.perf_counter()
    with log.open("wb") as sink:  # a file, not a pipe: wait4 reaps the child for its rusage
        process = subprocess.Popen(command, env=env, stdout=sink, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = exit_code = os.waitstatus_to_exitcode(status)
    record = _record(out)
    seconds = record.get("seconds_per_stage") or _logged_seconds(log)
    return {
        "mode": mode,
        "exit": exit_code,
        "wall_s": round(wall, 1),
        "candidates_s": seconds.get("candidates"),
        "validate_s": seconds.get("validate"),
        "fit_gan_s": seconds.get("fit:gan"),
        "peak_rss_gib": round(usage.ru_maxrss / 2**20, 2),  # ru_maxrss is in KiB
        "version": record.get("version", "?"),
        "last_line": log.read_text(errors="replace").strip().splitlines()[-1:] if exit_code else [],
    }


def _logged_seconds(log: Path) -> dict[str, float]:
    """The flow's "seconds per stage: {...}" log line (a published version's record does not
    keep them; a refused one's does)."""
    for line in reversed(log.read_text(errors="replace").splitlines()):
        if " - seconds per stage: {" in line:
            found: dict[str, float] = ast.literal_eval(line.split("seconds per stage: ", 1)[1])
            return found
    return {}


def _record(out: Path) -> dict[str, Any]:
    """The validation record of the run's version (published or refused) with its key."""
    for path in sorted(out.glob("*/*/*/_validation.json")):
        record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        return {**record, "version": path.parent.name}
    return {}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", default=str(ROOT / "examples" / "specs" / "adult.yaml"))
    parser.add_argument("--modes", nargs="+", default=["sequential", "threads"], choices=MODES)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--json", help="also write the rows to this file")
    args, extra = parser.parse_known_args()
    rows = []
    with tempfile.TemporaryDirectory(prefix="rebalance-parallel-") as scratch:
        for round_ in range(args.repeat):
            order = args.modes if round_ % 2 == 0 else list(reversed(args.modes))
            for mode in order:
                out = Path(scratch) / f"{mode}-{round_}"
                rows.append(run_mode(mode, Path(args.spec), out, extra))
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    print(environment_line(describe()) + "\n\n" + _table(rows))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")


def _table(rows: list[dict[str, Any]]) -> str:
    columns = ["mode", "exit", "wall_s", "candidates_s", "validate_s", "fit_gan_s"]
    columns += ["peak_rss_gib", "version"]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(str(row.get(c, "")) for c in columns) + " |")
    base = [r["wall_s"] for r in rows if r["mode"] == "sequential"]
    for row in rows:
        if base and row["mode"] != "sequential":
            lines.append(f"\n{row['mode']}: {base[0] / row['wall_s']:.2f}x the sequential wall")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
