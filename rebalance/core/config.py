"""The dataset spec and the run config: one validated pydantic object per flow run.

A spec file (YAML or JSON) has four sections; only ``dataset`` is required::

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
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from rebalance.core.errors import SpecError
from rebalance.core.options import AUTO_METHODS, DEFAULT_FALLBACKS, OPTIONS, Method, describe
from rebalance.core.options import BalanceConfig as BalanceConfig
from rebalance.core.options import NamedStrategy as NamedStrategy
from rebalance.core.options import SamplingStrategy as SamplingStrategy
from rebalance.core.redaction import redact_url
from rebalance.core.release import Release as Release
from rebalance.core.release import check_release

ColumnType = Literal["continuous", "categorical", "integer", "boolean", "datetime"]

DATASET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CsvOptions(_Strict):
    """How to parse a delimited text file."""

    delimiter: str = Field(",", min_length=1, max_length=1)
    quote_char: str | None = Field('"', description="None disables quoting")
    header: bool = Field(True, description="first line holds the column names")
    column_names: list[str] | None = Field(None, description="names when there is no header")
    skip_rows: int = Field(0, ge=0, description="lines to skip before the header or data")
    na_values: list[str] = Field(default_factory=lambda: ["", "NA", "NaN", "nan", "null"])
    trim_whitespace: bool = Field(True, description="strip spaces around every field")
    encoding: str = "utf-8"

    @model_validator(mode="after")
    def _names_when_headerless(self) -> CsvOptions:
        if not self.header and not self.column_names:
            raise ValueError("csv.header is false, so csv.column_names must list the columns")
        return self


class DatasetSpec(_Strict):
    """What the data is: location, format, target and column types."""

    name: str = Field(description="dataset name; becomes a folder under the output root")
    path: str = Field(description="local path or fsspec URL of a CSV or Parquet file")
    format: Literal["auto", "csv", "parquet"] = "auto"
    csv: CsvOptions = Field(default_factory=CsvOptions)
    target: str
    columns: dict[str, ColumnType] = Field(default_factory=dict)
    domains: dict[str, list[str]] = Field(
        default_factory=dict, description="allowed values of categorical columns"
    )
    drop: list[str] = Field(default_factory=list, description="columns to drop (ids)")

    # JSON (metadata, Prefect's stored flow-run parameters) never shows a URL's password
    @field_serializer("path", when_used="json")
    def _path_without_secrets(self, path: str) -> str:
        return redact_url(path)

    @field_validator("name")
    @classmethod
    def _safe_name(cls, name: str) -> str:
        if not DATASET_NAME.match(name) or ".." in name:
            raise ValueError(
                f"expected letters, digits, '.', '_' or '-' (no '..', no '/'), found {name!r}"
            )
        return name

    @model_validator(mode="after")
    def _target_is_kept(self) -> DatasetSpec:
        if self.target in self.drop:
            raise ValueError(f"target column {self.target!r} is also listed in drop")
        for column in self.domains:
            declared = self.columns.get(column, "categorical")
            if declared not in ("categorical", "boolean"):
                raise ValueError(f"domain given for column {column!r} declared {declared}")
        return self

    @property
    def resolved_format(self) -> Literal["csv", "parquet"]:
        if self.format != "auto":
            return self.format
        lowered = self.path.lower()
        return "parquet" if lowered.endswith((".parquet", ".pq")) else "csv"


class ContractConfig(_Strict):
    """Input data contract thresholds."""

    max_quarantine_share: float = Field(0.05, ge=0.0, le=1.0)


class ClassifierConfig(_Strict):
    """The downstream classifier the utility check trains (scikit-learn)."""

    name: Literal["hist_gradient_boosting", "random_forest", "logistic_regression"] = (
        "hist_gradient_boosting"
    )
    params: dict[str, Any] = Field(default_factory=dict, description="estimator keyword args")
    training_rows: Literal["compare", "published"] = Field(
        "compare",
        description="train-classifier: compare fits the model with and without the synthetic "
        "rows and keeps the higher tuned minority F1 on the selection rows (train rows no "
        "sampler saw); published: always every published train row",
    )


class GateThresholds(_Strict):
    """Pass marks of the synthetic-sample gate. Defaults and how they were chosen: README,
    "Validation gate"."""

    min_ks_complement: float = Field(0.70, ge=0, le=1, description="mean over numeric columns")
    min_tv_complement: float = Field(0.70, ge=0, le=1, description="mean over categories")
    min_correlation_similarity: float = Field(0.80, ge=0, le=1)
    min_contingency_similarity: float = Field(0.50, ge=0, le=1)
    max_detection_auc: float = Field(0.98, ge=0.5, le=1)
    max_exact_copy_share: float = Field(0.10, ge=0, le=1)
    min_dcr_ratio: float = Field(
        0.3, ge=0, description="median distance to train, synthetic over real holdout rows"
    )
    max_closer_than_holdout_share: float = Field(
        0.15, ge=0, le=1, description="memorization: unseen real rows score about 0.05"
    )
    calibrate: bool = Field(
        True,
        description="scale each fidelity threshold by the similarity two real samples of the "
        "class, of the same sizes, reach (small classes are judged as such)",
    )
    min_utility_gain: float = Field(
        0.0, ge=-1, le=1, description="minority F1 gain over training on real rows only"
    )
    min_gain_probability: float = Field(
        0.8,
        ge=0,
        le=1,
        description="share of bootstrap resamples of the selection rows on which a candidate's "
        "minority F1 must beat the real-only model's",
    )
    beat_threshold_tuning: bool = Field(
        False, description="also require the F1 of the real-only model with a tuned threshold"
    )
    max_tstr_f1_loss: float = Field(
        0.05,
        ge=0,
        le=1,
        description="synthetic_only release: how much lower the minority F1 of a classifier "
        "trained on the synthetic rows alone (TSTR) may be than the real-only model's, on the "
        "real selection rows",
    )


class ValidationConfig(_Strict):
    """The synthetic-sample validation stage and the gate in front of publishing."""

    enabled: bool = True
    release: Release = Field(
        "augmented",
        description="augmented: synthetic rows are published beside the real train rows, so "
        "closeness to real rows is reported, not gating (memorisation by a generative model "
        "still gates); synthetic_only: only synthetic rows of every class are published, for "
        "sharing, so privacy gates and utility is train-synthetic-test-real (TSTR)",
    )
    selection_fraction: float = Field(
        0.25,
        ge=0.1,
        le=0.5,
        description="share of the train rows (per class) held aside to choose between "
        "candidates; samplers fit on the rest, and the holdout is scored only for the report",
    )
    classifier: ClassifierConfig = Field(default_factory=ClassifierConfig)
    thresholds: GateThresholds = Field(default_factory=GateThresholds)
    on_failure: Literal["fail", "publish_real_only", "fallback"] = "fail"
    fallback_methods: list[Method] = Field(
        default_factory=lambda: list(DEFAULT_FALLBACKS),
        description="tried in order under on_failure: fallback",
    )
    max_rows: int = Field(
        5000, ge=100, description="rows per class used by fidelity and privacy metrics"
    )
    cv_folds: int = Field(3, ge=2, le=10)

    @model_validator(mode="after")
    def _release_fits_policy(self) -> ValidationConfig:
        check_release(self)
        return self


class ScheduleConfig(_Strict):
    """When the dataset is rebalanced unattended (``rebalance serve``, ``prefect.yaml``)."""

    cron: str | None = Field(None, description="e.g. '0 3 * * *'; None: no timed runs")
    timezone: str = "UTC"
    inbox: str | None = Field(
        None, description="folder or fsspec URL watched for new data files of this dataset"
    )
    pattern: str = Field("*.csv", description="file names in the inbox that count as data")
    watch_every_seconds: int = Field(60, ge=5)

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
        of the sampler's keyword arguments, see :mod:`rebalance.core.options`)."""
        return self.balance.model_copy(
            update={"method": method, "params": self.balance.options(method)}
        )

    def content_hash(self) -> str:
        """Hash of every setting that changes the published rows (not where files live).
        Options count as each candidate method sees them, so equivalent specs hash alike."""
        payload = self.model_dump(
            mode="json",
            exclude={
                "output": True,
                "schedule": True,
                "dataset": {"path"},
                "balance": {"params", "method_params"},
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
        return _cross_checked(changed, "balance")

    def with_release(self, release: str | None) -> RebalanceConfig:
        """A copy with ``validation.release`` replaced (None: unchanged), checked against the
        rest of the spec."""
        if release is None or release == self.validation.release:
            return self
        raw = {**self.validation.model_dump(exclude_unset=True), "release": release}
        validation = _validated(ValidationConfig, raw, "validation")
        return _cross_checked(self.model_copy(update={"validation": validation}), "validation")


def _cross_checked(config: RebalanceConfig, where: str) -> RebalanceConfig:
    """The rules across spec sections, for a copy changed after it was loaded."""
    try:
        check_release(config.validation, config.balance.method)
        check_holdout(config.validation, config.balance.holdout_fraction)
    except ValueError as exc:
        raise SpecError(f"{where}: {exc}") from None
    return config


def check_holdout(validation: ValidationConfig, holdout_fraction: float) -> None:
    """The gate's choice is scored once on the holdout: a zero fraction leaves it empty."""
    if validation.enabled and holdout_fraction == 0:
        raise ValueError(
            "balance.holdout_fraction: expected > 0 while validation.enabled is true (the "
            "published rows are scored on the holdout), found 0; set validation.enabled: false "
            "to publish without a holdout"
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
        raise SpecError(f"{where}: {describe(exc)}") from None


def load_config(path: str | Path, *, input_path: str | None = None) -> RebalanceConfig:
    """Read and validate a spec file. Relative data paths are resolved against its folder."""
    spec_path = Path(path)
    try:
        text = spec_path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{spec_path}: cannot read spec file ({exc.strerror})") from None
    try:
        raw = json.loads(text) if spec_path.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise SpecError(f"{spec_path}: not valid YAML/JSON ({exc})") from None
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


def resolve_data_path(data_path: str, base: Path) -> str:
    """Local relative paths are taken relative to ``base``; URLs and absolute paths as given."""
    if "://" in data_path or Path(data_path).is_absolute():
        return data_path
    return str((base / data_path).resolve())
