"""The CTGAN half of ``gan_vs_ctgan.py``; runs in a separate environment (ctgan pins pandas<3
and is BSL-licensed, so it is never a dependency of rebalance).

Writes a JSON of timings and a CSV of rows of the asked class; prints nothing else.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd
import torch
from ctgan import CTGAN
from ctgan.data_transformer import DataTransformer
from timing import best_of  # benchmarks/timing.py: this script's folder is on sys.path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True, help="CSV with the same columns rebalance uses")
    parser.add_argument("--target", required=True)
    parser.add_argument("--minority", required=True)
    parser.add_argument("--discrete", required=True, help="comma-separated discrete columns")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--rows", type=int, required=True, help="rows of the minority to write")
    parser.add_argument("--out-json", required=True)
    parser.add_argument("--out-csv", required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)
    data = pd.read_csv(args.data, keep_default_na=False)  # ctgan refuses NaN: '?' stays a category
    discrete = args.discrete.split(",")
    result: dict[str, float | int | str] = {
        "device": "cuda" if torch.cuda.is_available() else "cpu"
    }

    began = time.perf_counter()
    transformer = DataTransformer()
    transformer.fit(data, discrete)
    result["transformer_fit_s"] = time.perf_counter() - began
    began = time.perf_counter()
    transformer.transform(data)
    result["transformer_transform_s"] = time.perf_counter() - began

    # Time the preprocessing that happens inside fit, so the rest is training alone.
    inside: list[float] = []
    for name in ("fit", "transform"):
        original = getattr(DataTransformer, name)

        def timed(self, *a, _original=original, **k):
            began = time.perf_counter()
            try:
                return _original(self, *a, **k)
            finally:
                inside.append(time.perf_counter() - began)

        setattr(DataTransformer, name, timed)
    model = CTGAN(epochs=args.epochs, enable_gpu=torch.cuda.is_available())
    began = time.perf_counter()
    model.fit(data, discrete)
    fit_s = time.perf_counter() - began
    result["fit_total_s"] = fit_s
    result["epochs"] = args.epochs
    result["seconds_per_epoch"] = (fit_s - sum(inside[:2])) / args.epochs
    steps_per_epoch = max(len(data) // 500, 1)
    result["ms_per_step"] = 1000 * float(result["seconds_per_epoch"]) / steps_per_epoch

    result["sample_100k_s"] = best_of(3, lambda: model.sample(100_000))
    result["sample_100k_conditional_s"] = best_of(
        3,
        lambda: model.sample(100_000, condition_column=args.target, condition_value=args.minority),
    )
    asked = model.sample(100_000, condition_column=args.target, condition_value=args.minority)
    result["conditional_exactness"] = float(
        (asked[args.target].astype(str) == args.minority).mean()
    )

    # Rows of the minority for the fidelity comparison: condition, then keep the right class.
    kept = [asked[asked[args.target].astype(str) == args.minority]]
    while sum(len(k) for k in kept) < args.rows:
        more = model.sample(100_000, condition_column=args.target, condition_value=args.minority)
        kept.append(more[more[args.target].astype(str) == args.minority])
    pd.concat(kept).head(args.rows).to_csv(args.out_csv, index=False)
    with open(args.out_json, "w") as handle:
        json.dump(result, handle, indent=2)


if __name__ == "__main__":
    main()
