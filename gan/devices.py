"""Where the GAN runs and in which precision it samples."""

from __future__ import annotations

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
