"""The ``rebalance`` command line: run, profile, demo."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import signal
import sys
from collections.abc import Iterator
from typing import Any, NoReturn

from rebalance.core.config import RebalanceConfig, load_config
from rebalance.core.errors import GateError, RebalanceError, SpecError
from rebalance.core.timing import describe_seconds
from rebalance.core.version import __version__

EPILOG = "Errors print one line and exit with status 2. Docs: README.md."


SPEC_DEFAULTS = {
    "output": "the spec's, or ./rebalance-output",
    "method": "the spec's, else smote",
    "release": "the spec's",
    "task_runner": "the spec's runtime.task_runner, else threads",
}
DEMO_DEFAULTS = {
    "output": "./rebalance-output",
    "method": "auto",
    "release": "augmented",
    "task_runner": "threads",
}


def _add_balance_options(parser: argparse.ArgumentParser, defaults: dict[str, str]) -> None:
    parser.add_argument(
        "--output", metavar="DIR", help=f"output root folder (default: {defaults['output']})"
    )
    parser.add_argument(
        "--method",
        help="oversampler: none, random, smote, gan, or auto (the best that passes the "
        f"validation gate) (default: {defaults['method']})",
    )
    parser.add_argument("--seed", type=int, help="seed for the split and the sampler")
    parser.add_argument(
        "--sampling-strategy",
        metavar="S",
        help="'auto', 'minority', 'not minority', 'not majority', 'all', a float ratio "
        "(binary targets), a JSON object of target counts, e.g. '{\"1\": 500}', or 'f1' "
        "(binary targets: the minority up to the count whose default cut is its F1-best one)",
    )
    parser.add_argument(
        "--holdout-fraction",
        type=float,
        metavar="F",
        help="share of each class kept aside as the real holdout (default 0.2)",
    )
    parser.add_argument(
        "--task-runner",
        metavar="R",
        help="where candidates (and specs) run: 'threads' (this process), 'dask' (a local "
        "Dask cluster), or a Dask scheduler address such as tcp://scheduler:8786 "
        f"(default: {defaults['task_runner']})",
    )
    parser.add_argument(
        "--max-workers",
        type=int,
        metavar="N",
        help="tasks at once (threads) or local Dask worker processes; 1 runs candidates one "
        "after another (default: one per CPU core)",
    )
    parser.add_argument(
        "--release",
        choices=["augmented", "synthetic_only"],
        help="augmented: synthetic rows beside the real train rows; synthetic_only: synthetic "
        f"rows of every class alone, for sharing (privacy gates) (default: {defaults['release']})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rebalance",
        description="Balance an imbalanced tabular dataset and publish it as versioned Parquet.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"rebalance {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        help="run the whole pipeline for a dataset spec",
        description="Ingest, validate, profile, split, balance and publish the dataset in SPEC.",
        epilog=EPILOG,
    )
    run.add_argument(
        "specs",
        nargs="+",
        metavar="SPEC",
        help="dataset spec file(s) (YAML or JSON); several run side by side on the task runner",
    )
    run.add_argument(
        "--input", metavar="PATH", help="data file or URL, overriding the spec's path (one SPEC)"
    )
    _add_balance_options(run, SPEC_DEFAULTS)

    profile = commands.add_parser(
        "profile",
        help="print the imbalance profile of a dataset spec (no training, no output)",
        description="Read, type and validate the data in SPEC and print its imbalance profile.",
        epilog=EPILOG,
    )
    profile.add_argument("spec", metavar="SPEC", help="dataset spec file (YAML or JSON)")
    profile.add_argument(
        "--input", metavar="PATH", help="data file or URL, overriding the spec's path"
    )
    profile.add_argument("--json", action="store_true", help="print the profile as JSON")

    demo = commands.add_parser(
        "demo",
        help="run the pipeline on scikit-learn's bundled digits, 'is it an 8?'",
        description="Balance scikit-learn's bundled handwritten digits as 'is it an 8?' "
        "(174 rows of 8 vs 1623 other) and publish it under --output.",
        epilog=EPILOG,
    )
    _add_balance_options(demo, DEMO_DEFAULTS)
    _add_service_commands(commands)
    return parser


def _add_service_commands(commands: Any) -> None:
    """``serve`` and ``schema``: the commands that run or describe the service, not a run."""
    serve = commands.add_parser(
        "serve",
        help="serve scheduled and event-triggered deployments (starts a Prefect server if needed)",
        description="Serve the rebalance, watch and train-classifier deployments for each SPEC. "
        "Without PREFECT_API_URL a Prefect server is started on loopback first.",
        epilog=EPILOG,
    )
    serve.add_argument("specs", nargs="+", metavar="SPEC", help="dataset spec files")
    serve.add_argument("--output", metavar="DIR", help="output root (default: each spec's)")
    serve.add_argument("--port", type=int, default=4200, help="port of a started server")

    schema = commands.add_parser(
        "schema",
        help="print the JSON Schema of a dataset spec file (for editors)",
        description="Print the JSON Schema that spec files (YAML or JSON) are validated against, "
        "so an editor can check and complete them.",
        epilog=EPILOG,
    )
    schema.add_argument("--output", metavar="FILE", help="write it to FILE instead of stdout")


def set_process_defaults() -> None:
    """Defaults for this command's own process, set before Prefect, torch or scikit-learn load;
    the user's environment wins. Importing rebalance as a library changes none of this."""
    # offline machines: no analytics calls from the Prefect server
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    # A first ephemeral start migrates a fresh SQLite database (8-14 s on 2 idle cores);
    # Prefect's 20 s default was exceeded on a busy machine, failing the run before any work.
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    # torch and scikit-learn each bring an OpenMP runtime; with libgomp's default spin their
    # threads starve each other on a small busy machine. Measured on 2 cores, gate unit tests:
    # default spin 8.4 s idle / 133 s busy; PASSIVE 34 s / 32 s; 10,000 spins 7.6 s / 40 s.
    if "OMP_WAIT_POLICY" not in os.environ:
        os.environ.setdefault("GOMP_SPINCOUNT", "10000")


def main(argv: list[str] | None = None) -> int:
    set_process_defaults()
    args = build_parser().parse_args(argv)
    try:
        if args.command == "profile":
            return _profile(args)
        if args.command == "schema":
            return _schema(args)
        if args.command == "serve":
            from rebalance.deployments.serve import serve_specs

            return serve_specs(args.specs, args.output, port=args.port)
        with _sigterm_as_interrupt():
            return _run(args)
    except RebalanceError as exc:
        if isinstance(exc, GateError) and exc.seconds:  # refused runs report their times too
            print(
                f"{exc.dataset}: nothing published; seconds per stage: "
                f"{describe_seconds(exc.seconds)}"
            )
        print(f"rebalance: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("rebalance: interrupted", file=sys.stderr)
        return 130


def _run(args: argparse.Namespace) -> int:
    from rebalance.cli import runs

    if args.command == "demo":
        return runs.run_one(_apply_options(_demo_config(), args))
    if len(args.specs) > 1:
        return runs.run_many(args.specs, args.input, lambda c: _apply_options(c, args))
    return runs.run_one(_apply_options(load_config(args.specs[0], input_path=args.input), args))


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """SIGTERM (``kill``, ``timeout``, a supervisor) ends a run as Ctrl-C does, through the exit
    handlers: Prefect's temporary server runs in a process group of its own and is stopped by
    one of them. With Python's default handler, which Prefect re-raises SIGTERM to once it has
    marked the run Crashed, the process would die at once and leave the server running."""
    try:
        previous = signal.signal(signal.SIGTERM, _interrupt)
    except ValueError:  # not the main thread: signals are the caller's to handle
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def command() -> NoReturn:
    """The ``rebalance`` console script: ``main``, then exit without the interpreter's final
    full garbage collection, which walks every object torch, Great Expectations and pydantic
    loaded once more (3.0 s after a wide run, measured). Exit handlers still run (Prefect's
    server stop, logging's flush). Cyclic garbage alive at this point is never collected, so
    cleanup left to ``__del__`` would not run: the run's writers close their files themselves
    (``with`` blocks, explicit ``close``), before ``main`` returns."""
    code = main()
    gc.freeze()  # the collections at interpreter exit skip everything alive now
    sys.exit(code)


def _demo_config() -> RebalanceConfig:
    from rebalance.cli.demo import demo_config

    return demo_config()


def _apply_options(config: RebalanceConfig, args: argparse.Namespace) -> RebalanceConfig:
    strategy: Any = args.sampling_strategy
    if strategy is not None:
        strategy = _parse_strategy(strategy)
    config = config.with_overrides(
        method=args.method,
        seed=args.seed,
        sampling_strategy=strategy,
        holdout_fraction=args.holdout_fraction,
    ).with_release(args.release)
    config = config.with_runtime(_runtime_overrides(args))
    if args.output:
        config = config.model_copy(
            update={"output": config.output.model_copy(update={"root": args.output})}
        )
    return config


def _runtime_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """``--task-runner`` and ``--max-workers`` as ``runtime`` settings (an address means
    dask)."""
    changes: dict[str, Any] = {}
    runner = args.task_runner
    if runner is not None and runner not in ("threads", "dask"):
        if "://" not in runner:
            raise SpecError(
                "--task-runner: expected 'threads', 'dask' or a scheduler address such as "
                f"tcp://scheduler:8786, found {runner!r}"
            )
        changes["address"] = runner
        runner = "dask"
    if runner is not None:
        changes["task_runner"] = runner
        if runner == "threads":
            changes["address"] = None
    if args.max_workers is not None:
        changes["max_workers"] = args.max_workers
    return changes


def _parse_strategy(text: str) -> Any:
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(
                f"--sampling-strategy: expected a JSON object, found {text!r} ({exc})"
            ) from None
    try:
        return float(text)
    except ValueError:
        return text


def _profile(args: argparse.Namespace) -> int:
    """Read, type and validate the input exactly as a run would, and profile it (no Prefect)."""
    from rebalance.core.columns import type_table
    from rebalance.core.ingest import read_raw
    from rebalance.core.profile import build_profile, profile_markdown
    from rebalance.core.quarantine import check_quarantine_share
    from rebalance.core.serialize import to_json
    from rebalance.data_contracts.input_contract import validate_input

    config = load_config(args.spec, input_path=args.input)
    table = type_table(read_raw(config.dataset), config.dataset)
    check_quarantine_share(table, config.contract.max_quarantine_share)
    validate_input(table.frame, config.dataset, table.types)
    result = build_profile(table, config.dataset.target, config.balance.min_class_rows)
    if args.json:
        print(to_json(result, indent=2))
    else:
        print(profile_markdown(result, config.dataset.name))
    return 0


def _schema(args: argparse.Namespace) -> int:
    """The spec file's JSON Schema, indented, on stdout or in --output."""
    from rebalance.core.config import spec_json_schema
    from rebalance.core.serialize import to_json

    text = to_json(spec_json_schema(), indent=2) + "\n"
    if args.output is None:
        sys.stdout.write(text)
        return 0
    try:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError as exc:
        raise RebalanceError(f"{args.output}: cannot write the schema ({exc.strerror})") from None
    return 0


if __name__ == "__main__":
    command()
