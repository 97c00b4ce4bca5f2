"""The ``balance`` section of a spec and the options of each oversampling method.

Options are typed per method: a spec names them under ``balance.params`` (options of
``balance.method``) or ``balance.method_params.<method>``, and ``GanConfig`` is built from
:class:`GanOptions`. Each options model carries a ``method`` literal, so :data:`MethodOptions`
is a union discriminated by it; specs leave it out and :class:`BalanceConfig` adds it.

An options model is also a read-only mapping of the sampler's keyword arguments (``method``
and ``seed`` left out: the seed is ``balance.seed``, passed as ``seed=``), so
``make_oversampler(method, seed, options)`` and ``dict(options)`` take it as is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PositiveInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from rebalance.core.errors import SpecError

NamedStrategy = Literal["auto", "not majority", "minority", "not minority", "all"]
SamplingStrategy = NamedStrategy | Annotated[float, Field(gt=0, le=1)] | dict[str, int]
Method = Literal["none", "random", "smote", "gan"]
# ``auto`` tries every method and publishes the best one that passes the gate.
AUTO_METHODS: tuple[Method, ...] = ("gan", "smote", "random", "none")
DEFAULT_FALLBACKS: tuple[Method, ...] = ("smote", "random", "none")
# not keyword arguments of a sampler: the union's tag, and the seed given as seed=
_NOT_ARGUMENTS = frozenset({"method", "seed"})

Dims = Annotated[tuple[PositiveInt, ...], Field(min_length=1)]
Beta = Annotated[float, Field(ge=0.0, lt=1.0)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Options(_Strict, Mapping[str, Any]):
    def __getitem__(self, key: str) -> Any:
        if key in _NOT_ARGUMENTS or key not in type(self).model_fields:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self) -> Iterator[str]:  # type: ignore[override]
        return (name for name in type(self).model_fields if name not in _NOT_ARGUMENTS)

    def __len__(self) -> int:
        return sum(1 for _ in self)


class RandomOptions(_Options):
    """Random oversampling has no options."""

    method: Literal["random"] = "random"


class SmoteOptions(_Options):
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


class GanOptions(_Options):
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


class MethodParams(_Strict):
    """Options per method, e.g. ``{gan: {epochs: 100}, smote: {k_neighbors: 3}}``."""

    random: RandomOptions | None = None
    smote: SmoteOptions | None = None
    gan: GanOptions | None = None


class BalanceConfig(_Strict):
    """How the train part is balanced."""

    method: Method | Literal["auto"] = Field(
        "smote", description="oversampler: none, random, smote, gan, or auto (best that passes)"
    )
    sampling_strategy: SamplingStrategy = "auto"
    holdout_fraction: float = Field(0.2, ge=0.0, lt=1.0)
    seed: int = Field(0, ge=0)
    min_class_rows: int = Field(6, ge=1, description="classes with fewer train rows are small")
    small_class_policy: Literal["exclude", "fail"] = "exclude"
    params: MethodOptions | None = Field(
        None, description="options of `method` (random, smote or gan); over method_params"
    )
    method_params: MethodParams = Field(
        default_factory=MethodParams,
        description="options per method, used by auto and fallback candidates",
    )

    @field_validator("params", mode="before")
    @classmethod
    def _tag_params(cls, params: Any, info: ValidationInfo) -> Any:
        """Users write the options of ``method`` without the union's tag: add it."""
        method = info.data.get("method")
        if not isinstance(params, dict) or method is None:
            return params
        if not params:
            return None
        if method not in OPTIONS:
            raise PydanticCustomError(
                "params_unused",
                "method '{method}' takes no params; give the options of each method under "
                "method_params.<method>, e.g. method_params.gan",
                {"method": method},
            )
        return {"method": method, **params}

    @model_validator(mode="after")
    def _options_fit(self) -> BalanceConfig:
        if self.params is not None and self.params.method != self.method:
            raise PydanticCustomError(
                "params_method",
                "params are options of '{tag}', but balance.method is '{method}'",
                {"tag": self.params.method, "method": self.method},
            )
        given = {"params": self.params, **{f"method_params.{m}": self._own(m) for m in OPTIONS}}
        for where, options in given.items():
            if options is not None and "seed" in options.model_fields_set:
                raise PydanticCustomError(
                    "seed_elsewhere",
                    "{where}.seed: the sampler's seed is balance.seed; set that instead",
                    {"where": where},
                )
        if self.method in OPTIONS:
            try:
                self.options(self.method)
            except SpecError as exc:
                raise PydanticCustomError(
                    "options_conflict", "{problem}", {"problem": str(exc)}
                ) from None
        return self

    def _own(self, method: str) -> AnyOptions | None:
        found: AnyOptions | None = getattr(self.method_params, method, None)
        return found

    def options(self, method: str) -> AnyOptions | None:
        """Typed options of one method: method_params.<method>, with ``params`` over them
        when ``method`` is the configured one. None for ``none``."""
        if method not in OPTIONS:
            return None
        layers = [self._own(method), self.params if method == self.method else None]
        given = [options for options in layers if options is not None]
        if len(given) == 1:
            return given[0]
        merged: dict[str, Any] = {}
        for options in given:
            merged.update(options.model_dump(exclude_unset=True))
        try:
            return OPTIONS[method].model_validate({**merged, "method": method})
        except ValidationError as exc:
            raise SpecError(
                f"params over method_params.{method}: {describe(exc, 'params')}"
            ) from None

    def params_for(self, method: str) -> dict[str, Any]:
        """Keyword arguments of one method's sampler, as ``make_oversampler`` takes them."""
        return dict(self.options(method) or {})


def unused_options(balance: BalanceConfig, candidates: list[str]) -> None:
    """Options of a method the run never fits would be silently ignored: refuse them."""
    for method in OPTIONS:
        if balance._own(method) is None or method in candidates:
            continue
        raise PydanticCustomError(
            "options_unused",
            "balance.method_params.{method}: expected options of a method this run fits "
            "({candidates}), found options of '{method}', which it never fits (balance.method "
            "is '{configured}'); remove them, or set balance.method: {method} or auto, or list "
            "{method} in validation.fallback_methods (on_failure: fallback)",
            {"method": method, "candidates": ", ".join(candidates), "configured": balance.method},
        )


def describe(exc: ValidationError, prefix: str = "") -> str:
    """One line: ``key.path: message`` per error, the union's method tag left out of paths."""
    parts = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        path = ".".join(p for i, p in enumerate(loc) if not _is_tag(loc, i))
        where = ".".join(filter(None, (prefix, path)))
        if not where and err["type"] == "options_unused":  # a check across sections: it names
            parts.append(err["msg"])  # its own keys
            continue
        parts.append(f"{where or '(top level)'}: {err['msg']}")
    return "; ".join(parts)


def _is_tag(loc: list[str], i: int) -> bool:
    """Whether loc[i] is the tag pydantic puts after ``params`` (the discriminated union)."""
    return i > 0 and loc[i - 1] == "params" and loc[i] in OPTIONS
