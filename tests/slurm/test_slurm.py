"""The workflow through real `sbatch` on the one-node cluster of tests/slurm/start_cluster.sh.

    bash tests/slurm/start_cluster.sh && .venv/bin/python -m pytest tests/slurm

Each test runs the whole default DAG with `--profile profiles/slurm --profile tests/slurm/profile`
in a fresh copy of the workflow and compares its catalogues byte for byte with a local
`--cores 2` run of the same config. The three runs start together (the Slurm runs are
chains of short jobs that mostly wait for the plugin's status checks, so side by side they
take hardly longer than one). Every wait is bounded, so a stuck cluster fails the tests
instead of hanging them.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.workflow.conftest import deploy_workflow

pytestmark = pytest.mark.slurm

# The run under test: the dataset and the `--config` both runs get. Switch here when the
# default dataset changes (e.g. DATASET = "synthetic", CONFIG = ()); REQUIRED lists the
# inputs without which the tests skip.
DATASET = "synthetic"
CONFIG: tuple[str, ...] = ("--configfile", str(REPO / "tests" / "slurm" / "synthetic_560.yaml"))
REQUIRED: tuple[Path, ...] = ()

# Outputs that must be byte-identical between the Slurm and the local run.
COMPARED = (f"results/{DATASET}/catalogues/*.csv", f"results/{DATASET}/submission/*.txt")
# The second test cancels the first job of these rules while it runs (untiled or tiled
# source finding); the profile's `retries` must recover it.
KILLED_RULES = ("find_sources", "find_sources_tile", "find_sources_tiles")
# profiles/slurm runs an image's tiles in one job (`find_sources_tiles`), where the local run
# has one job per tile, the choice of the peak threshold from the pilot tiles, and their merge.
NODE_JOB = "find_sources_tiles"
PER_TILE = ("find_sources_tile", "choose_peak_threshold", "merge_tiles")

PROFILES = (
    "--profile",
    str(REPO / "profiles" / "slurm"),
    "--profile",
    str(REPO / "tests" / "slurm" / "profile"),
)
SLURM_LOGS = Path(".snakemake") / "slurm_logs"
RUN_TIMEOUT = 1200  # seconds for one whole run (local or Slurm), counted from its start
KILL_TIMEOUT = 600  # seconds to see the job to cancel running (after simulate ... plan_tiles)
COMMAND_TIMEOUT = 30  # seconds for one squeue/sinfo/scancel call


def slurm_command(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(list(args), capture_output=True, text=True, timeout=COMMAND_TIMEOUT)


def skip(reason: str) -> None:
    """Skip, or fail where SLURM_TESTS_REQUIRED=1 (CI, after start_cluster.sh) says a skip would
    hide a problem."""
    if os.environ.get("SLURM_TESTS_REQUIRED") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="module", autouse=True)
def cluster() -> None:
    """Skip unless the Slurm tools exist and a node is up to take jobs."""
    missing = [
        tool for tool in ("sinfo", "sbatch", "squeue", "scancel") if shutil.which(tool) is None
    ]
    if missing:
        skip(
            f"Slurm client tools not found ({', '.join(missing)}): "
            "run `bash tests/slurm/start_cluster.sh`"
        )
    try:
        states = slurm_command("sinfo", "--noheader", "--format=%T")
    except subprocess.TimeoutExpired:
        skip("sinfo timed out: is slurmctld running? run `bash tests/slurm/start_cluster.sh`")
    usable = {"idle", "mixed", "allocated", "completing"}
    if states.returncode != 0 or not usable & set(states.stdout.split()):
        skip(
            f"no Slurm node is up (sinfo: {(states.stdout + states.stderr).strip()!r}): "
            "run `bash tests/slurm/start_cluster.sh`"
        )
    absent = [str(path) for path in REQUIRED if not path.exists()]
    if absent:
        skip(f"inputs of the {DATASET} run not found: {', '.join(absent)}")


def outputs(workdir: Path) -> dict[str, bytes]:
    files = sorted(path for pattern in COMPARED for path in workdir.glob(pattern))
    return {str(path.relative_to(workdir)): path.read_bytes() for path in files}


def executed_jobs(output: str) -> Counter:
    """Jobs per rule that a run executed (checkpoints included), minus the target rule `all`."""
    jobs = Counter(re.findall(r"^Finished jobid: \d+ \(Rule: (\w+)\)", output, flags=re.MULTILINE))
    del jobs["all"]
    return jobs


def slurm_log_counts(workdir: Path) -> Counter:
    """The plugin's logs, one per sbatch job.

    They are .snakemake/slurm_logs/rule_<rule>/<wildcards>/<slurm id>.log.
    """
    logs = (workdir / SLURM_LOGS).glob("rule_*/**/*.log")
    return Counter(
        path.relative_to(workdir / SLURM_LOGS).parts[0].removeprefix("rule_") for path in logs
    )


def sbatch_jobs(planned: Counter) -> Counter:
    """The sbatch jobs of a Slurm run whose local run executed ``planned`` jobs: profiles/slurm
    runs each image's tiles in one `find_sources_tiles` job instead of one job per tile and
    their merge."""
    jobs = Counter({rule: n for rule, n in planned.items() if rule not in PER_TILE})
    jobs[NODE_JOB] += planned["merge_tiles"]
    return jobs


def slurm_jobs(run_id: str, states: str = "all") -> list[dict[str, str]]:
    """This run's jobs as Slurm knows them: id, state and rule (from the comment the plugin
    sets)."""
    result = slurm_command(
        "squeue", "--noheader", f"--states={states}", f"--name={run_id}", "--format=%i|%T|%k"
    )
    assert result.returncode == 0, result.stderr
    jobs = []
    for line in result.stdout.splitlines():
        job_id, state, comment = line.strip().split("|", 2)
        rule = re.match(r"^rule_(.+?)(?:_wildcards_.*)?$", comment)
        jobs.append({"id": job_id, "state": state, "rule": rule.group(1) if rule else comment})
    return jobs


class Run:
    """A snakemake run in the background, output in ``<workdir>/run.log``, bounded by
    RUN_TIMEOUT."""

    def __init__(self, workdir: Path, *args: str) -> None:
        self.workdir = workdir
        self.log = workdir / "run.log"
        command = [str(Path(sys.executable).with_name("snakemake")), *args, *CONFIG]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                command, cwd=workdir, stdout=out, stderr=subprocess.STDOUT, text=True
            )
        self.deadline = time.monotonic() + RUN_TIMEOUT

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait(self) -> int:
        try:
            return self.process.wait(timeout=max(1.0, self.deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            self.stop()
            raise AssertionError(
                f"run did not finish in {RUN_TIMEOUT}s:\n{self.output()[-4000:]}"
            ) from None

    def stop(self) -> None:
        """Interrupt snakemake if it still runs; kill it if it has not stopped 30 s later."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)


class SlurmRun(Run):
    """`snakemake --profile profiles/slurm --profile tests/slurm/profile`."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir, *PROFILES)

    def run_id(self, timeout: float = 120) -> str:
        """The plugin's SLURM run ID: the --job-name of every job this run submits."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = re.search(r"SLURM run ID: (\S+)", self.output())
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise AssertionError(f"no SLURM run ID in the snakemake output:\n{self.output()[-4000:]}")

    def stop(self) -> None:
        """Also cancel whatever of this run is still queued or running (snakemake's SIGINT waits
        for running jobs)."""
        super().stop()
        found = re.search(r"SLURM run ID: (\S+)", self.output())
        if found:
            slurm_command("scancel", f"--name={found.group(1)}")


class Canceller(threading.Thread):
    """Cancels the first running job of KILLED_RULES in a Slurm run with `scancel`; bounded by
    KILL_TIMEOUT."""

    def __init__(self, run: SlurmRun) -> None:
        super().__init__(daemon=True)
        self.slurm_run = run
        self.cancelled: str | None = None  # Slurm job id
        self.rule = ""
        self.error = ""
        self.start()

    def run(self) -> None:
        try:
            run_id = self.slurm_run.run_id()
            end = time.monotonic() + KILL_TIMEOUT
            while time.monotonic() < end and self.slurm_run.process.poll() is None:
                running = [
                    job for job in slurm_jobs(run_id, "RUNNING") if job["rule"] in KILLED_RULES
                ]
                if running:
                    job = running[0]
                    cancel = slurm_command("scancel", job["id"])
                    if cancel.returncode != 0:
                        self.error = f"scancel {job['id']} failed: {cancel.stderr}"
                    else:
                        self.cancelled, self.rule = job["id"], job["rule"]
                    return
                time.sleep(0.2)
            self.error = f"never saw a running job of {KILLED_RULES} within {KILL_TIMEOUT}s"
        except Exception as error:  # reported by the test, not lost in the thread
            self.error = repr(error)


class Runs:
    """The three runs the tests compare, started together."""

    def __init__(self, base: pytest.TempPathFactory) -> None:
        self.started: list[Run] = []
        try:
            self.local = self.start(Run(deploy_workflow(base.mktemp("local")), "--cores", "2"))
            self.plain = self.start(SlurmRun(deploy_workflow(base.mktemp("slurm"))))
            self.cancelled = self.start(SlurmRun(deploy_workflow(base.mktemp("slurm_cancel"))))
        except BaseException:
            self.stop()
            raise
        self.canceller = Canceller(self.cancelled)

    def start(self, run: Run) -> Run:
        self.started.append(run)
        return run

    def stop(self) -> None:
        for run in self.started:
            run.stop()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory):
    started = Runs(tmp_path_factory)
    yield started
    started.stop()


@pytest.fixture(scope="module")
def local_reference(runs: Runs) -> dict[str, bytes]:
    """The catalogues of a local `--cores 2` run of the same config."""
    assert runs.local.wait() == 0, f"local run failed:\n{runs.local.output()[-6000:]}"
    reference = outputs(runs.local.workdir)
    assert reference, f"the local run wrote none of {COMPARED}"
    return reference


@pytest.fixture(scope="module")
def planned(runs: Runs, local_reference: dict[str, bytes]) -> Counter:
    """The jobs (per rule) that each Slurm run must submit: those the local run executed."""
    jobs = executed_jobs(runs.local.output())
    assert jobs, runs.local.output()[-4000:]
    return jobs


def test_default_dag_runs_through_slurm_like_locally(
    runs: Runs, local_reference: dict[str, bytes], planned: Counter
) -> None:
    run = runs.plain
    returncode = run.wait()
    assert returncode == 0, f"Slurm run failed:\n{run.output()[-6000:]}"

    assert outputs(run.workdir) == local_reference
    # Every job went through sbatch: one plugin log each, and Slurm saw each one complete;
    # source finding is one sbatch job per frequency, which ran all the image's tiles.
    expected = sbatch_jobs(planned)
    assert planned["find_sources_tile"] > planned["merge_tiles"] >= 1, planned
    assert slurm_log_counts(run.workdir) == expected
    jobs = slurm_jobs(run.run_id())
    completed = Counter(job["rule"] for job in jobs if job["state"] == "COMPLETED")
    assert completed == expected, jobs
    # The node job ran every planned tile, two at a time on its 2 cores, within its 3 GB.
    node_logs = "".join(path.read_text() for path in run.workdir.glob(f"logs/*/{NODE_JOB}/*.log"))
    assert "up to 2 at once within 3000 MB" in node_logs, node_logs[-4000:]
    tiles_run = set(re.findall(r"tile (r\d+c\d+) done in", node_logs))
    tiles_planned = {
        path.stem.split("_", 1)[1]
        for path in runs.local.workdir.glob("logs/*/find_sources_tile/*.log")
    }
    assert len(tiles_run) == planned["find_sources_tile"] and tiles_run == tiles_planned, (
        node_logs[-4000:]
    )


def test_cancelled_job_is_retried_and_outputs_stay_correct(
    runs: Runs, local_reference: dict[str, bytes], planned: Counter
) -> None:
    run, canceller = runs.cancelled, runs.canceller
    assert any(planned[rule] for rule in KILLED_RULES), planned
    canceller.join(timeout=KILL_TIMEOUT + 2 * COMMAND_TIMEOUT)
    assert canceller.cancelled, (
        f"{canceller.error or 'canceller still running'}:\n{run.output()[-4000:]}"
    )

    returncode = run.wait()
    assert returncode == 0, f"Slurm run failed after the cancel:\n{run.output()[-6000:]}"

    jobs = {job["id"]: job for job in slurm_jobs(run.run_id())}
    assert jobs[canceller.cancelled]["state"] == "CANCELLED", jobs
    # The plugin reports the cancelled job, and submits it again.
    reported = f"SLURM-job '{canceller.cancelled}' failed, SLURM status is: 'CANCELLED'"
    assert reported in run.output(), run.output()[-4000:]
    # The cancelled job was submitted again and that attempt completed, as did everything else.
    completed = Counter(job["rule"] for job in jobs.values() if job["state"] == "COMPLETED")
    assert completed == sbatch_jobs(planned), jobs
    submitted = Counter(job["rule"] for job in jobs.values())
    assert submitted == sbatch_jobs(planned) + Counter({canceller.rule: 1}), jobs
    assert slurm_log_counts(run.workdir) == submitted
    assert outputs(run.workdir) == local_reference
