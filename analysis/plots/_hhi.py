"""The HHI bands of the structure labels, shaded and labelled, shared by the run and sweep
concentration figures. The thresholds come from ``sim.economics.concentration``, so a change
there moves the figures too."""

from __future__ import annotations

import numpy as np

from analysis import style
from analysis.plots._axes import thousands
from sim.economics.concentration import (
    HIGHLY_CONCENTRATED_HHI,
    MODERATELY_CONCENTRATED_HHI,
    MONOPOLY_CR1,
)

HHI_MAX = 10000.0
# A firm with share CR1 alone contributes 10,000 * CR1^2 to the HHI, so no market labelled a
# monopoly (CR1 >= 0.7) has an HHI below this line.
MONOPOLY_HHI_FLOOR = HHI_MAX * MONOPOLY_CR1**2


def draw_hhi_thresholds(ax) -> list:
    """Shade the HHI bands of the structure labels and label them at the right edge.

    Returns the label artists (for tests and layout)."""
    bands = (
        (0.0, MODERATELY_CONCENTRATED_HHI, "competitive"),
        (MODERATELY_CONCENTRATED_HHI, HIGHLY_CONCENTRATED_HHI, "oligopoly"),
        (HIGHLY_CONCENTRATED_HHI, HHI_MAX, "concentrated_oligopoly"),
    )
    for low, high, structure in bands:
        ax.axhspan(low, high, color=style.STRUCTURE_COLORS[structure], alpha=0.3, lw=0, zorder=0)
    for level in (MODERATELY_CONCENTRATED_HHI, HIGHLY_CONCENTRATED_HHI):
        ax.axhline(level, color=style.GREY, lw=0.8, zorder=1, gid="threshold")
    ax.axhline(MONOPOLY_HHI_FLOOR, color="#662506", lw=0.9, ls="--", zorder=1, gid="threshold")
    trans = ax.get_yaxis_transform()
    labels = [
        (MODERATELY_CONCENTRATED_HHI / 2, f"competitive < {MODERATELY_CONCENTRATED_HHI:,.0f}"),
        (
            (MODERATELY_CONCENTRATED_HHI + HIGHLY_CONCENTRATED_HHI) / 2,
            f"oligopoly {MODERATELY_CONCENTRATED_HHI:,.0f}-{HIGHLY_CONCENTRATED_HHI:,.0f}",
        ),
        (
            (HIGHLY_CONCENTRATED_HHI + MONOPOLY_HHI_FLOOR) / 2,
            f"highly concentrated\n≥ {HIGHLY_CONCENTRATED_HHI:,.0f}",
        ),
        (
            MONOPOLY_HHI_FLOOR,
            f"monopoly floor {MONOPOLY_HHI_FLOOR:,.0f}\n(top share {MONOPOLY_CR1:.0%})",
        ),
    ]
    artists = []
    for k, (y, text) in enumerate(labels):
        artists.append(
            ax.text(
                1.01,
                y,
                text,
                transform=trans,
                # the monopoly label sits above its line, clear of the band label below it
                va="bottom" if k == len(labels) - 1 else "center",
                ha="left",
                fontsize=style.FONT_PT - 1.5,
                color="#333333",
                clip_on=False,
                gid="threshold-label",
            )
        )
    # a little headroom so a monopoly's HHI of 10,000 is not hidden under the frame
    ax.set_ylim(0, HHI_MAX * 1.03)
    ax.set_yticks(np.arange(0, HHI_MAX + 1, 2000))
    ax.set_ylabel("HHI (0-10,000)")
    ax.yaxis.set_major_formatter(thousands())
    return artists
