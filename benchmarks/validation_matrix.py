"""``method: auto`` on the shared datasets, for several seeds, through the same stages as a
run: what was published, its holdout scores against the real-only references, the GAN's
fidelity and gate result, and the downstream classifier with its tuned threshold.

    .venv/bin/python benchmarks/validation_matrix.py   # make bench-validation: 6 datasets x 3 seeds

Every run uses the example spec as committed with method ``auto`` and the seed changed, the
default gate and ``--gan-epochs`` (early stopping still applies). The stages are the core
functions the flow's tasks wrap (``rebalance.api`` runs the same order), so that the GAN's
rows can also be scored on the holdout *for this table only*: the gate never sees those
numbers. Raw results go to ``--jsonl`` (one line per run).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import yaml

# short OpenMP spins before torch and scikit-learn load (see rebalance/cli/main.py)
os.environ.setdefault("GOMP_SPINCOUNT", "10000")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.environment import describe, differences, environment_line  # noqa: E402
from benchmarks.matrix_tables import (  # noqa: E402
    calibration_table,
    comparison_table,
    headroom_table,
    summary_table,
    tables,
)
from rebalance.core.balance import fit_oversampler, generate_synthetic  # noqa: E402
from rebalance.core.classifier import fit_model  # noqa: E402
from rebalance.core.columns import type_table  # noqa: E402
from rebalance.core.config import RebalanceConfig, load_config  # noqa: E402
from rebalance.core.ingest import read_raw  # noqa: E402
from rebalance.core.plan import plan_run  # noqa: E402
from rebalance.core.publication import decide_publication  # noqa: E402
from rebalance.core.publish import assemble_train  # noqa: E402
from rebalance.core.samplers import method_traits  # noqa: E402
from rebalance.core.split import selection_split, stratified_split  # noqa: E402
from rebalance.core.validation.decision import decide  # noqa: E402
from rebalance.core.validation.evaluate import prepare  # noqa: E402
from rebalance.core.validation.holdout import score_holdout  # noqa: E402
from rebalance.core.validation.utility import UTILITY_METRICS, score_predictions  # noqa: E402
from rebalance.data_contracts.synthetic_contract import evaluate_with_contract  # noqa: E402

DATASETS = ["adult", "bank-marketing", "mammography", "oil-spill", "german", "phoneme"]


def configure(
    name: str,
    seed: int,
    gan_epochs: int,
    gan_options: dict[str, Any] | None = None,
    sampling_strategy: float | str | None = None,
) -> RebalanceConfig:
    config = load_config(ROOT / "examples" / "specs" / f"{name}.yaml")
    method_params = config.balance.model_dump(exclude_none=True).get("method_params", {})
    gan = {**method_params.get("gan", {}), **(gan_options or {}), "epochs": gan_epochs}
    method_params["gan"] = gan
    return config.with_overrides(
        method="auto", seed=seed, method_params=method_params, sampling_strategy=sampling_strategy
    )


def run_one(
    name: str,
    seed: int,
    gan_epochs: int,
    gan_options: dict[str, Any] | None = None,
    sampling_strategy: float | str | None = None,
) -> dict[str, Any]:
    config = configure(name, seed, gan_epochs, gan_options, sampling_strategy)
    spec, balance, settings = config.dataset, config.balance, config.validation
    started, seconds = time.perf_counter(), {}
    table = type_table(read_raw(spec), spec)
    train, holdout = stratified_split(table.frame, spec.target, balance.holdout_fraction, seed)
    fit, selection = selection_split(train, spec.target, settings.selection_fraction, seed)
    plan = plan_run(train, fit, table.types, config)
    synthetic = {}
    for method in config.candidate_methods():
        clock = time.perf_counter()
        params = config.for_method(method)
        sampler = fit_oversampler(fit, spec.target, table.types, method, seed, params.params)
        synthetic[method] = generate_synthetic(sampler, plan)
        seconds[f"fit:{method}"] = time.perf_counter() - clock
    clock = time.perf_counter()
    context = prepare(fit, selection, spec.target, table.types, plan, settings, seed)
    candidates = {
        m: evaluate_with_contract(context, m, rows, method_traits(m).generative)
        for m, rows in synthetic.items()
    }
    decision = decide("auto", candidates, settings)
    chosen = decide_publication(plan, "auto", synthetic, decision)
    seconds["validate"] = time.perf_counter() - clock

    def holdout_scores(method: str) -> dict[str, Any]:
        return score_holdout(
            train, holdout, spec.target, table.types, plan, settings, seed, method,
            synthetic.get(method) if method != "none" else None,
        ).as_dict()  # fmt: skip

    # every candidate's rows scored once on the holdout, for the headroom and calibration
    # tables only (the gate decided above, on the selection rows)
    scored = {m: holdout_scores(m) for m in synthetic if m != "none"}
    published = scored.get(chosen.method) or holdout_scores(chosen.method)
    gan = candidates.get("gan")
    return {
        "dataset": name,
        "seed": seed,
        "published": chosen.method,
        "outcome": decision.outcome,
        "plan_basis": plan.basis,
        "to_generate": plan.to_generate,
        "lines": decision.lines,
        "holdout": published,
        "gan_holdout": scored.get("gan"),
        "candidate_holdout": {m: scores["published"] for m, scores in scored.items()},
        "gan": _candidate_row(gan) if gan is not None else None,
        "candidates": {m: _candidate_row(c) for m, c in candidates.items()},
        "downstream": _downstream(
            train, holdout, chosen.synthetic, table.types, plan, config, len(selection)
        ),
        "seconds": seconds,
        "wall": time.perf_counter() - started,
    }


def _candidate_row(result: Any) -> dict[str, Any]:
    metrics = list(result.metrics.values())

    def mean_metric(key: str) -> float | None:
        values = [m[key] for m in metrics if m.get(key) is not None and m[key] == m[key]]
        return sum(values) / len(values) if values else None

    return {
        "passed": result.passed,
        "eligible": result.eligible,
        "selection_f1": result.utility.f1,
        "failed": [c.name for c in result.failures()],
        **{k: mean_metric(k) for k in ("detection_auc", "ks_complement", "tv_complement")},
        "exact_copy_share": mean_metric("exact_copy_share"),
        "selection_gain": _check_value(result, "minority_f1_gain_over_real_only"),
        "gain_probability": _check_value(result, "minority_f1_gain_probability"),
    }


def _check_value(result: Any, name: str) -> float | None:
    return next((c.value for c in result.checks if c.name == name), None)


def _downstream(train, holdout, synthetic, types, plan, config, selection_rows) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The train-classifier stage's pipeline (tuned threshold) on the published train split and
    on the real train rows alone, scored on the holdout."""
    target = config.dataset.target
    manifest = {
        "target": target,
        "column_types": types,
        "class_counts_before": plan.before,
        "config": config.model_dump(mode="json"),
        "seed": config.balance.seed,
    }
    out: dict[str, Any] = {}
    for name, rows in (("published", assemble_train(train, synthetic)), ("real_only", train)):
        model = fit_model(
            rows, manifest, config.validation.classifier, config.balance.seed,
            selection_rows=selection_rows,
        )  # fmt: skip
        truth = holdout[target].astype(str).to_numpy()
        proba = model.predict_proba(holdout)
        minority = [model.minority] if model.minority is not None else []
        found = score_predictions(
            truth, model.classes, proba, minority, model.threshold, len(holdout)
        )
        out[name] = {m: getattr(found, m) for m in UTILITY_METRICS}
        out[f"{name}_trained_on"] = (
            model.training_rows.as_dict() if model.training_rows is not None else None
        )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=DATASETS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--gan-epochs", type=int, default=100)
    parser.add_argument(
        "--gan-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a GAN option for every run (YAML value), e.g. class_consistency_mode=match",
    )
    parser.add_argument(
        "--sampling-strategy",
        type=lambda value: value if value == "f1" else float(value),
        help="f1, or a float ratio (minority / majority after balancing), for every run "
        "(default: the spec's)",
    )
    parser.add_argument("--jsonl", default="benchmark-validation.jsonl")
    parser.add_argument(
        "--table-from", metavar="JSONL", help="print the tables of a finished run's raw rows"
    )
    parser.add_argument(
        "--compare",
        nargs="+",
        metavar="JSONL",
        help="print finished runs side by side, per dataset (means of the seeds)",
    )
    args = parser.parse_args()
    if args.compare:
        runs = {}
        for path in args.compare:
            with open(path) as saved:
                runs[Path(path).stem] = [json.loads(text) for text in saved]
        print(_environments(runs) + comparison_table(runs))
        return 0
    if args.table_from:
        with open(args.table_from) as saved:
            rows = [json.loads(text) for text in saved]
        print(_environments({args.table_from: rows}) + _all_tables(rows))
        return 0
    gan_options = {
        key: yaml.safe_load(value) for key, value in (o.split("=", 1) for o in args.gan_option)
    }
    rows, environment = [], describe()
    print(environment_line(environment), file=sys.stderr, flush=True)
    with open(args.jsonl, "w") as raw:
        for name in args.datasets:
            for seed in args.seeds:
                row = run_one(name, seed, args.gan_epochs, gan_options, args.sampling_strategy)
                row["environment"] = environment
                raw.write(json.dumps(row) + "\n")
                raw.flush()
                rows.append(row)
                scores = row["holdout"]
                print(
                    f"{name} seed {seed}: published {row['published']} holdout F1 "
                    f"{scores['published']['f1']:.3f} (none {scores['real_only']['f1']:.3f}) "
                    f"{row['wall']:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
    print(environment_line(environment) + "\n\n" + _all_tables(rows))
    return 0


def _all_tables(rows: list[dict[str, Any]]) -> str:
    parts = [tables(rows), summary_table(rows)]
    if any(row.get("candidate_holdout") for row in rows):  # saved before: not scored
        parts += [
            "Headroom (means of the seeds):\n\n" + headroom_table(rows),
            "The gate's gain probability against the holdout:\n\n" + calibration_table(rows),
        ]
    return "\n\n".join(parts)


def _environments(runs: dict[str, list[dict[str, Any]]]) -> str:
    """What each saved run ran on, and what differs between the first and the others (rows
    saved before the environment was recorded have none)."""
    found = {label: rows[0].get("environment") for label, rows in runs.items() if rows}
    lines = [
        f"{label}: " + (environment_line(env) if env else "ran on: not recorded")
        for label, env in found.items()
    ]
    known = [(label, env) for label, env in found.items() if env]
    for label, env in known[1:]:
        changed = differences(known[0][1], env)
        lines.append(f"{known[0][0]} -> {label}: " + ("; ".join(changed) or "same environment"))
    return "\n".join(lines) + "\n\n"


if __name__ == "__main__":
    sys.exit(main())
