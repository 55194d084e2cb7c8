"""Interrupted runs lose nothing, and separate runs agree to the byte.

Two real runs of the small real cutout DAG, in two work dirs, at the same time:
one is left alone; the other is killed (SIGKILL to the whole Snakemake process
group, jobs included) while PyBDSF is running, then resumed with
``snakemake --unlock`` and ``--rerun-incomplete``. The killed run must leave no
half-written file under a final name, the resumed run must redo only the killed
job and what follows it, and every final output must equal the undisturbed
run's byte for byte, which is also the determinism check across work dirs.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.workflow.conftest import deploy_workflow, snakemake

pytestmark = pytest.mark.workflow

DATASET = "sdc1_cutout_small"
#: The job killed mid-run, and a log line that shows it is under way (PyBDSF's own).
KILLED_RULE = "find_sources_tile"
KILLED_LOG = "560_r00000c00000.log"  # the default tiling keeps the small cutout whole: one tile
UNDER_WAY = "PyBDSF"
#: Rules that had finished when the job was killed: the resumed run must not redo them.
FINISHED_BEFORE_KILL = {"download_cutout", "correct_primary_beam", "background", "plan_tiles"}
#: Keys of measured resources (wall time, memory): they differ from run to run.
TIMING_KEYS = re.compile(r"(^|_)(wall|rss|time|seconds|s_total|s_max)($|_)")


@dataclass
class Runs:
    clean: Path
    killed: Path
    config: list[str]
    after_kill: dict[str, bytes]
    marked_incomplete: int
    killed_outputs_present: list[str]
    resumed_rules: set[str]


def config_args(sample: Path) -> list[str]:
    return ["--config", f"dataset={DATASET}", f"mirror={sample}"]


def start(workdir: Path, *args: str, tmpdir: Path | None = None) -> subprocess.Popen:
    """Start snakemake in its own process group (so that the group can be killed).

    With ``tmpdir``, jobs make their temporary files there (``TMPDIR``), not in /tmp:
    a killed job cannot remove its own.
    """
    command = [str(Path(sys.executable).with_name("snakemake")), *args]
    env = None
    if tmpdir is not None:
        tmpdir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "TMPDIR": str(tmpdir)}
    with open(workdir / "snakemake.out", "w") as log:
        return subprocess.Popen(
            command,
            cwd=workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )


def wait_until_running(process: subprocess.Popen, job_log: Path, timeout: float = 600.0) -> None:
    """Return once ``job_log`` shows the job under way; fail if the run ends or times out first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if job_log.exists() and UNDER_WAY in job_log.read_text(errors="replace"):
            return
        if process.poll() is not None:
            pytest.fail(
                f"snakemake ended ({process.returncode}) before {KILLED_RULE} got under way"
            )
        time.sleep(0.05)
    pytest.fail(f"{KILLED_RULE} not under way after {timeout:.0f} s")


def files_under(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def check_complete(path: Path) -> None:
    """Read a workflow output fully: a half-written file fails here."""
    from sdc1.validate import read_fits_header

    if path.suffix == ".parquet":
        pd.read_parquet(path)
    elif path.suffix == ".fits":
        read_fits_header(path)  # raises on a file shorter than its header says
    elif path.suffix == ".npz":
        with np.load(path) as archive:
            [archive[key] for key in archive.files]
    elif path.suffix == ".csv":
        pd.read_csv(path)
    elif path.suffix == ".json":
        json.loads(path.read_text())


def executed_rules(output: str) -> set[str]:
    """Rules whose jobs a snakemake run started, from its console output."""
    return set(re.findall(r"^(?:local)?rule (\w+):", output, flags=re.MULTILINE))


def without_timings(content: object) -> object:
    """A JSON document with measured-resource keys removed, recursively."""
    if isinstance(content, dict):
        return {k: without_timings(v) for k, v in content.items() if not TIMING_KEYS.search(k)}
    if isinstance(content, list):
        return [without_timings(v) for v in content]
    return content


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, sdc1_sample: Path) -> Runs:
    base = tmp_path_factory.mktemp("interrupt")
    clean_dir = deploy_workflow(base / "clean")
    killed_dir = deploy_workflow(base / "killed")
    config = config_args(sdc1_sample)
    clean = start(clean_dir, "--cores", "2", *config)
    killed = start(killed_dir, "--cores", "2", *config, tmpdir=base / "killed-tmp")
    try:
        wait_until_running(killed, killed_dir / "logs" / DATASET / KILLED_RULE / KILLED_LOG)
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
        results = killed_dir / "results" / DATASET
        after_kill = files_under(results)
        marked_incomplete = len(list((killed_dir / ".snakemake" / "incomplete").iterdir()))
        tile = results / "tiles" / "560mhz" / "r00000c00000"
        outputs = [
            tile.with_suffix(".parquet"),
            tile.with_name(f"{tile.name}_gaussians.parquet"),
            results / "sources" / "560mhz.parquet",
            results / "sources" / "560mhz_gaussians.parquet",
        ]
        killed_outputs_present = [str(p) for p in outputs if p.exists()]
        # Every file left under its final name is whole.
        for path in results.rglob("*"):
            if path.is_file() and not path.name.endswith(".part"):
                check_complete(path)
        # A killed Snakemake leaves its lock behind: --unlock, then resume.
        snakemake(killed_dir, "--unlock", *config)
        resumed = snakemake(killed_dir, "--cores", "2", "--rerun-incomplete", *config)
    finally:
        if killed.poll() is None:
            os.killpg(killed.pid, signal.SIGKILL)
        clean.wait(timeout=900)
    assert clean.returncode == 0, (clean_dir / "snakemake.out").read_text()[-4000:]
    return Runs(
        clean=clean_dir,
        killed=killed_dir,
        config=config,
        after_kill=after_kill,
        marked_incomplete=marked_incomplete,
        killed_outputs_present=killed_outputs_present,
        resumed_rules=executed_rules(resumed.stdout + resumed.stderr),
    )


def test_kill_leaves_no_half_written_output(runs: Runs) -> None:
    # Killed mid-job (Snakemake had marked its outputs incomplete): they are absent, not
    # partial; every file that is there was read whole in the fixture.
    assert runs.marked_incomplete > 0
    assert runs.killed_outputs_present == []
    # What had finished before the kill is there, byte-identical to the undisturbed run.
    clean = runs.clean / "results" / DATASET
    finished = {name: data for name, data in runs.after_kill.items() if not name.endswith(".part")}
    assert {"pbcor/560mhz.fits", "background/560mhz.npz"} <= finished.keys()
    for name, data in finished.items():
        assert data == (clean / name).read_bytes(), name


def test_rerun_incomplete_redoes_only_the_killed_job_and_what_follows(runs: Runs) -> None:
    assert KILLED_RULE in runs.resumed_rules
    assert {"catalogue", "calibrate", "train", "predict", "score"} <= runs.resumed_rules
    assert not runs.resumed_rules & FINISHED_BEFORE_KILL
    # No job is left marked incomplete (a later run redoes nothing), no temporary file is left
    # over.
    assert not list((runs.killed / ".snakemake" / "incomplete").iterdir())
    assert not list((runs.killed / "results").rglob("*.part"))


def test_resumed_run_equals_undisturbed_run_byte_for_byte(runs: Runs) -> None:
    clean = runs.clean / "results" / DATASET
    resumed = runs.killed / "results" / DATASET
    clean_files = {str(p.relative_to(clean)) for p in clean.rglob("*") if p.is_file()}
    resumed_files = {str(p.relative_to(resumed)) for p in resumed.rglob("*") if p.is_file()}
    assert clean_files == resumed_files  # nothing lost, nothing extra
    for name in sorted(clean_files):
        if name.startswith("summary."):
            continue  # timings; the JSON is compared without them below
        assert (clean / name).read_bytes() == (resumed / name).read_bytes(), name
    summary = [
        without_timings(json.loads((d / "summary.json").read_text())) for d in (clean, resumed)
    ]
    assert summary[0] == summary[1]


def test_two_work_dirs_give_identical_catalogues(runs: Runs) -> None:
    """Determinism: the same config in two work dirs gives the same catalogues, to the byte."""
    dirs = [runs.clean / "results" / DATASET, runs.killed / "results" / DATASET]
    for name in (
        "catalogues/560mhz.csv",
        "catalogues/560mhz_measured.csv",
        "submission/560mhz.txt",
    ):
        first, second = ((d / name).read_bytes() for d in dirs)
        assert first == second, name
        assert first.count(b"\n") > 20, name  # a real catalogue, not an empty one
    for name in ("sources/560mhz.parquet", "sources/560mhz_gaussians.parquet", "features.parquet"):
        first, second = (pd.read_parquet(d / name) for d in dirs)
        assert len(first) > 20, name
        pd.testing.assert_frame_equal(first, second, check_exact=True)
    scores = [
        without_timings(json.loads((d / "scores" / "560mhz.json").read_text())) for d in dirs
    ]
    assert scores[0] == scores[1]
