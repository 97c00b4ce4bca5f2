"""The batched k-means of ``gan.kmeans`` against scikit-learn's estimator on one thread,
column by column: the same labels."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

from rebalance.gan.kmeans import _tolerance, _with_empty_clusters, kmeans_labels


def sklearn_labels(column: np.ndarray, k: int, seed: int) -> np.ndarray:
    """What BayesianGaussianMixture's k-means start gives, summing on one thread."""
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")  # fewer distinct clusters than k on tied values
        estimator = KMeans(n_clusters=k, n_init=1, random_state=np.random.RandomState(seed))
        return estimator.fit(column[:, None]).labels_


def stacks() -> list[np.ndarray]:
    """Stacks of columns (C, N): shifted normals, small integers (ties), two groups, rounded
    skewed values; lengths on both sides of the estimator's 256-row chunks."""
    rng = np.random.default_rng(3)
    out = []
    for n in (9, 40, 300, 2000):
        scale = rng.uniform(0.1, 100, (6, 1))
        out.append(rng.normal(size=(6, n)) * scale + rng.normal(0, 1000, (6, 1)))
        out.append(rng.integers(0, 12, (6, n)).astype(float))
        groups = [rng.normal(0, 1, (6, n // 2)), rng.normal(5, 0.3, (6, n - n // 2))]
        out.append(np.concatenate(groups, axis=1))
        out.append(rng.exponential(3.0, (6, n)).round(1))
    return out


@pytest.mark.parametrize("k", [2, 5, 10])
def test_labels_match_scikit_learn_column_by_column(k: int) -> None:
    for stack in stacks():
        distinct = min(len(np.unique(row)) for row in stack)
        clusters = min(k, distinct)
        seeds = [11 * i + k for i in range(len(stack))]
        labels = kmeans_labels(stack, clusters, seeds)
        assert labels.shape == stack.shape
        for row, seed, ours in zip(stack, seeds, labels, strict=True):
            np.testing.assert_array_equal(ours, sklearn_labels(row, clusters, seed))


def test_a_column_gets_the_same_labels_alone_or_in_a_stack() -> None:
    stack = stacks()[4]  # 40 rows: the first column converges sooner than others
    together = kmeans_labels(stack, 5, [1, 2, 3, 4, 5, 6])
    alone = kmeans_labels(stack[2:3], 5, [3])
    np.testing.assert_array_equal(together[2], alone[0])


@pytest.mark.parametrize(
    ("column", "k"),
    [([0, 0, 0, 1, 1, 2], 5), ([3.0] * 6, 2), ([7.5], 1), ([1e9 + 0.1, 1e9 + 0.2, 1e9], 2)],
)
def test_more_clusters_than_values_and_constant_columns_as_the_estimator(
    column: list[float], k: int
) -> None:
    values = np.asarray(column, dtype=np.float64)
    for seed in range(5):
        ours = kmeans_labels(values[None, :], k, [seed])[0]
        np.testing.assert_array_equal(ours, sklearn_labels(values, k, seed))


def test_the_tolerance_is_the_estimators_of_the_uncentred_values() -> None:
    from sklearn.cluster._kmeans import _tolerance as sklearn_tolerance

    rng = np.random.default_rng(5)
    for row in rng.normal(1e4, rng.uniform(0.01, 10, 50)[:, None], (50, 300)):
        assert _tolerance(row) == sklearn_tolerance(row[:, None], 1e-4)


def test_a_cluster_count_outside_one_to_the_values_is_refused() -> None:
    with pytest.raises(ValueError, match="expected 1 to 3 clusters"):
        kmeans_labels(np.zeros((2, 3)), 4, [0, 1])


def test_an_empty_cluster_takes_the_farthest_value_as_the_estimator_does() -> None:
    """In one dimension, from k-means++ centres, Lloyd's steps leave no cluster empty in
    practice; the path is the estimator's relocation all the same, checked against it."""
    from sklearn.cluster._k_means_common import _relocate_empty_clusters_dense

    x = np.array([0.0, 0.1, 0.2, 5.0, 5.5, 9.0])
    old = np.array([0.1, 3.0, 7.0])  # cluster 1 (at 3.0) gets no value
    labels = np.array([0, 0, 0, 2, 2, 2])
    sums = np.array([0.3, 0.0, 19.5])
    weights = np.array([3.0, 0.0, 3.0])
    expected_sums, expected_weights = sums[:, None].copy(), weights.copy()
    _relocate_empty_clusters_dense(
        x[:, None], np.ones(6), old[:, None], expected_sums, expected_weights,
        labels.astype(np.int32),
    )  # fmt: skip
    ours = _with_empty_clusters(x, old, labels, sums.copy(), weights.copy())
    np.testing.assert_array_equal(ours, expected_sums[:, 0] * (1.0 / expected_weights))
    np.testing.assert_allclose(ours, [0.1, 9.0, 5.25])  # 9.0 was farthest from 7.0


def test_a_cluster_left_empty_copies_the_heaviest_in_the_estimators_order() -> None:
    """Every value sits on its centre (no relocation): the empty cluster copies the heaviest,
    which the estimator's loop has not averaged yet when it comes later."""
    x, labels = np.array([5.0, 5.0, 2.0, 2.0]), np.array([1, 1, 2, 2])
    old = np.array([9.0, 5.0, 2.0])
    ours = _with_empty_clusters(x, old, labels, np.array([0.0, 10.0, 4.0]), np.array([0, 2, 2.0]))
    np.testing.assert_array_equal(ours, [10.0, 5.0, 2.0])  # a sum, then the two means
