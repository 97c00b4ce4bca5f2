"""SMOTE on large classes: the class's own rows only, a bounded neighbour sample, batches."""

from __future__ import annotations

import pandas as pd
import pytest
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

from rebalance.core.method_options import SmoteOptions
from rebalance.core.samplers import make_oversampler
from tests.support import MIXED_TYPES as TYPES
from tests.support import mixed_frame

NUMERIC_TYPES = {"income": "continuous", "score": "continuous", "label": "categorical"}


def whole_table_rows(sampler, label: str, n: int) -> pd.DataFrame:
    """What imbalanced-learn makes from the whole table, as the sampler used to call it."""
    have = sampler.class_counts_[label]
    options = {
        "sampling_strategy": {label: have + n},
        "k_neighbors": min(sampler.k_neighbors, have - 1),
        "random_state": int(sampler.class_rng(label).integers(2**31 - 1)),
    }
    if not sampler.categorical_positions_:
        imblearn = SMOTE(**options)
    else:
        imblearn = SMOTENC(categorical_features=sampler.categorical_positions_, **options)
    resampled, _ = imblearn.fit_resample(sampler.matrix_, sampler.labels_array_)
    return sampler._conform(sampler._decode(resampled[len(sampler.matrix_) :]), label, n)


@pytest.mark.parametrize("columns", ["mixed", "numeric"])
def test_the_class_rows_alone_make_the_same_rows_as_the_whole_table(columns: str) -> None:
    frame = mixed_frame(n_major=300, n_minor=40)
    types = TYPES
    if columns == "numeric":
        frame, types = frame[["income", "score", "label"]], NUMERIC_TYPES
    sampler = make_oversampler("smote", 4, {}).fit(frame, "label", types)
    pd.testing.assert_frame_equal(sampler.sample("yes", 90), whole_table_rows(sampler, "yes", 90))


def test_a_large_class_searches_a_bounded_sample_in_batches(monkeypatch) -> None:
    seen: list[tuple[int, int]] = []  # (rows given to imbalanced-learn, new rows asked)
    original = SMOTENC.fit_resample

    def spy(self, matrix, labels):
        seen.append((len(matrix), self.sampling_strategy["yes"] - int((labels == "yes").sum())))
        return original(self, matrix, labels)

    monkeypatch.setattr(SMOTENC, "fit_resample", spy)
    frame = mixed_frame(n_major=50, n_minor=400)
    params = {"neighbour_rows": 60, "batch_rows": 70}
    sampler = make_oversampler("smote", 0, params).fit(frame, "label", TYPES)
    rows = sampler.sample("yes", 200)
    assert len(rows) == 200 and (rows["label"] == "yes").all()
    assert seen == [(61, 70), (61, 70), (61, 60)]  # 60 class rows + 1 other, three batches
    again = make_oversampler("smote", 0, params).fit(frame, "label", TYPES).sample("yes", 200)
    pd.testing.assert_frame_equal(rows, again)
    minority = frame[frame["label"] == "yes"]
    assert rows["income"].between(minority["income"].min(), minority["income"].max()).all()


def test_smoten_keeps_every_class_in_proportion_when_thinned(monkeypatch) -> None:
    seen: list[pd.Series] = []
    original = SMOTEN.fit_resample

    def spy(self, matrix, labels):
        seen.append(pd.Series(labels).value_counts())
        return original(self, matrix, labels)

    monkeypatch.setattr(SMOTEN, "fit_resample", spy)
    frame = mixed_frame(n_major=400, n_minor=200)[["colour", "label"]]
    frame["colour"] = frame["colour"].fillna("none")
    types = {"colour": "categorical", "label": "categorical"}
    sampler = make_oversampler("smote", 0, {"neighbour_rows": 50}).fit(frame, "label", types)
    assert len(sampler.sample("yes", 30)) == 30
    assert seen[0].to_dict() == {"no": 100, "yes": 50}  # a quarter of each class


@pytest.mark.parametrize("option", ["neighbour_rows", "batch_rows"])
def test_bounds_are_validated_options(option: str) -> None:
    with pytest.raises(Exception, match=option):
        SmoteOptions.model_validate({option: 0})


def test_category_columns_come_out_as_codes_of_the_fitted_categories() -> None:
    """Each batch's category values are made as codes of the fitted categories (a missing
    value included), never as a text column: the same values as from a text column."""
    frame = mixed_frame(n_major=300, n_minor=40)
    categories = pd.CategoricalDtype(["blue", "green", "red", "violet"])
    frame["colour"] = frame["colour"].astype(categories)
    params = {"batch_rows": 25}
    sampler = make_oversampler("smote", 4, params).fit(frame, "label", TYPES)
    made = sampler._sample("yes", 90)  # before the cast to the fitted dtypes
    assert made["colour"].dtype == categories
    assert made["colour"].isna().any() and made["colour"].notna().any()
    text = frame.assign(colour=frame["colour"].astype(object))
    from_text = make_oversampler("smote", 4, params).fit(text, "label", TYPES).sample("yes", 90)
    pd.testing.assert_series_equal(
        made["colour"].astype(object), from_text["colour"].astype(object)
    )
