"""The ``dataset`` and ``contract`` sections of a spec: what the data is, how to read it, and
how strictly its rows are checked. :mod:`rebalance.core.config` re-exports every name here."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_serializer,
    field_validator,
    model_validator,
)

from rebalance.core.redaction import redact_url

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
    na_values: list[str] = Field(
        default_factory=lambda: ["", "NA", "NaN", "nan", "null"],
        description="tokens that mean a missing value in every column (the target included)",
    )
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
    missing_values_by_column: dict[str, list[str]] = Field(
        default_factory=dict,
        description="extra tokens that mean a missing value in the named columns only, e.g. "
        "{glucose: ['0']}; compared with the value as text (CSV) or its number (Parquet)",
    )

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
        dropped = sorted(set(self.missing_values_by_column) & set(self.drop))
        if dropped:
            raise ValueError(
                f"missing_values_by_column names column(s) {dropped} that drop removes"
            )
        return self

    @property
    def resolved_format(self) -> Literal["csv", "parquet"]:
        if self.format != "auto":
            return self.format
        lowered = self.path.lower()
        return "parquet" if lowered.endswith((".parquet", ".pq")) else "csv"


class ContractConfig(_Strict):
    """Data contract thresholds: the input's quarantine share, and the synthetic rows'
    closeness to the real ones."""

    max_quarantine_share: float = Field(0.05, ge=0.0, le=1.0)
    null_share_tolerance: float = Field(
        0.05,
        ge=0.0,
        le=1.0,
        description="synthetic-data contract: how far the non-null share of a column in a "
        "class's synthetic rows may be from the real class's (plus three binomial standard "
        "errors); raise it when a method's gaps are near but not within 0.05",
    )
    range_tolerance: float = Field(
        0.05,
        ge=0.0,
        description="synthetic-data contract: share of the real class's span (max - min) that "
        "a synthetic number may lie beyond the real class's min and max",
    )
