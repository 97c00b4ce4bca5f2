"""The GAN's filtered sampling on Adult, by part: n rows of the minority class drawn through
the rejection filter (``gan.filtered_draws``), with the seconds spent drawing candidates,
encoding them for the trees and scoring them, the process's peak RSS, and a digest of the
rows (equal digests: the same rows). Fits the GAN once and saves it (``--model``); later
runs, at any commit, load it.

    .venv/bin/python benchmarks/sampling.py --epochs 10 --model /tmp/adult-gan-10
    .venv/bin/python benchmarks/sampling.py --epochs 300 --model /tmp/adult-gan-300 --rows 100000

Compare two commits by running this file from each checkout in turn, on the same saved model.
"""

from __future__ import annotations

import argparse
import hashlib
import resource
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.gan_vs_ctgan import load_adult  # noqa: E402
from rebalance.gan import rejection  # noqa: E402
from rebalance.gan.config import GanConfig  # noqa: E402
from rebalance.gan.model import ConditionalTabularGAN  # noqa: E402
from rebalance.gan.trees import TreeEnsemble  # noqa: E402

MINORITY = ">50K"


def model_at(folder: Path, epochs: int, data_dir: Path) -> ConditionalTabularGAN:
    if not (folder / "model.json").exists():
        frame, types = load_adult(data_dir)
        began = time.perf_counter()
        gan = ConditionalTabularGAN(GanConfig(epochs=epochs)).fit(frame, "income", types)
        print(f"fitted {epochs} epochs in {time.perf_counter() - began:.1f} s", flush=True)
        gan.save(folder)
    return ConditionalTabularGAN.load(folder)


def clocked(seconds: Counter[str], key: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            seconds[key] += time.perf_counter() - began

    return wrapped


def timed_sample(gan: ConditionalTabularGAN, rows: int) -> dict[str, Any]:
    """One ``sample`` call, its parts clocked by wrapping them in place."""
    seconds: Counter[str] = Counter()
    drawn: list[int] = []
    drawer = gan._drawer

    def counting_drawer(*args: Any) -> Callable[[int, int], pd.DataFrame]:
        draw = drawer(*args)

        def counted(n: int, round_: int) -> pd.DataFrame:
            drawn.append(n)
            return draw(n, round_)

        return clocked(seconds, "draw", counted)

    encode, logit = rejection.OrdinalEncoder.transform, TreeEnsemble.logit
    gan._drawer = counting_drawer  # type: ignore[method-assign]
    rejection.OrdinalEncoder.transform = clocked(seconds, "encode", encode)  # type: ignore[method-assign]
    TreeEnsemble.logit = clocked(seconds, "trees", logit)  # type: ignore[method-assign]
    try:
        began = time.perf_counter()
        frame = gan.sample(MINORITY, rows)
        total = time.perf_counter() - began
    finally:
        gan._drawer = drawer  # type: ignore[method-assign]
        rejection.OrdinalEncoder.transform, TreeEnsemble.logit = encode, logit  # type: ignore[method-assign]
    digest = hashlib.sha256(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    rest = total - sum(seconds.values())
    return {"total": total, **seconds, "rest": rest, "candidates": sum(drawn), "digest": digest}


def peak_mib() -> int:
    """The process's peak resident memory so far (model and data included)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # KiB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, required=True, help="saved GAN (fitted if absent)")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    args = parser.parse_args()
    gan = model_at(args.model, args.epochs, args.data_dir)
    filt = gan.rejection_.classes[MINORITY] if gan.rejection_ else None
    print(f"model {args.model}: expected acceptance {filt.rate if filt else 1.0:.4f}\n")
    print("| rows | candidates | total s | draw | encode | trees | rest | peak RSS MiB | digest |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for rows in args.rows:
        for _ in range(args.repeats):
            r = timed_sample(gan, rows)
            print(
                f"| {rows:,} | {r['candidates']:,} | {r['total']:.2f} | {r['draw']:.2f} | "
                f"{r['encode']:.2f} | {r['trees']:.2f} | {r['rest']:.2f} | {peak_mib():,} | "
                f"{r['digest'].hexdigest()[:12]} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
