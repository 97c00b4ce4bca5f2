"""Variational Gaussian mixtures (Dirichlet-process prior) of one-dimensional columns, fitted
many columns at a time.

The updates are scikit-learn's ``BayesianGaussianMixture`` in one dimension (where its full,
diagonal and spherical covariances are the same model), k-means initialisation and its default
priors, tolerance and regularisation, written over a stack of columns: a table of a thousand
numeric columns costs one vectorised loop instead of a thousand estimator fits, each of which
spends most of its time in per-call overhead. Each column stops when its own lower bound
settles, as a lone estimator would. Values are centred on the column's mean before fitting
(the model moves with the data: its prior mean is the column's mean), so a narrow spread far
from zero keeps its precision. ``tests/unit/test_gan_mixtures.py`` checks the fits against
scikit-learn's.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.special import betaln, digamma, gammaln, logsumexp

from rebalance.gan.kmeans import kmeans_labels

TOL = 1e-3  # scikit-learn's default: stop when the lower bound moves less than this
REG_COVAR = 1e-6
BATCH_CELLS = 2_000_000  # columns x rows x components held at once (about 16 MB per array)


@dataclass(frozen=True)
class MixtureFit:
    """One column's mixture: arrays of shape (components,)."""

    weights: np.ndarray
    means: np.ndarray
    variances: np.ndarray
    iterations: int


@dataclass
class _Posterior:
    """Variational parameters of a stack of columns: arrays of shape (columns, components)."""

    alpha: np.ndarray  # stick-breaking Beta parameters
    beta: np.ndarray
    mean_precision: np.ndarray
    means: np.ndarray
    dof: np.ndarray
    variances: np.ndarray

    def take(self, rows: np.ndarray) -> _Posterior:
        return _Posterior(*(getattr(self, f)[rows] for f in self.__dataclass_fields__))

    def put(self, rows: np.ndarray, other: _Posterior) -> None:
        for name in self.__dataclass_fields__:
            getattr(self, name)[rows] = getattr(other, name)

    def weights(self) -> np.ndarray:
        """Expected stick-breaking weights, normalised: (columns, components)."""
        total = self.alpha + self.beta
        rest = np.cumprod(self.beta / total, axis=1)[:, :-1]
        weights = self.alpha / total * np.hstack([np.ones((len(total), 1)), rest])
        return weights / weights.sum(axis=1, keepdims=True)


def fit_mixtures(
    samples: list[np.ndarray],
    components: list[int],
    seeds: list[int],
    concentration: float = 0.001,
    max_iter: int = 100,
) -> list[MixtureFit]:
    """A mixture per sample (1-D float arrays, at least ``components`` values each); columns of
    the same length and component count are fitted together."""
    groups: dict[tuple[int, int], list[int]] = defaultdict(list)
    for index, (sample, k) in enumerate(zip(samples, components, strict=True)):
        groups[(len(sample), k)].append(index)
    fits: list[MixtureFit | None] = [None] * len(samples)
    for (rows, k), members in groups.items():
        per_batch = max(1, BATCH_CELLS // (rows * k))
        for start in range(0, len(members), per_batch):
            batch = members[start : start + per_batch]
            x = np.stack([np.asarray(samples[i], dtype=np.float64) for i in batch])  # (C, N)
            resp = _kmeans_responsibilities(x, k, [seeds[i] for i in batch])
            for index, fit in zip(batch, _fit_stack(x, resp, concentration, max_iter), strict=True):
                fits[index] = fit
    return [fit for fit in fits if fit is not None]


def _kmeans_responsibilities(x: np.ndarray, k: int, seeds: list[int]) -> np.ndarray:
    """One-hot k-means labels per column, as scikit-learn initialises: (C, N, K)."""
    labels = kmeans_labels(x, k, seeds)  # (C, N)
    return (labels[:, :, None] == np.arange(k)).astype(np.float64)


def _fit_stack(
    x: np.ndarray, resp: np.ndarray, concentration: float, max_iter: int
) -> list[MixtureFit]:
    """Coordinate ascent on every column of ``x`` (C, N) from responsibilities (C, N, K)."""
    centre = x.mean(axis=1)  # (C,)
    x = x - centre[:, None]
    prior_mean = np.zeros(len(x))  # the column's mean, once centred
    prior_var = x.var(axis=1, ddof=1)  # (C,)
    post = _m_step(x, resp, prior_mean, prior_var, concentration)
    bound = np.full(len(x), -np.inf)
    iterations = np.zeros(len(x), dtype=np.int64)
    active = np.arange(len(x))
    for step in range(1, max_iter + 1):
        current = post.take(active)
        log_resp = _log_responsibilities(x[active], current)  # (A, N, K)
        updated = _m_step(
            x[active], np.exp(log_resp), prior_mean[active], prior_var[active], concentration
        )
        new_bound = _lower_bound(updated, log_resp)
        settled = np.abs(new_bound - bound[active]) < TOL
        post.put(active, updated)
        bound[active] = new_bound
        iterations[active] = step
        active = active[~settled]
        if active.size == 0:
            break
    weights, means = post.weights(), post.means + centre[:, None]
    return [
        MixtureFit(weights[c], means[c], post.variances[c], int(iterations[c]))
        for c in range(len(x))
    ]


def _m_step(
    x: np.ndarray,
    resp: np.ndarray,
    prior_mean: np.ndarray,
    prior_var: np.ndarray,
    concentration: float,
) -> _Posterior:
    """Posterior given responsibilities (C, N, K); priors as scikit-learn's defaults (mean
    precision 1, one degree of freedom, the column's mean and variance)."""
    counts = resp.sum(axis=1) + 10 * np.finfo(np.float64).eps  # (C, K)
    means = np.einsum("cn,cnk->ck", x, resp) / counts
    deviations = (x[:, :, None] - means[:, None, :]) ** 2  # (C, N, K)
    spread = np.einsum("cnk,cnk->ck", deviations, resp) / counts + REG_COVAR
    tails = np.cumsum(counts[:, ::-1], axis=1)[:, -2::-1]  # counts of later components
    beta = concentration + np.hstack([tails, np.zeros((len(counts), 1))])
    mean_precision = 1.0 + counts
    dof = 1.0 + counts
    offset = means - prior_mean[:, None]
    variances = prior_var[:, None] + counts * (spread + offset**2 / mean_precision)
    return _Posterior(
        alpha=1.0 + counts,
        beta=beta,
        mean_precision=mean_precision,
        means=(prior_mean[:, None] + counts * means) / mean_precision,
        dof=dof,
        variances=variances / dof,
    )


def _log_responsibilities(x: np.ndarray, post: _Posterior) -> np.ndarray:
    """E-step: log responsibilities (C, N, K)."""
    digamma_total = digamma(post.alpha + post.beta)
    stick = np.cumsum(digamma(post.beta) - digamma_total, axis=1)[:, :-1]
    log_weights = digamma(post.alpha) - digamma_total + np.hstack([np.zeros((len(x), 1)), stick])
    precision = 1.0 / post.variances  # (C, K)
    squared = (x[:, :, None] - post.means[:, None, :]) ** 2 * precision[:, None, :]
    log_gauss = -0.5 * (math.log(2 * math.pi) + squared) + 0.5 * np.log(precision)[:, None, :]
    log_gauss -= 0.5 * np.log(post.dof)[:, None, :]
    log_lambda = math.log(2.0) + digamma(0.5 * post.dof)
    weighted = (
        log_gauss + (0.5 * (log_lambda - 1.0 / post.mean_precision) + log_weights)[:, None, :]
    )
    return weighted - logsumexp(weighted, axis=2, keepdims=True)


def _lower_bound(post: _Posterior, log_resp: np.ndarray) -> np.ndarray:
    """Evidence lower bound per column, up to scikit-learn's dropped constants: (C,)."""
    log_det = -0.5 * np.log(post.variances) - 0.5 * np.log(post.dof)
    log_wishart = -(post.dof * log_det + post.dof * 0.5 * math.log(2.0) + gammaln(0.5 * post.dof))
    entropy = -(np.exp(log_resp) * log_resp).sum(axis=(1, 2))
    return (
        entropy
        - log_wishart.sum(axis=1)
        + betaln(post.alpha, post.beta).sum(axis=1)
        - 0.5 * np.log(post.mean_precision).sum(axis=1)
    )
