"""GANOverSampler: the conditional GAN as an imbalanced-learn sampler (few epochs, tiny nets)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import torch
from imblearn.pipeline import Pipeline
from imblearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_param_validation,
    parametrize_with_checks,
)
from scipy import sparse
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.utils.estimator_checks import (
    check_no_attributes_set_in_init,
    check_parameters_default_constructible,
)

from rebalance.gan.imblearn import GANOverSampler
from tests.support import mixed_frame

# Small networks and quantile encoding: each fit takes well under a second on one CPU core.
FAST = {
    "continuous_mode": "quantile",
    "generator_dims": (32,),
    "critic_dims": (32,),
    "embedding_dim": 16,
    "device": "cpu",  # CPU runs are reproducible bit for bit; some checks compare two fits
}


def fast(**params: object) -> GANOverSampler:
    params = {"epochs": 2, "batch_size": 100, "random_state": 0, "gan_params": FAST, **params}
    return GANOverSampler(**params)  # type: ignore[arg-type]


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread() -> Iterator[None]:
    """Tiny networks on a shared 2-core machine run faster on one thread; restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def features_and_labels(n_major: int = 120, n_minor: int = 30) -> tuple[pd.DataFrame, pd.Series]:
    frame = mixed_frame(n_major, n_minor)
    frame["member"] = frame["age"] % 2 == 0  # a bool column: categorical for the GAN
    return frame.drop(columns="label"), frame["label"]


def test_dataframe_in_dataframe_out_with_the_same_columns_and_dtypes() -> None:
    X, y = features_and_labels()
    sampler = fast()
    X_res, y_res = sampler.fit_resample(X, y)
    assert isinstance(X_res, pd.DataFrame) and isinstance(y_res, pd.Series)
    assert list(X_res.columns) == list(X.columns)
    assert X_res.dtypes.to_dict() == X.dtypes.to_dict()
    assert y_res.name == "label" and len(X_res) == len(y_res) == 240
    pd.testing.assert_frame_equal(X_res.iloc[: len(X)], X)  # real rows first, untouched
    synthetic = X_res.iloc[len(X) :]
    assert set(synthetic["colour"].dropna()) <= {"red", "green", "blue"}
    assert synthetic["member"].isin([True, False]).all()
    assert sampler.column_types_ == {
        "income": "continuous",
        "age": "integer",
        "colour": "categorical",
        "score": "continuous",
        "member": "categorical",
    }
    assert list(sampler.feature_names_in_) == list(X.columns)


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        ("auto", {"no": 120, "yes": 120}),
        (0.5, {"no": 120, "yes": 60}),
        ({"yes": 77}, {"no": 120, "yes": 77}),
    ],
)
def test_counts_follow_the_sampling_strategy(strategy: object, expected: dict[str, int]) -> None:
    X, y = features_and_labels()
    sampler = fast(sampling_strategy=strategy)
    _, y_res = sampler.fit_resample(X, y)
    assert dict(Counter(y_res)) == expected
    assert sampler.sampling_strategy_ == {"yes": expected["yes"] - 30}


def test_batch_size_shrinks_to_a_multiple_of_pac_that_fits_the_data() -> None:
    X, y = features_and_labels(n_major=40, n_minor=13)  # 53 rows
    sampler = fast(batch_size=500)
    sampler.fit_resample(X, y)
    assert sampler.batch_size_ == 50
    assert sampler.sampler_.config.batch_size == 50
    odd = fast(batch_size=75)
    odd.fit_resample(*features_and_labels())  # 150 rows
    assert (odd.batch_size, odd.batch_size_) == (75, 70)  # the parameter itself is kept
    assert fast(batch_size=3, gan_params={**FAST, "pac": 5})._effective_batch_size(53) == 5


def test_clone_keeps_parameters_unmodified_and_drops_fitted_state() -> None:
    params = {"generator_dims": [32], "critic_dims": [32], "continuous_mode": "quantile"}
    sampler = GANOverSampler(epochs=3, random_state=7, categorical_features=["age"])
    sampler.set_params(gan_params=params)
    X, y = features_and_labels()
    sampler.fit_resample(X, y)
    copy = clone(sampler)
    assert copy.get_params() == sampler.get_params()
    assert copy.gan_params == params and copy.gan_params is not params
    assert not hasattr(copy, "sampler_")
    assert sampler.column_types_["age"] == "categorical"


def test_runs_inside_an_imblearn_pipeline_with_cross_val_score() -> None:
    X, y = features_and_labels()
    numeric = X[["income", "age", "score"]].fillna(0.0)
    pipe = Pipeline([("gan", fast()), ("model", LogisticRegression(max_iter=500))])
    folds = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = cross_val_score(pipe, numeric, y, cv=folds, scoring="f1_macro", error_score="raise")
    assert scores.shape == (3,)
    assert np.all((scores > 0.3) & (scores <= 1.0))  # income separates the classes


def test_arrays_with_text_whole_numbers_and_missing_values_resample() -> None:
    rng = np.random.default_rng(0)
    X = np.empty((60, 3), dtype=object)
    X[:, 0] = rng.choice(["a", "b", "c"], 60)
    X[:, 1] = rng.normal(size=60)
    X[::7, 1] = np.nan
    X[:, 2] = rng.integers(0, 5, 60).astype(float)  # whole numbers stored as floats
    y = np.array([0] * 45 + [1] * 15, dtype=np.int32)
    sampler = fast()
    X_res, y_res = sampler.fit_resample(X, y)
    assert sampler.column_types_ == {0: "categorical", 1: "continuous", 2: "integer"}
    assert X_res.dtype == object and y_res.dtype == np.int32
    assert Counter(y_res.tolist()) == {0: 45, 1: 45}
    synthetic = X_res[60:]
    assert set(synthetic[:, 0]) <= {"a", "b", "c"}
    assert all(isinstance(v, float) for v in synthetic[:, 1])
    assert all(float(v).is_integer() and 0 <= v <= 4 for v in synthetic[:, 2])


def test_sparse_input_is_refused_with_a_clear_error() -> None:
    X = sparse.csr_matrix(np.eye(30))
    y = np.array([0] * 20 + [1] * 10)
    with pytest.raises(TypeError, match=r"expected dense X .* found sparse csr_matrix"):
        fast().fit_resample(X, y)
    frame = pd.DataFrame.sparse.from_spmatrix(X)  # what check_samplers_pandas_sparse passes
    with pytest.raises(TypeError, match=r"expected dense X .* found sparse DataFrame"):
        fast().fit_resample(frame, y)


def test_bad_options_raise_value_errors_naming_them() -> None:
    X, y = features_and_labels()
    with pytest.raises(ValueError, match=r"gan_params: \['seed'\] are set by"):
        fast(gan_params={"seed": 3}).fit_resample(X, y)
    with pytest.raises(ValueError, match=r"gan_params: .*bogus"):
        fast(gan_params={"bogus": 1}).fit_resample(X, y)
    with pytest.raises(ValueError, match="The 'epochs' parameter of GANOverSampler"):
        fast(epochs=0).fit_resample(X, y)
    with pytest.raises(ValueError, match=r"categorical_features: .* found 'nope'"):
        fast(categorical_features=["nope"]).fit_resample(X, y)


def test_global_random_state_is_neither_reseeded_nor_drawn_from() -> None:
    X, y = features_and_labels()
    numpy_state, torch_state = np.random.get_state(), torch.get_rng_state()
    first, _ = fast(random_state=3).fit_resample(X, y)
    assert np.array_equal(np.random.get_state()[1], numpy_state[1])
    assert torch.equal(torch.get_rng_state(), torch_state)
    again, _ = fast(random_state=3).fit_resample(X, y)
    pd.testing.assert_frame_equal(first, again)
    other, _ = fast(random_state=4).fit_resample(X, y)
    assert not other.iloc[len(X) :].equals(first.iloc[len(X) :])


def test_sklearn_constructor_and_parameter_conventions() -> None:
    check_parameters_default_constructible("GANOverSampler", GANOverSampler())
    check_no_attributes_set_in_init("GANOverSampler", GANOverSampler())
    check_param_validation("GANOverSampler", fast())  # a constraint for every parameter
    check_dataframe_column_names_consistency("GANOverSampler", fast())


def expected_failed_checks(estimator: GANOverSampler) -> dict[str, str]:
    return {
        "check_samplers_pandas_sparse": "sparse input is refused: the GAN trains on dense rows",
    }


@parametrize_with_checks([fast()], expected_failed_checks=expected_failed_checks)
def test_imblearn_estimator_checks(estimator: GANOverSampler, check: object) -> None:
    check(estimator)  # type: ignore[operator]
