"""glibc's heap keeps its pages while a wide table's GAN trains on the CPU.

A training step on a wide table allocates and frees tensors of several MiB: the critic's first
layer takes ``pac`` x width inputs (13,740 x 256 floats, 13.4 MiB, on 1,000 columns), and its
gradients and Adam's temporaries are as large. glibc hands those pages back at the end of a
step and faults them in fresh at the next one: 2.8-3.1 M page faults and 9 s of system time in
a 1,000-column fit, 0.15 M and 0.7 s with the pages kept (RESULTS.md). So while such a fit
trains, glibc keeps blocks of up to 32 MiB in the heap (``M_MMAP_THRESHOLD``), keeps up to
128 MiB of free heap top (``M_TRIM_THRESHOLD``) and pads each growth by 64 MiB (``M_TOP_PAD``,
which also stops a worker thread's arena from deleting its empty heap after every step).

Afterwards the settings go to glibc's initial values (128 KiB each) and the kept memory is
returned (``malloc_trim``); tasks that end while such a fit trains do not trim
(``core.c_heap.trims_held``). The settings stay fixed from then on: any ``mallopt`` call turns
off glibc's dynamic mmap threshold for good, and the initial values are the ones that hand
memory back soonest, so a later run in the same process never holds more than glibc's own
behaviour would.

Only a block inside ``kept_pages_allowed()`` (the ``rebalance`` command around one spec's run)
is affected, and only while a fit whose largest tensor is at least ``WIDE_TENSOR_BYTES`` trains:
narrow tables, the 10,000,000-row runs, ``serve``, several specs in one command and library
users keep glibc's own settings.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from rebalance.core.c_heap import glibc, trims_held

if TYPE_CHECKING:  # the command imports this module before it knows whether torch is needed
    import torch

WIDE_TENSOR_BYTES = 4 << 20  # smaller step tensors: glibc's dynamic threshold reuses them

# mallopt's parameter numbers (malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
KEPT = {M_MMAP_THRESHOLD: 32 << 20, M_TRIM_THRESHOLD: 128 << 20, M_TOP_PAD: 64 << 20}
INITIAL = {M_MMAP_THRESHOLD: 128 << 10, M_TRIM_THRESHOLD: 128 << 10, M_TOP_PAD: 128 << 10}


class _State:
    allowed = False
    fits = 0  # wide fits training now: the last one to finish restores the settings
    lock = threading.Lock()


@contextmanager
def kept_pages_allowed() -> Iterator[None]:
    """Let wide fits inside this block keep their heap pages (the command, around one run)."""
    before, _State.allowed = _State.allowed, True
    try:
        yield
    finally:
        _State.allowed = before


def largest_host_tensor_bytes(modules: Iterable[torch.nn.Module], device: torch.device) -> int:
    """Bytes of the largest weight when training on the CPU (0 on a GPU, whose memory glibc
    does not manage): a step's gradients and optimiser temporaries are as large."""
    if device.type != "cpu":
        return 0
    return max(w.numel() * w.element_size() for m in modules for w in m.parameters())


def _apply(settings: dict[int, int], trim: bool) -> None:
    libc = glibc()
    if libc is None:
        return
    for parameter, value in settings.items():
        # 0 means refused: that setting stays glibc's own, which is slower here, never wrong
        libc.mallopt(parameter, value)
    if trim:
        libc.malloc_trim(0)


@contextmanager
def kept_pages(largest_tensor_bytes: int) -> Iterator[None]:
    """Keep heap pages inside this block if allowed and a step's tensors are this large."""
    if not _State.allowed or largest_tensor_bytes < WIDE_TENSOR_BYTES:
        yield
        return
    with _State.lock:
        _State.fits += 1
        if _State.fits == 1:
            _apply(KEPT, trim=False)
    try:
        with trims_held():  # a task ending beside the fit would hand its pages back
            yield
    finally:
        with _State.lock:
            _State.fits -= 1
            if _State.fits == 0:
                _apply(INITIAL, trim=True)
