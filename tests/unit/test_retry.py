from __future__ import annotations

import pytest

from rebalance.core.errors import InputError, SpecError
from rebalance.tasks.retry import is_transient


@pytest.mark.parametrize(
    ("exc", "retry"),
    [
        (ConnectionError("reset by peer"), True),
        (TimeoutError("read timed out"), True),
        (OSError(5, "I/O error"), True),
        (FileNotFoundError("gone"), False),
        (PermissionError("denied"), False),
        (InputError("/x.csv", "expected data rows, found an empty file"), False),
        (SpecError("bad"), False),
        (ValueError("a bug"), False),
        (None, False),
    ],
)
def test_only_transient_io_faults_are_retried(exc: BaseException | None, retry: bool) -> None:
    assert is_transient(exc) is retry
