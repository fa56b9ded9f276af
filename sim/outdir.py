"""Output folders: when a command may write into one, and what ``--overwrite`` clears.

A run written over another run mixed them: Parquet tables from one beside CSV tables from
the other, and ``labsim plot``/``report`` read the stale file under the new seed's label. So
a command writes only into a folder that is missing, empty, or holds nothing but what the
same command wrote before, and then only with ``--overwrite``, which first deletes those
files. A folder with anything else in it (a sweep, a user's notes) is refused even with
``--overwrite``: labsim never deletes files it did not write.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sim.scenario import ScenarioError

RUN_TABLES = ("timeseries", "labs", "models", "events", "products")
NAME_MAX = 255  # bytes in one path component on Linux, macOS and Windows file systems
FOLDER_NAME_MAX = 100  # a default folder's name, before its -sSEED suffix


def folder_name(name: str, fallback: str = "unnamed") -> str:
    """A scenario's or sweep's free-text ``name`` as one harmless folder name: letters,
    digits, ``_ . -`` (every other run of characters becomes ``-``), no leading dots or
    dashes, at most ``FOLDER_NAME_MAX`` characters. ``../../x`` and ``/tmp/x`` both become
    ``x``: a default output folder always lies inside ``runs/`` or ``sweeps/``."""
    safe = re.sub(r"[^A-Za-z0-9_.\-]+|\.{2,}", "-", name)
    safe = re.sub(r"-{2,}", "-", safe).strip(".-")[:FOLDER_NAME_MAX].strip(".-")
    return safe or fallback


def check_writable(folder: str | Path, option: str = "--out") -> None:
    """Refuse, with one line naming ``option``, a folder that cannot be made: a name longer
    than the file system allows, a file where a parent folder should be, or a parent that
    cannot be written. Writes nothing (a probe folder is made and removed at once)."""
    import tempfile

    folder = Path(folder)
    long = [part for part in folder.parts if len(part.encode("utf-8")) > NAME_MAX]
    if long:
        raise ScenarioError(
            [
                f"{option} {folder}: a name in it has {len(long[0])} characters; at most "
                f"{NAME_MAX} are allowed"
            ]
        )
    parent = folder
    while not parent.exists():
        if parent.is_symlink():
            raise ScenarioError([f"{option} {folder}: {parent} is a broken link"])
        if parent == parent.parent:
            break
        parent = parent.parent
    if folder.exists() and not folder.is_dir():
        raise ScenarioError([f"{option} {folder}: exists and is not a folder; choose another"])
    if not parent.is_dir():
        raise ScenarioError(
            [f"{option} {folder}: {parent} is a file, not a folder; choose another {option}"]
        )
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".labsim-probe-", dir=parent))
    except OSError as exc:
        raise ScenarioError(
            [f"{option} {folder}: cannot write in {parent} ({exc.strerror}); choose another"]
        ) from None


FIGURE_SUFFIXES = (".png", ".svg", ".pdf")


@dataclass(frozen=True)
class FolderKind:
    """What one command writes into its folder: ``files`` by name, plus figures under
    ``plots/`` named after ``figure_stems``."""

    what: str  # "run", "calibration check": for messages
    files: frozenset[str]
    figure_stems: frozenset[str] = frozenset()


def run_folder_kind() -> FolderKind:
    """A run directory: ``labsim run`` and ``RunResult.save``, plus ``labsim plot`` and
    ``labsim report`` output kept inside it."""
    from analysis.cli import FIGURE_STEMS  # the figure names `labsim plot` writes; argparse only

    tables = {f"{name}{suffix}" for name in RUN_TABLES for suffix in (".csv", ".parquet")}
    files = tables | {"scenario.resolved.yaml", "lineage.json", "meta.json", "report.html"}
    return FolderKind("run", frozenset(files), frozenset(FIGURE_STEMS))


CHECK_FOLDER = FolderKind(
    "calibration check", frozenset({"calibration.csv", "calibration.md", "heldout.csv"})
)


def _is_run_meta(path: Path) -> bool:
    """A run's ``meta.json`` (a sweep's has a ``sweep`` key; anything else is not ours)."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and "seed" in meta and "scenario" in meta and "sweep" not in meta


def _foreign(folder: Path, kind: FolderKind) -> list[Path]:
    """Entries of ``folder`` (and of its ``plots/``) that ``kind``'s command did not write."""
    out = []
    for entry in sorted(folder.iterdir()):
        if entry.name == "plots" and entry.is_dir() and kind.figure_stems:
            out += [f for f in sorted(entry.iterdir()) if not _is_our_figure(f, kind)]
        elif not _is_our_file(entry, kind):
            out.append(entry)
    return out


def _is_our_figure(path: Path, kind: FolderKind) -> bool:
    return path.is_file() and path.suffix in FIGURE_SUFFIXES and path.stem in kind.figure_stems


def _is_our_file(path: Path, kind: FolderKind) -> bool:
    if not (path.is_file() and path.name in kind.files):
        return False
    return path.name != "meta.json" or _is_run_meta(path)


def _describe(folder: Path, kind: FolderKind) -> str:
    meta = folder / "meta.json"
    if kind.what == "run" and meta.exists():
        data = json.loads(meta.read_text(encoding="utf-8"))
        return f"a run ({data.get('scenario')}, seed {data.get('seed')}, {data.get('format')})"
    return f"a {kind.what}"


def claim_folder(folder: str | Path, kind: FolderKind, overwrite: bool, *, clear: bool) -> None:
    """Refuse ``folder`` unless it is missing, empty, or (with ``overwrite``) holds only
    ``kind``'s own files; with ``clear``, delete those files so nothing stale remains.

    Raises ``ScenarioError`` with one line naming the folder and what to do. Call it with
    ``clear=False`` before a long computation (to fail fast, writing nothing) and with
    ``clear=True`` just before writing."""
    folder = Path(folder)
    check_writable(folder)
    if not folder.exists():
        return
    entries = list(folder.iterdir())
    if not entries:
        return
    foreign = _foreign(folder, kind)
    if foreign:
        sweep = any(e.name in ("sweep.resolved.yaml", "runs.parquet") for e in entries)
        held = "a sweep" if sweep else f"files that are not a {kind.what}'s (e.g. {foreign[0]})"
        raise ScenarioError(
            [
                f"{folder}: holds {held}; choose another --out "
                f"(--overwrite deletes only a {kind.what}'s own files)"
            ]
        )
    if not overwrite:
        raise ScenarioError(
            [
                f"{folder}: already holds {_describe(folder, kind)}; pass --overwrite to "
                "replace it, or choose another --out"
            ]
        )
    if clear:
        _delete(entries)


def _delete(entries: Iterable[Path]) -> None:
    for entry in entries:
        if entry.is_dir():
            shutil.rmtree(entry)  # plots/: every file in it was checked to be ours
        else:
            entry.unlink()
