"""Rows drawn from a trained generator: in chunks, without gradients, and the same rows
however the chunks are scheduled."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import torch

from rebalance.gan.activations import SpanActivation
from rebalance.gan.networks import SamplingGenerator

SAMPLE_CHUNK_CPU = 4096  # rows per CPU sampling chunk: cache-resident, yet large per operation
SAMPLE_CHUNK_GPU = 65_536


def draw_rows(
    frozen: SamplingGenerator,
    activation: SpanActivation,
    embedding_dim: int,
    n: int,
    rng: torch.Generator,
    device: torch.device,
) -> tuple[torch.Tensor, torch.Tensor]:
    """n rows of ``frozen``'s class as tanh scalars (n, n_tanh) and category codes
    (n, n_spans), the input of ``TabularTransformer.decode``.

    Rows are drawn in chunks, each with its own generator seeded from ``rng``, so the result
    does not depend on how chunks are scheduled. On CPU the chunks run on one single-threaded
    worker per intra-op thread: a chunk's activations stay in cache, and the many small
    operations of a chunk run side by side instead of one after another.
    """
    on_cpu = device.type == "cpu"
    chunk = SAMPLE_CHUNK_CPU if on_cpu else SAMPLE_CHUNK_GPU
    n_chunks = -(-n // chunk)
    seeds = torch.randint(2**62, (n_chunks,), device=device, generator=rng).tolist()
    # column-major results: (n_tanh, n) and (n_spans, n)
    scalars = torch.empty(activation.n_tanh, n, device=device)
    codes = torch.empty(activation.n_spans, n, dtype=torch.int64, device=device)

    def fill(index: int) -> None:
        begin = index * chunk
        size = min(chunk, n - begin)
        chunk_rng = torch.Generator(device=device)
        chunk_rng.manual_seed(seeds[index])
        with torch.no_grad():  # grad mode is per thread
            noise = torch.randn(size, embedding_dim, device=device, generator=chunk_rng)
            part_scalars, part_codes = activation.draw(frozen(noise), chunk_rng)
            scalars[:, begin : begin + size] = part_scalars
            codes[:, begin : begin + size] = part_codes

    workers = min(torch.get_num_threads(), n_chunks) if on_cpu else 1
    if workers > 1:
        with ThreadPoolExecutor(workers, initializer=torch.set_num_threads, initargs=(1,)) as pool:
            list(pool.map(fill, range(n_chunks)))
    else:
        for index in range(n_chunks):
            fill(index)
    return scalars.t(), codes.t()
