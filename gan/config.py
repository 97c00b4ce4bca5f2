"""One config dataclass for the conditional tabular GAN (defaults comparable to CTGAN's).

The options, their defaults and their ranges are those of :class:`GanOptions`, the pydantic
model a spec's GAN options are validated with: every ``GanConfig`` is checked against it.
"""

from __future__ import annotations

import difflib
from dataclasses import asdict, dataclass
from typing import Any, Literal

from pydantic import ValidationError

from rebalance.core.errors import GanConfigError
from rebalance.core.method_options import GanOptions


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
    min_packs: int = 0  # critic samples per batch at least (fewer rows per pack); 0: off
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
    classifier_loss: float = 0.0  # weight of the auxiliary classification loss; 0: off
    min_steps_per_epoch: int = 1  # small tables: more than len // batch_size updates per epoch
    min_steps: int = 0  # generator updates before fidelity checks (early stopping) begin
    # overfitting control
    validation_fraction: float = 0.1  # held-out slice of the train part for early stopping
    eval_every: int = 5  # epochs between fidelity checks
    patience: int = 6  # checks without improvement before stopping
    eval_rows: int = 2000  # synthetic rows drawn per fidelity check
    max_fit_rows: int = 200_000  # larger tables: a stratified sample (subsample.py)
    # sampling: discriminator rejection sampling (see rejection.py)
    rejection: bool = True  # measured: benchmarks/gan_levers.py
    rejection_quantile: float = 0.95  # M = this quantile of the density ratio on generated rows
    rejection_max_draws: float = 20.0  # candidates per requested row at most
    class_consistency: float = 0.5  # floor quantile of the class-vs-rest check; 0: off
    class_consistency_mode: Literal["floor", "match"] = "match"
    # runtime
    device: str = "auto"  # auto | cpu | cuda | cuda:N
    bf16: bool = False  # bf16 autocast on CUDA
    sample_dtype: Literal["auto", "float32", "bfloat16"] = "auto"  # the generator's in sample()
    seed: int = 0
    checkpoint_every: int = 10  # epochs; 0 disables checkpoints
    checkpoint_min_seconds: float = 30.0  # and at most one checkpoint per this many seconds
    checkpoint_dir: str | None = None

    def __post_init__(self) -> None:
        # GanOptions checks every value and normalises it (lists to tuples, 3.0 to 3)
        for name, value in _values(_validated(asdict(self))).items():
            object.__setattr__(self, name, value)

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> GanConfig:
        """The config of these options (e.g. a spec's or a saved model's); GanConfigError
        names each bad key."""
        return cls.from_options(_validated(params))

    @classmethod
    def from_options(cls, options: GanOptions) -> GanConfig:
        return cls(**_values(options))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _validated(params: dict[str, Any]) -> GanOptions:
    try:
        return GanOptions.model_validate(params)
    except ValidationError as exc:
        raise GanConfigError(_describe(exc)) from None


def _values(options: GanOptions) -> dict[str, Any]:
    return {**options.model_dump(exclude={"method"}), "seed": options.seed}  # seed: not dumped


def _describe(exc: ValidationError) -> str:
    """``key: message`` per bad value; the unknown keys together, with a likely meant one."""
    parts, unknown, meant = [], [], []
    for err in exc.errors():
        key = ".".join(str(part) for part in err["loc"]) or "(all)"
        if err["type"] != "extra_forbidden":
            parts.append(f"{key}: {err['msg']}")
            continue
        unknown.append(key)
        close = difflib.get_close_matches(key, list(GanOptions.model_fields), n=1)
        meant += [f"{close[0]!r} for {key!r}"] if close else []
    if unknown:
        hint = f"; did you mean {', '.join(meant)}?" if meant else ""
        parts.append(f"unknown GAN option(s) {unknown}: Extra inputs are not permitted{hint}")
    return "; ".join(parts)
