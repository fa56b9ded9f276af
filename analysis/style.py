"""One look for every labsim figure: lab colours, structure colours, sizes, fonts, date axes.

Lab colours come from the Okabe-Ito palette (distinguishable with the common forms of colour
blindness), then Paul Tol's "muted" palette for scenarios with more than eight labs, and are
assigned by order of first appearance, so a lab has the same colour in every figure of a run.
Figures are sized for a 6.5-inch text width with 9-point text: at that width the text is the
size of a paper's caption; they stay legible when scaled to a 3.5-inch column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from sim.economics.concentration import STRUCTURES

# Okabe & Ito (2008), without black (kept for annotations) and with yellow last (weak on white).
OKABE_ITO = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)
# Paul Tol's "muted" scheme, for labs nine onwards.
TOL_MUTED = (
    "#332288",
    "#88CCEE",
    "#44AA99",
    "#117733",
    "#999933",
    "#DDCC77",
    "#CC6677",
    "#882255",
    "#AA4499",
)
LAB_PALETTE = OKABE_ITO + TOL_MUTED
GREY = "#777777"
OTHER_LABS = "#BBBBBB"  # labs not highlighted in a crowded run, grouped as "other labs"
OTHER_LABEL = "other labs"
# With more labs than this, the figures colour the most important ones (Okabe-Ito, all
# distinguishable) and draw the rest in grey: 40 colours in one legend cannot be told apart.
MAX_COLORED_LABS = 8

# Market structures from least to most concentrated; a sequential colour-blind-safe ramp
# (Tol's YlOrBr) so "more concentrated" reads as "darker".
STRUCTURE_ORDER = tuple(reversed(STRUCTURES))
STRUCTURE_COLORS = {
    "no_market": "#DDDDDD",
    "competitive": "#FFF7BC",
    "oligopoly": "#FEC44F",
    "concentrated_oligopoly": "#EC7014",
    "duopoly": "#CC4C02",
    "monopoly": "#662506",
}
STRUCTURE_LABELS = {
    "no_market": "no market",
    "competitive": "competitive",
    "oligopoly": "oligopoly",
    "concentrated_oligopoly": "conc. oligopoly",
    "duopoly": "duopoly",
    "monopoly": "monopoly",
}

# Training methods: marker and line style (lineage edges) per method.
# inference_scaling: a thinking tier, the same weights as its parent with more serving compute.
METHOD_MARKERS = {
    "scratch": "o",
    "warm_start": "^",
    "distilled": "v",
    "imitation": "s",
    "inference_scaling": "d",
}
METHOD_LINESTYLES = {
    "scratch": "-",
    "warm_start": "-",
    "distilled": ":",
    "imitation": "--",
    "inference_scaling": "-.",
}
METHOD_LABELS = {
    "scratch": "from scratch",
    "warm_start": "warm start",
    "distilled": "distilled",
    "imitation": "imitation",
    "inference_scaling": "thinking tier",
}
# Products made from a trained model without a run of its own: leaves of the lineage.
PRODUCT_METHODS = ("distilled", "inference_scaling")
EVENT_MARKERS = {
    "entry": "^",
    "exit": "X",
    "merger": "D",
    "acquisition": "D",
    "wake_up": "*",
    "hardware_shock": "v",
    "compute_cap": "s",
    "funding_shock": "P",
}

WIDTH_IN = 6.5
FONT_PT = 9
DPI = 200  # saved PNGs: 1,300 pixels across a 6.5-inch figure, sharp in print and on screen
RC = {
    "font.size": FONT_PT,
    "axes.titlesize": FONT_PT + 1,
    "axes.labelsize": FONT_PT,
    "xtick.labelsize": FONT_PT - 1,
    "ytick.labelsize": FONT_PT - 1,
    "legend.fontsize": FONT_PT - 1,
    "legend.frameon": False,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#E5E5E5",
    "grid.linewidth": 0.6,
    "lines.linewidth": 1.6,
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "savefig.bbox": "tight",
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}


def lab_colors(labs: Iterable[str], highlighted: Iterable[str] | None = None) -> dict[str, str]:
    """Colour per lab, by order of first appearance in ``labs``. With ``highlighted``, only
    those labs get palette colours (still in order of appearance) and the others
    ``OTHER_LABS`` grey; without it, the palette cycles past 17 labs."""
    keep = None if highlighted is None else set(highlighted)
    colors: dict[str, str] = {}
    n = 0
    for lab in labs:
        if not lab or lab in colors:
            continue
        if keep is None or lab in keep:
            colors[lab] = LAB_PALETTE[n % len(LAB_PALETTE)]
            n += 1
        else:
            colors[lab] = OTHER_LABS
    return colors


def pretty(name: str) -> str:
    """A parameter or column name as an axis label: the last two path parts, spaces."""
    parts = str(name).split(".")
    return " ".join(parts[-2:]).replace("_", " ")


@contextmanager
def figure_style():
    """Apply labsim's rcParams (the backend is left alone: it is the caller's choice)."""
    import matplotlib.pyplot as plt

    with plt.rc_context(RC):
        yield


def format_date_axis(ax) -> None:
    """Dates on the x axis as years (or year-months for short spans), never overlapping."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))


def fig_legend(fig, handles: Sequence, labels: Sequence[str], ncol: int | None = None, **kw):
    """A legend in rows under the figure's axes (constrained layout makes room), so it
    never covers data; as many columns as fit the figure's width."""
    longest = max((len(str(label)) for label in labels), default=1)
    # about 100 characters of 8 pt text fit in 6.5 inches; each entry adds a handle and a gap
    fit = max(1, int(100 * fig.get_figwidth() / WIDTH_IN) // (longest + 7))
    ncol = min(ncol or len(labels), fit, len(labels)) or 1
    return fig.legend(handles, labels, loc="outside lower center", ncol=ncol, frameon=False, **kw)
