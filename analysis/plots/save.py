"""Writing figures to files."""

from __future__ import annotations

from pathlib import Path

from analysis.io import load
from analysis.plots._axes import pyplot
from analysis.plots.kinds import concentration_figure


def use_file_backend() -> None:
    """Select Agg, which draws to files and needs no display. For commands only (``labsim
    plot``, ``report``, ``run --plot``, ``sensitivity``), before they draw: the figure
    functions themselves never change the backend, so a notebook keeps its inline plots."""
    import matplotlib

    matplotlib.use("Agg")


def save_figure(fig, path: str | Path, format: str | None = None) -> Path:
    """Save ``fig`` to ``path`` (suffix from ``format`` if given) and close it."""
    plt = pyplot()
    path = Path(path)
    if format:
        path = path.with_suffix("." + format)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format=path.suffix.lstrip(".") or "png")
    plt.close(fig)
    return path


def save_concentration_figure(run_dir: str | Path, out: str | Path | None = None) -> Path:
    """Write the concentration figure of a run (or sweep) directory and return its path.

    ``out`` is a file path (its suffix sets the format) or a folder; by default
    ``run_dir/plots/concentration.png``."""
    run_dir = Path(run_dir)
    if out is None:
        target = run_dir / "plots" / "concentration.png"
    else:
        out = Path(out)
        target = out if out.suffix else out / "concentration.png"
    fig = concentration_figure(load(run_dir))
    return save_figure(fig, target)
