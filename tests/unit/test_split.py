from __future__ import annotations

import pandas as pd

from rebalance.core.split import stratified_split


def frame() -> pd.DataFrame:
    labels = ["a"] * 100 + ["b"] * 20 + ["c"] * 1
    return pd.DataFrame({"row": range(len(labels)), "y": labels})


def test_holdout_is_stratified_and_disjoint() -> None:
    train, holdout = stratified_split(frame(), "y", 0.2, seed=3)
    assert holdout["y"].value_counts().to_dict() == {"a": 20, "b": 4}
    assert train["y"].value_counts().to_dict() == {"a": 80, "b": 16, "c": 1}
    assert set(train["row"]).isdisjoint(holdout["row"])
    assert len(train) + len(holdout) == 121


def test_split_is_deterministic_per_seed() -> None:
    one = stratified_split(frame(), "y", 0.2, seed=1)[1]["row"].tolist()
    again = stratified_split(frame(), "y", 0.2, seed=1)[1]["row"].tolist()
    other = stratified_split(frame(), "y", 0.2, seed=2)[1]["row"].tolist()
    assert one == again and one != other


def test_zero_fraction_keeps_everything_in_train() -> None:
    train, holdout = stratified_split(frame(), "y", 0.0, seed=0)
    assert len(holdout) == 0 and len(train) == 121
