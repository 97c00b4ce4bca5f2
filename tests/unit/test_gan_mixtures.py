"""The batched mixtures of ``gan.mixtures`` against scikit-learn's estimator, column by column,
and the batch size a small table trains with."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.mixture import BayesianGaussianMixture

from rebalance.gan.batches import batch_size_for, packing_for
from rebalance.gan.mixtures import fit_mixtures


def columns() -> list[np.ndarray]:
    """Columns of several lengths and shapes, two of each length (so some fit together)."""
    rng = np.random.default_rng(7)
    out = []
    for n in (12, 40, 40, 300, 300, 2000):
        out.append(np.concatenate([rng.normal(0, 1, n // 2), rng.normal(6, 0.5, n - n // 2)]))
    out.append(rng.integers(0, 4, 500).astype(float))  # 4 distinct values: 4 components
    out.append(rng.exponential(3.0, 800))
    return out


def sklearn_fit(sample: np.ndarray, components: int, seed: int) -> BayesianGaussianMixture:
    mixture = BayesianGaussianMixture(
        n_components=components,
        weight_concentration_prior_type="dirichlet_process",
        weight_concentration_prior=0.001,
        max_iter=100,
        n_init=1,
        random_state=seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return mixture.fit(sample.reshape(-1, 1))


def test_batched_fits_match_scikit_learn_column_by_column() -> None:
    samples = columns()
    components = [min(10, len(np.unique(s))) for s in samples]
    seeds = [100 + i for i in range(len(samples))]
    fits = fit_mixtures(samples, components, seeds)
    assert len(fits) == len(samples)
    for sample, k, seed, fit in zip(samples, components, seeds, fits, strict=True):
        reference = sklearn_fit(sample, k, seed)
        assert fit.iterations == reference.n_iter_
        np.testing.assert_allclose(fit.weights, reference.weights_, atol=1e-8)
        np.testing.assert_allclose(fit.means, reference.means_.ravel(), atol=1e-8 * sample.std())
        np.testing.assert_allclose(
            fit.variances, reference.covariances_.ravel(), rtol=1e-7, atol=1e-10
        )


def test_a_column_fits_the_same_alone_or_in_a_stack() -> None:
    samples = columns()[1:3]  # same length: fitted as one stack
    together = fit_mixtures(samples, [10, 10], [1, 2])
    alone = fit_mixtures(samples[1:], [10], [2])
    np.testing.assert_array_equal(together[1].means, alone[0].means)
    assert together[1].iterations == alone[0].iterations


def test_two_separated_groups_get_two_heavy_modes() -> None:
    rng = np.random.default_rng(0)
    sample = np.concatenate([rng.normal(-10, 1, 400), rng.normal(10, 1, 600)])
    (fit,) = fit_mixtures([sample], [10], [0])
    heavy = np.sort(fit.means[fit.weights > 0.05])
    np.testing.assert_allclose(heavy, [-10, 10], atol=0.3)
    assert fit.weights.sum() == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("rows", "expected"), [(36, 40), (40, 40), (499, 500), (500, 500), (20_000, 500)]
)
def test_a_table_smaller_than_a_batch_trains_on_its_own_size(rows: int, expected: int) -> None:
    assert batch_size_for(rows, 500, 10) == expected


@pytest.mark.parametrize(
    ("rows", "batch_size", "min_packs", "expected"),
    [(30, 500, 10, 3), (40, 500, 10, 4), (5, 500, 10, 1), (99, 500, 10, 9), (100, 500, 10, 10),
     (20_000, 500, 10, 10), (30, 500, 0, 10), (30, 500, 5, 6),
     (49, 50, 10, 4), (20_000, 500, 60, 8), (20_000, 50, 10, 5)],
)  # fmt: skip
def test_a_batch_of_few_rows_packs_fewer_only_when_asked(
    rows: int, batch_size: int, min_packs: int, expected: int
) -> None:
    pac = packing_for(rows, batch_size, 10, min_packs)
    assert pac == expected
    batch = batch_size_for(rows, batch_size, pac)
    assert batch % pac == 0  # whole packs, even where pac does not divide batch_size
    assert batch // pac >= min(min_packs, rows, batch_size) or pac == 10


def test_a_narrow_spread_far_from_zero_keeps_its_precision() -> None:
    rng = np.random.default_rng(3)
    prices = 1e6 + rng.normal(0, 0.01, 500)  # spread / size ~ 1e-8
    (fit,) = fit_mixtures([prices], [10], [0])
    reference = sklearn_fit(prices, 10, 0)
    assert np.isfinite(fit.variances).all() and np.isfinite(fit.means).all()
    np.testing.assert_allclose(fit.weights, reference.weights_, atol=1e-6)
    np.testing.assert_allclose(fit.means, reference.means_.ravel(), rtol=1e-12)
