"""Where the GAN runs and in which precision it samples."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

import torch


def pick_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def pick_sample_dtype(name: str, device: torch.device) -> torch.dtype:
    """The generator's precision when sampling. ``auto``: bfloat16 where the hardware computes
    it natively (a CUDA GPU with bf16, a CPU with AVX512-BF16 or AMX), otherwise float32;
    emulated bfloat16 would be slower than float32."""
    if name != "auto":
        return {"float32": torch.float32, "bfloat16": torch.bfloat16}[name]
    if device.type == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float32
    if device.type == "cpu":
        # torch.cpu exposes these probes without a public alias; absent ones mean "no"
        probes = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
        if any(getattr(torch.cpu, probe, lambda: False)() for probe in probes):
            return torch.bfloat16
    return torch.float32


@contextmanager
def use_default_threads() -> Iterator[None]:
    """Run the block with torch's default CPU thread count (``OMP_NUM_THREADS`` or one per
    usable core) in the calling thread, restoring the previous count after. A thread started
    after another thread called ``torch.set_num_threads(1)`` would otherwise inherit 1, and CPU
    training results depend on the thread count (batch-norm reductions)."""
    before = torch.get_num_threads()
    torch.set_num_threads(default_thread_count())
    try:
        yield
    finally:
        torch.set_num_threads(before)


def default_thread_count() -> int:
    """What torch uses in a fresh process: ``OMP_NUM_THREADS`` when set, else the cores this
    process may run on."""
    configured = os.environ.get("OMP_NUM_THREADS", "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    usable = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    return max(1, len(usable) if usable is not None else os.cpu_count() or 1)
