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
