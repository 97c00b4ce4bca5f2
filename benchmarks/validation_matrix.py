"""The whole ``rebalance`` flow with method gan, smote, random and none, on the shared
datasets, for several seeds: holdout utility, fidelity, privacy, the gate's decision and wall
time per stage, printed as one markdown table (means over seeds; decisions counted).

    .venv/bin/python benchmarks/validation_matrix.py            # 6 datasets x 4 methods x 3 seeds

Every run uses the example spec as committed, with only method and seed changed, the default
gate (policy ``fail``) and, for the GAN, ``--gan-epochs`` (early stopping still applies).
Raw results go to ``--jsonl`` (one line per run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rebalance.core.config import RebalanceConfig, load_config  # noqa: E402
from rebalance.core.errors import GateError  # noqa: E402
from rebalance.flows.rebalance_flow import rebalance  # noqa: E402

DATASETS = ["adult", "bank-marketing", "mammography", "oil-spill", "german", "phoneme"]
METHODS = ["gan", "smote", "random", "none"]


def configure(name: str, method: str, seed: int, root: Path, gan_epochs: int) -> RebalanceConfig:
    config = load_config(ROOT / "examples" / "specs" / f"{name}.yaml")
    method_params = config.balance.model_dump(exclude_none=True).get("method_params", {})
    method_params["gan"] = {**method_params.get("gan", {}), "epochs": gan_epochs}
    config = config.with_overrides(method=method, seed=seed, method_params=method_params)
    return config.model_copy(
        update={"output": config.output.model_copy(update={"root": str(root)})}
    )


def run_one(name: str, method: str, seed: int, root: Path, gan_epochs: int) -> dict[str, Any]:
    config = configure(name, method, seed, root, gan_epochs)
    started = time.perf_counter()
    try:
        summary = rebalance(config)
        folder, seconds, outcome = Path(summary.path), summary.seconds, summary.gate
    except GateError as refused:
        folder, seconds, outcome = Path(str(refused.report)), refused.seconds, "refuse"
    wall = time.perf_counter() - started
    record = json.loads((folder / "_validation.json").read_text())
    candidate = record["candidates"][method]
    metrics = list(candidate["metrics"].values())

    def mean_metric(key: str) -> float | None:
        values = [m[key] for m in metrics if m.get(key) is not None and m[key] == m[key]]
        return sum(values) / len(values) if values else None

    return {
        "dataset": name,
        "method": method,
        "seed": seed,
        "outcome": outcome,
        "utility": candidate["utility"],
        "baseline_f1": record["baseline"]["f1"],
        "tuned_f1": (record["threshold_tuned"] or {}).get("f1"),
        "ks": mean_metric("ks_complement"),
        "tv": mean_metric("tv_complement"),
        "detection_auc": mean_metric("detection_auc"),
        "exact_copy_share": mean_metric("exact_copy_share"),
        "closer_share": mean_metric("closer_than_holdout_share"),
        "failed": [c["name"] for c in candidate["checks"] if not c["passed"]],
        "seconds": seconds,
        "wall": wall,
    }


def fmt(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def table(rows: list[dict[str, Any]]) -> str:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[(row["dataset"], row["method"])].append(row)
    lines = [
        "| dataset | method | F1 | recall | PR-AUC | bal. acc | F1 gain vs none "
        "| F1 gain vs tuned | KS | TV | det. AUC | copies | closer | gate "
        "| fit+generate s | validate s | wall s |",
        "|---|---|" + "---:|" * 11 + "---|" + "---:|" * 3,
    ]
    for (dataset, method), group in groups.items():

        def u(key: str, group: list[dict[str, Any]] = group) -> float | None:
            return mean([r["utility"][key] for r in group])

        gain = mean([r["utility"]["f1"] - r["baseline_f1"] for r in group])
        tuned = mean(
            [r["utility"]["f1"] - r["tuned_f1"] for r in group if r["tuned_f1"] is not None]
        )
        outcomes: dict[str, int] = defaultdict(int)
        for r in group:
            outcomes[r["outcome"]] += 1
        decisions = ", ".join(f"{k} {v}/{len(group)}" for k, v in sorted(outcomes.items()))
        fit = mean(
            [
                r["seconds"].get(f"fit:{method}", 0.0) + r["seconds"].get(f"generate:{method}", 0.0)
                for r in group
            ]
        )
        validate = mean([r["seconds"].get("validate") for r in group])
        lines.append(
            f"| {dataset} | {method} | {fmt(u('f1'))} | {fmt(u('recall'))} | {fmt(u('pr_auc'))} "
            f"| {fmt(u('balanced_accuracy'))} | {fmt(gain)} | {fmt(tuned)} "
            f"| {fmt(mean([r['ks'] for r in group]))} | {fmt(mean([r['tv'] for r in group]))} "
            f"| {fmt(mean([r['detection_auc'] for r in group]))} "
            f"| {fmt(mean([r['exact_copy_share'] for r in group]))} "
            f"| {fmt(mean([r['closer_share'] for r in group]))} | {decisions} "
            f"| {fmt(fit, 1)} | {fmt(validate, 1)} | {fmt(mean([r['wall'] for r in group]), 1)} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=DATASETS)
    parser.add_argument("--methods", nargs="+", default=METHODS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--gan-epochs", type=int, default=100)
    parser.add_argument("--jsonl", default="benchmark-validation.jsonl")
    parser.add_argument(
        "--table-from", metavar="JSONL", help="print the table of a finished run's raw rows"
    )
    args = parser.parse_args()
    if args.table_from:
        with open(args.table_from) as saved:
            print(table([json.loads(line) for line in saved]))
        return 0
    rows = []
    with tempfile.TemporaryDirectory() as scratch, open(args.jsonl, "w") as raw:
        for name in args.datasets:
            for seed in args.seeds:
                for method in args.methods:
                    row = run_one(name, method, seed, Path(scratch), args.gan_epochs)
                    raw.write(json.dumps(row) + "\n")
                    raw.flush()
                    rows.append(row)
                    print(
                        f"{name} seed {seed} {method}: {row['outcome']} F1 "
                        f"{row['utility']['f1']:.3f} (none {row['baseline_f1']:.3f}) "
                        f"{row['wall']:.0f} s",
                        file=sys.stderr,
                        flush=True,
                    )
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
