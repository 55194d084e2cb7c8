"""The headline figures with their intervals, from a run's score files: docs/headline.json.

    python docs/benchmarks/headline.py [RUN_FOLDER] [--seed-run DATASET=FOLDER ...]

Reads ``results/<dataset>/scores/*.json`` of the synthetic default, the real cutout and the
small real cutout (those that the run folder has) and writes, for each frequency, the SDC
score, the false detections, macro and per-class F1 and the class counts (summed calibrated
probabilities, beside the true counts): each with its value, its 95% interval from the
sky-block bootstrap of the score stage (``intervals`` of the score file, `config.score.bootstrap`),
the dataset and the command that made it. ``--seed-run synthetic=FOLDER`` (repeatable) adds
the same dataset run with other seeds (``docs/benchmarks/seed_runs.py``: forest, folds and
calibration folds): each figure then also carries ``seeds``, its value in every run, and
``seed_range``, and the dataset the seed runs' commands. The README and docs/results.md
show the tables written between their ``headline`` markers (the README a short one, beside
the published solution's score and the whole-SDC1 record's cost, from
``docs/benchmarks/full_sdc1*.json``); tests/workflow checks fresh runs of the small cutout
against it. ``--from-record docs/headline.json`` rewrites the tables from the record alone.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

# A sibling module: the scripts run as `python docs/benchmarks/<script>.py`.
from results_block import write_block

REPO = Path(__file__).resolve().parents[2]
CLASS_KEYS = ("ss_agn", "fs_agn", "sfg")
#: The datasets of the headline and the command that runs each (from the repository root).
COMMANDS = {
    "synthetic": "make run",
    "sdc1_cutout": "snakemake --cores 2 --config dataset=sdc1_cutout mirror=../shared/sdc1-sample",
    "sdc1_cutout_small": (
        "snakemake --cores 2 --config dataset=sdc1_cutout_small mirror=../shared/sdc1-sample"
    ),
}


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def frequency_figures(scores: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """One score file's headline figures: name -> {value, interval}."""
    intervals = scores.get("intervals") or {}
    classification = scores["classification"]
    per_class = classification.get("per_class") or {}
    n_det = scores["n_det"]
    figures: dict[str, dict[str, Any]] = {
        "score": {"value": _round(scores["score"], 2), "interval": intervals.get("score")},
        "n_det": {"value": n_det, "interval": None},
        "n_false": {"value": scores["n_false"], "interval": intervals.get("n_false")},
        "false_fraction": {
            "value": _round(scores["n_false"] / n_det) if n_det else None,
            "interval": intervals.get("false_fraction"),
        },
        "macro_f1": {
            "value": _round(classification.get("macro_f1")),
            "interval": intervals.get("macro_f1"),
        },
    }
    for key in CLASS_KEYS:
        if key in per_class:
            figures[f"f1_{key}"] = {
                "value": _round(per_class[key]["f1"]),
                "interval": (intervals.get("f1") or {}).get(key),
                "support": per_class[key]["support"],
            }
    values = intervals.get("values") or {}
    for key in CLASS_KEYS:
        if key in values.get("class_counts", {}):
            figures[f"count_{key}"] = {
                "value": _round(values["class_counts"][key], 1),
                "interval": intervals["class_counts"][key],
                "true": values["true_counts"][key],
            }
    return figures


def dataset_figures(run: Path, dataset: str) -> dict[str, dict[str, Any]]:
    """``{freq: figures}`` of one dataset's score files in ``run``."""
    folder = run / "results" / dataset / "scores"
    return {
        path.name.removesuffix("mhz.json"): frequency_figures(json.loads(path.read_text()))
        for path in sorted(folder.glob("*mhz.json"), key=lambda p: int(p.name[:-8]))
    }


def add_seed_runs(entries: dict[str, Any], dataset: str, runs: list[Path]) -> None:
    """Each figure's value in the same dataset run with other seeds, and their range."""
    others = [dataset_figures(run, dataset) for run in runs]
    for freq, figures in entries.items():
        for name, figure in figures.items():
            values = [figure["value"]] + [
                o.get(freq, {}).get(name, {}).get("value") for o in others
            ]
            values = [v for v in values if v is not None]
            figure["seeds"] = values
            figure["seed_range"] = [min(values), max(values)] if values else None


def seed_run(folder: Path) -> dict[str, Any]:
    """Seed and command of a seed run (``seed_run.json``, ``docs/benchmarks/seed_runs.py``)."""
    record = folder / "seed_run.json"
    if not record.exists():
        return {"seed": None, "command": None}
    found = json.loads(record.read_text())
    return {"seed": found["seed"], "command": found["command"]}


def git_commit() -> str | None:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    )
    return result.stdout.strip() or None


def headline(run: Path, seed_runs: dict[str, list[Path]]) -> dict[str, Any]:
    """The headline record of a run folder."""
    datasets = {}
    for dataset, command in COMMANDS.items():
        figures = dataset_figures(run, dataset)
        if not figures:
            continue
        datasets[dataset] = {"command": command, "frequencies": figures}
        if dataset in seed_runs:
            add_seed_runs(figures, dataset, seed_runs[dataset])
            datasets[dataset]["seed_runs"] = [seed_run(folder) for folder in seed_runs[dataset]]
    return {
        "about": (
            "value: the figure of the run; interval: its 95% range from a bootstrap over sky "
            "blocks (config score.bootstrap), the spread another draw of sky gives; seeds: "
            "the value in runs with other seeds, where given. Written by "
            "docs/benchmarks/headline.py from the score files, never by hand."
        ),
        "code": git_commit(),
        "machine": {"python": platform.python_version(), "numpy": np.__version__},
        "datasets": datasets,
    }


def _cell(figure: dict[str, Any] | None, digits: int) -> str:
    if figure is None or figure["value"] is None:
        return "-"
    text = f"{figure['value']:.{digits}f}"
    if figure.get("interval"):
        low, high = figure["interval"]
        text += f" [{low:.{digits}f}, {high:.{digits}f}]"
    if figure.get("seed_range") and len(figure.get("seeds", [])) > 1:
        low, high = figure["seed_range"]
        text += f" (seeds {low:.{digits}f}-{high:.{digits}f})"
    return text


def table(record: dict[str, Any]) -> str:
    """The markdown table of the headline."""
    lines = [
        "| dataset | MHz | detections | false (fraction) | SDC score | macro F1 | "
        "F1 SS-AGN / FS-AGN / SFG (support) |",
        "|---|---|---|---|---|---|---|",
    ]
    for dataset, entry in record["datasets"].items():
        for freq, f in entry["frequencies"].items():
            per_class = " / ".join(
                f"{_cell(f.get(f'f1_{k}'), 2)} ({f[f'f1_{k}']['support']})"
                if f"f1_{k}" in f
                else "-"
                for k in CLASS_KEYS
            )
            lines.append(
                f"| `{dataset}` | {freq} | {f['n_det']['value']} | "
                f"{_cell(f['false_fraction'], 3)} | {_cell(f['score'], 0)} | "
                f"{_cell(f['macro_f1'], 2)} | {per_class} |"
            )
    commands = "; ".join(f"`{d}`: `{e['command']}`" for d, e in record["datasets"].items())
    seeded = sorted(
        {str(run["seed"]) for e in record["datasets"].values() for run in e.get("seed_runs", [])}
    )
    seeds = (
        " (seeds low-high): the range over the run and its repeats with `classifier.seed` and "
        f"`calibrate.seed` {', '.join(seeded)} (forest, folds, calibration folds; "
        "`docs/benchmarks/seed_runs.py`, commands in `docs/headline.json`)"
        if seeded
        else ""
    )
    return (
        "\n".join(lines)
        + f"\n\nValues [95% sky-block bootstrap interval]{seeds}; code `{record['code']}`. "
        f"Commands: {commands}. From `docs/headline.json` (`make headline`)."
    )


#: The SKA Observatory's published solution on the real cutout (ska-sdc 2.0.0, mode 0,
#: ../shared/sdc1-sample/README.md): its score; it classifies every source as SFG.
PUBLISHED = {("sdc1_cutout", "560"): "1255"}
#: The whole-SDC1 records of docs/benchmarks, deepest first, and their depth in hours.
FULL_RECORDS = (("full_sdc1.json", 1000), ("full_sdc1_100h.json", 100), ("full_sdc1_8h.json", 8))


def short_table(record: dict[str, Any]) -> str:
    """The README's headline: score and macro F1 with intervals, beside the published solution."""
    lines = [
        "| data | MHz | SDC score [95%] | macro F1 [95%] | false fraction [95%] "
        "| published solution |",
        "|---|---|---|---|---|---|",
    ]
    for dataset, entry in record["datasets"].items():
        for freq, f in entry["frequencies"].items():
            published = PUBLISHED.get((dataset, freq), "-")
            lines.append(
                f"| `{dataset}` | {freq} | {_cell(_no_seeds(f['score']), 0)} | "
                f"{_cell(_no_seeds(f['macro_f1']), 2)} | "
                f"{_cell(_no_seeds(f['false_fraction']), 3)} | {published} |"
            )
    return "\n".join(lines)


def _no_seeds(figure: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if figure is None else {k: v for k, v in figure.items() if k != "seed_range"}


def full_sdc1_summary(folder: Path) -> str:
    """One line per whole-SDC1 record: what ran, its CPU hours and largest peak RSS."""
    lines = []
    for name, depth in FULL_RECORDS:
        path = folder / name
        if not path.exists():
            continue
        record = json.loads(path.read_text())
        totals, scored = record["totals"], sorted(record.get("frequencies", {}), key=int)
        state = "complete" if record.get("complete") else "not run to the end yet (partial record)"
        scores = ", ".join(
            f"{freq} MHz {record['frequencies'][freq]['score']:,.0f}" for freq in scored
        )
        so_far = "" if record.get("complete") else " so far"
        lines.append(
            f"- {depth} h: {state}; {totals['cpu_h']:.2f} CPU hours over {totals['jobs']} jobs"
            f"{so_far}, largest peak RSS {totals['max_rss_mb'] / 1000:.1f} GB "
            f"({totals['max_rss_job']}); scored: {scores or 'none yet'} "
            f"([record](docs/benchmarks/{name}))"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", default=".", type=Path, help="run folder")
    parser.add_argument(
        "--seed-run",
        action="append",
        default=[],
        metavar="DATASET=FOLDER",
        help="a run folder of DATASET with other seeds (repeatable)",
    )
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "headline.json")
    parser.add_argument(
        "--from-record",
        type=Path,
        help="render the tables from this headline record instead of a run folder",
    )
    parser.add_argument("--readme", type=Path, default=REPO / "README.md")
    parser.add_argument("--results-md", type=Path, default=REPO / "docs" / "results.md")
    args = parser.parse_args()
    seed_runs: dict[str, list[Path]] = {}
    for item in args.seed_run:
        dataset, _, folder = item.partition("=")
        seed_runs.setdefault(dataset, []).append(Path(folder))
    if args.from_record:
        record = json.loads(args.from_record.read_text())
    else:
        record = headline(args.run, seed_runs)
        if not record["datasets"]:
            parser.error(f"{args.run}: no score files of {', '.join(COMMANDS)}")
        args.out.write_text(json.dumps(record, indent=1) + "\n")
    text = table(record)
    print(text)
    write_block(args.results_md, "headline", text)
    write_block(args.readme, "headline", short_table(record))
    write_block(args.readme, "full-sdc1", full_sdc1_summary(REPO / "docs" / "benchmarks"))


if __name__ == "__main__":
    main()
