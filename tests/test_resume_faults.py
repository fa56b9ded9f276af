"""Resume after every kind of damage: the result is the uninterrupted sweep's, or a clear
refusal; never a silently wrong or short "complete".

Each case starts from a sweep interrupted after six of its twelve runs (one part per run),
damages it, resumes it, and compares the result with a sweep that was never interrupted.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

from sim.cli import main
from sim.scenario import ScenarioError
from sim.sweep import load_sweep, run_sweep
from sim.sweep.backends import WorkerLost
from sim.sweep.evaluate import Evaluator
from sim.sweep.store import SweepIncomplete

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
PARAMETERS = {"mechanisms.warm_start.kappa": [0.1, 0.5], "market.inertia": [0.8, 0.9, 0.95]}
N_RUNS = 12


def write_spec(folder: Path, parameters: dict | None = None, name: str = "faults") -> Path:
    spec = {
        "name": name,
        "base": str(BASELINE),
        "set": {"end": "2021-07"},
        "parameters": parameters or PARAMETERS,
        "replications": 2,
        "seed": 3,
        "record": {"every_steps": 6},
    }
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def read_sorted(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    runs = pd.read_parquet(out / "runs.parquet").sort_values("run_id", ignore_index=True)
    ts = pd.read_parquet(out / "timeseries.parquet")
    return runs, ts.sort_values(["run_id", "step"], ignore_index=True)


class _StopsAt(Evaluator):
    """Ctrl-C arrives just before run ``stop``."""

    stop = 6

    def __call__(self, task):
        if task.run_id == self.stop:
            raise KeyboardInterrupt
        return super().__call__(task)


def _sweep(spec: Path, out: Path, **kw):
    return run_sweep(load_sweep(spec), out, jobs=1, progress=False, flush_seconds=0, **kw)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = tmp_path_factory.mktemp("reference")
    result = _sweep(write_spec(folder), folder / "out")
    assert result.succeeded == N_RUNS
    return read_sorted(folder / "out")


@pytest.fixture(scope="module")
def interrupted_template(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    spec = write_spec(folder)
    sweep = load_sweep(spec)
    stopping = _StopsAt(sweep.base_raw, sweep.spec.record.columns, sweep.spec.record.every_steps)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(
            sweep, folder / "out", jobs=1, progress=False, flush_seconds=0, evaluator=stopping
        )
    return folder / "out"


@pytest.fixture
def partial(tmp_path, interrupted_template) -> tuple[Path, Path]:
    """(sweep file, sweep folder) of a sweep interrupted after runs 0-5, one part each."""
    out = tmp_path / "out"
    shutil.copytree(interrupted_template, out)
    assert len(list((out / ".parts").glob("runs-*.parquet"))) == 6
    return write_spec(tmp_path), out


def _part(out: Path, n: int, kind: str = "runs") -> Path:
    return out / ".parts" / (f"{kind}-{n:06d}.parquet" if kind != "manifest" else f"{n:06d}.json")


def _resume_matches(spec: Path, out: Path, reference, capsys=None, done_before: int | None = None):
    result = _sweep(spec, out, resume=True)
    assert result.complete and result.succeeded == N_RUNS
    if done_before is not None:
        assert result.done_before == done_before
    runs, ts = read_sorted(out)
    pd.testing.assert_frame_equal(runs, reference[0])
    pd.testing.assert_frame_equal(ts, reference[1])
    assert json.loads((out / "meta.json").read_text())["status"] == "complete"
    return capsys.readouterr().err if capsys else ""


# ------------------------------------------------------------------ the design


def test_swapped_parameters_are_a_different_design(tmp_path, partial):
    _, out = partial
    swapped = write_spec(tmp_path, dict(reversed(list(PARAMETERS.items()))), name="swapped")
    with pytest.raises(ScenarioError, match="design"):
        run_sweep(load_sweep(swapped), out, jobs=1, progress=False, resume=True)


def test_reordered_values_are_a_different_design(tmp_path, partial):
    _, out = partial
    params = {**PARAMETERS, "market.inertia": [0.9, 0.8, 0.95]}
    with pytest.raises(ScenarioError, match="design"):
        run_sweep(load_sweep(write_spec(tmp_path, params, "reordered")), out, jobs=1, resume=True)


def test_the_same_design_resumes_to_the_reference(partial, reference):
    spec, out = partial
    _resume_matches(spec, out, reference, done_before=6)


# ------------------------------------------------------------------ damaged parts


def _damage_runs_truncate(out):
    path = _part(out, 2)
    path.write_bytes(path.read_bytes()[:100])


def _damage_runs_zero(out):
    _part(out, 2).write_bytes(b"")


def _damage_ts_bitflip(out):
    path = _part(out, 2, "ts")
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


def _damage_ts_deleted(out):
    _part(out, 2, "ts").unlink()


def _damage_manifest_deleted(out):
    _part(out, 2, "manifest").unlink()


def _damage_manifest_truncated(out):
    path = _part(out, 2, "manifest")
    path.write_text(path.read_text()[:20])


def _duplicate_under_new_number(out):
    for kind in ("ts", "runs", "manifest"):
        shutil.copy(_part(out, 1, kind), _part(out, 40, kind))


def _duplicate_with_renumbered_manifest(out):
    for kind in ("ts", "runs"):
        shutil.copy(_part(out, 1, kind), _part(out, 40, kind))
    manifest = json.loads(_part(out, 1, "manifest").read_text())
    _part(out, 40, "manifest").write_text(json.dumps({**manifest, "part": "000040"}))


DAMAGE = {
    "truncated runs part": (_damage_runs_truncate, "checksum", 5),
    "zero-byte runs part": (_damage_runs_zero, "checksum", 5),
    "bit-flipped time series part": (_damage_ts_bitflip, "checksum of ts-000002", 5),
    "time series part deleted": (_damage_ts_deleted, "ts-000002.parquet is missing", 5),
    "manifest deleted": (_damage_manifest_deleted, "no readable manifest", 5),
    "manifest truncated": (_damage_manifest_truncated, "no readable manifest", 5),
    "part copied under another number": (_duplicate_under_new_number, "another number", 6),
    "copy with its manifest renumbered": (_duplicate_with_renumbered_manifest, "repeats", 6),
}


@pytest.mark.parametrize("case", list(DAMAGE))
def test_a_damaged_part_is_named_set_aside_and_redone(case, partial, reference, capsys):
    spec, out = partial
    damage, reason, kept = DAMAGE[case]
    damage(out)
    err = _resume_matches(spec, out, reference, capsys, done_before=kept)
    bad = "runs-000040.parquet" if kept == 6 else "runs-000002.parquet"
    line = next(x for x in err.splitlines() if bad in x)
    assert reason in line and "set aside" in line and "redone" in line
    assert (out / "set-aside" / bad).exists()


def test_a_part_of_another_sweep_is_foreign(tmp_path, partial, reference, capsys):
    spec, out = partial
    other_spec = write_spec(tmp_path, {"mechanisms.warm_start.kappa": [0.2, 0.3]}, "other")
    other_sweep = load_sweep(other_spec)
    stopping = _StopsAt(
        other_sweep.base_raw, other_sweep.spec.record.columns, other_sweep.spec.record.every_steps
    )
    stopping.stop = 1
    with pytest.raises(KeyboardInterrupt):
        run_sweep(other_sweep, tmp_path / "other", jobs=1, progress=False, evaluator=stopping)
    for kind in ("ts", "runs", "manifest"):
        shutil.copy(_part(tmp_path / "other", 0, kind), _part(out, 50, kind))
    err = _resume_matches(spec, out, reference, capsys, done_before=6)
    assert "runs-000050.parquet: it belongs to another sweep's design" in err


def test_final_merge_refuses_a_missing_run(partial):
    from sim.sweep.runner import _RunRows  # noqa: F401  (the store is what is tested)
    from sim.sweep.store import SweepStore, read_meta

    spec, out = partial
    meta = read_meta(out)
    store = _store_for(spec, out, meta)
    with pytest.raises(SweepIncomplete, match="6 of 12 runs"):
        store.finalize()
    assert not (out / "runs.parquet").exists() and not (out / "timeseries.parquet").exists()
    assert SweepStore  # imported for the type


def _store_for(spec: Path, out: Path, meta: dict):
    from sim.sweep.design import make_design, n_runs
    from sim.sweep.store import (
        SweepStore,
        design_digest,
        parameter_type,
        runs_schema,
        timeseries_schema,
    )

    sweep = load_sweep(spec)
    design = make_design(sweep.spec)
    types = {n: parameter_type(v[i] for v in design.values) for i, n in enumerate(design.names)}
    digest = design_digest(design.names, design.values, sweep.spec.replications, sweep.spec.seed)
    assert digest == meta["design_sha256"]
    return SweepStore(
        out,
        runs_schema(types),
        timeseries_schema(sweep.spec.record.columns),
        digest,
        n_runs(design, sweep.spec),
    )


# ------------------------------------------------------------- finished sweeps


@pytest.fixture
def finished(tmp_path, reference) -> tuple[Path, Path]:
    spec = write_spec(tmp_path)
    _sweep(spec, tmp_path / "out")
    return spec, tmp_path / "out"


def test_a_finished_sweep_without_its_time_series_is_not_complete(finished, reference, capsys):
    spec, out = finished
    (out / "timeseries.parquet").unlink()
    err = _resume_matches(spec, out, reference, capsys)
    assert "timeseries.parquet is missing" in err and "reopened" in err


def test_a_finished_sweep_with_a_truncated_runs_table_is_redone(finished, reference, capsys):
    spec, out = finished
    path = out / "runs.parquet"
    path.write_bytes(path.read_bytes()[:200])
    err = _resume_matches(spec, out, reference, capsys, done_before=0)
    assert "unreadable" in err


def test_a_finished_sweep_that_is_whole_is_left_alone(finished, reference):
    spec, out = finished
    before = (out / "runs.parquet").stat().st_mtime_ns
    result = _sweep(spec, out, resume=True)
    assert result.done_before == N_RUNS and (out / "runs.parquet").stat().st_mtime_ns == before


# ------------------------------------------------------------ damaged metadata


def test_truncated_resolved_file_is_repaired_from_meta(partial, reference):
    spec, out = partial
    path = out / "sweep.resolved.yaml"
    path.write_text(path.read_text()[:150])
    _resume_matches(spec, out, reference, done_before=6)


def test_truncated_meta_json_resumes(partial, reference):
    spec, out = partial
    path = out / "meta.json"
    path.write_text(path.read_text()[:30])
    _resume_matches(spec, out, reference, done_before=6)


def test_both_truncated_is_one_clear_refusal(partial, capsys):
    spec, out = partial
    for name in ("sweep.resolved.yaml", "meta.json"):
        path = out / name
        path.write_text(path.read_text()[:30])
    argv = ["sweep", str(spec), "--out", str(out), "--resume", "--jobs", "1", "--no-progress"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "sweep.resolved.yaml: damaged" in err


# ------------------------------------------------------------ killed or lost processes


def _children_of_session(sid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == sid:
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] not in ("Z", "X"):
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_killing_the_sweep_alone_leaves_no_process_behind(sig, tmp_path, reference):
    spec = write_spec(tmp_path, {**PARAMETERS, "mechanisms.warm_start.kappa": [0.1, 0.2, 0.5]})
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(out), "--jobs", "2"]
    cmd += ["--no-progress", "--commit-every", "0"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # A session of its own: its processes are found by session id, and a straggler is
    # killed at the end whatever happens.
    proc = subprocess.Popen(
        cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 90
        while not list((out / ".parts").glob("runs-*.parquet")) if (out / ".parts").is_dir() else 1:
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.02)
        children = _children_of_session(proc.pid)
        assert len(children) >= 3  # fork server, two workers (and the resource tracker)
        os.kill(proc.pid, sig)  # the main process alone, as `timeout` or a scheduler does
        proc.wait(timeout=30)
        deadline = time.monotonic() + 5
        while _children_of_session(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _children_of_session(proc.pid) == []
    finally:
        for pid in _children_of_session(proc.pid):
            os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
    status = json.loads((out / "meta.json").read_text())["status"]
    if sig == signal.SIGTERM:
        assert proc.returncode == 143 and status == "interrupted"
    result = run_sweep(load_sweep(spec), out, jobs=1, progress=False, resume=True)
    assert result.complete and result.succeeded == 18
    assert read_sorted(out)[0]["run_id"].tolist() == list(range(18))


def test_unreachable_dask_scheduler_is_one_line_and_resumable(tmp_path, monkeypatch, capsys):
    pytest.importorskip("distributed")
    import socket

    import sim.sweep.backends as backends

    monkeypatch.setattr(backends, "DASK_CONNECT_SECONDS", 2)
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    spec, out = write_spec(tmp_path), tmp_path / "out"
    argv = ["sweep", str(spec), "--out", str(out), "--scheduler", f"tcp://127.0.0.1:{port}"]
    assert main([*argv, "--no-progress"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and "cannot connect" in err and "--resume" in err
    assert json.loads((out / "meta.json").read_text())["status"] == "crashed"
    assert _sweep(spec, out, resume=True).succeeded == N_RUNS


class _SlowEvaluator(Evaluator):
    def __call__(self, task):
        time.sleep(0.5)
        return super().__call__(task)


@pytest.mark.parametrize("lose", ["workers", "scheduler"])
def test_losing_dask_workers_or_scheduler_is_like_a_lost_local_worker(
    lose, tmp_path, reference, monkeypatch
):
    pytest.importorskip("distributed")
    import logging
    import threading

    from distributed import LocalCluster

    import sim.sweep.backends as backends

    monkeypatch.setattr(backends, "DASK_WORKERLESS_SECONDS", 2)

    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=logging.CRITICAL,
    )
    spec, out = write_spec(tmp_path), tmp_path / "out"
    sweep = load_sweep(spec)
    slow = _SlowEvaluator(sweep.base_raw, sweep.spec.record.columns, sweep.spec.record.every_steps)

    def pull_the_plug():
        deadline = time.monotonic() + 60
        while not (out / ".parts").is_dir() or not list((out / ".parts").glob("runs-*")):
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
        if lose == "workers":
            cluster.scale(0)  # every worker gone; the scheduler waits for new ones forever
        else:
            cluster.close()

    plug = threading.Thread(target=pull_the_plug)
    plug.start()
    try:
        with pytest.raises(WorkerLost, match="dask lost its workers or its scheduler.*--resume"):
            run_sweep(
                sweep,
                out,
                jobs=2,
                backend="dask",
                scheduler=cluster.scheduler_address,
                progress=False,
                flush_seconds=0,
                evaluator=slow,
            )
    finally:
        plug.join()
        cluster.close()
    assert json.loads((out / "meta.json").read_text())["status"] == "crashed"
    result = _sweep(spec, out, resume=True)
    assert result.succeeded == N_RUNS
    pd.testing.assert_frame_equal(read_sorted(out)[0], reference[0])
