from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rebalance.core.balance import generate_synthetic
from rebalance.core.config import BalanceConfig
from rebalance.core.errors import SamplerError
from rebalance.core.plan import make_plan
from rebalance.core.profile import class_counts
from rebalance.core.samplers import make_oversampler
from tests.support import MIXED_TYPES as TYPES
from tests.support import mixed_frame


def train_frame() -> pd.DataFrame:
    frame = mixed_frame(n_major=200, n_minor=40)
    frame["colour"] = frame["colour"].astype("str").where(frame["colour"].notna())
    return frame


@pytest.mark.parametrize("method", ["random", "smote"])
def test_sample_returns_exactly_n_rows_of_the_class_with_columns_and_dtypes(method: str) -> None:
    frame = train_frame()
    sampler = make_oversampler(method, seed=0, params={}).fit(frame, "label", TYPES)
    rows = sampler.sample("yes", 137)
    assert len(rows) == 137
    assert (rows["label"] == "yes").all()
    assert list(rows.columns) == list(frame.columns)
    assert rows.dtypes.to_dict() == frame.dtypes.to_dict()
    assert rows["age"].between(frame["age"].min(), frame["age"].max()).all()
    assert set(rows["colour"].dropna()) <= set(frame["colour"].dropna())


@pytest.mark.parametrize("method", ["random", "smote"])
def test_sampling_is_reproducible_and_order_independent(method: str) -> None:
    frame = train_frame()
    first = make_oversampler(method, 5, {}).fit(frame, "label", TYPES)
    second = make_oversampler(method, 5, {}).fit(frame, "label", TYPES)
    second.sample("no", 10)  # another request first must not shift the stream
    pd.testing.assert_frame_equal(first.sample("yes", 50), second.sample("yes", 50))
    other = make_oversampler(method, 6, {}).fit(frame, "label", TYPES)
    assert not first.sample("yes", 50).equals(other.sample("yes", 50))


def test_smote_keeps_missing_values_at_a_plausible_rate() -> None:
    frame = train_frame()
    rows = make_oversampler("smote", 0, {}).fit(frame, "label", TYPES).sample("yes", 2000)
    real_rate = frame.loc[frame["label"] == "yes", "score"].isna().mean()
    assert 0.5 * real_rate < rows["score"].isna().mean() < 2 * real_rate


def test_smote_decodes_a_missing_category_back_to_missing() -> None:
    # SMOTE-NC takes the neighbours' most frequent category, so make "missing" the usual one.
    frame = train_frame()
    minority = frame["label"] == "yes"
    frame.loc[minority, "colour"] = None
    frame.loc[frame.index[minority][:5], "colour"] = "red"
    rows = make_oversampler("smote", 0, {}).fit(frame, "label", TYPES).sample("yes", 200)
    assert rows["colour"].isna().mean() > 0.5
    assert set(rows["colour"].dropna()) <= {"red"}


def test_smote_interpolates_rather_than_copies() -> None:
    frame = train_frame()
    rows = make_oversampler("smote", 0, {}).fit(frame, "label", TYPES).sample("yes", 200)
    minority_incomes = set(frame.loc[frame["label"] == "yes", "income"])
    assert np.mean([value in minority_incomes for value in rows["income"]]) < 0.5


def test_smote_handles_all_numeric_and_all_categorical_tables() -> None:
    numeric = train_frame()[["income", "score", "label"]]
    types = {"income": "continuous", "score": "continuous", "label": "categorical"}
    assert len(make_oversampler("smote", 0, {}).fit(numeric, "label", types).sample("yes", 9)) == 9
    categorical = train_frame()[["colour", "label"]]
    types = {"colour": "categorical", "label": "categorical"}
    assert (
        len(make_oversampler("smote", 0, {}).fit(categorical, "label", types).sample("yes", 9)) == 9
    )


def test_sampler_misuse_is_reported() -> None:
    sampler = make_oversampler("random", 0, {})
    with pytest.raises(SamplerError, match="must be fitted"):
        sampler.sample("yes", 1)
    sampler.fit(train_frame(), "label", TYPES)
    with pytest.raises(SamplerError, match="found 'maybe'"):
        sampler.sample("maybe", 1)
    with pytest.raises(SamplerError, match="non-negative"):
        sampler.sample("yes", -1)
    assert sampler.sample("yes", 0).empty
    with pytest.raises(SamplerError, match="expected an oversampling method"):
        make_oversampler("magic", 0, {})
    with pytest.raises(SamplerError, match="does not accept params"):
        make_oversampler("smote", 0, {"bogus": 1})


def test_a_value_outside_a_category_column_is_refused_not_made_missing() -> None:
    frame = train_frame().astype({"colour": "category"})
    sampler = make_oversampler("random", 0, {}).fit(frame, "label", TYPES)
    rows = sampler.sample("yes", 3)
    assert isinstance(rows["colour"].dtype, pd.CategoricalDtype)
    unknown = rows.astype({"colour": "str"}).assign(colour="purple")
    with pytest.raises(SamplerError, match="value 'purple' in column 'colour'"):
        sampler._conform(unknown, "yes", 3)


def test_smote_refuses_a_one_row_class() -> None:
    frame = pd.concat(
        [train_frame(), pd.DataFrame([{**train_frame().iloc[0].to_dict(), "label": "solo"}])],
        ignore_index=True,
    )
    sampler = make_oversampler("smote", 0, {}).fit(frame, "label", TYPES)
    with pytest.raises(SamplerError, match="at least 2 rows of class 'solo', found 1"):
        sampler.sample("solo", 5)


@pytest.mark.parametrize("strategy", ["auto", "minority", "all", {"b": 90}, {"c": 50}])
def test_after_balancing_targeted_classes_hit_their_counts(strategy) -> None:
    rng = np.random.default_rng(0)
    labels = np.array(["a"] * 120 + ["b"] * 45 + ["c"] * 15)
    frame = pd.DataFrame(
        {"x": rng.normal(size=len(labels)), "n": rng.integers(0, 9, len(labels)), "label": labels}
    )
    types = {"x": "continuous", "n": "integer", "label": "categorical"}
    config = BalanceConfig(method="smote", sampling_strategy=strategy)
    plan = make_plan(class_counts(frame["label"]), config)
    sampler = make_oversampler("smote", 0, {}).fit(frame, "label", types)
    synthetic = generate_synthetic(sampler, plan)
    assert synthetic is not None
    balanced = pd.concat([frame, synthetic], ignore_index=True)
    after = class_counts(balanced["label"])
    assert after == plan.after
    for label, count in class_counts(frame["label"]).items():
        if label not in plan.to_generate:
            assert after[label] == count  # untargeted classes unchanged
    assert balanced.dtypes.to_dict() == frame.dtypes.to_dict()
    assert list(balanced.columns) == list(frame.columns)
