"""A fit that stops early: the bar and the progress artifact end at the real final state."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest

from rebalance.core.progress import TerminalBar, final_line, finish_all
from rebalance.core.samplers.base import TrainingProgress
from rebalance.tasks import progress as prefect_progress

EARLY_STOP = {"stopped_early_at": 35, "best_epoch": 20}


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def epochs(last: int, planned: int = 150) -> list[TrainingProgress]:
    losses = {"critic": -0.5}
    return [TrainingProgress(epoch=e, epochs=planned, losses=losses) for e in range(1, last + 1)]


def test_the_final_line_says_how_the_fit_ended() -> None:
    (last,) = epochs(35)[-1:]
    assert final_line(last, EARLY_STOP) == "stopped early at epoch 35 of 150: best epoch 20"
    done = TrainingProgress(epoch=150, epochs=150)
    assert final_line(done, {"best_epoch": 140}) == "finished at epoch 150 of 150: best epoch 140"


def test_the_terminal_bar_ends_its_line_at_the_early_stop() -> None:
    stream = Tty()
    bar = TerminalBar(stream)
    for stats in epochs(35):
        bar(stats)
    finish_all([bar], EARLY_STOP)
    stream.write("next log line\n")
    screen = stream.getvalue()
    last_draw = screen.split("\r")[-1]
    full_bar = "[" + "#" * 24 + "]"
    assert last_draw.startswith(f"{full_bar} stopped early at epoch 35 of 150: best epoch 20")
    assert "left" not in last_draw  # no time-left estimate stays on screen
    assert re.search(r"best epoch 20 *\nnext log line\n$", last_draw)  # not glued to the bar


def test_the_progress_artifact_ends_at_100_percent_with_the_real_state(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    writes: list[tuple[float, str]] = []

    def create(percent: float, key: str, description: str) -> Any:
        writes.append((percent, description))
        return "artifact-id"

    def update(artifact: Any, percent: float, description: str) -> None:
        writes.append((percent, description))

    monkeypatch.setattr(prefect_progress, "create_progress_artifact", create)
    monkeypatch.setattr(prefect_progress, "update_progress_artifact", update)
    listener = prefect_progress.PrefectProgress("toy-training", every_seconds=3600)
    for stats in epochs(35):
        listener(stats)
    assert writes[-1][0] < 25 and "left" in writes[-1][1]  # throttled: still the first epoch
    finish_all([listener], EARLY_STOP)
    assert writes[-1] == (100.0, "stopped early at epoch 35 of 150: best epoch 20")


def test_a_fit_that_raises_ends_the_bar_line_before_the_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import pandas as pd

    from rebalance.core.config import BalanceConfig, DatasetSpec
    from rebalance.tasks import candidates

    stream = Tty()

    def failing_fit(*args: Any, progress: list[Any], **kwargs: Any) -> None:
        for stats in epochs(3):
            for listener in progress:
                listener(stats)
        raise MemoryError("out of memory")

    monkeypatch.setattr(candidates, "fit_oversampler", failing_fit)
    monkeypatch.setattr(candidates, "TerminalBar", lambda: TerminalBar(stream))
    monkeypatch.setattr(candidates, "PrefectProgress", lambda key: lambda stats: None)
    monkeypatch.setattr(candidates, "concurrency", lambda *a, **k: None)
    spec = DatasetSpec(name="toy", path="x.csv", target="y")
    with pytest.raises(MemoryError):
        candidates._fit(pd.DataFrame({"y": [0, 1]}), {}, spec, BalanceConfig(method="gan"), None)
    assert stream.getvalue().endswith("epoch 3/150  critic -0.500  ~0m00s left\n")
