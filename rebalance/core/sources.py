"""Where input bytes come from: a local path or an fsspec URL, opened as a (decompressed)
stream, with every way that opening or reading it can fail turned into one domain error."""

from __future__ import annotations

import gzip
import lzma
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO

import fsspec

from rebalance.core.errors import InputError, RebalanceError, SourceUnreachableError


@contextmanager
def source_errors(path: str) -> Iterator[None]:
    """Turn what opening or reading ``path`` can raise into one domain error: missing files,
    missing fsspec backends, refused permissions and corrupt compressed data are
    :class:`InputError`; other OSErrors (network faults) a :class:`SourceUnreachableError`
    naming the location, which the calling task retries."""
    try:
        yield
    except RebalanceError:
        raise
    except (FileNotFoundError, NotADirectoryError):
        raise InputError(path, "expected an existing file, found nothing at this path") from None
    except IsADirectoryError:
        raise InputError(path, "expected a file, found a directory") from None
    except PermissionError as exc:
        raise InputError(path, f"expected a readable file, found access refused ({exc})") from None
    except ImportError as exc:
        raise missing_backend(path, exc) from None
    except (gzip.BadGzipFile, EOFError, lzma.LZMAError, zlib.error) as exc:  # corrupt, not remote
        raise InputError(
            path, f"expected valid compressed data, found {type(exc).__name__}: {exc}"
        ) from None
    except OSError as exc:
        raise SourceUnreachableError(
            path, f"expected a reachable location, found {type(exc).__name__}: {exc}"
        ) from None
    except Exception as exc:  # a backend's own error (HTTP 403, ...): its text may hold the URL
        raise InputError(
            path, f"expected a readable location, found {type(exc).__name__}: {exc}"
        ) from None


class SourceReader:
    """A file's (decompressed) byte stream whose reads raise only domain errors: what the
    caller does with the bytes (parsing) is not mistaken for a fault of the source."""

    def __init__(self, handle: BinaryIO, path: str) -> None:
        self.handle, self.path = handle, path

    def read(self, size: int = -1) -> bytes:
        with source_errors(self.path):
            block: bytes = self.handle.read(size)
        return block


@contextmanager
def open_source(path: str) -> Iterator[SourceReader]:
    """``path`` opened for reading, decompressed by extension (see :func:`source_errors`)."""
    with source_errors(path):
        opened = fsspec.open(path, "rb", compression="infer")
        handle = opened.__enter__()
    try:
        yield SourceReader(handle, path)
    finally:
        opened.__exit__(None, None, None)


def read_bytes(path: str, limit: int = -1) -> bytes:
    """The file's (decompressed) bytes, or its first ``limit`` bytes."""
    with open_source(path) as source:
        return source.read(limit)


# The pip extra that installs the fsspec backend of each protocol (pyproject.toml).
EXTRAS = {"s3": "s3", "s3a": "s3", "gs": "gcs", "gcs": "gcs"}


def missing_backend(path: str, exc: ImportError) -> InputError:
    """The one line for an fsspec protocol (or codec) whose package is not installed."""
    protocol = path.split("://", 1)[0].lower() if "://" in path else "file"
    extra = EXTRAS.get(protocol)
    if extra is not None:
        return InputError(
            path,
            f"expected the {protocol}:// backend to be installed, found it missing ({exc}); "
            f"install it with: pip install 'rebalance-tabular[{extra}]'",
        )
    return InputError(path, f"expected the package this location needs, found it missing ({exc})")
