"""The options of each oversampling method, typed per method.

Each options model carries a ``method`` literal, so :data:`MethodOptions` is a union
discriminated by it. An options model is also a read-only mapping of the sampler's keyword
arguments (``method`` and ``seed`` left out: the seed is ``balance.seed``, passed as ``seed=``),
so ``make_oversampler(method, seed, options)`` and ``dict(options)`` take it as is.
``GanConfig`` is built from :class:`GanOptions`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveInt, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

# not keyword arguments of a sampler: the union's tag, and the seed given as seed=
_NOT_ARGUMENTS = frozenset({"method", "seed"})

Dims = Annotated[tuple[PositiveInt, ...], Field(min_length=1)]
Beta = Annotated[float, Field(ge=0.0, lt=1.0)]


class StrictModel(BaseModel):
    """Unknown keys refused, values frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SamplerOptions(StrictModel, Mapping[str, Any]):
    """A method's options, also a read-only mapping of its sampler's keyword arguments."""

    def __getitem__(self, key: str) -> Any:
        if key in _NOT_ARGUMENTS or key not in type(self).model_fields:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return (name for name in type(self).model_fields if name not in _NOT_ARGUMENTS)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class RandomOptions(SamplerOptions):
    """Random oversampling has no options."""

    method: Literal["random"] = "random"


class SmoteOptions(SamplerOptions):
    """SMOTE / SMOTE-NC / SMOTEN (imbalanced-learn)."""

    method: Literal["smote"] = "smote"
    k_neighbors: int = Field(
        5, ge=1, description="neighbours to interpolate towards (fewer when a class is smaller)"
    )
    neighbour_rows: int = Field(
        10_000,
        ge=2,
        description="a larger class searches its neighbours among a seeded sample of this many "
        "of its rows (the search costs rows squared)",
    )
    batch_rows: int = Field(
        100_000, ge=1, description="new rows made per step, which bounds the memory a step needs"
    )


class GanOptions(SamplerOptions):
    """The conditional tabular GAN; defaults comparable to CTGAN's."""

    method: Literal["gan"] = "gan"
    # transformer
    continuous_mode: Literal["gmm", "quantile"] = "gmm"
    max_modes: int = Field(10, ge=1, description="Bayesian GMM components per numeric column")
    gmm_fit_rows: int = Field(5_000, ge=1, description="rows the mixtures are fitted on, at most")
    max_categories: int = Field(200, ge=2, description="more levels: rare ones are grouped")
    # networks
    embedding_dim: int = Field(128, ge=1, description="noise dimension")
    generator_dims: Dims = (256, 256)
    critic_dims: Dims = (256, 256)
    pac: int = Field(10, ge=1, description="rows the critic judges together")
    min_packs: int = Field(
        0,
        ge=0,
        description="critic samples per batch at least: a batch (or a table smaller than one) "
        "of fewer than pac x min_packs rows packs fewer rows together; 0: always pac",
    )
    critic_dropout: float = Field(0.5, ge=0.0, lt=1.0)
    # optimisation (batch_size is validated after pac, which it must be a multiple of)
    epochs: int = Field(300, ge=1)
    batch_size: int = Field(500, ge=1, description="a multiple of pac")
    generator_lr: float = Field(2e-4, gt=0.0)
    critic_lr: float = Field(2e-4, gt=0.0)
    betas: tuple[Beta, Beta] = (0.5, 0.9)
    weight_decay: float = Field(1e-6, ge=0.0)
    critic_steps: int = Field(1, ge=1, description="critic updates per generator update")
    gradient_penalty: float = Field(10.0, ge=0.0)
    gumbel_tau: float = Field(0.2, gt=0.0)
    classifier_loss: float = Field(
        0.0,
        ge=0.0,
        description="weight of an auxiliary classification loss (CTAB-GAN+): a classifier of "
        "the real rows' class also scores the generator's rows against the class asked for; 0: off",
    )
    min_steps_per_epoch: int = Field(
        1, ge=1, description="generator updates per epoch at least (small tables: rows < batch)"
    )
    min_steps: int = Field(
        0, ge=0, description="generator updates before fidelity checks (early stopping) begin"
    )
    # overfitting control
    validation_fraction: float = Field(
        0.1, ge=0.0, lt=0.5, description="held-out slice of the train part for early stopping"
    )
    eval_every: int = Field(5, ge=0, description="epochs between fidelity checks; 0: none")
    patience: int = Field(6, ge=1, description="checks without improvement before stopping")
    eval_rows: int = Field(2000, ge=1, description="synthetic rows drawn per fidelity check")
    max_fit_rows: int = Field(
        200_000,
        ge=100,
        description="a larger table is fitted on a stratified sample of this many rows (the "
        "smaller classes whole); the run log and the metadata say so",
    )
    # sampling
    rejection: bool = Field(
        True, description="discriminator rejection sampling: thin rows a classifier finds fake"
    )
    rejection_quantile: float = Field(
        0.95, gt=0.0, le=1.0, description="M, the density-ratio cap, is this quantile of r"
    )
    rejection_max_draws: float = Field(
        20.0, ge=1.0, description="candidates per requested row at most; then the least rejected"
    )
    class_consistency: float = Field(
        0.5,
        ge=0.0,
        lt=1.0,
        description="with rejection on: check each row against a classifier of the real rows "
        "(its class against the others; see class_consistency_mode); floor mode refuses a row "
        "scored below this quantile of the class's own real rows (out of fold); 0: off",
    )
    class_consistency_mode: Literal["floor", "match"] = Field(
        "match",
        description="match: thin rows so that their class scores spread as the class's real "
        "rows' do; floor: refuse every row below the class_consistency quantile (more "
        "utility, less fidelity: benchmarks/RESULTS.md)",
    )
    # runtime
    device: str = Field("auto", pattern=r"^(auto|[a-z]+(:\d+)?)$", description="auto, cpu, cuda:N")
    bf16: bool = Field(False, description="bf16 autocast on CUDA")
    sample_dtype: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="the generator's precision in sample()"
    )
    # left out of dumps: a spec's seed is balance.seed, given to the sampler as seed=
    seed: int = Field(0, ge=0, exclude=True, description="a spec sets balance.seed instead")
    checkpoint_every: int = Field(10, ge=0, description="epochs; 0 disables checkpoints")
    checkpoint_min_seconds: float = Field(
        30.0,
        ge=0.0,
        description="at most one checkpoint per this many seconds of training (short epochs of a "
        "wide table would otherwise write the networks and optimisers every second)",
    )
    checkpoint_dir: str | None = None

    @field_validator("batch_size")
    @classmethod
    def _multiple_of_pac(cls, batch_size: int, info: ValidationInfo) -> int:
        pac = info.data.get("pac")
        if pac and batch_size % pac:
            raise PydanticCustomError(
                "multiple_of_pac",
                "Input should be a multiple of pac ({pac}), found {found}",
                {"pac": pac, "found": batch_size},
            )
        return batch_size


AnyOptions = RandomOptions | SmoteOptions | GanOptions
MethodOptions = Annotated[AnyOptions, Field(discriminator="method")]
OPTIONS: dict[str, type[AnyOptions]] = {
    "random": RandomOptions,
    "smote": SmoteOptions,
    "gan": GanOptions,
}


class MethodParams(StrictModel):
    """Options per method, e.g. ``{gan: {epochs: 100}, smote: {k_neighbors: 3}}``."""

    random: RandomOptions | None = None
    smote: SmoteOptions | None = None
    gan: GanOptions | None = None
