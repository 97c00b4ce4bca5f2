"""Exactly n rows of a class through its rejection filter (``gan.rejection``).

Candidates are drawn in batches and each is kept with its acceptance probability, in draw order;
once the draw budget is spent, the rejected rows most likely to be kept fill what is missing.
Scoring is the cost of a draw, so it is spent only where it can change the outcome: a batch is
scored in chunks until enough rows are kept (later rows would never be used), and the
class-consistency trees score a row only where the rejection part alone would keep it, or where
its score could still place it among the rejected rows that fill in.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import torch

from rebalance.gan.rejection import ClassFilter, Draw

MIN_BATCH = 256  # candidates per draw, at least
MAX_BATCH = 1 << 20  # and at most: a draw is decoded whole, so this bounds its memory
SCAN_ROWS = 65_536  # candidates encoded and scored at a time

Encode = Callable[[pd.DataFrame], np.ndarray]
Reserve = list[tuple[pd.DataFrame, np.ndarray]]  # rejected rows that may fill in, and scores


def filtered_rows(
    filt: ClassFilter, draw: Draw, encode: Encode, n: int, rng: torch.Generator, max_draws: float
) -> pd.DataFrame:
    """Exactly n accepted rows, drawn in batches of at most ``MAX_BATCH`` candidates; once
    ``max_draws * n`` candidates are spent, the rejected rows most likely to be kept fill
    what is missing. Memory stays bounded by the batch and by n: of the rejected rows, only
    as many as are still missing are kept (the best, in the order they would be used)."""
    if n == 0:
        return draw(0, 0)
    budget = max(int(np.ceil(max_draws * n)), n)
    kept: list[pd.DataFrame] = []
    reserve: Reserve = []
    drawn = accepted = rounds = 0
    while accepted < n and drawn < budget:
        wanted = int(np.ceil((n - accepted) / max(filt.rate, 1e-3) * 1.2))
        size = min(max(wanted, MIN_BATCH), MAX_BATCH, budget - drawn)
        batch = draw(size, rounds)
        log_u = np.log(torch.rand(size, generator=rng, dtype=torch.float64).numpy())
        keep, scored = _scan(filt, batch, encode, log_u, n - accepted)
        accepted += int(keep.sum())
        missing = max(n - accepted, 0)  # if any, the batch was scored whole
        log_p = scored.rejected_log_accept(filt, keep, reserve, missing) if missing else None
        del scored  # the batch's encoded rows, before its rows are copied below
        kept.append(batch[keep])
        drawn += size
        rounds += 1
        reserve = _prune([*reserve, (batch[~keep], log_p)], missing) if log_p is not None else []
    rows = pd.concat(kept, ignore_index=True).iloc[:n]
    if len(rows) < n:  # the best rejected rows, best first, ties in the order drawn
        pool = pd.concat([frame for frame, _ in reserve], ignore_index=True)
        order = np.argsort(-np.concatenate([p for _, p in reserve]), kind="stable")
        rows = pd.concat([rows, pool.iloc[order[: n - len(rows)]]], ignore_index=True)
    return rows


class _Scored:
    """The scored prefix of a batch: encoded rows, the rejection part of their log acceptance
    (an upper bound of it) and, where computed, the whole log acceptance."""

    def __init__(self) -> None:
        self.features: list[np.ndarray] = []  # (chunk, columns) each
        self.bounds: list[np.ndarray] = []  # (chunk,) each
        self.log_p: list[np.ndarray] = []  # (chunk,) each, read only where known
        self.known: list[np.ndarray] = []  # (chunk,) bool each: log_p computed

    def rejected_log_accept(
        self, filt: ClassFilter, keep: np.ndarray, reserve: Reserve, count: int
    ) -> np.ndarray:
        """(rejected,) log acceptance of the (wholly scanned) batch's rejected rows, exact
        wherever it can matter; -inf for rows that can never be chosen. The unscored rows are
        taken in chunks, highest bound first, until a chunk's highest bound is below the
        ``count``-th best exact score known so far (the reserve's and this batch's): then no
        row left can be among the ``count`` best."""
        bound, log_p = np.concatenate(self.bounds), np.concatenate(self.log_p)
        known = np.concatenate(self.known)
        rejected = ~keep
        unknown = np.flatnonzero(rejected & ~known)
        unknown = unknown[np.argsort(-bound[unknown])]  # highest bound first
        best = _highest([*(p for _, p in reserve), log_p[rejected & known]], count)
        step = min(SCAN_ROWS, max(count, MIN_BATCH))  # about as many as can still be chosen
        for begin in range(0, len(unknown), step):
            chunk = unknown[begin : begin + step]
            floor = best[0] if len(best) == count else -np.inf  # the count-th best known
            if bound[chunk[0]] < floor:  # and so are the rows after: none can be chosen
                break
            log_p[chunk] = filt.refined(self.rows(chunk), bound[chunk])
            known[chunk] = True
            best = _highest([best, log_p[chunk]], count)
        return np.where(known[rejected], log_p[rejected], -np.inf)

    def rows(self, index: np.ndarray) -> np.ndarray:
        """(len(index), columns) the encoded rows at ``index`` (positions in the batch), read
        from the chunks in place: the batch's rows are never copied whole."""
        chunk, offset = np.divmod(index, SCAN_ROWS)  # every chunk but the last is full
        first = self.features[0]
        rows = np.empty((len(index), first.shape[1]), dtype=first.dtype)
        for k in np.unique(chunk):
            at = chunk == k
            rows[at] = self.features[k][offset[at]]
        return rows


def _scan(
    filt: ClassFilter, batch: pd.DataFrame, encode: Encode, log_u: np.ndarray, wanted: int
) -> tuple[np.ndarray, _Scored]:
    """(size,) which rows of ``batch`` are kept (log u < log acceptance), scored in chunks
    until ``wanted`` are kept (False after that), and the scores of the scanned rows."""
    keep = np.zeros(len(batch), dtype=bool)
    scored = _Scored()
    accepted = begin = 0
    while begin < len(batch) and accepted < wanted:
        end = min(begin + SCAN_ROWS, len(batch))
        features = encode(batch.iloc[begin:end])  # (chunk, columns)
        bound = filt.log_bound(features)
        log_p = np.full(end - begin, -np.inf)
        maybe = np.flatnonzero(log_u[begin:end] < bound)  # the rest is rejected whatever else
        log_p[maybe] = filt.refined(features[maybe], bound[maybe])
        known = np.zeros(end - begin, dtype=bool)
        known[maybe] = True
        keep[begin + maybe] = log_u[begin + maybe] < log_p[maybe]
        accepted += int(keep[begin:end].sum())
        scored.features.append(features)
        scored.bounds.append(bound)
        scored.known.append(known)
        scored.log_p.append(log_p)
        begin = end
    return keep, scored


def _highest(scores: list[np.ndarray], count: int) -> np.ndarray:
    """The ``count`` highest of the scores (all if fewer), lowest first; NaN counts as -inf
    (the fill-in's sort puts it last), which can only lower the floor read from it."""
    joined = np.concatenate(scores)
    joined = np.where(np.isnan(joined), -np.inf, joined)
    if len(joined) > count:
        joined = np.partition(joined, len(joined) - count)[len(joined) - count :]
    return np.sort(joined)


def _prune(reserve: Reserve, count: int) -> Reserve:
    """Each kept-aside batch keeps only its rows among the ``count`` best of all (a stable
    sort: what sorting every rejected row at the end picks). Batches are joined once, at the
    end, so the kept-aside rows (up to n) are not copied again every round."""
    scores = np.concatenate([p for _, p in reserve])
    if len(scores) <= count:
        return reserve
    best = np.zeros(len(scores), dtype=bool)
    best[np.argsort(-scores, kind="stable")[:count]] = True
    pruned, start = [], 0
    for frame, p in reserve:
        mask = best[start : start + len(p)]
        start += len(p)
        pruned.append((frame[mask], p[mask]))
    return pruned
