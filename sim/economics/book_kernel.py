"""The book of products' compiled work (``sim.phases.product_book``): a new book's columns
gathered from the last book and the new products' values in one call, with the new products'
capability terms in each segment: the same numbers as
``sim.economics.market.capability_utility``, bit for bit (``tests/test_market_kernel.py``).
numba is imported with the first book.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit


@njit(cache=True)
def _capability_term(ln_capability, ln_need, pref, shortfall_penalty):
    """``mkt.capability_utility`` of one product in one segment."""
    reach = ln_capability - ln_need
    # numpy's minimum: the first if it is <= the second or NaN
    short = reach if (reach <= 0.0 or math.isnan(reach)) else 0.0
    return pref * reach + (shortfall_penalty - pref) * short


@njit(cache=True)
def book_columns(
    old_terms,
    old_capability_term,
    old_split,
    old_lerner,
    at,
    fresh,
    fresh_split,
    fresh_ln_capability,
    n_terms,
    open_row,
    capability_row,
    ln_need_minutes,
    capability_preference,
    shortfall_penalty,
):
    """A new book of products (``sim.phases.product_book``) in one call: each product's
    column (row) from the old book's arrays where ``at[0]`` gives its row there, else, in
    order, from ``fresh``, the new products' values laid end to end: ``n_terms`` rows of
    terms and then the markups (API, consumer), one value per new product each, and from
    ``fresh_split``, each new product's split (segments values, end to end); its capability
    terms from ``fresh_ln_capability`` (numpy's log of its capability). Returns the terms
    (n_terms x products), capability terms and splits (products x segments), markups (2 x
    products), whether any is open weights (the row ``open_row`` of the terms) and the largest
    capability (row ``capability_row``)."""
    n = at.shape[1]
    k = ln_need_minutes.shape[0]
    m = fresh_ln_capability.shape[0]
    terms = np.empty((n_terms, n))
    capability_term = np.empty((n, k))
    split = np.empty((n, k))
    lerner = np.empty((2, n))
    j = 0
    for i in range(n):
        r = at[0, i]
        if r >= 0:
            for a in range(n_terms):
                terms[a, i] = old_terms[a, r]
            for s in range(k):
                capability_term[i, s] = old_capability_term[r, s]
                split[i, s] = old_split[r, s]
            lerner[0, i] = old_lerner[0, r]
            lerner[1, i] = old_lerner[1, r]
        else:
            for a in range(n_terms):
                terms[a, i] = fresh[a * m + j]
            for s in range(k):
                capability_term[i, s] = _capability_term(
                    fresh_ln_capability[j],
                    ln_need_minutes[s],
                    capability_preference[s],
                    shortfall_penalty,
                )
                split[i, s] = fresh_split[j * k + s]
            lerner[0, i] = fresh[n_terms * m + j]
            lerner[1, i] = fresh[(n_terms + 1) * m + j]
            j += 1
    any_open = False
    top = terms[capability_row, 0]
    for i in range(n):
        if terms[open_row, i] != 0.0:
            any_open = True
        if terms[capability_row, i] > top:
            top = terms[capability_row, i]
    return terms, capability_term, split, lerner, any_open, top
