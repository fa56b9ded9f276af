"""A sweep folder's identity: which sweep it holds (``sweep.resolved.yaml`` with the design's
digest), how far it got (``meta.json``), and whether a command may use it.

``--resume`` compares the design itself, the ordered parameter sets and seeds, not the
sweep file's text: two parameters swapped in the file compare equal as YAML mappings but
give every run_id different values.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from sim.scenario import ScenarioError


def design_digest(
    names: Iterable[str], values: Iterable[Iterable[Any]], reps: int, seed: int
) -> str:
    """SHA-256 of the design itself: the ordered parameter names, every point's values in
    run order, the replications and the seed (from which every run's seed follows). Two
    sweeps with one digest give every run_id the same parameters and seed."""
    h = hashlib.sha256()
    h.update(json.dumps([list(names), int(reps), int(seed)]).encode())
    for point in values:
        h.update(json.dumps(list(point), sort_keys=True, default=repr).encode())
        h.update(b"\n")
    return h.hexdigest()


def _load_yaml_file(path: Path) -> dict[str, Any] | None:
    """A YAML mapping, or None if the file is missing, unreadable or damaged."""
    from sim.yamlio import load_yaml_text

    try:
        data = load_yaml_text(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def check_out_dir(out: Path, resolved_text: str, resume: bool) -> str:
    """'new', 'resume' or 'complete'; refuses to mix two different sweeps in one folder.

    The comparison is of the design (``design_sha256``: the ordered parameter sets and
    seeds) and of everything else the runs depend on (base scenario, recorded columns), so
    two parameters swapped in the file are a different sweep even though the file's mapping
    compares equal. A damaged ``sweep.resolved.yaml`` is rewritten when ``meta.json`` still
    vouches for the same design; otherwise the folder is refused."""
    from sim.outdir import check_writable

    check_writable(out)
    resolved_file = out / "sweep.resolved.yaml"
    if not resolved_file.exists():
        if out.exists() and any(out.iterdir()):
            raise ScenarioError([f"{out}: folder exists and is not a sweep; choose another --out"])
        return "new"
    if not resume:
        raise ScenarioError(
            [f"{out}: already holds a sweep; pass --resume to finish it, or choose another --out"]
        )
    new = yaml.safe_load(resolved_text)
    old = _load_yaml_file(resolved_file)
    if old is None or set(new) - set(old):  # unreadable, or cut short (keys missing)
        if read_meta(out).get("design_sha256") != new["design_sha256"]:
            raise ScenarioError(
                [
                    f"{resolved_file}: damaged (or written by an older labsim), and meta.json "
                    "does not name this sweep's design; cannot tell which sweep the folder "
                    "holds: choose another --out"
                ]
            )
        resolved_file.write_text(resolved_text, encoding="utf-8")  # meta.json vouches for it
    elif old != new:
        changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        if changed == ["design_sha256"] or (
            "design_sha256" in old and set(changed) <= {"design_sha256", "parameters"}
        ):
            changed = ["the design: parameters' order or values"]
        raise ScenarioError(
            [
                f"{out}: the sweep changed since it was started ({', '.join(changed)} differ); "
                "resume with the same sweep file and --set values, or choose another --out"
            ]
        )
    if read_meta(out).get("status") == "complete":
        return "complete"
    return "resume"


def read_meta(out: Path) -> dict[str, Any]:
    """``meta.json``, or {} if it is missing or damaged (it is rewritten as the sweep goes)."""
    try:
        meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return meta if isinstance(meta, dict) else {}


def write_meta(out: Path, meta: dict[str, Any]) -> None:
    """Replace ``meta.json`` atomically: a crash leaves the old one or the new one, whole."""
    tmp = out / "meta.json.tmp"
    tmp.write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out / "meta.json")
