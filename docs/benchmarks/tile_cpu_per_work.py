"""Where the tiles' CPU time goes, and how well the plan's work estimate predicts it, from a run's
own files.

    python docs/benchmarks/tile_cpu_per_work.py RUN_DIR DATASET FREQ

Reads ``results/<DATASET>/tiles/<FREQ>mhz/tiles.json`` (each tile's rows, columns, core and
estimated work share) and, for every tile that has run, its ``find_sources_tile`` benchmark file
and log. Prints:

- the tiles done and their CPU time: each job's own figure from its log
  (:func:`sdc1.logs.logged_cpu_seconds`) where the log has it, else Snakemake's sampled
  ``cpu_time``, and Snakemake's sum beside it;
- the CPU seconds per unit of work share (minimum, median, maximum) and the CPU time of all the
  plan's tiles extrapolated from the finished ones by their work;
- the pixels searched against the core pixels (what the overlaps add);
- the share of PyBDSF's time spent on the negated image (the ``PyBDSF found ... in X s`` lines of
  the logs: wall seconds of the two searches of each tile).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from sdc1.logs import logged_cpu_seconds

#: The line :func:`sdc1.find_sources.find_sources_in_tile` logs after each PyBDSF search.
SEARCH_LINE = re.compile(
    r"tile \S+?( \(negated\))?: PyBDSF found \d+ sources, \d+ Gaussians "
    r"in ([0-9.]+) s"
)


def search_seconds(log: Path) -> tuple[float, float]:
    """Wall seconds of PyBDSF on the tile and on the negated tile, from a tile job's log."""
    image = negated = 0.0
    if log.is_file():
        for match in SEARCH_LINE.finditer(log.read_text(errors="replace")):
            if match.group(1):
                negated += float(match.group(2))
            else:
                image += float(match.group(2))
    return image, negated


def pixels(span: list[int]) -> int:
    return int(span[1]) - int(span[0])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("dataset")
    parser.add_argument("freq", type=int)
    parser.add_argument(
        "--results-md",
        type=Path,
        help="also write what is printed between the tile-costs:FREQ markers of this file",
    )
    args = parser.parse_args()
    lines: list[str] = []
    plan_path = args.run_dir / f"results/{args.dataset}/tiles/{args.freq}mhz/tiles.json"
    tiles = json.loads(plan_path.read_text())["tiles"]
    bench = args.run_dir / f"benchmarks/{args.dataset}/find_sources_tile"
    logs = args.run_dir / f"logs/{args.dataset}/find_sources_tile"
    rows = []
    for tile in tiles:
        path = bench / f"{args.freq}_{tile['name']}.tsv"
        if not path.exists():
            continue
        log = logs / f"{args.freq}_{tile['name']}.log"
        sampled = float(pd.read_csv(path, sep="\t")["cpu_time"].iloc[-1])
        logged = logged_cpu_seconds(log)
        image_s, negated_s = search_seconds(log)
        rows.append(
            {
                "share": tile["work_share"],
                "cpu": sampled if logged is None else logged,
                "sampled": sampled,
                "logged": logged is not None,
                "searched_px": pixels(tile["rows"]) * pixels(tile["cols"]),
                "core_px": pixels(tile["core_rows"]) * pixels(tile["core_cols"]),
                "image_s": image_s,
                "negated_s": negated_s,
            }
        )
    if not rows:
        raise SystemExit(f"no finished tile of {plan_path}")
    done = pd.DataFrame(rows)
    share, cpu = done["share"].to_numpy(), done["cpu"].to_numpy()
    lines.append(
        f"{len(done)} of {len(tiles)} tiles done: {cpu.sum():.0f} CPU s "
        f"({int(done['logged'].sum())} from the jobs' logs; Snakemake's benchmarks: "
        f"{done['sampled'].sum():.0f}), work share {share.sum():.3f}"
    )
    per_work = cpu[share > 0] / share[share > 0]
    if per_work.size:
        lines.append(
            "CPU s per 1% of the work: "
            f"min {per_work.min() / 100:.1f}, median {np.median(per_work) / 100:.1f}, "
            f"max {per_work.max() / 100:.1f}"
        )
    if share.sum() > 0:
        lines.append(
            f"all {len(tiles)} tiles, extrapolated by work: {cpu.sum() / share.sum():.0f} CPU s"
        )
    planned = sum(pixels(t["rows"]) * pixels(t["cols"]) for t in tiles) / sum(
        pixels(t["core_rows"]) * pixels(t["core_cols"]) for t in tiles
    )
    finished = done["searched_px"].sum() / done["core_px"].sum()
    lines.append(
        f"pixels searched / core pixels: {finished:.2f} (finished tiles), {planned:.2f} (plan)"
    )
    searched = done["image_s"].sum() + done["negated_s"].sum()
    if searched > 0:
        lines.append(
            f"PyBDSF wall time on the negated image: {done['negated_s'].sum() / searched:.0%} "
            f"of {searched:.0f} s"
        )
    text = "\n".join(lines)
    print(text)
    if args.results_md:
        # A sibling module: the scripts run as `python docs/benchmarks/<script>.py`.
        from results_block import write_block

        command = f"$ python docs/benchmarks/tile_cpu_per_work.py <run> {args.dataset} {args.freq}"
        write_block(args.results_md, f"tile-costs:{args.freq}", f"```\n{command}\n{text}\n```")


if __name__ == "__main__":
    main()
