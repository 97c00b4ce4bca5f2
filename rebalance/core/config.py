"""The dataset spec and the run config: one validated pydantic object per flow run.

A spec file (YAML or JSON) has these sections; only ``dataset`` is required::

    dataset:            # where the data is and how to read it
      name: adult
      path: adult-train.csv          # relative paths are relative to the spec file
      format: csv
      csv: {header: false, column_names: [...], na_values: ["?"], trim_whitespace: true}
      target: income
      columns: {age: integer}        # declared types; the rest are inferred
      drop: [fnlwgt]
    balance: {method: gan, params: {epochs: 200}, holdout_fraction: 0.2, seed: 0}
    contract: {max_quarantine_share: 0.05}
    validation: {on_failure: fail, thresholds: {min_utility_gain: 0.0}}
    output: {root: rebalance-output}
    runtime: {task_runner: threads}  # or dask (a LocalCluster, or address: tcp://host:8786)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from rebalance.core.errors import SpecError
from rebalance.core.gate_config import ClassifierConfig as ClassifierConfig
from rebalance.core.gate_config import GateThresholds as GateThresholds
from rebalance.core.gate_config import ValidationConfig as ValidationConfig
from rebalance.core.gate_config import check_holdout
from rebalance.core.input_spec import ColumnType as ColumnType
from rebalance.core.input_spec import ContractConfig as ContractConfig
from rebalance.core.input_spec import CsvOptions as CsvOptions
from rebalance.core.input_spec import DatasetSpec as DatasetSpec
from rebalance.core.method_options import OPTIONS
from rebalance.core.options import AUTO_METHODS, describe, unused_options
from rebalance.core.options import BalanceConfig as BalanceConfig
from rebalance.core.options import NamedStrategy as NamedStrategy
from rebalance.core.options import SamplingStrategy as SamplingStrategy
from rebalance.core.redaction import redact_url
from rebalance.core.release import Release as Release
from rebalance.core.release import check_release
from rebalance.core.runtime import RuntimeConfig as RuntimeConfig


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ScheduleConfig(_Strict):
    """When the dataset is rebalanced unattended (``rebalance serve``, ``prefect.yaml``)."""

    cron: str | None = Field(None, description="e.g. '0 3 * * *'; None: no timed runs")
    timezone: str = "UTC"
    inbox: str | None = Field(
        None, description="folder or fsspec URL watched for new data files of this dataset"
    )
    pattern: str = Field("*.csv", description="file names in the inbox that count as data")
    watch_every_seconds: int = Field(60, ge=5)
    stable_seconds: float = Field(
        5.0, ge=0, description="a file is announced once unchanged this long (still being written)"
    )

    @field_serializer("inbox", when_used="json")
    def _inbox_without_secrets(self, inbox: str | None) -> str | None:
        return None if inbox is None else redact_url(inbox)


class OutputConfig(_Strict):
    root: str = "rebalance-output"


class RebalanceConfig(_Strict):
    """Everything one run of the ``rebalance`` flow needs."""

    dataset: DatasetSpec
    balance: BalanceConfig = Field(default_factory=BalanceConfig)
    contract: ContractConfig = Field(default_factory=ContractConfig)
    validation: ValidationConfig = Field(default_factory=ValidationConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    runtime: RuntimeConfig = Field(default_factory=RuntimeConfig)

    @model_validator(mode="after")
    def _auto_needs_validation(self) -> RebalanceConfig:
        if self.balance.method == "auto" and not self.validation.enabled:
            raise ValueError("balance.method 'auto' needs validation.enabled: true to choose")
        check_release(self.validation, self.balance.method)
        return self

    @model_validator(mode="after")
    def _validation_needs_a_holdout(self) -> RebalanceConfig:
        check_holdout(self.validation, self.balance.holdout_fraction)
        return self

    @model_validator(mode="after")
    def _every_option_is_used(self) -> RebalanceConfig:
        # checked when a spec is loaded; a CLI --method that moves params aside is not refused
        unused_options(self.balance, self.candidate_methods())
        return self

    def candidate_methods(self) -> list[str]:
        """Methods the run fits: the configured one (all four for auto), the utility
        references (none, random, smote), and the fallbacks when the policy is fallback."""
        primary: list[str] = (
            list(AUTO_METHODS) if self.balance.method == "auto" else [self.balance.method]
        )
        if not self.validation.enabled:
            return primary
        extra: list[str] = ["none", "random", "smote"]
        if self.validation.on_failure == "fallback":
            extra += self.validation.fallback_methods
        return list(dict.fromkeys(primary + extra))

    def for_method(self, method: str) -> BalanceConfig:
        """The balance settings with ``method`` and its own options as ``params`` (a mapping
        of the sampler's keyword arguments, see :mod:`rebalance.core.method_options`)."""
        return self.balance.model_copy(
            update={"method": method, "params": self.balance.options(method)}
        )

    def content_hash(self) -> str:
        """Hash of every setting that changes the published rows (not where files live).
        Options count as each candidate method sees them, so equivalent specs hash alike."""
        # training_rows only steers the train-classifier stage; the TSTR mark only gates
        # synthetic_only releases
        thresholds = {"max_tstr_f1_loss"} if self.validation.release == "augmented" else set()
        payload = self.model_dump(
            mode="json",
            exclude={
                "output": True,
                "schedule": True,
                "runtime": True,
                "dataset": {"path"},
                "balance": {"params", "method_params"},
                "validation": {"classifier": {"training_rows"}, "thresholds": thresholds},
            },
        )
        payload["balance"]["options"] = {
            method: self.balance.params_for(method)
            for method in self.candidate_methods()
            if method in OPTIONS
        }
        blob = json.dumps(payload, sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()

    def with_overrides(self, **balance: Any) -> RebalanceConfig:
        """A copy with some balance settings replaced (None values are ignored). When the
        method changes, the old method's ``params`` move to ``method_params.<old method>``."""
        changes = {k: v for k, v in balance.items() if v is not None}
        if not changes:
            return self
        current = self.balance
        merged = {**current.model_dump(exclude_unset=True), **changes}
        if merged.get("method", current.method) != current.method and current.params is not None:
            old = current.params.method
            kept = current.model_dump(exclude_unset=True).get("params") or {}
            kept = {key: value for key, value in kept.items() if key != "method"}
            per_method = dict(merged.get("method_params", {}))
            per_method[old] = {**(per_method.get(old) or {}), **kept}
            merged["method_params"] = per_method
            if "params" not in changes:
                merged.pop("params", None)
        changed = self.model_copy(update={"balance": _validated(BalanceConfig, merged, "balance")})
        return _without_unused_options(_cross_checked(changed, "balance"))

    def with_release(self, release: str | None) -> RebalanceConfig:
        """A copy with ``validation.release`` replaced (None: unchanged), checked against the
        rest of the spec."""
        if release is None or release == self.validation.release:
            return self
        raw = {**self.validation.model_dump(exclude_unset=True), "release": release}
        validation = _validated(ValidationConfig, raw, "validation")
        return _cross_checked(self.model_copy(update={"validation": validation}), "validation")

    def with_runtime(self, changes: dict[str, Any]) -> RebalanceConfig:
        """A copy with some ``runtime`` settings replaced (CLI options), checked again."""
        if not changes:
            return self
        merged = {**self.runtime.model_dump(exclude_unset=True), **changes}
        return self.model_copy(update={"runtime": _validated(RuntimeConfig, merged, "runtime")})


def _cross_checked(config: RebalanceConfig, where: str) -> RebalanceConfig:
    """The rules across spec sections, for a copy changed after it was loaded."""
    try:
        check_release(config.validation, config.balance.method)
        check_holdout(config.validation, config.balance.holdout_fraction)
    except ValueError as exc:
        raise SpecError(f"{where}: {exc}") from None
    return config


def _without_unused_options(config: RebalanceConfig) -> RebalanceConfig:
    """An override of the method (``--method``) may leave options of a method the run no
    longer fits: they are dropped, not refused (a spec that names them is refused at load;
    Prefect validates the config again as a flow parameter)."""
    candidates = config.candidate_methods()
    balance = config.balance
    unused = {m: None for m in OPTIONS if m not in candidates and balance.options(m) is not None}
    if not unused:
        return config
    method_params = balance.method_params.model_copy(update=unused)
    return config.model_copy(
        update={"balance": balance.model_copy(update={"method_params": method_params})}
    )


def spec_json_schema() -> dict[str, Any]:
    """The JSON Schema of a spec file, for editors (``rebalance schema``)."""
    schema = RebalanceConfig.model_json_schema(schema_generator=_SpecSchema)
    return {"$schema": _SpecSchema.schema_dialect, **schema}


class _SpecSchema(GenerateJsonSchema):
    """Option unions as ``anyOf``: specs leave the ``method`` tag out, so ``params: {}`` fits
    every member, which ``oneOf`` would refuse."""

    def tagged_union_schema(self, schema: core_schema.TaggedUnionSchema) -> JsonSchemaValue:
        generated = super().tagged_union_schema(schema)
        if "oneOf" in generated:
            generated["anyOf"] = generated.pop("oneOf")
        generated.pop("discriminator", None)
        return generated


def _validated(model: type[BaseModel], data: Any, where: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise SpecError(f"{where}: {describe(exc, model=model)}") from None


def load_config(path: str | Path, *, input_path: str | None = None) -> RebalanceConfig:
    """Read and validate a spec file. Relative data paths are resolved against its folder."""
    spec_path = Path(path)
    try:
        text = spec_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{spec_path}: cannot read spec file ({exc.strerror})") from None
    raw = _parsed(text, spec_path)
    if not isinstance(raw, dict) or "dataset" not in raw:
        found = type(raw).__name__ if not isinstance(raw, dict) else sorted(raw)
        raise SpecError(f"{spec_path}: expected a mapping with a 'dataset' section, found {found}")
    dataset = raw["dataset"]
    if isinstance(dataset, dict):
        if input_path is not None:
            dataset = {**dataset, "path": input_path}
        data_path = dataset.get("path")
        if isinstance(data_path, str) and input_path is None:
            dataset = {**dataset, "path": resolve_data_path(data_path, spec_path.parent)}
        raw = {**raw, "dataset": dataset}
    config: RebalanceConfig = _validated(RebalanceConfig, raw, str(spec_path))
    return config


def _parsed(text: str, spec_path: Path) -> Any:
    """The spec file's data; a syntax error is one line naming the file, line and column."""
    where: tuple[int, int] | None = None
    try:
        return json.loads(text) if spec_path.suffix == ".json" else yaml.safe_load(text)
    except json.JSONDecodeError as exc:
        where, problem = (exc.lineno, exc.colno), exc.msg
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            where = (mark.line + 1, mark.column + 1)
        problem = " ".join(filter(None, (exc.context, exc.problem)))
    except yaml.YAMLError as exc:
        problem = str(exc)
    at = f" at line {where[0]}, column {where[1]}" if where else ""
    problem = " ".join(problem.split())  # YAML's text spans lines
    kind = "JSON" if spec_path.suffix == ".json" else "YAML"
    raise SpecError(f"{spec_path}: expected valid {kind}, found a syntax error{at}: {problem}")


def resolve_data_path(data_path: str, base: Path) -> str:
    """Local relative paths are taken relative to ``base``; URLs and absolute paths as given."""
    if "://" in data_path or Path(data_path).is_absolute():
        return data_path
    return str((base / data_path).resolve())
