"""The book of products on sale, as the market clears them (MODEL.md, "Products and market"):
their fixed terms as arrays, and the state the market carries from step to step.

While a product is on sale its market state lives here, not on the product: its split of each
segment's buyers, its two markups (API, consumer) and, from the last clearing, its prices,
serving cost and shares (which the recorder and the labs' prices read from here). A product's
own attributes (``TrainedModel.segment_split``, ``lerner``, ``consumer_lerner``) hold its state
as it goes on sale: no buyers yet, or the customers it inherits from a product its lab retires,
and its entry markups.

The book stands while the labs and their lists of products are the same objects (a lab
replaces its list whenever its releases change). In the baseline (~11 labs, ~2.6 releases a
step) a new book is needed in ~7 steps of 8, for a few new products among ~60. Inside a run
each distinct numpy call costs ~5 us, whatever its size (its code is out of the caches; ~1 us
in a tight loop, measured), so a new book is made in five: the rows it shares with the last
book, the new products' values and their splits, one array each, numpy's log of the new
capabilities, and one compiled call (``sim.economics.book_kernel.book_columns``) that lays
them out; building it from every product's attributes took ~12. tests/test_model.py checks,
bit for bit, that this gives what building every book afresh gives.
"""

from __future__ import annotations

import operator

import numpy as np

from sim.economics import compiled
from sim.economics.capability import share_of_tasks_within_reach

# Rows of ``ProductBook.terms``: each product's fixed terms.
PARAMS, MULTIPLIER, OPEN, CAPABILITY, LISTING = range(5)
N_TERMS = 5


class ProductBook:
    """The products on sale in the order the market clears them (lab by lab, each lab's list
    in order), one column (or row) each.

    Fixed while the book stands: ``terms`` (rows PARAMS ... LISTING: parameters, serving
    compute multiplier, 1.0 for open weights, capability in minutes, its number among the
    products ever listed, ``TrainedModel.listing``), ``capability_term`` (products x
    segments), ``rows`` (each product's lab, as its index in ``labs``) and ``deployed`` (each
    lab's most capable product's row, -1 if it sells nothing); to find rows when it is
    replaced: ``blocks`` (each list's rows), ``lab_rows`` (each lab's first row and list) and
    ``listed`` (products listed before it was built: later ones are new to it). Carried from
    clearing to clearing: ``split`` (products x segments) and ``lerner`` (rows: API,
    consumer). Set by each clearing: ``cleared`` (the kernel's per-product rows: prices,
    shares, serving cost; None before the first)."""

    __slots__ = (
        "labs",
        "lists",
        "products",
        "blocks",
        "listed",
        "lab_rows",
        "rows",
        "deployed",
        "terms",
        "any_open",
        "capability_term",
        "within_reach",
        "split",
        "lerner",
        "cleared",
        "_row_of",
    )

    def __init__(self, labs: tuple, lists: tuple, products: list) -> None:
        self.labs = labs
        # The lists hold the products, and the book holds the lists, so no id below is reused
        # while the book stands.
        self.lists = lists
        self.products = products
        self.cleared: np.ndarray | None = None
        self._row_of: dict[int, int] | None = None

    @property
    def params(self) -> np.ndarray:
        return self.terms[PARAMS]

    @property
    def inference_multiplier(self) -> np.ndarray:
        return self.terms[MULTIPLIER]

    @property
    def open_w(self) -> np.ndarray:
        return self.terms[OPEN]

    def is_for(self, labs, lists) -> bool:
        """Whether the book still describes these labs and lists (the same objects)."""
        return _same(labs, self.labs) and _same(lists, self.lists)

    @property
    def row_of(self) -> dict[int, int]:
        """{id(product): row}, made when first needed (a merger, or an exit after the
        clearing: a lab's products are otherwise found by its list's block of rows)."""
        if self._row_of is None:
            self._row_of = {id(p): i for i, p in enumerate(self.products)}
        return self._row_of

    def rows_for(self, lists) -> np.ndarray | slice:
        """Rows of the products of ``lists`` (labs' lists of products, in order): a slice when
        they are the book's own lists, else an index array (a lab left or merged after the
        clearing). Every product must be in the book."""
        if _same(lists, self.lists):
            return slice(0, len(self.products))
        rows: list[int] = []
        for lst in lists:
            block = self.blocks.get(id(lst))
            if block is not None:
                rows.extend(range(block[0], block[1]))
            else:
                row_of = self.row_of
                rows.extend([row_of[id(p)] for p in lst])
        return np.array(rows, dtype=np.intp)

    def split_of(self, product) -> np.ndarray | None:
        """``product``'s split of each segment's buyers: its row here if it is in the book,
        else the one it carries (None if it has had no buyers yet)."""
        row = self.row_of.get(id(product))
        return product.segment_split if row is None else self.split[row]


def splits_of(book: ProductBook | None, products: list, n: int) -> list:
    """The splits of the first ``n`` of ``products`` (a lab's list of products on sale), as
    ``ProductBook.split_of`` gives them; from the list's block of rows when the book has it."""
    block = book.blocks.get(id(products)) if book is not None else None
    if block is not None:
        split = book.split
        return [split[row] for row in range(block[0], block[0] + n)]
    if book is None:
        return [p.segment_split for p in products[:n]]
    return [book.split_of(p) for p in products[:n]]


def _same(these, those) -> bool:
    """Whether two sequences hold the same objects in the same order."""
    return len(these) == len(those) and all(map(operator.is_, these, those))


def build(model, labs: tuple, lists: tuple, previous: ProductBook | None) -> ProductBook | None:
    """The book of the products in ``lists`` (one list per lab of ``labs``; None if nothing
    is on sale), taking the terms and state of the products it shares with ``previous`` (the
    last book, or None) from it; one compiled call gathers them and fills in the new ones."""
    products: list = []
    for ps in lists:
        products += ps
    if not products:
        return None
    book = ProductBook(labs, lists, products)
    # Each product's row in the previous book, -1 if it is new to the market (an unchanged
    # list is a block of rows there; in a changed one, each product is looked up), and its
    # lab's index.
    index: list[int] = []
    lab_of: list[int] = []
    blocks: dict[int, tuple[int, int, int]] = {}
    deployed: list[int] = []
    old_blocks = previous.blocks if previous is not None else {}
    for i, (lab, lst) in enumerate(zip(labs, lists, strict=True)):
        start = len(index)
        block = old_blocks.get(id(lst))
        if block is not None:
            index.extend(range(block[0], block[1]))
            offset = block[2]
        else:
            offset = _offset_of(lst, lab.deployed)
            if previous is None:
                index.extend([-1] * len(lst))
            else:
                index.extend(_rows_in(previous, lab, lst))
        lab_of.extend([i] * len(lst))
        blocks[id(lst)] = (start, len(index), offset)
        deployed.append(start + offset if offset >= 0 else -1)
    book.blocks = blocks
    book.deployed = deployed
    book.listed = len(model.listed)
    book.lab_rows = {
        id(lab): (blocks[id(lst)][0], lst) for lab, lst in zip(labs, lists, strict=True)
    }
    at = np.array([index, lab_of], dtype=np.intp)
    book.rows = at[1]
    fresh = [p for p, r in zip(products, index, strict=True) if r < 0]
    values = np.array(_fresh_values(fresh), dtype=float)
    k = len(model.segments.names)
    if fresh:
        zeros = np.zeros(k)
        splits = np.concatenate(
            [p.segment_split if p.segment_split is not None else zeros for p in fresh]
        )
    else:
        splits = np.zeros(0)
    old = previous if previous is not None else _empty_book(model)
    seg = model.segments
    (
        book.terms,
        book.capability_term,
        book.split,
        book.lerner,
        book.any_open,
        top_capability,
    ) = compiled.kernel("book_kernel").book_columns(
        old.terms,
        old.capability_term,
        old.split,
        old.lerner,
        at,
        values,
        splits,
        np.log(values[CAPABILITY * len(fresh) : (CAPABILITY + 1) * len(fresh)]),
        N_TERMS,
        OPEN,
        CAPABILITY,
        seg.ln_need_minutes,
        seg.capability_preference,
        float(seg.shortfall_penalty),
    )
    m = model.market
    book.within_reach = share_of_tasks_within_reach(
        top_capability, m.task_length_median_minutes, m.task_length_sigma_ln
    )
    return book


def _rows_in(previous: ProductBook, lab, products: list) -> list[int]:
    """The rows in ``previous`` of a lab's changed list of products (-1 for a product put on
    sale since). Its products from before are mostly its own: looked up among its old
    list's rows, not among all (building a lookup of every product took ~25 us, measured)."""
    listed_before = previous.listed
    old = previous.lab_rows.get(id(lab))
    local = {} if old is None else {id(q): old[0] + j for j, q in enumerate(old[1])}
    rows = []
    for p in products:
        if p.listing >= listed_before:
            rows.append(-1)
        else:
            row = local.get(id(p))
            # Not among its own: a product it took over in a merger.
            rows.append(row if row is not None else previous.row_of[id(p)])
    return rows


def _offset_of(products: list, deployed) -> int:
    """Position of ``deployed`` in ``products`` (by identity; -1 if None)."""
    for i, p in enumerate(products):
        if p is deployed:
            return i
    return -1


def _fresh_values(fresh: list) -> list[float]:
    """What ``book_columns`` reads of the products new to the market, end to end: each term
    (PARAMS ... LISTING) of every product, then their markups (API, consumer). A plain list:
    one conversion to an array in all."""
    values = [p.params for p in fresh]
    values += [p.inference_multiplier for p in fresh]
    values += [p.open_weights for p in fresh]
    values += [p.capability for p in fresh]
    values += [p.listing for p in fresh]
    values += [p.lerner for p in fresh]
    values += [p.consumer_lerner for p in fresh]
    return values


def _empty_book(model) -> ProductBook:
    """A book with no products, to build the first one from."""
    book = ProductBook((), (), [])
    k = len(model.segments.names)
    book.terms = np.empty((N_TERMS, 0))
    book.capability_term = np.empty((0, k))
    book.split = np.empty((0, k))
    book.lerner = np.empty((2, 0))
    return book
