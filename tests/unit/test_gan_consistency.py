"""The class-consistency part of the GAN's sampling filter."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import torch

from rebalance.gan.consistency import fit_consistency
from rebalance.gan.filtered_draws import filtered_rows
from rebalance.gan.model import ConditionalTabularGAN
from rebalance.gan.rejection import ClassFilter, fit_filter
from tests.support import fit_gan as fit


def two_classes(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """(class rows, other rows): one feature, the class around +1, the others around -1."""
    rng = np.random.default_rng(seed)
    return rng.normal(1.0, 1.0, (300, 1)), rng.normal(-1.0, 1.0, (900, 1))


def test_the_floor_is_the_quantile_of_the_class_rows_unseen_logits() -> None:
    real, others = two_classes()
    check = fit_consistency(real, others, 0.5, seed=0)
    assert check is not None
    grid = np.linspace(-4, 4, 81)[:, None]
    passes = check.passes(grid)
    assert not passes[grid[:, 0] < -1].any() and passes[grid[:, 0] > 2.5].all()
    # about the quantile's share of the class's own rows pass (in-sample logits run higher)
    assert 0.45 <= check.passes(real).mean() <= 0.75
    stricter = fit_consistency(real, others, 0.8, seed=0)
    assert stricter.passes(real).mean() < check.passes(real).mean()
    assert fit_consistency(real[:10], others, 0.5, seed=0) is None  # too few rows


def test_the_filter_refuses_rows_outside_the_class_and_survives_saving() -> None:
    real, others = two_classes()

    def draw(n: int, round_: int) -> pd.DataFrame:  # the generator: both regions alike
        return pd.DataFrame({"x": np.random.default_rng([7, round_]).normal(0.0, 2.0, n)})

    encode = lambda frame: frame.to_numpy()  # noqa: E731
    plain = fit_filter(real, draw, encode, 0.95, 0)
    checked = fit_filter(real, draw, encode, 0.95, 0, others, 0.5)
    assert plain.consistency is None and checked.consistency is not None
    assert checked.rate < plain.rate  # the sizes of the draws know of the check
    rng = torch.Generator().manual_seed(0)
    rows = filtered_rows(checked, draw, encode, 400, rng, max_draws=20.0)
    assert len(rows) == 400 and (rows["x"] > -0.5).all()
    again = ClassFilter.from_parts(checked.arrays(), checked.scalars())
    x = draw(500, 3).to_numpy()
    np.testing.assert_array_equal(again.log_accept(x), checked.log_accept(x))
    assert np.isneginf(checked.log_accept(np.array([[-3.0]]))).all()


def test_a_gan_checks_class_consistency_unless_turned_off(tmp_path: Path) -> None:
    checked, off = fit(class_consistency=0.5), fit(class_consistency=0.0)
    assert checked.rejection_.classes["yes"].consistency is not None
    assert off.rejection_.classes["yes"].consistency is None
    assert not checked.sample("yes", 200).equals(off.sample("yes", 200))
    loaded = ConditionalTabularGAN.load(checked.save(tmp_path / "gan"))
    pd.testing.assert_frame_equal(loaded.sample("yes", 200), checked.sample("yes", 200))


def test_match_mode_spreads_kept_rows_as_the_real_rows_spread() -> None:
    real, others = two_classes()
    rng = np.random.default_rng(5)
    # the generator over-produces the other class's region: 70% of its rows sit there
    rows = np.r_[rng.normal(-1.0, 1.0, (1400, 1)), rng.normal(1.0, 1.0, (600, 1))]
    floor = fit_consistency(real, others, 0.5, seed=0)
    matched = fit_consistency(real, others, 0.5, seed=0, generated=(rows, np.ones(len(rows))))
    assert len(matched.edges) == 9 and matched.log_weights.max() == 0.0
    assert np.isfinite(matched.log_weights).all()  # every band keeps some rows

    def kept_below_median(check, draws: np.ndarray) -> float:
        keep = np.log(np.random.default_rng(1).random(len(draws))) < check.log_accept(draws)
        return float((draws[keep, 0] < np.median(real)).mean())

    fresh = np.r_[rng.normal(-1.0, 1.0, (7000, 1)), rng.normal(1.0, 1.0, (3000, 1))]
    assert 0.35 < kept_below_median(matched, fresh) < 0.65  # real rows: 0.5
    assert kept_below_median(floor, fresh) < 0.2  # the floor cuts that half away
    combined = ClassFilter(floor.trees, 0.0, 1.0, matched)  # saved and loaded alike
    again = ClassFilter.from_parts(combined.arrays(), combined.scalars())
    np.testing.assert_array_equal(again.consistency.log_accept(fresh), matched.log_accept(fresh))
