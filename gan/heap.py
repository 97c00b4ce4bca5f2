"""glibc's heap keeps its pages while a wide table's GAN trains on the CPU.

A training step on a wide table allocates and frees tensors of several MiB: the critic's first
layer takes ``pac`` x width inputs (13,740 x 256 floats, 14 MB, on 1,000 columns), and its
gradients and Adam's temporaries are as large. A worker thread's glibc heap hands those pages
back at the end of a step and faults them in fresh at the next one: 2.0-2.6 M page faults and
6-8 s of system time in a 1,000-column fit, 60-70 k with the pages kept (RESULTS.md). So while
such a fit trains, glibc keeps blocks of up to 32 MiB in the heap (``M_MMAP_THRESHOLD``), keeps
up to 128 MiB of free heap top (``M_TRIM_THRESHOLD``) and pads each growth by 64 MiB
(``M_TOP_PAD``, which also stops it deleting a thread's empty heap); afterwards it gets its
dynamic ceiling back (32 MiB, twice that trimmed, the default pad) and the kept memory is
returned (``malloc_trim``).

Only a process that asks for it (the ``rebalance`` command, for itself) is changed, and only
while a fit whose largest tensor is at least ``WIDE_TENSOR_BYTES`` trains: narrow tables, the
10,000,000-row runs and library users keep glibc's own settings.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

WIDE_TENSOR_BYTES = 4 << 20  # smaller step tensors: glibc's dynamic threshold reuses them

# mallopt's parameter numbers (malloc.h)
M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD = -1, -2, -3
KEPT = {M_MMAP_THRESHOLD: 32 << 20, M_TRIM_THRESHOLD: 128 << 20, M_TOP_PAD: 64 << 20}
AFTER = {M_MMAP_THRESHOLD: 32 << 20, M_TRIM_THRESHOLD: 64 << 20, M_TOP_PAD: 128 << 10}


class _State:
    allowed = False
    fits = 0  # wide fits training now: the last one to finish restores the settings
    lock = threading.Lock()


def allow_kept_pages() -> None:
    """Let wide fits in this process keep their heap pages (called by the command)."""
    _State.allowed = True


def _glibc() -> Any | None:
    """The C library this process runs on, if it is glibc."""
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):
            return None
    except (ValueError, OSError, AttributeError):  # no such name on this system
        return None
    return ctypes.CDLL(None)


def _apply(settings: dict[int, int], trim: bool) -> None:
    libc = _glibc()
    if libc is None:
        return
    for parameter, value in settings.items():
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
        yield
    finally:
        with _State.lock:
            _State.fits -= 1
            if _State.fits == 0:
                _apply(AFTER, trim=True)
