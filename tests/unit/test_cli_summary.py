"""What the command line prints about a run and about itself."""

from __future__ import annotations

import pytest

from rebalance.cli.main import main
from rebalance.cli.runs import print_summary
from rebalance.core.publication import RunSummary
from rebalance.core.version import __version__


@pytest.mark.parametrize("gate", ["publish", "not validated"])
def test_the_summary_names_a_report_only_where_one_was_written(
    gate: str, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = RunSummary("d", "v1", "out/d/versions/v1", False, "smote", gate, before={"a": 1})
    print_summary(summary)
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("  gate: "))
    assert ("_report.html" in line) is (gate != "not validated")


def test_version_and_the_demo_help_says_the_demo_defaults(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out == f"rebalance {__version__}\n"
    with pytest.raises(SystemExit):
        main(["demo", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "(default: auto)" in text and "the spec's" not in text  # the demo has no spec


def test_sigterm_during_a_run_is_an_interrupt_and_the_handler_is_restored() -> None:
    """Prefect re-raises SIGTERM to the handler it found once the run is marked Crashed: this
    one turns it into the Ctrl-C path, whose exit handlers stop Prefect's temporary server."""
    import os
    import signal
    import time

    from rebalance.cli.main import _sigterm_as_interrupt

    class Terminated(Exception):
        pass

    def outside(signum: int, frame: object) -> None:  # stands for the default (would exit)
        raise Terminated

    previous = signal.signal(signal.SIGTERM, outside)
    try:
        with pytest.raises(KeyboardInterrupt), _sigterm_as_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler interrupts it
        assert signal.getsignal(signal.SIGTERM) is outside
    finally:
        signal.signal(signal.SIGTERM, previous)
