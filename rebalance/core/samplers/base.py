"""The oversampler seam: every method (random, SMOTE, the GAN) implements this interface.

Like imbalanced-learn's ``fit_resample``, the public methods validate and then delegate to
``_fit`` / ``_sample``; fitted attributes end in ``_``. ``sample(label, n)`` returns exactly
``n`` rows of class ``label`` with the train frame's columns, in order, and dtypes.

What orchestration needs to know of a sampler is typed here, never found out by its name:
its :class:`SamplerTraits`, the :class:`TrainingProgress` it reports, its training history and
the work folder it may checkpoint into.
"""

from __future__ import annotations

import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

import numpy as np
import pandas as pd

from rebalance.core.config import ColumnType
from rebalance.core.errors import SamplerError


@dataclass(frozen=True)
class SamplerTraits:
    """What the orchestration needs to know of a method before it fits one."""

    trains: bool = False  # fits over epochs: reports TrainingProgress, has a training history
    uses_accelerator: bool = False  # on a GPU: holds a "gpu" concurrency slot while fitting
    checkpoints: bool = False  # resumes an interrupted fit from the work folder given to fit()
    generative: bool = False  # draws rows from a learnt model: copying a train row is memorisation


@dataclass(frozen=True)
class TrainingProgress:
    """One finished epoch of a sampler that trains, as progress listeners receive it."""

    epoch: int
    epochs: int
    losses: dict[str, float] = field(default_factory=dict)  # e.g. critic, generator
    score: float | None = None  # the sampler's held-out signal, lower is better
    resumed_from: int | None = None  # the epoch a resumed fit started after


ProgressListener = Callable[[TrainingProgress], None]


class Oversampler(ABC):
    name: ClassVar[str]
    traits: ClassVar[SamplerTraits] = SamplerTraits()

    def __init__(self, seed: int = 0, **params: Any) -> None:
        self.seed = seed
        self.params = params

    def fit(
        self,
        frame: pd.DataFrame,
        target: str,
        types: dict[str, ColumnType],
        *,
        work_dir: str | None = None,
        progress: Sequence[ProgressListener] = (),
    ) -> Self:
        """Learn the classes of ``frame``. ``work_dir`` is where a sampler whose traits say
        ``checkpoints`` keeps them; ``progress`` listeners hear each epoch of one that trains."""
        if target not in frame.columns:
            raise SamplerError(f"expected target column {target!r} in the train frame")
        untyped = [name for name in frame.columns if name not in types]
        if untyped:
            raise SamplerError(f"expected a type for every column, found none for {untyped}")
        if frame[target].isna().any():
            raise SamplerError(f"expected no missing values in target column {target!r}")
        self.target_ = target
        self.types_ = dict(types)
        self.columns_ = list(frame.columns)
        self.dtypes_ = frame.dtypes.to_dict()
        self.labels_ = {str(label): label for label in frame[target].unique()}
        self.class_counts_ = {str(k): int(v) for k, v in frame[target].value_counts().items()}
        self.given_rows_ = len(frame)
        self._work_dir = work_dir
        self._listeners = tuple(progress)
        self._fit(frame.reset_index(drop=True))
        return self

    def fitted_rows(self) -> int:
        """Rows the fit learnt from: all it was given unless the method bounds them."""
        return self.given_rows_

    def training_history(self) -> dict[str, list[Any]] | None:
        """Loss curves and evaluation scores of a fit over epochs (None: not a training method)."""
        return None

    def training_summary(self) -> str | None:
        """One line on how the fit went, for the run log (None: nothing to say)."""
        return None

    def _report(self, progress: TrainingProgress) -> None:
        for listener in self._listeners:
            listener(progress)

    def sample(self, label: Any, n: int) -> pd.DataFrame:
        if not hasattr(self, "labels_"):
            raise SamplerError(f"{type(self).__name__} must be fitted before sample()")
        key = str(label)
        if key not in self.labels_:
            raise SamplerError(
                f"expected a class seen in fit ({sorted(self.labels_)}), found {key!r}"
            )
        if n < 0:
            raise SamplerError(f"expected a non-negative row count, found {n}")
        if n == 0:
            return self._empty()
        rows = self._sample(key, n)
        return self._conform(rows, key, n)

    def class_rng(self, label: str) -> np.random.Generator:
        """One generator per (seed, class): samples do not depend on the order of requests."""
        return np.random.default_rng([self.seed, zlib.crc32(label.encode())])

    @abstractmethod
    def _fit(self, frame: pd.DataFrame) -> None: ...

    @abstractmethod
    def _sample(self, label: str, n: int) -> pd.DataFrame: ...

    def _empty(self) -> pd.DataFrame:
        return pd.DataFrame({name: pd.Series(dtype=d) for name, d in self.dtypes_.items()})

    def _check_categories(self, rows: pd.DataFrame) -> None:
        """A value outside a ``category`` column's categories would become missing in the
        cast below, silently: refuse it instead."""
        for name, dtype in self.dtypes_.items():
            if isinstance(dtype, pd.CategoricalDtype) and name in rows.columns:
                column = rows[name]
                unknown = column.notna().to_numpy() & ~column.isin(dtype.categories).to_numpy()
                if unknown.any():
                    raise SamplerError(
                        f"{self.name} produced value {column[unknown].iloc[0]!r} in column "
                        f"{name!r}; expected one of the {len(dtype.categories)} values seen in fit"
                    )

    def _conform(self, rows: pd.DataFrame, label: str, n: int) -> pd.DataFrame:
        if len(rows) != n:
            raise SamplerError(f"{self.name} returned {len(rows)} rows of class {label!r}, not {n}")
        rows = rows.reset_index(drop=True)
        rows[self.target_] = self.labels_[label]
        self._check_categories(rows)
        try:
            return rows[self.columns_].astype(self.dtypes_)
        except (TypeError, ValueError) as exc:
            raise SamplerError(
                f"{self.name} produced rows that do not fit the dtypes: {exc}"
            ) from exc
