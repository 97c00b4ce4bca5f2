"""The conditional GAN as an imbalanced-learn over-sampler: ``GANOverSampler``.

It works wherever imbalanced-learn's samplers do: ``fit_resample(X, y)``, inside
``imblearn.pipeline.Pipeline``, with ``sklearn.model_selection.cross_val_score`` and ``clone``::

    from imblearn.pipeline import make_pipeline
    pipe = make_pipeline(GANOverSampler(epochs=50, random_state=0), LogisticRegression())

X may be a DataFrame with mixed numeric and categorical columns (returned as a DataFrame with
the same columns and dtypes) or a dense array. Sparse input is refused.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from imblearn.over_sampling.base import BaseOverSampler
from imblearn.utils import check_target_type
from scipy import sparse
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_consistent_length, validate_data

from rebalance.core.config import ColumnType
from rebalance.core.errors import GanConfigError
from rebalance.gan.config import GanConfig
from rebalance.gan.sampler import GanOversampler

CLASS_COLUMN = "y"  # the internal frame's columns are x0..x{n-1} and this one
RESERVED = ("seed", "epochs", "batch_size")  # set through the estimator's own parameters

__all__ = ["GANOverSampler"]


class GANOverSampler(BaseOverSampler):
    """Over-sample with a conditional tabular GAN (CTGAN-like, WGAN-GP), class by class.

    Parameters
    ----------
    sampling_strategy : float, str, dict or callable, default='auto'
        imbalanced-learn's sampling strategy: which classes get how many synthetic rows.
    random_state : int, RandomState instance or None, default=None
        Seeds the GAN (through ``check_random_state``; the global RNGs of numpy and torch are
        neither reseeded nor drawn from when an int is given).
    epochs : int, default=300
        Training epochs (the GAN may stop early on its held-out fidelity score).
    batch_size : int, default=500
        Rows per training batch; rounded down to a multiple of ``pac`` (10) and reduced to fit
        small data, see ``batch_size_``.
    categorical_features : "auto" or array-like of column names or indices, default="auto"
        Columns to treat as categorical in addition to object, string, category and bool ones.
    gan_params : dict or None, default=None
        Any other option of ``rebalance.gan.config.GanConfig`` (e.g. ``generator_dims``,
        ``continuous_mode``, ``device``).

    Attributes
    ----------
    sampling_strategy_ : dict
        Number of synthetic rows generated per class.
    column_types_ : dict
        The GAN's type of every feature (continuous, integer, categorical, datetime), keyed by
        column name (DataFrame) or index (array).
    batch_size_ : int
        The batch size the GAN trained with.
    sampler_ : rebalance.gan.sampler.GanOversampler
        The fitted GAN behind the oversampler seam (``training_history()`` has its losses).
    n_features_in_ : int
        Number of features seen in ``fit_resample``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen in ``fit_resample``, when X was a DataFrame with text
        column names.
    """

    _parameter_constraints: dict = {
        **BaseOverSampler._parameter_constraints,
        "epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "categorical_features": [StrOptions({"auto"}), "array-like"],
        "gan_params": [dict, None],
    }

    def __init__(
        self,
        *,
        sampling_strategy: Any = "auto",
        random_state: Any = None,
        epochs: int = 300,
        batch_size: int = 500,
        categorical_features: str | Sequence[Any] = "auto",
        gan_params: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(sampling_strategy=sampling_strategy)
        self.random_state = random_state
        self.epochs = epochs
        self.batch_size = batch_size
        self.categorical_features = categorical_features
        self.gan_params = gan_params

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        return tags

    # ---- validation -----------------------------------------------------------------------

    def _check_X_y(self, X: Any, y: Any, accept_sparse: Any = None) -> tuple[Any, Any, bool]:
        """Mixed-type DataFrames pass as they are (like SMOTENC); arrays may hold text
        (``dtype=None``) and missing values; sparse input is refused."""
        if sparse.issparse(X) or (
            isinstance(X, pd.DataFrame) and any(isinstance(d, pd.SparseDtype) for d in X.dtypes)
        ):
            raise TypeError(
                f"GANOverSampler expected dense X (an array or a DataFrame), found sparse "
                f"{type(X).__name__}; convert it with X.toarray() or X.sparse.to_dense()"
            )
        y, binarize_y = check_target_type(y, indicate_one_vs_all=True)
        if isinstance(X, pd.DataFrame):
            if X.shape[0] < 1 or X.shape[1] < 1:
                raise ValueError(f"GANOverSampler expected rows and columns, found {X.shape}")
            check_consistent_length(X, y)
            _check_finite(X)
            validate_data(self, X=X, y=y, reset=True, skip_check_array=True)
            return X, y, binarize_y
        X, y = validate_data(
            self, X=X, y=y, reset=True, dtype=None, accept_sparse=False,
            ensure_all_finite="allow-nan",
        )  # fmt: skip
        return X, y, binarize_y

    # ---- resampling -----------------------------------------------------------------------

    def _fit_resample(self, X: Any, y: np.ndarray, **params: Any) -> tuple[Any, np.ndarray]:
        frame = _as_frame(X)
        classes = np.unique(y)
        code_of = {label: code for code, label in enumerate(classes.tolist())}
        train = frame.assign(**{CLASS_COLUMN: np.searchsorted(classes, y).astype(np.int64)})
        types = self._column_types(frame)
        types[CLASS_COLUMN] = "categorical"
        self.column_types_ = {
            name: types[f"x{i}"] for i, name in enumerate(_feature_names(X, frame))
        }
        self.batch_size_ = self._effective_batch_size(len(frame))
        self.sampler_ = GanOversampler(seed=self._seed(), **self._gan_options())
        self.sampler_.fit(train, CLASS_COLUMN, types)
        parts, labels = [], []
        for label, n in self.sampling_strategy_.items():
            if n > 0:
                parts.append(self.sampler_.sample(code_of[label], n).drop(columns=CLASS_COLUMN))
                labels.append(np.full(n, label, dtype=y.dtype))
        y_res = np.concatenate([y, *labels])
        if isinstance(X, pd.DataFrame):
            rows = pd.concat([frame, *parts], ignore_index=True)
            return rows.set_axis(X.columns, axis=1).astype(X.dtypes.to_dict()), y_res
        synthetic = [part.to_numpy(dtype=X.dtype) for part in parts]
        return np.concatenate([X, *synthetic]), y_res

    def _column_types(self, frame: pd.DataFrame) -> dict[str, ColumnType]:
        """categorical: object, string, category and bool columns and those named in
        ``categorical_features``; integer: integral numbers (integer dtypes, or floats that
        are all whole numbers); datetime; else continuous."""
        named = self._categorical_positions(frame)
        return {
            name: "categorical" if position in named else _inferred_type(frame[name])
            for position, name in enumerate(frame.columns)
        }

    def _categorical_positions(self, frame: pd.DataFrame) -> set[int]:
        chosen = self.categorical_features
        if isinstance(chosen, str):  # "auto": dtypes decide
            return set()
        names, width = list(getattr(self, "feature_names_in_", [])), frame.shape[1]
        positions: set[int] = set()
        for item in np.asarray(chosen, dtype=object).ravel().tolist():
            if isinstance(item, numbers.Integral) and not isinstance(item, bool):
                if not -width <= int(item) < width:
                    raise ValueError(
                        f"categorical_features: expected column indices below {width}, found {item}"
                    )
                positions.add(int(item) % width)
            elif item in names:
                positions.add(names.index(item))
            else:
                raise ValueError(
                    f"categorical_features: expected column names of X ({names}) or indices, "
                    f"found {item!r}"
                )
        return positions

    def _effective_batch_size(self, n_rows: int) -> int:
        """``batch_size`` rounded down to a multiple of pac and to the rows there are."""
        pac = int((self.gan_params or {}).get("pac", GanConfig.pac))
        return max(pac, min(self.batch_size, n_rows) // pac * pac)

    def _seed(self) -> int:
        if isinstance(self.random_state, numbers.Integral):
            return int(self.random_state) % (2**31 - 1)
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    def _gan_options(self) -> dict[str, Any]:
        extra = dict(self.gan_params or {})
        reserved = sorted(set(extra) & set(RESERVED))
        if reserved:
            raise ValueError(
                f"gan_params: {reserved} are set by GANOverSampler's own parameters "
                "(random_state, epochs, batch_size); remove them from gan_params"
            )
        options = {**extra, "epochs": self.epochs, "batch_size": self.batch_size_}
        try:
            GanConfig.from_params(options)
        except GanConfigError as exc:
            raise ValueError(f"gan_params: {exc}") from exc
        return options


def _as_frame(X: Any) -> pd.DataFrame:
    """The features as a frame with columns x0..x{n-1} (names and positions kept apart)."""
    if isinstance(X, pd.DataFrame):
        return X.set_axis([f"x{i}" for i in range(X.shape[1])], axis=1).reset_index(drop=True)
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    return frame.infer_objects() if X.dtype == object else frame


def _inferred_type(column: pd.Series) -> ColumnType:
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "categorical"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_float_dtype(dtype):  # whole numbers stored as floats are integers too
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        present = values[~np.isnan(values)]
        whole = len(present) > 0 and bool(np.all(present == np.round(present)))
        return "integer" if whole else "continuous"
    if pd.api.types.is_numeric_dtype(dtype):
        return "continuous"
    return "categorical"  # object, string, category


def _feature_names(X: Any, frame: pd.DataFrame) -> list[Any]:
    return list(X.columns) if isinstance(X, pd.DataFrame) else list(range(frame.shape[1]))


def _check_finite(X: pd.DataFrame) -> None:
    numeric = X.select_dtypes(include="number")
    if numeric.shape[1]:
        values = numeric.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = np.isinf(values).any(axis=0)
        if bad.any():
            columns = list(numeric.columns[bad])
            raise ValueError(f"GANOverSampler expected finite numbers, found inf in {columns}")
