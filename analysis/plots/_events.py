"""The events strip of the market-shares figure: markers shaped by event type and coloured by
lab, with labels laid out in rows so that they never overlap."""

from __future__ import annotations

import pandas as pd

from analysis import style
from analysis.plots._axes import strip_axes

MAX_EVENT_LABELS = 14  # above this, events are shown as markers with a legend only


def event_label(row) -> str:
    kind = str(row.type)
    lab = str(row.lab) if row.lab == row.lab else ""
    detail = str(row.detail) if row.detail == row.detail else ""
    verbs = {"entry": "enters", "exit": "exits"}
    if kind in verbs and lab:
        text = f"{lab} {verbs[kind]}"
    else:
        text = kind.replace("_", " ") + (f": {lab}" if lab else "")
    if detail and len(detail) <= 24:
        text += f" ({detail})"
    return text


def event_layout(events: pd.DataFrame, t_min, t_max) -> list[tuple[int, str, str]]:
    """(row, alignment, text) for each event label so that labels do not overlap: a label
    goes right of its marker, or left of it near the right edge, in the first free row."""
    span_days = max((t_max - t_min) / pd.Timedelta(days=1), 1.0)
    char = 0.0095  # one 7.5 pt character as a fraction of a 6-inch axis (measured)
    row_end: list[float] = []
    out = []
    for row in events.itertuples(index=False):
        text = event_label(row)
        x = (row.time - t_min) / pd.Timedelta(days=1) / span_days
        width = char * (len(text) + 2)
        if x + width <= 1.0:
            left, right, align = x, x + width, "left"
        else:
            left, right, align = x - width, x, "right"
        level = next((r for r, end in enumerate(row_end) if end < left), len(row_end))
        if level == len(row_end):
            row_end.append(right)
        else:
            row_end[level] = right
        out.append((level, align, text))
    return out


def event_strip(ax, events: pd.DataFrame, colors: dict[str, str], layout, rows: int) -> None:
    """Events as markers (shape by type, colour by lab), labelled in the rows ``layout``
    assigns, or markers only when there are too many to label."""
    strip_axes(ax, "events")
    if events.empty:
        ax.text(
            0.5,
            0.5,
            "no entries, exits, mergers or shocks",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=style.FONT_PT - 1.5,
            color=style.GREY,
        )
        return
    for k, row in enumerate(events.itertuples(index=False)):
        color = colors.get(row.lab, "#333333")
        marker = style.EVENT_MARKERS.get(row.type, "o")
        if not layout:
            ax.plot(row.time, 0.5, ls="none", marker=marker, color=color, ms=6, gid="event-marker")
            continue
        level, align, text = layout[k]
        y = 1 - (level + 0.5) / rows
        ax.plot(row.time, y, ls="none", marker=marker, color=color, ms=5, gid="event-marker")
        ax.text(
            row.time,
            y,
            f"  {text}  ",
            ha=align,
            va="center",
            fontsize=style.FONT_PT - 1.5,
            gid="event-label",
        )
