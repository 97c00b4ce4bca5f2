"""rebalance's conditional GAN against ctgan 0.12.1, side by side in one run, on Adult.

    .venv/bin/python benchmarks/gan_vs_ctgan.py --ctgan-python /path/to/ctgan-env/bin/python

ctgan runs in its own environment (``benchmarks/ctgan_side.py``; see benchmarks/README.md for
how to build it). Prints one table: preprocessing, per-step training time against the bare
network floor, sampling, conditional exactness, fidelity (detection AUC on the minority class,
mean KS/TV complement) and time to reach ctgan's 300-epoch fidelity.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from environment import describe, environment_line  # noqa: E402  (beside this script, as timing.py)
from timing import best_of  # noqa: E402  (benchmarks/timing.py, beside this script)

from rebalance.core.columns import type_table  # noqa: E402
from rebalance.core.config import load_config  # noqa: E402
from rebalance.core.ingest import read_raw  # noqa: E402
from rebalance.core.validation.fidelity import mean_fidelity  # noqa: E402
from rebalance.gan.config import GanConfig  # noqa: E402
from rebalance.gan.drawing import SAMPLE_CHUNK_CPU  # noqa: E402
from rebalance.gan.model import ConditionalTabularGAN  # noqa: E402
from rebalance.gan.networks import Critic, Generator, SamplingGenerator, gradient_penalty  # noqa: E402
from rebalance.gan.transformer import TabularTransformer  # noqa: E402

TARGET, MINORITY = "income", ">50K"


def detection_auc(real: pd.DataFrame, synthetic: pd.DataFrame, seed: int = 0) -> float:
    """3-fold cross-validated ROC AUC of a classifier telling real from synthetic rows
    (0.5: indistinguishable; 1.0: trivially separable)."""
    joined = pd.concat([real, synthetic], ignore_index=True)
    labels = np.r_[np.zeros(len(real)), np.ones(len(synthetic))]
    text = [c for c in joined.columns if not pd.api.types.is_numeric_dtype(joined[c])]
    features = pd.get_dummies(joined.astype(dict.fromkeys(text, object)), dummy_na=True)
    model = HistGradientBoostingClassifier(max_iter=100, random_state=seed)
    folds = StratifiedKFold(3, shuffle=True, random_state=seed)
    return float(
        cross_val_score(model, features.astype(float), labels, cv=folds, scoring="roc_auc").mean()
    )


def load_adult(data_dir: Path) -> tuple[pd.DataFrame, dict[str, str]]:
    config = load_config(
        REPO / "examples/specs/adult.yaml", input_path=str(data_dir / "adult-train.csv")
    )
    table = type_table(read_raw(config.dataset), config.dataset)
    return table.frame, dict(table.types)


def bare_network_step_ms(data_dim: int, n_classes: int, steps: int = 65, blocks: int = 5) -> float:
    """Forward, backward, gradient penalty and Adam at ctgan's sizes, nothing else."""
    cfg = GanConfig()
    gen = Generator(cfg.embedding_dim, n_classes, cfg.generator_dims, data_dim)
    critic = Critic(data_dim, n_classes, cfg.critic_dims, cfg.pac, cfg.critic_dropout)
    opt_g = torch.optim.Adam(gen.parameters(), lr=2e-4, betas=(0.5, 0.9))
    opt_d = torch.optim.Adam(critic.parameters(), lr=2e-4, betas=(0.5, 0.9))
    rng = torch.Generator().manual_seed(0)
    real = torch.rand(cfg.batch_size, data_dim)
    cond = torch.zeros(cfg.batch_size, n_classes)
    cond[:, 0] = 1

    def step() -> None:
        fake = gen(torch.randn(cfg.batch_size, cfg.embedding_dim), cond)
        loss = critic(fake.detach(), cond).mean() - critic(real, cond).mean()
        loss = loss + 10 * gradient_penalty(critic, real, fake.detach(), cond, rng)
        opt_d.zero_grad()
        loss.backward()
        opt_d.step()
        loss_g = -critic(gen(torch.randn(cfg.batch_size, cfg.embedding_dim), cond), cond).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()

    for _ in range(5):
        step()
    timings = []
    for _ in range(blocks):  # best of several epoch-sized blocks: the machine is noisy
        began = time.perf_counter()
        for _ in range(steps):
            step()
        timings.append(1000 * (time.perf_counter() - began) / steps)
    return min(timings)


def generator_forward_seconds(model: ConditionalTabularGAN, n: int) -> float:
    """The sampling floor at this architecture: the generator's forward pass alone, in the
    sampling precision, chunked and spread over workers as ``sample`` does."""
    trainer = model._trainer
    frozen = SamplingGenerator(
        trainer.generator.eval(), 0, len(model.classes_), trainer.sample_dtype
    )
    noise = [
        torch.randn(SAMPLE_CHUNK_CPU, model.config.embedding_dim)
        for _ in range(n // SAMPLE_CHUNK_CPU)
    ]

    def forward(chunk: torch.Tensor) -> None:
        with torch.no_grad():
            frozen(chunk)

    workers = torch.get_num_threads()
    with ThreadPoolExecutor(workers, initializer=torch.set_num_threads, initargs=(1,)) as pool:
        return best_of(3, lambda: list(pool.map(forward, noise)))


def run_ctgan(
    args: argparse.Namespace, frame: pd.DataFrame, types: dict[str, str], workdir: Path
) -> tuple[dict, pd.DataFrame]:
    csv = workdir / "adult-for-ctgan.csv"
    discrete = [c for c, t in types.items() if t == "categorical"]
    frame.fillna({c: "?" for c in discrete}).to_csv(csv, index=False)
    out_json, out_csv = workdir / "ctgan.json", workdir / "ctgan-rows.csv"
    n_minority = int((frame[TARGET] == MINORITY).sum())
    command = [
        args.ctgan_python,
        str(REPO / "benchmarks/ctgan_side.py"),
        "--data",
        str(csv),
        "--target",
        TARGET,
        "--minority",
        MINORITY,
        "--discrete",
        ",".join(discrete),
        "--epochs",
        str(args.ctgan_epochs),
        "--rows",
        str(n_minority),
        "--out-json",
        str(out_json),
        "--out-csv",
        str(out_csv),
    ]
    subprocess.run(command, check=True)
    rows = pd.read_csv(out_csv, keep_default_na=False)
    for column in discrete:
        rows[column] = rows[column].replace("?", np.nan)
    return json.loads(out_json.read_text()), rows.astype(frame.dtypes.to_dict())


def run_ours(
    args: argparse.Namespace,
    frame: pd.DataFrame,
    types: dict[str, str],
    target_quality: tuple[float, float] | None,
) -> dict:
    features = [c for c in frame.columns if c != TARGET]
    feature_types = {c: types[c] for c in features}
    result: dict = {}
    began = time.perf_counter()
    transformer = TabularTransformer(GanConfig()).fit(frame[features], feature_types)
    result["transformer_fit_s"] = time.perf_counter() - began
    began = time.perf_counter()
    transformer.transform(frame[features])
    result["transformer_transform_s"] = time.perf_counter() - began
    result["floor_ms_per_step"] = bare_network_step_ms(transformer.width_, frame[TARGET].nunique())

    real_minority = frame[frame[TARGET] == MINORITY].drop(columns=TARGET)
    checkpoints = sorted(set(args.checks) | {args.epochs})
    model = ConditionalTabularGAN(
        GanConfig(epochs=args.epochs, validation_fraction=0.0, seed=args.seed)
    )
    trace: list[dict] = []
    train_seconds = [0.0]

    epoch_seconds: list[float] = []

    def on_epoch(stats) -> None:
        train_seconds[0] += stats.seconds
        epoch_seconds.append(stats.seconds)
        if stats.epoch in checkpoints:
            rows = model.sample(MINORITY, len(real_minority)).drop(columns=TARGET)
            trace.append(
                {
                    "epoch": stats.epoch,
                    "train_s": train_seconds[0],
                    "auc": detection_auc(real_minority, rows),
                    "fidelity": mean_fidelity(real_minority, rows, feature_types),
                }
            )
            print(
                f"  ours epoch {stats.epoch}: auc {trace[-1]['auc']:.3f} "
                f"fidelity {trace[-1]['fidelity']:.3f} ({train_seconds[0]:.0f} s training)",
                file=sys.stderr,
            )

    began = time.perf_counter()
    model.fit(frame, TARGET, types, on_epoch=on_epoch)
    fit_total = time.perf_counter() - began
    steps = max(len(frame) // 500, 1)
    result["seconds_per_epoch"] = train_seconds[0] / args.epochs
    # per step: the best epoch, like the floor's best block (noise only ever adds time)
    result["ms_per_step"] = 1000 * min(epoch_seconds) / steps
    result["ms_per_step_mean"] = 1000 * result["seconds_per_epoch"] / steps
    result["fit_total_s"] = fit_total
    result["sample_dtype"] = str(model._trainer.sample_dtype).removeprefix("torch.")
    result["sample_100k_s"] = best_of(3, lambda: model.sample(MINORITY, 100_000))
    sampled = model.sample(MINORITY, 100_000)
    result["generator_forward_100k_s"] = generator_forward_seconds(model, 100_000)
    # the same trained model sampled in float32: speed and fidelity of the precision choice
    sample_dtype = model._trainer.sample_dtype
    model._trainer.sample_dtype = torch.float32
    result["sample_100k_float32_s"] = best_of(3, lambda: model.sample(MINORITY, 100_000))
    rows32 = model.sample(MINORITY, len(real_minority)).drop(columns=TARGET)
    result["float32_auc"] = detection_auc(real_minority, rows32)
    result["float32_fidelity"] = mean_fidelity(real_minority, rows32, feature_types)
    model._trainer.sample_dtype = sample_dtype
    result["conditional_exactness"] = float((sampled[TARGET] == MINORITY).mean())
    result["trace"] = trace
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--ctgan-python", required=True, help="python of an environment with ctgan==0.12.1"
    )
    parser.add_argument("--data-dir", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--ctgan-epochs", type=int, default=300)
    parser.add_argument("--epochs", type=int, default=120, help="epochs of our GAN")
    parser.add_argument("--checks", type=int, nargs="*", default=[10, 20, 30, 45, 60, 90])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the raw numbers here")
    args = parser.parse_args()
    torch.manual_seed(args.seed)
    frame, types = load_adult(args.data_dir)
    with tempfile.TemporaryDirectory() as tmp:
        print("ctgan: fitting ...", file=sys.stderr)
        ctgan, ctgan_rows = run_ctgan(args, frame, types, Path(tmp))
    real_minority = frame[frame[TARGET] == MINORITY].drop(columns=TARGET)
    feature_types = {c: t for c, t in types.items() if c != TARGET}
    ctgan_rows = ctgan_rows.drop(columns=TARGET)
    ctgan["auc"] = detection_auc(real_minority, ctgan_rows)
    ctgan["fidelity"] = mean_fidelity(real_minority, ctgan_rows, feature_types)
    print("ours: fitting ...", file=sys.stderr)
    ours = run_ours(args, frame, types, (ctgan["auc"], ctgan["fidelity"]))
    reached = next(
        (
            t
            for t in ours["trace"]
            if t["auc"] <= ctgan["auc"] and t["fidelity"] >= ctgan["fidelity"]
        ),
        None,
    )
    ctgan_train_s = ctgan["seconds_per_epoch"] * ctgan["epochs"]
    prep_ours = ours["transformer_fit_s"] + ours["transformer_transform_s"]
    prep_ctgan = ctgan["transformer_fit_s"] + ctgan["transformer_transform_s"]
    final = ours["trace"][-1]

    def versus(name: str, key: str, goal: str = "") -> tuple[str, float, float, float, str]:
        """A row measured the same way for both: ratio is ctgan's time over ours."""
        return (name, ctgan[key], ours[key], ctgan[key] / ours[key], goal)

    rows = [
        (
            "transformer fit + transform (s)",
            prep_ctgan,
            prep_ours,
            prep_ctgan / prep_ours,
            ">= 10x",
        ),
        (
            "train step, batch 500, pac 10, mean (ms)",
            ctgan["ms_per_step"],
            ours["ms_per_step_mean"],
            ctgan["ms_per_step"] / ours["ms_per_step_mean"],
            ">= 1.5x",
        ),
        (
            "  bare-network floor, best block (ms/step)",
            float("nan"),
            ours["floor_ms_per_step"],
            float("nan"),
            "",
        ),
        (
            "  our step, best epoch (ms)",
            float("nan"),
            ours["ms_per_step"],
            ours["ms_per_step"] / ours["floor_ms_per_step"],
            "ours/floor <= 1.3",
        ),
        versus("seconds per epoch (mean)", "seconds_per_epoch"),
        versus(f"sample 100k rows (s), ours in {ours['sample_dtype']}", "sample_100k_s", ">= 10x"),
        (
            "  generator forward alone, 100k rows (s)",
            float("nan"),
            ours["generator_forward_100k_s"],
            ours["sample_100k_s"] / ours["generator_forward_100k_s"],
            "ours/forward",
        ),
        (
            "  ours sampling in float32 (s)",
            ctgan["sample_100k_s"],
            ours["sample_100k_float32_s"],
            ctgan["sample_100k_s"] / ours["sample_100k_float32_s"],
            "",
        ),
        (
            "sample 100k rows of one class (s)",
            ctgan["sample_100k_conditional_s"],
            ours["sample_100k_s"],
            ctgan["sample_100k_conditional_s"] / ours["sample_100k_s"],
            "",
        ),
        (
            "conditional exactness (share)",
            ctgan["conditional_exactness"],
            ours["conditional_exactness"],
            float("nan"),
            "ours = 1.0",
        ),
        (
            f"detection AUC, {MINORITY} (ctgan {ctgan['epochs']} ep / ours {final['epoch']} ep)",
            ctgan["auc"],
            final["auc"],
            float("nan"),
            "lower is better",
        ),
        (
            "mean KS/TV complement",
            ctgan["fidelity"],
            final["fidelity"],
            float("nan"),
            "higher is better",
        ),
        (
            "  detection AUC, the same model sampled in float32",
            float("nan"),
            ours["float32_auc"],
            float("nan"),
            "",
        ),
        (
            "  mean KS/TV complement, sampled in float32",
            float("nan"),
            ours["float32_fidelity"],
            float("nan"),
            "",
        ),
        (
            "training time to ctgan's final fidelity (s)",
            ctgan_train_s,
            reached["train_s"] + prep_ours if reached else float("nan"),
            ctgan_train_s / (reached["train_s"] + prep_ours) if reached else float("nan"),
            ">= 5x",
        ),
    ]
    device = "cuda" if torch.cuda.is_available() else f"cpu, {torch.get_num_threads()} threads"
    print(
        f"\nAdult ({len(frame)} rows), seed {args.seed}, {device}; "
        f"ctgan {ctgan['epochs']} epochs, ours {args.epochs}"
    )
    print(environment_line(describe()))
    print(f"{'measure':<58} {'ctgan':>10} {'rebalance':>10} {'ratio':>8}  goal")
    for name, theirs, mine, ratio, goal in rows:
        print(f"{name:<58} {theirs:>10.3f} {mine:>10.3f} {ratio:>8.2f}  {goal}")
    print(
        "\nour fidelity by epoch:",
        ", ".join(
            f"{t['epoch']}: AUC {t['auc']:.3f} / {t['fidelity']:.3f} ({t['train_s']:.0f} s)"
            for t in ours["trace"]
        ),
    )
    if reached:
        print(f"ctgan's {ctgan['epochs']}-epoch fidelity reached at our epoch {reached['epoch']}")
    else:
        print(f"ctgan's {ctgan['epochs']}-epoch fidelity not reached within {args.epochs} epochs")
    if args.json:
        args.json.write_text(json.dumps({"ctgan": ctgan, "ours": ours}, indent=2))


if __name__ == "__main__":
    main()
