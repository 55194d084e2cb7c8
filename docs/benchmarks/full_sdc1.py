"""The benchmark record of a workflow run, built from the run's own files.

    python docs/benchmarks/full_sdc1.py RUN_DIR --snakemake-args "--configfile \\
        config/config.yaml config/full_sdc1.yaml" --out docs/benchmarks/full_sdc1.json

(``make bench-full``). A committed record prints again, its goals judged against today's
:data:`GOALS`, without the run folder:

    python docs/benchmarks/full_sdc1.py --record docs/benchmarks/full_sdc1.json \
        --results-md docs/results.md --block full-run

Nothing in the record is typed by hand:

- the jobs, their wildcards, threads, benchmark files and dependencies come from Snakemake itself:
  the venv's Snakemake builds the run's DAG in ``RUN_DIR`` with the run's own config arguments and
  prints it as ``--d3dag`` JSON, extended (see ``DAG_DRIVER``) because the stock ``--d3dag`` holds
  only each job's rule and the edges whose upstream job still has to run;
- each job's wall time, CPU time and peak memory come from its Snakemake benchmark file (columns
  ``s``, ``cpu_time``, ``max_rss`` in MB); a job without one yet is listed under ``missing`` and
  the record says it is partial (``"complete": false``);
- Snakemake samples CPU time every 30 s after a job's first 15 s, so its ``cpu_time`` misses up
  to the last 30 s of each job. Each job's log ends with its exact CPU time (``getrusage``, read
  by :func:`sdc1.logs.logged_cpu_seconds`): where that line is there, ``cpu_s`` is the logged
  figure and ``benchmark_cpu_s`` Snakemake's; ``cpu_source`` says which ``cpu_s`` is;
- the scores come from ``results/<dataset>/scores/<freq>mhz.json``;
- ``schedule`` replays the measured jobs with :func:`sdc1.schedule.list_schedule` on one and on
  three 32-core, 90 GB nodes.

The DAG is built without ``--forceall``: a checkpoint that must (re)run hides the jobs downstream
of it (Snakemake learns them only from its output), so with ``--forceall`` the tile jobs of a
finished run would vanish. A checkpoint that has not run yet is listed under
``unresolved_checkpoints``, and a job that has a benchmark file but would run again (outputs out of
date, or config arguments other than the run's) under ``stale``; either also makes the record
partial.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import re
import shlex
import subprocess
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sdc1.logs import logged_cpu_seconds
from sdc1.schedule import Job, Node, critical_path, list_schedule

#: Runs Snakemake's own command line with ``DAG.d3dag`` extended: each node also carries the job's
#: wildcards, benchmark file, threads, whether it is a checkpoint and whether it needs to run, and
#: every dependency is an edge (the stock method drops those on jobs that need not run).
DAG_DRIVER = """
import json, sys
from snakemake.cli import main
from snakemake.dag import DAG

def d3dag(self, max_jobs=None):
    nodes = [
        {"id": self.jobid(job), "value": {
            "jobid": self.jobid(job), "label": job.rule.name, "rule": job.rule.name,
            "wildcards": {k: str(v) for k, v in job.wildcards_dict.items()},
            "benchmark": str(job.benchmark) if job.benchmark else None,
            "log": str(job.log[0]) if job.log else None,
            "threads": int(job.threads), "checkpoint": bool(job.is_checkpoint),
            "needrun": bool(self.needrun(job))}}
        for job in self.jobs
    ]
    edges = [
        {"u": self.jobid(dep), "v": self.jobid(job)}
        for job in self.jobs for dep in self.dependencies[job]
    ]
    print(json.dumps({"nodes": nodes, "edges": edges}))

DAG.d3dag = d3dag
main(sys.argv[1:])
"""

#: Nodes of the scheduling what-ifs: 32 cores and 90 GB each.
NODE = Node(cores=32, mem_mb=90000)
#: Threads Snakemake may give a job while printing the DAG: above any rule's ``threads:``, so that
#: each job reports its own rather than the DAG printer's default core count.
DAG_CORES = 4096


@dataclass(frozen=True)
class DagJob:
    """One job of the DAG as Snakemake printed it."""

    jobid: int
    rule: str
    wildcards: tuple[tuple[str, str], ...]
    benchmark: str | None
    threads: int
    checkpoint: bool
    needrun: bool
    deps: tuple[int, ...]
    log: str | None = None

    @property
    def name(self) -> str:
        """``rule[key=value,...]``, without the ``dataset`` wildcard that every job of a record
        shares."""
        label = wildcard_label(self.wildcards)
        return f"{self.rule}[{label}]" if label else self.rule


def wildcard_label(wildcards: Sequence[tuple[str, str]]) -> str:
    """``key=value`` pairs joined by commas, ``dataset`` left out."""
    return ",".join(f"{k}={v}" for k, v in wildcards if k != "dataset")


def natural_key(text: str) -> tuple:
    """Sort key with digit runs compared as numbers (``freq=560`` before ``freq=1400``)."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", text)
    )


def dag_command(snakemake_args: Sequence[str]) -> list[str]:
    """The command printing the extended d3dag JSON (run inside the run folder).

    Our options come first: a ``--cores`` in ``snakemake_args`` wins, and targets after ``--`` stay
    last.
    """
    ours = ["--cores", str(DAG_CORES), "--quiet", "--d3dag"]
    return [sys.executable, "-c", DAG_DRIVER, *ours, *snakemake_args]


def load_dag(run_dir: Path, snakemake_args: Sequence[str]) -> dict[str, Any]:
    """Run Snakemake in ``run_dir`` and parse its (extended) d3dag JSON."""
    command = dag_command(snakemake_args)
    done = subprocess.run(command, cwd=run_dir, capture_output=True, text=True, check=False)
    # The JSON is one line; Snakemake's own messages may come before or after it.
    for line in done.stdout.splitlines():
        if line.startswith("{"):
            return json.loads(line)
    raise RuntimeError(
        f"snakemake printed no DAG (exit {done.returncode}):\n{done.stderr[-4000:]}"
    )


def parse_dag(d3dag: Mapping[str, Any]) -> list[DagJob]:
    """Jobs of an extended d3dag JSON
    (``{"nodes": [{"id", "value": {...}}], "edges": [{"u", "v"}]}``).

    An edge ``u -> v`` means job ``v`` needs job ``u``.
    """
    deps: dict[int, set[int]] = defaultdict(set)
    for edge in d3dag["edges"]:
        deps[int(edge["v"])].add(int(edge["u"]))
    jobs = []
    for node in d3dag["nodes"]:
        value = node["value"]
        if "wildcards" not in value:
            raise ValueError(
                "the d3dag JSON has no wildcards: print it with DAG_DRIVER, not plain --d3dag"
            )
        jobid = int(node["id"])
        jobs.append(
            DagJob(
                jobid=jobid,
                rule=value["rule"],
                wildcards=tuple(sorted((str(k), str(v)) for k, v in value["wildcards"].items())),
                benchmark=value.get("benchmark"),
                threads=int(value.get("threads", 1)),
                checkpoint=bool(value.get("checkpoint", False)),
                needrun=bool(value.get("needrun", False)),
                deps=tuple(sorted(deps[jobid])),
                log=value.get("log"),
            )
        )
    return jobs


def read_benchmark(path: Path) -> dict[str, float | None] | None:
    """Wall time, CPU time and peak RSS of a Snakemake benchmark TSV; None when the file is absent.

    With ``repeat()`` the file has one row per run: the times are averaged, the memory is the peak.
    Values Snakemake could not measure (``-`` or ``NA``) are None.
    """
    if not path.is_file():
        return None
    lines = [line.split("\t") for line in path.read_text().splitlines() if line.strip()]
    if len(lines) < 2:
        return None
    header, rows = lines[0], lines[1:]

    def column(name: str) -> list[float]:
        values = []
        for row in rows:
            try:
                value = float(row[header.index(name)])
            except (ValueError, IndexError):
                continue
            if math.isfinite(value):
                values.append(value)
        return values

    wall, cpu, rss = column("s"), column("cpu_time"), column("max_rss")
    return {
        "wall_s": sum(wall) / len(wall) if wall else None,
        "cpu_s": sum(cpu) / len(cpu) if cpu else None,
        "max_rss_mb": max(rss) if rss else None,
    }


def measured_ancestors(job: DagJob, by_id: Mapping[int, DagJob], measured: set[int]) -> set[int]:
    """The nearest measured jobs that ``job`` needs, looking through unmeasured ones.

    Keeps the order of measured jobs when a job between them has no measurement (missing, or a
    target rule without a benchmark).
    """
    found: set[int] = set()
    stack, seen = list(job.deps), set()
    while stack:
        jobid = stack.pop()
        if jobid in seen:
            continue
        seen.add(jobid)
        if jobid in measured:
            found.add(jobid)
        else:
            stack.extend(by_id[jobid].deps)
    return found


def read_scores(run_dir: Path, dataset: str) -> dict[str, dict[str, Any]]:
    """Per-frequency scores from ``results/<dataset>/scores/<freq>mhz.json``
    (see :mod:`sdc1.score`)."""
    frequencies = {}
    for path in (run_dir / "results" / dataset / "scores").glob("*mhz.json"):
        result = json.loads(path.read_text())
        classification = result.get("classification") or {}
        per_class = classification.get("per_class") or {}
        frequencies[path.name.removesuffix("mhz.json")] = {
            "n_det": result["n_det"],
            "n_match": result["n_match"],
            "n_false": result["n_false"],
            "score": _round(result["score"], 2),
            "macro_f1": _round(classification.get("macro_f1"), 4),
            "f1": {name: _round(value["f1"], 4) for name, value in per_class.items()},
        }
    return dict(sorted(frequencies.items(), key=lambda item: int(item[0])))


def read_detections(run_dir: Path, dataset: str) -> dict[str, dict[str, Any]]:
    """Per frequency, what PyBDSF found: islands, sources and Gaussians of the image, and the
    negated image's sources (as searched, and as weighed for the area not searched).

    The work of source finding grows with these, so they are the axis of the scaling table.
    """
    import pandas as pd

    out = {}
    for path in sorted((run_dir / "results" / dataset / "sources").glob("*mhz.parquet")):
        freq = path.name.removesuffix("mhz.parquet")
        sources = pd.read_parquet(path, columns=["Isl_id"])
        gaussians = pd.read_parquet(path.with_name(f"{freq}mhz_gaussians.parquet"), columns=[])
        negated = pd.read_parquet(path.with_name(f"{freq}mhz_negated.parquet"))
        weights = negated["Area_weight"] if "Area_weight" in negated else None
        out[freq] = {
            "islands": int(sources["Isl_id"].nunique()),
            "sources": len(sources),
            "gaussians": len(gaussians),
            "negated_searched": len(negated),
            "negated_weighted": round(float(weights.sum()), 1)
            if weights is not None
            else len(negated),
        }
    return dict(sorted(out.items(), key=lambda item: int(item[0])))


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def infer_dataset(jobs: Sequence[DagJob]) -> str:
    """The one value of the ``dataset`` wildcard in the DAG."""
    datasets = {v for job in jobs for k, v in job.wildcards if k == "dataset"}
    if len(datasets) != 1:
        raise ValueError(
            f"cannot tell the dataset from the DAG ({sorted(datasets)}): pass --dataset"
        )
    return datasets.pop()


def build_record(
    d3dag: Mapping[str, Any], run_dir: Path, *, dataset: str | None = None, command: str = ""
) -> dict[str, Any]:
    """The benchmark record of the run in ``run_dir`` whose DAG is ``d3dag`` (see the module
    docstring)."""
    dag_jobs = parse_dag(d3dag)
    dataset = dataset or infer_dataset(dag_jobs)
    by_id = {job.jobid: job for job in dag_jobs}
    if len({job.name for job in dag_jobs}) < len(dag_jobs):
        raise ValueError("two jobs of the DAG share a name: does it hold more than one dataset?")

    measurements = {}
    missing, stale = [], []
    for job in dag_jobs:
        if job.benchmark is None:
            continue
        bench = read_benchmark(run_dir / job.benchmark)
        if bench is None or bench["wall_s"] is None:
            missing.append(job.name)
            continue
        logged = logged_cpu_seconds(run_dir / job.log) if job.log else None
        bench = {
            **bench,
            "benchmark_cpu_s": bench["cpu_s"],
            "cpu_s": bench["cpu_s"] if logged is None else logged,
            "cpu_source": "benchmark" if logged is None else "log",
        }
        measurements[job.jobid] = bench
        if job.needrun:
            # Measured, but Snakemake would run it again (outputs gone or out of date, or other
            # config arguments than the run's): the measurement is from an earlier run.
            stale.append(job.name)
    unresolved = sorted(job.name for job in dag_jobs if job.checkpoint and job.needrun)

    measured = sorted(measurements, key=lambda i: (by_id[i].rule, natural_key(by_id[i].name)))
    have = set(measurements)
    records = [
        {
            "rule": by_id[i].rule,
            "wildcards": wildcard_label(by_id[i].wildcards),
            "wall_s": round(measurements[i]["wall_s"], 2),
            "cpu_s": _round(measurements[i]["cpu_s"], 2),
            "benchmark_cpu_s": _round(measurements[i]["benchmark_cpu_s"], 2),
            "cpu_source": measurements[i]["cpu_source"],
            "max_rss_mb": _round(measurements[i]["max_rss_mb"], 1),
            "threads": by_id[i].threads,
        }
        for i in measured
    ]
    sched_jobs = [
        Job(
            name=by_id[i].name,
            rule=by_id[i].rule,
            wildcards=by_id[i].wildcards,
            wall_s=measurements[i]["wall_s"],
            cpu_s=measurements[i]["cpu_s"] or 0.0,
            threads=by_id[i].threads,
            # Unknown memory (Snakemake could not measure it) must not stop the schedule; it stays
            # None above.
            max_rss_mb=measurements[i]["max_rss_mb"] or 0.0,
            deps=tuple(sorted(by_id[d].name for d in measured_ancestors(by_id[i], by_id, have))),
        )
        for i in measured
    ]
    pairs = zip(records, sched_jobs, strict=True)
    peaks = [(r["max_rss_mb"], j.name) for r, j in pairs if r["max_rss_mb"] is not None]
    peak = max(peaks, default=(None, None))

    schedule: dict[str, Any] = {"node": {"cores": NODE.cores, "mem_mb": NODE.mem_mb}}
    try:
        schedule["one_node_32_cores_wall_s"] = round(
            list_schedule(sched_jobs, [NODE]).makespan_s, 1
        )
        schedule["three_nodes_32_cores_wall_s"] = round(
            list_schedule(sched_jobs, [NODE] * 3).makespan_s, 1
        )
        # The same jobs on dedicated cores: wall times measured on a shared, smaller machine
        # include waiting for a core; CPU time over threads does not (nor any I/O wait).
        dedicated = [
            dataclasses.replace(job, wall_s=max(job.cpu_s / max(job.threads, 1), 0.0))
            for job in sched_jobs
        ]
        schedule["one_node_32_cores_cpu_bound_s"] = round(
            list_schedule(dedicated, [NODE]).makespan_s, 1
        )
        # What bounds it: no number of nodes finishes sooner than this chain.
        walls = {job.name: job.wall_s for job in dedicated}
        schedule["cpu_bound_critical_path"] = [
            {"job": name, "s": round(walls[name], 1)} for name in critical_path(dedicated)
        ]
    except ValueError as exc:
        schedule["error"] = str(exc)
    if missing or unresolved or stale:
        schedule["note"] = "partial record: the measured jobs only"

    totals = {
        "jobs": len(records),
        "cpu_h": round(sum(r["cpu_s"] or 0.0 for r in records) / 3600, 3),
        "benchmark_cpu_h": round(sum(r["benchmark_cpu_s"] or 0.0 for r in records) / 3600, 3),
        "jobs_cpu_from_log": sum(r["cpu_source"] == "log" for r in records),
        "wall_h_sum": round(sum(r["wall_s"] for r in records) / 3600, 3),
        "max_rss_mb": peak[0],
        "max_rss_job": peak[1],
    }
    return {
        "dataset": dataset,
        "jobs": records,
        "tiles": tile_balance(records),
        "goals": goals(
            totals,
            schedule,
            complete=not missing and not unresolved and not stale,
            tiles=tile_balance(records),
        ),
        "frequencies": read_scores(run_dir, dataset),
        "detections": read_detections(run_dir, dataset),
        "schedule": schedule,
        "totals": totals,
        "complete": not missing and not unresolved and not stale,
        "missing": sorted(missing, key=natural_key),
        "unresolved_checkpoints": unresolved,
        "stale": sorted(stale, key=natural_key),
        "not_benchmarked": sorted({job.rule for job in dag_jobs if job.benchmark is None}),
        "command": command,
    }


#: Issue 28's goals for the whole SDC1: CPU hours in all, peak memory of any job, the wall
#: time of the measured jobs list-scheduled on one 32-core, 90 GB node, and the longest
#: tile's share of its frequency's tile CPU time (the largest over the frequencies). The
#: node's time is judged twice: from the wall times measured here (which include waiting for
#: one of this machine's cores) and from each job's CPU time over its threads (a node's
#: dedicated cores, without I/O waits).
GOALS = {
    "cpu_h": 4.0,
    "max_rss_mb": 12000.0,
    "one_node_32_cores_wall_s": 900.0,
    "one_node_32_cores_cpu_bound_s": 900.0,
    "max_tile_cpu_share": 0.04,
}


def tile_balance(records: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per frequency: how the tile jobs share the source-finding CPU time.

    ``max_cpu_share`` is the longest tile's share of the summed tile CPU time: on many
    cores the wall time is set by that tile, not by the total divided by the cores.
    """
    by_freq: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
    for job in records:
        if job["rule"] == "find_sources_tile":
            freq = dict(part.split("=", 1) for part in job["wildcards"].split(","))["freq"]
            by_freq[freq].append(job)
    out = {}
    for freq, jobs in sorted(by_freq.items(), key=lambda item: int(item[0])):
        cpu = [j["cpu_s"] or 0.0 for j in jobs]
        longest = max(jobs, key=lambda j: j["cpu_s"] or 0.0)
        out[freq] = {
            "tiles": len(jobs),
            "cpu_s": round(sum(cpu), 1),
            "max_cpu_s": longest["cpu_s"],
            "max_cpu_share": round(max(cpu) / sum(cpu), 4) if sum(cpu) else None,
            "longest": longest["wildcards"],
            "max_wall_s": max(j["wall_s"] for j in jobs),
            "max_rss_mb": max((j["max_rss_mb"] or 0.0) for j in jobs),
        }
    return out


def goals(
    totals: Mapping[str, Any],
    schedule: Mapping[str, Any],
    complete: bool = True,
    tiles: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, dict[str, Any]]:
    """Each goal of :data:`GOALS` beside the measured figure (None where not measured).

    In a partial record the sums (CPU hours, scheduled wall time) cover the measured jobs
    only, so whether those goals are met stays open (None); a peak over budget is a miss
    all the same.
    """
    measured = {
        "cpu_h": totals["cpu_h"],
        "max_rss_mb": totals["max_rss_mb"],
        "one_node_32_cores_wall_s": schedule.get("one_node_32_cores_wall_s"),
        "one_node_32_cores_cpu_bound_s": schedule.get("one_node_32_cores_cpu_bound_s"),
        "max_tile_cpu_share": max(
            (t["max_cpu_share"] for t in (tiles or {}).values() if t["max_cpu_share"]),
            default=None,
        ),
    }
    out = {}
    for name, goal in GOALS.items():
        if name not in measured:
            continue
        value = measured[name]
        met = None if value is None else value <= goal
        # Sums and the schedule only grow as a run goes on, so a partial miss is a miss; the
        # longest tile's share can still fall (more tiles), so it stays open until the end.
        if not complete and (met or name == "max_tile_cpu_share") and name != "max_rss_mb":
            met = None
        out[name] = {"goal": goal, "measured": value, "met": met}
    return out


def rejudge(record: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` with its goals judged again against :data:`GOALS` (a record keeps the goals of
    the day it was made), from its own totals, schedule, tiles and completeness."""
    return {
        **record,
        "goals": goals(
            record["totals"],
            record["schedule"],
            complete=record["complete"],
            tiles=record.get("tiles"),
        ),
    }


def format_table(record: Mapping[str, Any]) -> str:
    """Per rule: jobs, summed wall and CPU seconds, peak RSS; then the totals and the schedules."""
    rules: dict[str, list[dict]] = defaultdict(list)
    for job in record["jobs"]:
        rules[job["rule"]].append(job)
    lines = [f"{'rule':<20} {'jobs':>5} {'wall s':>10} {'CPU s':>10} {'max RSS MB':>11}"]
    for rule in sorted(rules):
        jobs = rules[rule]
        rss = [j["max_rss_mb"] for j in jobs if j["max_rss_mb"] is not None]
        lines.append(
            f"{rule:<20} {len(jobs):>5} {sum(j['wall_s'] for j in jobs):>10.1f} "
            f"{sum(j['cpu_s'] or 0.0 for j in jobs):>10.1f} "
            f"{max(rss) if rss else float('nan'):>11.1f}"
        )
    totals, schedule = record["totals"], record["schedule"]
    lines.append(
        f"total: {totals['jobs']} jobs, {totals['cpu_h']} CPU h "
        f"({totals.get('jobs_cpu_from_log', 0)} jobs' CPU time from their logs; Snakemake's "
        f"benchmarks: {totals.get('benchmark_cpu_h')} CPU h), "
        f"{totals['wall_h_sum']} h of summed wall time, "
        f"peak {totals['max_rss_mb']} MB ({totals['max_rss_job']})"
    )
    if "error" in schedule:
        lines.append(f"schedule: {schedule['error']}")
    else:
        lines.append(
            f"list schedule on {NODE.cores}-core {NODE.mem_mb / 1000:g} GB nodes: "
            f"one {schedule['one_node_32_cores_wall_s']} s, "
            f"three {schedule['three_nodes_32_cores_wall_s']} s; "
            f"one node, each job for its CPU time over its threads: "
            f"{schedule['one_node_32_cores_cpu_bound_s']} s"
        )
    if schedule.get("cpu_bound_critical_path"):
        chain = schedule["cpu_bound_critical_path"]
        lines.append(
            f"its longest chain, {sum(step['s'] for step in chain):.0f} s: "
            + ", ".join(f"{step['job']} {step['s']:.0f}" for step in chain)
        )
    for freq, scores in record["frequencies"].items():
        lines.append(
            f"{freq} MHz: score {scores['score']}, {scores['n_det']} detections, "
            f"{scores['n_match']} matches, {scores['n_false']} false, "
            f"macro F1 {scores['macro_f1']}"
            + "".join(f", F1 {name} {f1}" for name, f1 in (scores.get("f1") or {}).items())
        )
    for freq, found in record.get("detections", {}).items():
        lines.append(
            f"{freq} MHz PyBDSF: {found['islands']} islands, {found['sources']} sources, "
            f"{found['gaussians']} Gaussians; negated image {found['negated_searched']} "
            f"sources searched, {found['negated_weighted']} weighed"
        )
    for freq, tiles in record.get("tiles", {}).items():
        lines.append(
            f"{freq} MHz tiles: {tiles['tiles']} jobs, {tiles['cpu_s']} CPU s, "
            f"longest {tiles['max_cpu_s']} CPU s ({tiles['longest']}), "
            f"{tiles['max_cpu_share'] or 0:.1%} of the tiles' CPU time (goal <= "
            f"{GOALS['max_tile_cpu_share']:.0%}); peak {tiles['max_rss_mb']} MB"
        )
    verdicts = {True: "met", False: "NOT met", None: "open (partial record)"}
    for name, goal in record.get("goals", {}).items():
        lines.append(
            f"goal {name} <= {goal['goal']:g}: measured {goal['measured']}, "
            f"{verdicts[goal['met']]}"
        )
    if not record["complete"]:
        lines.append(
            f"PARTIAL: {len(record['missing'])} job(s) without a benchmark file, "
            f"{len(record['stale'])} that would run again, unresolved checkpoints: "
            f"{', '.join(record['unresolved_checkpoints']) or 'none'}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path, nargs="?", help="the folder the workflow ran in")
    parser.add_argument(
        "--record",
        type=Path,
        help="print a committed record (goals judged against today's) instead of a run folder's",
    )
    parser.add_argument("--dataset", help="dataset of the run (default: the DAG's one dataset)")
    parser.add_argument(
        "--snakemake-args",
        default="",
        help="the config arguments and targets the run used, as one string",
    )
    parser.add_argument(
        "--out", type=Path, help="where to write the JSON record (default: print only)"
    )
    parser.add_argument(
        "--results-md",
        type=Path,
        help="also write the printed table between the --block markers of this file",
    )
    parser.add_argument(
        "--block", default="full-run", help="name of the results-md markers (default full-run)"
    )
    args = parser.parse_args(argv)
    if (args.run_dir is None) == (args.record is None):
        parser.error("give either a run folder or --record")
    if args.record is not None and (args.out or args.snakemake_args or args.dataset):
        parser.error("--record reads a committed record: no --out, --snakemake-args or --dataset")

    given = sys.argv[1:] if argv is None else list(argv)
    # The run folder is a place on one machine: the record names it by its role.
    shown = ["RUN_FOLDER" if word == str(args.run_dir) else word for word in given]
    command = shlex.join(["python", "docs/benchmarks/full_sdc1.py", *shown])
    if args.record is not None:
        record = rejudge(json.loads(args.record.read_text()))
    else:
        d3dag = load_dag(args.run_dir, shlex.split(args.snakemake_args))
        record = build_record(d3dag, args.run_dir, dataset=args.dataset, command=command)
    table = format_table(record)
    print(table)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(record, indent=1) + "\n")
    if args.results_md:
        # A sibling module: the scripts run as `python docs/benchmarks/<script>.py`.
        from results_block import write_block

        write_block(args.results_md, args.block, f"```\n$ {command}\n{table}\n```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
