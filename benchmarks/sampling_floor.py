"""The arithmetic floor of sampling at the default architecture, on this CPU.

    .venv/bin/python benchmarks/sampling_floor.py [--data-dim 133] [--rows 100000]

Sampling n rows costs at least the generator's multiply-adds divided by the machine's
matrix-product throughput. This script measures that throughput per thread, for a large
square product and for each layer of the folded sampling generator at the CPU chunk size, in
float32 and bfloat16, and prints the implied time for the products alone on all threads.
Everything else sampling does (noise, category draws, decoding) comes on top of it.
The default data width, 133, is Adult's encoded row.
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from rebalance.gan.config import GanConfig
from rebalance.gan.drawing import SAMPLE_CHUNK_CPU


def macs_per_second(m: int, k: int, n: int, dtype: torch.dtype, repeats: int = 20) -> float:
    """Multiply-adds per second of (m, k) @ (k, n) on the current thread, the fastest quarter."""
    a, b = torch.randn(m, k, dtype=dtype), torch.randn(k, n, dtype=dtype)
    out = torch.empty(m, n, dtype=dtype)
    seconds = []
    for _ in range(repeats):
        began = time.perf_counter()
        torch.mm(a, b, out=out)
        seconds.append(time.perf_counter() - began)
    return m * k * n / sorted(seconds)[repeats // 4]


def generator_layers(data_dim: int) -> list[tuple[int, int]]:
    """(out, in) of each folded layer: residual blocks append their input, class folded away."""
    cfg = GanConfig()
    layers, width = [], cfg.embedding_dim
    for size in cfg.generator_dims:
        layers.append((size, width))
        width += size
    layers.append((data_dim, width))
    return layers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dim", type=int, default=133)
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    threads = torch.get_num_threads()
    layers = generator_layers(args.data_dim)
    per_row = sum(out * inp for out, inp in layers)
    chunk = SAMPLE_CHUNK_CPU
    print(f"{threads} threads; generator layers (out, in) {layers}: {per_row:,} MAC per row")
    print(f"{'product':<28}{'dtype':>10}{'GMAC/s per thread':>20}")
    floors = {}
    # measured on one single-threaded worker, as sampling runs its chunks
    with ThreadPoolExecutor(1, initializer=torch.set_num_threads, initargs=(1,)) as worker:
        for dtype in (torch.float32, torch.bfloat16):
            name = str(dtype).removeprefix("torch.")
            square = worker.submit(macs_per_second, 2048, 2048, 2048, dtype).result()
            print(f"{'2048 x 2048 x 2048':<28}{name:>10}{square / 1e9:>20.1f}")
            seconds = 0.0
            for out, inp in layers:
                rate = worker.submit(macs_per_second, out, inp, chunk, dtype).result()
                print(f"{f'{out} x {inp} x {chunk}':<28}{name:>10}{rate / 1e9:>20.1f}")
                seconds += out * inp * args.rows / rate
            floors[name] = seconds / threads
    for name, seconds in floors.items():
        print(
            f"matrix products alone for {args.rows:,} rows in {name} on {threads} threads: "
            f"{seconds:.3f} s"
        )


if __name__ == "__main__":
    main()
