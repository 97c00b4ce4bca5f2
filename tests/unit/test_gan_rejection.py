"""Discriminator rejection sampling and the small-table training budget of the GAN."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from safetensors.torch import load_file
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from rebalance.gan import filtered_draws
from rebalance.gan.filtered_draws import filtered_rows
from rebalance.gan.model import ConditionalTabularGAN
from rebalance.gan.rejection import ClassFilter
from rebalance.gan.trees import TreeEnsemble
from tests.support import fit_gan as fit


def test_exported_trees_score_rows_as_sklearn_does() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(800, 5))
    x[rng.random(x.shape) < 0.1] = np.nan  # NaN takes each split's learnt side
    y = (np.nan_to_num(x[:, 0]) + np.nan_to_num(x[:, 1]) ** 2 > 0.5).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, early_stopping=False, random_state=0)
    model.fit(x, y)
    trees = TreeEnsemble.from_sklearn(model)
    # sklearn adds the trees in the same order: the very same floats
    np.testing.assert_array_equal(trees.logit(x), model.decision_function(x))
    again = TreeEnsemble.from_parts(trees.arrays(), trees.scalars())
    np.testing.assert_array_equal(again.logit(x), trees.logit(x))
    with threadpool_limits(limits=1):  # rows are split over threads, never a row's sum
        np.testing.assert_array_equal(again.logit(x), trees.logit(x))


def test_rejection_sampling_is_reproducible_and_leaves_global_rngs_alone() -> None:
    torch.manual_seed(123)
    np.random.seed(123)
    torch_state, numpy_state = torch.get_rng_state(), np.random.get_state()
    one, two = fit(seed=3, rejection=True), fit(seed=3, rejection=True)
    assert "yes" in one.rejection_.classes and "rare" not in one.rejection_.classes  # 3 rows
    rows = one.sample("yes", 300)
    assert len(rows) == 300 and rows["label"].eq("yes").all()
    pd.testing.assert_frame_equal(rows, two.sample("yes", 300))
    assert len(one.sample("rare", 7)) == 7  # no filter: rows as generated
    assert torch.equal(torch.get_rng_state(), torch_state)
    assert all(
        np.array_equal(a, b) for a, b in zip(np.random.get_state(), numpy_state, strict=True)
    )


def test_rejection_changes_the_rows_and_can_be_turned_off() -> None:
    filtered, plain = fit(rejection=True), fit(rejection=False)
    assert plain.rejection_ is None
    assert not filtered.sample("yes", 200).equals(plain.sample("yes", 200))


def test_a_loaded_model_filters_as_the_fitted_one(tmp_path: Path) -> None:
    model = fit(rejection=True)
    folder = model.save(tmp_path / "model")
    assert any(key.startswith("rejection.") for key in load_file(folder / "model.safetensors"))
    loaded = ConditionalTabularGAN.load(folder)
    for label, n in (("yes", 300), ("no", 50)):
        pd.testing.assert_frame_equal(loaded.sample(label, n), model.sample(label, n))


class _RejectMost:
    rate = 0.01

    def log_accept(self, features: np.ndarray) -> np.ndarray:
        return self.refined(features, self.log_bound(features))

    def log_bound(self, features: np.ndarray) -> np.ndarray:
        return 50 * np.log(features[:, 0])  # x ** 50: about 1 row in 50 is kept

    def refined(self, features: np.ndarray, bound: np.ndarray) -> np.ndarray:
        return bound


def test_when_draws_run_out_the_least_rejected_rows_fill_in() -> None:
    drawn: list[int] = []

    def draw(n: int, round_: int) -> pd.DataFrame:
        drawn.append(n)
        values = np.random.default_rng(round_).random(n)
        return pd.DataFrame({"x": values})

    rng = torch.Generator().manual_seed(0)
    filt: ClassFilter = _RejectMost()  # type: ignore[assignment]
    rows = filtered_rows(filt, draw, lambda f: f.to_numpy(), 50, rng, max_draws=4.0)
    assert len(rows) == 50 and sum(drawn) == 4 * 50  # the whole budget, and no more
    # the 200 draws' top quarter, not arbitrary rejected rows
    assert rows["x"].min() > 0.6


class _Optimist(_RejectMost):
    rate = 0.5  # expects half to pass, so it draws again and again before the budget is spent


def _all_rejected_kept(filt, draw, n: int, rng: torch.Generator, max_draws: float):
    """The filter as it was before its memory was bounded: every rejected row kept to the
    end, then the best of them by a stable sort (reference for the test below). Returns the
    rows and how many came from the rejected ones."""
    budget = max(int(np.ceil(max_draws * n)), n)
    kept, rejected, drawn, accepted, rounds = [], [], 0, 0, 0
    while accepted < n and drawn < budget:
        size = min(max(int(np.ceil((n - accepted) / filt.rate * 1.2)), 256), budget - drawn)
        batch = draw(size, rounds)
        log_p = filt.log_accept(batch.to_numpy())
        keep = np.log(torch.rand(size, generator=rng, dtype=torch.float64).numpy()) < log_p
        kept.append(batch[keep])
        rejected.append((batch[~keep], log_p[~keep]))
        accepted, drawn, rounds = accepted + int(keep.sum()), drawn + size, rounds + 1
    rows = pd.concat(kept, ignore_index=True).iloc[:n]
    pool = pd.concat([frame for frame, _ in rejected], ignore_index=True)
    order = np.argsort(-np.concatenate([p for _, p in rejected]), kind="stable")
    filled = pool.iloc[order[: n - len(rows)]]
    return pd.concat([rows, filled], ignore_index=True), len(filled)


def test_the_bounded_reserve_fills_in_what_keeping_every_rejected_row_did() -> None:
    rounds: set[int] = set()

    def draw(n: int, round_: int) -> pd.DataFrame:
        rounds.add(round_)
        values = np.random.default_rng(round_).integers(1, 40, n) / 40  # many equal scores
        return pd.DataFrame({"x": values, "row": np.arange(n) + 100_000 * round_})

    filt: ClassFilter = _Optimist()  # type: ignore[assignment]
    for n in (50, 300, 2000):
        got = filtered_rows(filt, draw, lambda f: f.to_numpy(), n, torch.Generator(), 20.0)
        want, filled = _all_rejected_kept(filt, draw, n, torch.Generator(), 20.0)
        assert len(rounds) > 1 and 0 < filled < n  # several rounds, then the fill-in
        pd.testing.assert_frame_equal(got, want)


def test_a_draw_is_never_larger_than_the_batch_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []

    def draw(n: int, round_: int) -> pd.DataFrame:
        sizes.append(n)
        return pd.DataFrame({"x": np.random.default_rng(round_).random(n)})

    monkeypatch.setattr(filtered_draws, "MAX_BATCH", 1000)
    filt: ClassFilter = _RejectMost()  # type: ignore[assignment]
    rows = filtered_rows(filt, draw, lambda f: f.to_numpy(), 200, torch.Generator(), 30.0)
    assert len(rows) == 200 and max(sizes) == 1000 and sum(sizes) == 6000


def test_small_tables_get_more_updates_and_checks_wait_for_min_steps() -> None:
    # 460 rows, 10% held out, batch 100: 4 updates per epoch by size alone
    late = fit(epochs=4, eval_every=1, min_steps_per_epoch=10, min_steps=30)
    assert late.history_.eval_epochs == [3, 4]  # 10 updates per epoch: 30 reached at epoch 3
    never = fit(epochs=4, eval_every=1, min_steps=30)  # 4 per epoch: 16 < 30
    assert never.history_.eval_epochs == [] and never.history_.best_epoch is None


class _TwoParts:
    """A rejection part (x ** 8) and a consistency part in bands, as in ``match`` mode: rows
    with y < 0.2 are refused, y < 0.5 kept with probability 1/2, the others all kept (so many
    rows score exactly their bound: ties). Counts the rows the consistency part scored."""

    def __init__(self, rate: float) -> None:
        self.rate = rate
        self.refined_rows = 0

    def log_accept(self, features: np.ndarray) -> np.ndarray:
        return self.refined(features, self.log_bound(features))

    def log_bound(self, features: np.ndarray) -> np.ndarray:
        return 8 * np.log(features[:, 0])

    def refined(self, features: np.ndarray, bound: np.ndarray) -> np.ndarray:
        self.refined_rows += len(features)
        y = features[:, 1]
        return bound + np.select([y < 0.2, y < 0.5], [-np.inf, np.log(0.5)], 0.0)


def _two_column_draw(n: int, round_: int) -> pd.DataFrame:
    rng = np.random.default_rng(round_)
    x = rng.integers(1, 40, n) / 40  # many equal scores
    return pd.DataFrame({"x": x, "y": rng.random(n), "row": np.arange(n) + 10_000_000 * round_})


@pytest.mark.parametrize(
    ("rate", "max_draws", "scan_rows"),
    [
        (0.06, 20.0, 65_536),
        (0.06, 20.0, 97),
        (0.5, 20.0, 97),  # several rounds, enough kept
        (0.9, 3.0, 97),  # an optimistic rate: several rounds, then the fill-in
        (0.06, 3.0, 97),
        (0.01, 2.0, 50),
    ],
)
def test_rows_are_scored_only_where_it_can_change_them(
    monkeypatch: pytest.MonkeyPatch, rate: float, max_draws: float, scan_rows: int
) -> None:
    """Scoring a batch in chunks until enough rows are kept, and the consistency part only
    where the outcome can depend on it, gives the rows that scoring everything gives."""
    monkeypatch.setattr(filtered_draws, "SCAN_ROWS", scan_rows)
    drawn, refined = [], []

    def draw(n: int, round_: int) -> pd.DataFrame:
        drawn.append(n)
        return _two_column_draw(n, round_)

    for n in (1, 50, 300, 2000):
        lazy = _TwoParts(rate)
        got = filtered_rows(lazy, draw, lambda f: f.to_numpy(), n, torch.Generator(), max_draws)  # type: ignore[arg-type]
        refined.append(lazy.refined_rows)
        want, _ = _all_rejected_kept(
            _TwoParts(rate), _two_column_draw, n, torch.Generator(), max_draws
        )
        pd.testing.assert_frame_equal(got, want)
    assert sum(refined) < sum(drawn)  # some rows never needed the consistency part
