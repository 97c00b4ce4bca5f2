"""The ``balance`` section of a spec: the method, the amounts, the split, and the options of
each method (typed in ``rebalance.core.method_options``).

A spec names a method's options under ``balance.params`` (options of ``balance.method``) or
``balance.method_params.<method>``; specs leave out the union's ``method`` tag and
:class:`BalanceConfig` adds it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from rebalance.core import spec_errors
from rebalance.core.errors import SpecError
from rebalance.core.method_options import (
    OPTIONS,
    AnyOptions,
    MethodOptions,
    MethodParams,
    StrictModel,
)

# "f1": the minority up to the count whose default cut is the F1-best one (core/amounts.py)
NamedStrategy = Literal["auto", "not majority", "minority", "not minority", "all", "f1"]
SamplingStrategy = NamedStrategy | Annotated[float, Field(gt=0, le=1)] | dict[str, int]
Method = Literal["none", "random", "smote", "gan"]
# ``auto`` tries every method and publishes the best one that passes the gate.
AUTO_METHODS: tuple[Method, ...] = ("gan", "smote", "random", "none")
DEFAULT_FALLBACKS: tuple[Method, ...] = ("smote", "random", "none")


class BalanceConfig(StrictModel):
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


def describe(exc: ValidationError, prefix: str = "", model: type[BaseModel] | None = None) -> str:
    """One line: ``key.path: expected ..., found ...`` per key, the union's method tag left out
    of paths (``rebalance.core.spec_errors``)."""
    return spec_errors.describe(exc, prefix, model, tags=OPTIONS)
