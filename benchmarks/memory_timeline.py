"""Where a run's resident memory goes: ``rebalance run SPEC`` in this process, sampled every
``--every`` seconds, with glibc's heap split into blocks in use and free blocks still held,
the blocks glibc mapped on their own, and Arrow's memory pool. Writes one line per sample
(``--out``) and prints the peak and the sample at it, per stage of the run.

    .venv/bin/python benchmarks/memory_timeline.py SPEC --out /tmp/timeline.tsv
    /usr/bin/time -v .venv/bin/python benchmarks/memory_timeline.py SPEC --out ...   # exact peak

The spec's own output folder is used: remove a published version first, or the run reuses it.
glibc only (``mallinfo2``, glibc 2.33 or later); the sampler thread needs the GIL, so a long
native call without it can delay a sample.
"""

from __future__ import annotations

import argparse
import ctypes
import logging
import os
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FIELDS = ("time", "stage", "rss", "heap_used", "heap_free", "mapped", "arrow")
MIB = 1 << 20


class MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena", "ordblks", "smblks", "hblks", "hblkhd",
            "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost",
        )
    ]  # fmt: skip


class StageNames(logging.Handler):
    """The task runs that started and have not finished yet, from Prefect's log lines."""

    def __init__(self) -> None:
        super().__init__()
        self.running: dict[str, None] = {}  # changed by Prefect's threads, read by the sampler

    def emit(self, record: logging.LogRecord) -> None:
        name = getattr(record, "task_run_name", None)
        if not name:
            return
        with self.lock:  # logging.Handler's own lock
            if "Finished in state" in record.getMessage():
                self.running.pop(name, None)
            else:
                self.running[name] = None

    def describe(self) -> str:
        with self.lock:
            names = list(self.running)
        return "+".join(name.rsplit("-", 1)[0] for name in names) or "-"


def sample_forever(out: Path, every: float, stages: StageNames, stop: threading.Event) -> None:
    libc = ctypes.CDLL(None)
    libc.mallinfo2.restype = MallInfo2
    page = os.sysconf("SC_PAGE_SIZE")
    with out.open("w") as lines:
        lines.write("\t".join(FIELDS) + "\n")
        while not stop.wait(every):
            tasks = logging.getLogger("prefect.task_runs")
            if stages not in tasks.handlers:  # Prefect's logging setup replaces handlers
                tasks.addHandler(stages)
            with open("/proc/self/statm") as statm:
                rss = int(statm.read().split()[1]) * page
            heap = libc.mallinfo2()
            pyarrow = sys.modules.get("pyarrow")
            arrow = getattr(pyarrow, "total_allocated_bytes", lambda: 0)()
            values = (rss, heap.uordblks, heap.fordblks, heap.hblkhd, arrow)
            mib = "\t".join(f"{value / MIB:.0f}" for value in values)
            lines.write(f"{time.time():.2f}\t{stages.describe()}\t{mib}\n")
            lines.flush()


def summary(out: Path) -> None:
    rows = [line.rstrip("\n").split("\t") for line in out.read_text().splitlines()[1:]]
    if not rows:
        print("no samples")
        return
    peak: dict[str, list[str]] = {}
    for row in rows:
        stage = row[1]
        if stage not in peak or float(row[2]) > float(peak[stage][2]):
            peak[stage] = row
    heads = ("samples", "peak RSS", "heap in use", "heap free, held", "mapped", "Arrow")
    print("| task runs in progress | " + " | ".join(heads) + " |  (MiB)")
    print("|---|" + "---:|" * len(heads))
    counts = {stage: sum(row[1] == stage for row in rows) for stage in peak}
    for stage, row in sorted(peak.items(), key=lambda item: -float(item[1][2]))[:12]:
        cells = [str(counts[stage]), *(f"{float(value):,.0f}" for value in row[2:])]
        print(f"| {stage} | " + " | ".join(cells) + " |")
    worst = max(rows, key=lambda row: float(row[4]))
    print(f"most free heap held: {float(worst[4]):,.0f} MiB during {worst[1]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path)
    parser.add_argument("--out", type=Path, default=Path("memory_timeline.tsv"))
    parser.add_argument("--every", type=float, default=0.25, help="seconds between samples")
    args = parser.parse_args()
    from rebalance.cli.main import main as rebalance_main

    stages, stop = StageNames(), threading.Event()
    sampler = threading.Thread(target=sample_forever, args=(args.out, args.every, stages, stop))
    sampler.start()
    sys.argv = ["rebalance", "run", str(args.spec)]
    try:
        code = rebalance_main()
    finally:
        stop.set()
        sampler.join()
    summary(args.out)
    sys.exit(code)


if __name__ == "__main__":
    main()
