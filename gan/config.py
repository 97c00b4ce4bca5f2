"""One config dataclass for the conditional tabular GAN (defaults comparable to CTGAN's)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from gan.errors import GanConfigError


@dataclass(frozen=True)
class GanConfig:
    # transformer
    continuous_mode: Literal["gmm", "quantile"] = "gmm"
    max_modes: int = 10  # Bayesian GMM components per continuous column
    gmm_fit_rows: int = 5_000  # the mixtures are fitted on a subsample of at most this many
    max_categories: int = 200  # more levels than this: rare ones are grouped
    # networks
    embedding_dim: int = 128  # noise dimension
    generator_dims: tuple[int, ...] = (256, 256)
    critic_dims: tuple[int, ...] = (256, 256)
    pac: int = 10
    critic_dropout: float = 0.5
    # optimisation
    epochs: int = 300
    batch_size: int = 500
    generator_lr: float = 2e-4
    critic_lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.9)
    weight_decay: float = 1e-6
    critic_steps: int = 1
    gradient_penalty: float = 10.0
    gumbel_tau: float = 0.2
    # overfitting control
    validation_fraction: float = 0.1  # held-out slice of the train part for early stopping
    eval_every: int = 5  # epochs between fidelity checks
    patience: int = 6  # checks without improvement before stopping
    eval_rows: int = 2000  # synthetic rows drawn per fidelity check
    # runtime
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    bf16: bool = False  # bf16 autocast on CUDA
    sample_dtype: str = "auto"  # auto | float32 | bfloat16: the generator's precision in sample()
    seed: int = 0
    checkpoint_every: int = 10  # epochs; 0 disables checkpoints
    checkpoint_dir: str | None = None

    def __post_init__(self) -> None:
        problems = []
        if self.batch_size % self.pac:
            problems.append(f"batch_size {self.batch_size} must be a multiple of pac {self.pac}")
        if self.epochs < 1:
            problems.append(f"epochs must be >= 1, found {self.epochs}")
        if not 0 <= self.validation_fraction < 0.5:
            problems.append(
                f"validation_fraction must be in [0, 0.5), found {self.validation_fraction}"
            )
        if self.max_modes < 1 or self.max_categories < 2:
            problems.append("max_modes must be >= 1 and max_categories >= 2")
        if self.continuous_mode not in ("gmm", "quantile"):
            problems.append(
                f"continuous_mode must be gmm or quantile, found {self.continuous_mode!r}"
            )
        if self.sample_dtype not in ("auto", "float32", "bfloat16"):
            problems.append(
                f"sample_dtype must be auto, float32 or bfloat16, found {self.sample_dtype!r}"
            )
        if problems:
            raise GanConfigError("; ".join(problems))

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> GanConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(params) - known)
        if unknown:
            raise GanConfigError(f"unknown GAN option(s) {unknown}; known: {sorted(known)}")
        coerced: dict[str, Any] = {
            k: tuple(v) if isinstance(v, list) else v for k, v in params.items()
        }
        return cls(**coerced)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
