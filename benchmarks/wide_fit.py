"""The GAN's fit alone on the wide table of ``benchmarks/wide.py``, by stage.

Fits ``ConditionalTabularGAN`` (default config, CPU) on the rows a ``rebalance run`` gives it
(the train rows minus the selection rows: 30 of 50) with 1 and with 2 torch threads, and
prints the encoded width, the seconds of the transformer, the training and the rejection
filter, and the fit's system time and page faults. Run it at two commits to compare them.

    .venv/bin/python benchmarks/wide_fit.py
    MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=134217728 \
        .venv/bin/python benchmarks/wide_fit.py       # glibc's limits raised (RESULTS.md)
    .venv/bin/python benchmarks/wide_fit.py --kept-pages  # as the command runs it (gan/heap.py)
    .venv/bin/python benchmarks/wide_fit.py --columns 200 --threads 1
    .venv/bin/python benchmarks/wide_fit.py --kept-pages --threads 2 --min-packs 0 10 0 10
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.wide import wide_frame
from rebalance.gan import model as gan_model
from rebalance.gan.config import GanConfig
from rebalance.gan.heap import kept_pages_allowed
from rebalance.gan.trainer import Trainer
from rebalance.gan.transformer import TabularTransformer

FIT_ROWS = 30  # 50 rows: 40 train, of which 30 fit the samplers


def column_types(frame: pd.DataFrame) -> dict[str, str]:
    return {
        name: "categorical"
        if name.startswith("c")
        else ("integer" if frame[name].dtype.kind == "i" else "continuous")
        for name in frame.columns
        if name != "label"
    }


def timed_fit(columns: int, threads: int, min_packs: int = 0) -> dict[str, float]:
    """Seconds per part of one fit, measured by wrapping the three parts in place."""
    frame = wide_frame(50, columns).sample(FIT_ROWS, random_state=0)
    seconds: dict[str, float] = {}

    def clock(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            began = time.perf_counter()
            result = function(*args, **kwargs)
            seconds[name] = seconds.get(name, 0.0) + time.perf_counter() - began
            return result

        return wrapped

    patches = [
        (TabularTransformer, "fit", "transformer"),
        (Trainer, "fit", "training"),
        (gan_model.ConditionalTabularGAN, "_fit_rejection", "rejection filter"),
    ]
    originals = [(owner, attr, getattr(owner, attr)) for owner, attr, _ in patches]
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        for owner, attr, name in patches:
            setattr(owner, attr, clock(name, getattr(owner, attr)))
        began, usage = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
        model = gan_model.ConditionalTabularGAN(GanConfig(device="cpu", min_packs=min_packs))
        model.fit(frame, "label", column_types(frame))
        seconds["fit (all)"] = time.perf_counter() - began
        after = resource.getrusage(resource.RUSAGE_SELF)
        seconds["system time of the fit"] = after.ru_stime - usage.ru_stime
        seconds["page faults of the fit (thousands)"] = (after.ru_minflt - usage.ru_minflt) / 1e3
        seconds["encoded width"] = model.transformer_.width_
        seconds["rows per critic sample"] = model.history_.pac or 0
    finally:
        for owner, attr, original in originals:
            setattr(owner, attr, original)
        torch.set_num_threads(before)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--columns", type=int, default=1000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--min-packs",
        type=int,
        nargs="+",
        default=[0],
        help="the GAN's min_packs per fit (several: alternating runs, each thread count)",
    )
    parser.add_argument(
        "--kept-pages",
        action="store_true",
        help="let the fit keep its heap pages, as the command does",
    )
    args = parser.parse_args()
    with kept_pages_allowed() if args.kept_pages else contextlib.nullcontext():
        results = {
            f"{threads} thread(s), min_packs {packs} (run {i + 1})": timed_fit(
                args.columns, threads, packs
            )
            for threads in args.threads
            for i, packs in enumerate(args.min_packs)
        }
    names = list(next(iter(results.values())))
    print(f"{args.columns} columns, {FIT_ROWS} rows, default GAN config, CPU")
    print("| part | " + " | ".join(results) + " |")
    print("|---|" + "---:|" * len(results))
    for name in names:
        values = " | ".join(f"{r[name]:.2f}" for r in results.values())
        print(f"| {name} | {values} |")


if __name__ == "__main__":
    main()
