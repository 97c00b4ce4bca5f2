from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from rebalance.core.errors import ColumnTooWideError, ModelFileError
from rebalance.gan.columns import CategoricalColumn, ContinuousColumn
from rebalance.gan.config import GanConfig
from rebalance.gan.transformer import TabularTransformer


def table(n: int = 3000, seed: int = 0) -> tuple[pd.DataFrame, dict[str, str]]:
    rng = np.random.default_rng(seed)
    bimodal = np.where(rng.random(n) < 0.3, rng.normal(-5, 1, n), rng.normal(20, 3, n))
    zero_inflated = np.where(rng.random(n) < 0.9, 0, rng.integers(1, 100_000, n))
    count = pd.array(rng.integers(0, 50, n), dtype="Int64")
    count[rng.random(n) < 0.1] = pd.NA
    colour = pd.Series(rng.choice(["red", "green", "blue"], n), dtype="str")
    colour[rng.random(n) < 0.05] = np.nan
    frame = pd.DataFrame(
        {
            "bimodal": bimodal,
            "gain": zero_inflated.astype("int64"),
            "count": count,
            "colour": colour,
            "flag": pd.array(rng.random(n) < 0.3, dtype="boolean"),
            "when": pd.to_datetime("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 365, n), unit="D"),
        }
    )
    types = {
        "bimodal": "continuous",
        "gain": "integer",
        "count": "integer",
        "colour": "categorical",
        "flag": "boolean",
        "when": "datetime",
    }
    return frame, types


@pytest.mark.parametrize("mode", ["gmm", "quantile"])
def test_round_trip_reproduces_values_dtypes_gaps_and_ranges(mode: str) -> None:
    frame, types = table()
    transformer = TabularTransformer(GanConfig(continuous_mode=mode)).fit(frame, types)
    matrix = transformer.transform(frame)
    assert matrix.shape == (len(frame), transformer.width_) and matrix.dtype == np.float32
    back = transformer.inverse_transform(matrix)
    assert back.dtypes.to_dict() == frame.dtypes.to_dict()
    spread = frame["bimodal"].max() - frame["bimodal"].min()
    assert np.abs(back["bimodal"] - frame["bimodal"]).max() < 1e-3 * spread
    assert (back["gain"] == frame["gain"]).mean() > 0.99  # integers exact (float32 grid aside)
    assert back["count"].isna().equals(frame["count"].isna())
    assert (back["count"].dropna() == frame["count"].dropna()).all()
    assert back["colour"].isna().equals(frame["colour"].isna())
    assert (back["colour"].dropna() == frame["colour"].dropna()).all()
    assert (back["flag"] == frame["flag"]).all()
    assert (back["when"] == frame["when"]).all()


def test_decoding_any_output_stays_in_range_and_type() -> None:
    frame, types = table()
    transformer = TabularTransformer().fit(frame, types)
    noise = np.random.default_rng(1).uniform(-1, 1, (500, transformer.width_)).astype(np.float32)
    back = transformer.inverse_transform(noise)
    for name in ("bimodal", "gain", "count"):
        values = back[name].dropna().astype(float)
        assert values.min() >= frame[name].min() and values.max() <= frame[name].max()
    assert set(back["colour"].dropna()) <= {"red", "green", "blue"}
    assert back.dtypes.to_dict() == frame.dtypes.to_dict()


def test_many_levels_are_grouped_and_drawn_back_by_frequency() -> None:
    rng = np.random.default_rng(0)
    common = rng.choice(["a", "b", "c"], 5000)
    rare = np.array([f"r{i}" for i in rng.integers(0, 400, 1000)])
    column = pd.Series(np.concatenate([common, rare]), dtype="str")
    frame = pd.DataFrame({"k": column})
    transformer = TabularTransformer(GanConfig(max_categories=10)).fit(frame, {"k": "categorical"})
    assert transformer.width_ == 10  # 9 kept levels + "other"
    back = transformer.inverse_transform(transformer.transform(frame))
    assert set(back["k"]) <= set(column)
    assert back["k"].isin(["a", "b", "c"]).sum() == 5000


def test_a_category_column_learns_the_values_present_only() -> None:
    """Typed categorical columns are ``category`` with the whole table's categories; the rows
    a GAN fits on may hold a few of them. Unused ones are no levels (and no rare group of
    zero weights): as the same rows as text give."""
    rng = np.random.default_rng(0)
    present = [f"v{i}" for i in rng.integers(0, 150, 3000)]
    dtype = pd.CategoricalDtype([f"v{i}" for i in range(300)])
    coded = pd.DataFrame({"k": pd.Series(present, dtype="str").astype(dtype)})
    text = coded.astype({"k": "str"})
    config, types = GanConfig(max_categories=100), {"k": "categorical"}
    from_codes = TabularTransformer(config).fit(coded, types)
    from_text = TabularTransformer(config).fit(text, types)
    assert from_codes.columns_[0].levels == from_text.columns_[0].levels
    assert from_codes.columns_[0].rare == from_text.columns_[0].rare
    back = from_codes.inverse_transform(from_codes.transform(coded))
    assert set(back["k"].dropna()) <= set(present)
    # each decoded batch has the learned levels (kept, then rare) as categories: joins stay category
    few = from_codes.inverse_transform(from_codes.transform(coded.iloc[:5]))
    assert back["k"].dtype == few["k"].dtype
    learned = from_codes.columns_[0]
    assert list(few["k"].cat.categories) == [*learned.levels, *learned.rare.levels]
    assert isinstance(pd.concat([back, few])["k"].dtype, pd.CategoricalDtype)


def test_identifier_like_columns_are_refused_by_name() -> None:
    frame = pd.DataFrame({"customer_id": pd.Series([f"id{i}" for i in range(1000)], dtype="str")})
    with pytest.raises(
        ColumnTooWideError, match=r"column 'customer_id'.*found 1000 distinct values in 1000 rows"
    ):
        TabularTransformer(GanConfig(max_categories=50)).fit(frame, {"customer_id": "categorical"})


def test_the_gan_refuses_identifiers_by_the_shared_rule_within_max_categories() -> None:
    from rebalance.core.identifiers import identifier_problem

    ids = pd.Series([f"id{i}" for i in range(100)], dtype="str")  # fewer than max_categories
    with pytest.raises(ColumnTooWideError) as info:
        TabularTransformer(GanConfig()).fit(pd.DataFrame({"ref": ids}), {"ref": "categorical"})
    assert str(info.value) == f"column 'ref': {identifier_problem(ids)}"  # the contract's text


def test_state_is_plain_json() -> None:
    import json

    frame, types = table(500)
    transformer = TabularTransformer().fit(frame, types)
    restored = TabularTransformer.from_dict(json.loads(json.dumps(transformer.to_dict())))
    matrix = transformer.transform(frame, seed=3)
    pd.testing.assert_frame_equal(
        restored.inverse_transform(matrix), transformer.inverse_transform(matrix)
    )


def test_fitted_state_is_frozen_records_that_round_trip_through_json() -> None:
    import dataclasses
    import json

    frame, types = table(1500)
    frame["rare"] = pd.Series(
        np.where(np.arange(len(frame)) % 3 == 0, [f"r{i % 40}" for i in range(len(frame))], "x"),
        dtype="str",
    )
    types = {**types, "rare": "categorical"}
    transformer = TabularTransformer(GanConfig(max_categories=10)).fit(frame, types)
    by_name = {col.name: col for col in transformer.columns_}
    assert isinstance(by_name["bimodal"], ContinuousColumn) and by_name["bimodal"].mode == "gmm"
    assert by_name["count"].missing and not by_name["bimodal"].missing
    assert isinstance(by_name["rare"], CategoricalColumn) and by_name["rare"].rare is not None
    assert isinstance(by_name["flag"], CategoricalColumn) and by_name["flag"].rare is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        by_name["bimodal"].low = 0.0  # type: ignore[misc]

    state = json.loads(json.dumps(transformer.to_dict()))
    assert all(isinstance(column, dict) for column in state["columns"])  # plain dicts in files
    restored = TabularTransformer.from_dict(state)
    assert restored.columns_ == transformer.columns_
    assert restored.spans_ == transformer.spans_
    matrix = transformer.transform(frame, seed=7)
    np.testing.assert_array_equal(restored.transform(frame, seed=7), matrix)
    noise = np.random.default_rng(2).uniform(-1, 1, matrix.shape).astype(np.float32)
    pd.testing.assert_frame_equal(
        restored.inverse_transform(noise, seed=5), transformer.inverse_transform(noise, seed=5)
    )
    back = transformer.inverse_transform(matrix, seed=5)
    assert (back["rare"] == frame["rare"]).mean() > 0.6  # "x" exact, grouped ones redrawn
    assert (back["colour"].dropna() == frame["colour"].dropna()).all()


def test_malformed_state_is_refused_with_what_was_expected() -> None:
    frame, types = table(300)
    state = TabularTransformer().fit(frame, types).to_dict()
    broken = {**state, "columns": [{k: v for k, v in state["columns"][0].items() if k != "mode"}]}
    with pytest.raises(ModelFileError, match=r"expected a transformer state.*'mode'"):
        TabularTransformer.from_dict(broken)
    moved = [{**column, "spans": [[99, 1]]} for column in state["columns"]]
    with pytest.raises(ModelFileError, match=r"column 'bimodal': expected spans \[\[0, 1\]"):
        TabularTransformer.from_dict({**state, "columns": moved})


def constant_blocks_table(n: int = 400) -> tuple[pd.DataFrame, dict[str, str]]:
    """A single-level column and a constant number (one mode) beside the usual columns."""
    frame, types = table(n)
    frame["only"] = pd.Series(["same"] * n, dtype="str")
    frame["flat"] = 7.5
    return frame, {**types, "only": "categorical", "flat": "continuous"}


def test_one_wide_blocks_are_left_out_of_the_row_and_decode_to_their_only_value() -> None:
    frame, types = constant_blocks_table()
    config = GanConfig(max_modes=1)  # every mixture has one mode: a one-wide block each
    kept = TabularTransformer(config)
    kept.fit(frame, types)._place(kept.columns_, layout=1)  # the layout before version 2
    dropped = TabularTransformer(config).fit(frame, types)
    constant = [
        name
        for col, spans in zip(dropped.columns_, dropped.column_spans_, strict=True)
        for name in [col.name] * sum(s.activation == "constant" for s in spans)
    ]
    assert constant == ["bimodal", "count", "when", "only"]  # gain, flat: no mixture
    assert dropped.width_ == kept.width_ - 4
    assert all(s.width > 1 for s in dropped.spans_ if s.activation == "softmax")
    matrix = dropped.transform(frame, seed=3)
    assert matrix.shape == (len(frame), dropped.width_)
    back = dropped.inverse_transform(matrix, seed=3)
    assert (back["only"] == "same").all() and (back["flat"] == 7.5).all()
    assert back["count"].isna().equals(frame["count"].isna())  # its missing block is kept
    pd.testing.assert_frame_equal(back, kept.inverse_transform(kept.transform(frame, seed=3), 3))


def test_a_state_saved_before_layout_2_keeps_its_one_wide_blocks() -> None:
    frame, types = constant_blocks_table()
    old = TabularTransformer(GanConfig(max_modes=1))
    old.fit(frame, types)._place(old.columns_, layout=1)
    state = {key: value for key, value in old.to_dict().items() if key != "layout"}
    restored = TabularTransformer.from_dict(state)
    assert restored.layout_ == 1 and restored.spans_ == old.spans_
    assert restored.width_ == old.width_
    with pytest.raises(ModelFileError, match="layout 3, expected 1 or 2"):
        TabularTransformer.from_dict({**state, "layout": 3})


def test_a_table_of_constants_only_keeps_its_blocks() -> None:
    frame = pd.DataFrame({"only": pd.Series(["same"] * 50, dtype="str")})
    transformer = TabularTransformer().fit(frame, {"only": "categorical"})
    assert transformer.width_ == 1 and transformer.layout_ == 1
    restored = TabularTransformer.from_dict(transformer.to_dict())
    assert restored.width_ == 1
