"""k-means labels of one-dimensional columns, many columns at a time: the start of
``gan.mixtures``.

The algorithm is scikit-learn's ``KMeans(n_clusters=k, n_init=1, random_state=seed)`` as
``BayesianGaussianMixture`` calls it (k-means++ start with ``2 + log(k)`` local trials, Lloyd
iterations, tolerance ``1e-4`` times the column's variance, empty clusters moved to the farthest
rows), with its arithmetic: the same distances, the same random draws, the same dot products
for the k-means++ potentials. Only the cluster sums differ in how they are split: here every
cluster sum runs over the rows in order, as scikit-learn's does on one thread (on several its
per-thread partial sums may round differently), so the labels do not depend on the machine's
cores. A table of a thousand numeric columns then costs one vectorised Lloyd loop instead of a
thousand estimator fits, whose per-call validation and thread-pool set-up is most of their
time. ``tests/unit/test_gan_kmeans.py`` checks the labels against scikit-learn's.
"""

from __future__ import annotations

import numpy as np

TOL = 1e-4  # scikit-learn's default, times the column's variance
MAX_ITER = 300


def kmeans_labels(x: np.ndarray, k: int, seeds: list[int]) -> np.ndarray:
    """The k-means label of every value: x (C, N) float64 -> (C, N) int64 in [0, k)."""
    if not 1 <= k <= x.shape[1]:
        raise ValueError(f"k-means: expected 1 to {x.shape[1]} clusters (the values), found {k}")
    tol = np.array([_tolerance(row) for row in x])  # (C,), of the values before centring
    columns = [_centred(row) for row in x]  # each (N, 1), as the estimator centres its X
    states = [np.random.RandomState(seed) for seed in seeds]  # one per column, as the estimator's
    centers = np.stack([_plus_plus(col, k, s) for col, s in zip(columns, states, strict=True)])
    return _lloyd(np.stack([col[:, 0] for col in columns]), centers, tol)


def _tolerance(row: np.ndarray) -> float:
    """The estimator's stopping tolerance: ``TOL`` times the variance, of the uncentred values."""
    return float(np.mean(np.var(np.asarray(row, dtype=np.float64)[:, None], axis=0)) * TOL)


def _centred(row: np.ndarray) -> np.ndarray:
    col = np.array(row, dtype=np.float64)[:, None]  # (N, 1)
    col -= col.mean(axis=0)
    return col


def _plus_plus(col: np.ndarray, k: int, state: np.random.RandomState) -> np.ndarray:
    """Greedy k-means++ centres of one column (N, 1) -> (k,), drawing from ``state`` as
    scikit-learn's ``_kmeans_plusplus`` does (unit sample weights)."""
    n = len(col)
    weight = np.ones(n)
    squares = col[:, 0] * col[:, 0]  # (N,)
    trials = 2 + int(np.log(k))
    centers = np.empty(k)
    centers[0] = col[state.choice(n, p=weight / weight.sum()), 0]
    closest = _squared_distances(centers[:1], col, squares)  # (1, N)
    potential = closest @ weight  # (1,): the same dot product the estimator computes
    for c in range(1, k):
        draws = state.uniform(size=trials) * potential
        ids = np.searchsorted(np.cumsum(weight * closest), draws)
        np.minimum(ids, closest.size - 1, out=ids)  # a draw at the very top of the sum
        to_candidates = _squared_distances(col[ids, 0], col, squares)  # (trials, N)
        np.minimum(closest, to_candidates, out=to_candidates)
        potentials = to_candidates @ weight.reshape(-1, 1)  # (trials, 1)
        best = int(np.argmin(potentials))
        potential, closest = potentials[best], to_candidates[best]
        centers[c] = col[ids[best], 0]
    return centers


def _squared_distances(points: np.ndarray, col: np.ndarray, squares: np.ndarray) -> np.ndarray:
    """(m,) points to the column (N, 1): (m, N), summed in the estimator's order."""
    distances = -2 * (points[:, None] @ col.T)
    distances += (points * points)[:, None]
    distances += squares[None, :]
    return np.maximum(distances, 0, out=distances)


def _lloyd(x: np.ndarray, centers: np.ndarray, tol: np.ndarray) -> np.ndarray:
    """Lloyd iterations of every column at once, each stopping on its own: x (C, N),
    centers (C, k), tol (C,) -> labels (C, N)."""
    labels_old = np.full(x.shape, -1, dtype=np.int64)
    final = np.empty(x.shape, dtype=np.int64)
    active = np.arange(len(x))
    for _ in range(MAX_ITER):
        if not len(active):
            return final
        xa, old = x[active], centers[active]
        labels = _nearest(xa, old)
        new, shift = _updated_centers(xa, old, labels)
        strict = (labels == labels_old[active]).all(axis=1)  # no label moved: done
        settled = ~strict & (shift <= tol[active])  # centres moved less than tol: one more look
        final[active[strict]] = labels[strict]
        final[active[settled]] = _nearest(xa[settled], new[settled])
        centers[active], labels_old[active] = new, labels
        active = active[~strict & ~settled]
    final[active] = _nearest(x[active], centers[active])
    return final


def _nearest(x: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """x (C, N), centers (C, k) -> the nearest centre of each value (C, N), first on ties;
    distances less the value's own square, as the estimator compares them."""
    squares = centers * centers  # (C, k)
    # c^2 + (-2 * x*c): the estimator's gemm with alpha -2 and beta 1 on the squares, whose
    # product is rounded before the sum (times -2 is exact), so the same bits
    distances = squares[:, None, :] + -2.0 * (x[:, :, None] * centers[:, None, :])  # (C, N, k)
    return distances.argmin(axis=2)


def _updated_centers(
    x: np.ndarray, old: np.ndarray, labels: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The clusters' means (C, k) and each column's squared centre shift (C,)."""
    columns, k = old.shape
    bins = (labels + np.arange(columns)[:, None] * k).ravel()  # (C * N,)
    sums = np.bincount(bins, weights=x.ravel(), minlength=columns * k).reshape(columns, k)
    weights = np.bincount(bins, minlength=columns * k).reshape(columns, k).astype(np.float64)
    new = np.empty_like(old)
    empty = (weights == 0).any(axis=1)
    for c in np.flatnonzero(empty):  # rare: the estimator's own loop, column by column
        new[c] = _with_empty_clusters(x[c], old[c], labels[c], sums[c], weights[c])
    full = ~empty
    new[full] = sums[full] * (1.0 / weights[full])
    shift = np.sqrt((new - old) * (new - old))  # squared again below: the estimator's rounding
    return new, (shift**2).sum(axis=1)


def _with_empty_clusters(
    x: np.ndarray, old: np.ndarray, labels: np.ndarray, sums: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """One column's new centres (k,) when a cluster got no value: each empty one takes the
    value farthest from its centre, then the means; what stays empty copies the heaviest."""
    empty = np.flatnonzero(weights == 0)
    distances = (x - old[labels]) ** 2
    far = np.argpartition(distances, -len(empty))[: -len(empty) - 1 : -1]
    if np.max(distances) != 0:
        for cluster, row in zip(empty, far, strict=True):
            sums[labels[row]] -= x[row]
            sums[cluster] = x[row]
            weights[cluster] = 1.0
            weights[labels[row]] -= 1.0
    heaviest = int(np.argmax(weights))
    for j in range(len(sums)):  # in order, as the estimator: a later heaviest is still a sum
        sums[j] = sums[j] * (1.0 / weights[j]) if weights[j] > 0 else sums[heaviest]
    return sums
