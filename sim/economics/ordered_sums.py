"""Sums compiled with numba that add in numpy's order, so that compiled code gives the same
numbers, bit for bit, as the numpy it replaces (``sim.economics.market_kernel``).

numpy sums a contiguous run of terms pairwise (``pairwise_sum`` in numpy's loops_utils.h): a
plain loop below 8 terms, 8 accumulators up to 128, the two halves summed alike above; and a
reduction starts from the identity 0.0. Reductions across rows and ``np.bincount`` add one by
one, which a loop does anyway.

``total`` and ``gather_total`` are inlined where they are called (numba's inline="always")
and ``total`` adds fewer than 8 terms itself: a call to a compiled function that takes an
array counts references around it, which made the market's ``settle`` half again as slow
(12 against 7.5 us for 60 products, measured). Inlining the pairwise sum too took the first
compilation from ~3 s to ~19 s for no further gain.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _block(a, lo, n):
    """numpy's pairwise sum of a[lo:lo + n] for n <= 128 (``pairwise_sum`` in numpy's
    loops_utils.h): a plain loop below 8 terms, else 8 accumulators."""
    if n < 8:
        res = -0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    r0 = a[lo]
    r1 = a[lo + 1]
    r2 = a[lo + 2]
    r3 = a[lo + 3]
    r4 = a[lo + 4]
    r5 = a[lo + 5]
    r6 = a[lo + 6]
    r7 = a[lo + 7]
    i = 8
    end = n - n % 8
    while i < end:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def pairwise(a, lo, n):
    """numpy's pairwise sum of a[lo:lo + n]: above 128 terms, the sum of the two halves (the
    first a multiple of 8 long), each summed the same way. numpy recurses; this walks the same
    tree with a stack, as numba's cache does not load recursive functions safely."""
    if n <= 128:
        return _block(a, lo, n)
    frames = np.empty((64, 3), np.int64)  # lo, n, halves done; depth < 64 for any n
    results = np.empty(64)
    frames[0, 0] = lo
    frames[0, 1] = n
    frames[0, 2] = 0
    depth = 1
    done = 0
    while depth > 0:
        f = depth - 1
        start = frames[f, 0]
        size = frames[f, 1]
        if size <= 128:
            results[done] = _block(a, start, size)
            done += 1
            depth -= 1
            continue
        half = size // 2
        half -= half % 8
        stage = frames[f, 2]
        frames[f, 2] = stage + 1
        if stage == 0:
            frames[depth, 0] = start
            frames[depth, 1] = half
            frames[depth, 2] = 0
            depth += 1
        elif stage == 1:
            frames[depth, 0] = start + half
            frames[depth, 1] = size - half
            frames[depth, 2] = 0
            depth += 1
        else:
            done -= 1
            results[done - 1] = results[done - 1] + results[done]
            depth -= 1
    return results[0]


@njit(cache=True, inline="always")
def total(a, n):
    """``a[:n].sum()`` as numpy sums it: the identity 0.0 plus the pairwise sum (taking no
    view: a view inside a loop costs more than the sum of a few terms)."""
    if n < 8:  # numpy's plain loop, here without a call
        res = -0.0
        for i in range(n):
            res += a[i]
        return 0.0 + res
    return 0.0 + pairwise(a, 0, n)


@njit(cache=True, inline="always")
def gather_total(values, columns, buffer):
    """``values[columns].sum()`` as numpy sums a slice (``buffer``: scratch, long enough)."""
    n = columns.shape[0]
    for j in range(n):
        buffer[j] = values[columns[j]]
    return total(buffer, n)
