"""Running specs from the command line and printing what each run published."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from rebalance.cli.startup import start_beside_imports
from rebalance.core.config import RebalanceConfig, load_config
from rebalance.core.errors import RebalanceError, SpecError
from rebalance.core.timing import describe_seconds

if TYPE_CHECKING:  # pandas stays unimported until a command needs it
    from rebalance.core.publication import RunSummary


def run_one(config: RebalanceConfig) -> int:
    from rebalance.core.logs import quiet_domain_tracebacks
    from rebalance.core.storage import check_output_root
    from rebalance.flows.rebalance_flow import run_rebalance

    quiet_domain_tracebacks(console=True)  # the error line below is printed once
    # the output folder's faults fail before Prefect starts; the flow checks free space too
    check_output_root(config.output.root, config.dataset.name, input_bytes=0)
    start_beside_imports(libraries_for([config]))
    with _heap_pages_kept_for_wide_fits():
        summary = run_rebalance(config)
    print_summary(summary)
    return 0


def _heap_pages_kept_for_wide_fits() -> contextlib.AbstractContextManager[None]:
    """One spec's run may let a wide GAN fit keep its heap pages (``gan/heap.py``); not
    ``serve`` or several specs side by side, whose other runs share the process's allocator,
    and not when the user tunes glibc's malloc themselves."""
    from rebalance.gan.heap import kept_pages_allowed

    tuned = any(name.startswith("MALLOC_") for name in os.environ)
    if tuned or "glibc.malloc" in os.environ.get("GLIBC_TUNABLES", ""):
        return contextlib.nullcontext()
    return kept_pages_allowed()


def libraries_for(configs: list[RebalanceConfig]) -> list[str]:
    """The slow imports these runs make on their way (see ``start_beside_imports``)."""
    names = ["great_expectations", "great_expectations.expectations"]  # the input contract
    if any("gan" in config.candidate_methods() for config in configs):
        names.append("torch")
    if any(config.validation.enabled for config in configs):
        names.append("matplotlib.figure")  # the report's figures
    return names


def print_summary(summary: RunSummary) -> None:
    """What a run published, its classes before and after, and why."""
    from rebalance.core.publication import NOT_VALIDATED  # pandas: loaded by the run already

    state = "already published; reused" if summary.reused else "published"
    print(f"\n{summary.dataset}: version {summary.version} {state}")
    print(f"  location: {summary.path}")
    if summary.gate:
        rows = "real rows only" if summary.method == "none" else f"method {summary.method}"
        report = "" if summary.gate == NOT_VALIDATED else f"; report: {summary.path}/_report.html"
        print(f"  gate: {summary.gate} ({rows}){report}")  # validation off: no report written
    after = "train after"
    if summary.release == "synthetic_only":
        print("  release: synthetic_only (synthetic rows only: no real row, no holdout split)")
        after = "synthetic"
    print(f"  {'class':<20} {'train before':>12} {after:>12}")
    for label, count in summary.before.items():
        print(f"  {label:<20} {count:>12} {summary.after.get(label, count):>12}")
    for label, why in summary.excluded.items():
        print(f"  class {label!r} left as is: {why}")
    if summary.quarantine_path:
        print(f"  {summary.quarantined_rows} row(s) quarantined: {summary.quarantine_path}")
    _print_outcome(summary)
    if summary.seconds:
        print(f"  seconds per stage: {describe_seconds(summary.seconds)}")


def _print_outcome(summary: RunSummary) -> None:
    """The gate's line for what was published and what it measured on the holdout."""
    if summary.decision:
        print(f"  why: {summary.decision}")
    f1 = summary.holdout_f1
    published_f1, real_f1 = f1.get("published"), f1.get("real_only")
    if published_f1 is None or real_f1 is None:
        return
    gain = published_f1 - real_f1
    tuned = f1.get("real_only_tuned")
    tuned_text = "" if tuned is None else f"; real rows with a tuned threshold {tuned:.3f}"
    published = "published"
    if summary.release == "synthetic_only":
        published = "trained on the published synthetic rows alone (TSTR)"
    print(
        f"  holdout minority F1: {published} {f1['published']:.3f}, real rows only "
        f"{f1['real_only']:.3f} ({gain:+.3f}){tuned_text}"
    )
    if summary.method == "none":
        print("  no synthetic rows were published:")
        for line in summary.not_published:
            print(f"    {line}")


def run_many(
    paths: list[str], input_path: str | None, apply: Callable[[RebalanceConfig], RebalanceConfig]
) -> int:
    """One run per spec side by side (``rebalance-many``); a spec that fails, even to load,
    does not stop the others. Exit status 2 when any failed."""
    from rebalance.core.logs import quiet_domain_tracebacks
    from rebalance.flows.many_flow import run_many as run_flows

    if input_path is not None:
        raise SpecError(f"--input: expected one SPEC with it, found {len(paths)} specs")
    configs, failed = [], {}
    for path in paths:
        try:
            configs.append(apply(load_config(path)))
        except RebalanceError as exc:
            failed[path] = str(exc)
    quiet_domain_tracebacks(console=True)
    start_beside_imports(libraries_for(configs))
    outcomes = run_flows(configs, configs[0].runtime) if configs else []
    for outcome in outcomes:
        if outcome.summary is not None:
            print_summary(outcome.summary)
        else:
            failed[outcome.dataset] = outcome.error or "failed"
    print(f"\n{len(paths) - len(failed)} of {len(paths)} spec(s) published")
    for name, error in failed.items():
        print(f"rebalance: error: {name}: {error}", file=sys.stderr)
    return 2 if failed else 0
