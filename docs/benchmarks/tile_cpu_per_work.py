"""How well a tile plan's work estimate predicts the tiles' CPU time, from a run's own files.

    python docs/benchmarks/tile_cpu_per_work.py RUN_DIR DATASET FREQ

Reads ``results/<DATASET>/tiles/<FREQ>mhz/tiles.json`` (each tile's estimated work share) and
the ``find_sources_tile`` benchmark files of the tiles that have one, and prints the CPU seconds
per unit of work share (minimum, median, maximum) and the CPU time of all the plan's tiles
extrapolated from the finished ones by their work.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("dataset")
    parser.add_argument("freq", type=int)
    args = parser.parse_args()
    plan_path = args.run_dir / f"results/{args.dataset}/tiles/{args.freq}mhz/tiles.json"
    tiles = json.loads(plan_path.read_text())["tiles"]
    bench = args.run_dir / f"benchmarks/{args.dataset}/find_sources_tile"
    done = []
    for tile in tiles:
        path = bench / f"{args.freq}_{tile['name']}.tsv"
        if path.exists():
            done.append(
                (tile["work_share"], float(pd.read_csv(path, sep="\t")["cpu_time"].iloc[-1]))
            )
    if not done:
        raise SystemExit(f"no finished tile of {plan_path}")
    share, cpu = np.array(done).T
    per_work = cpu[share > 0] / share[share > 0]
    summed = f"{cpu.sum():.0f} CPU s, work share {share.sum():.3f}"
    print(f"{len(done)} of {len(tiles)} tiles done: {summed}")
    print(
        "CPU s per 1% of the work: "
        f"min {per_work.min() / 100:.1f}, median {np.median(per_work) / 100:.1f}, "
        f"max {per_work.max() / 100:.1f}"
    )
    print(f"all {len(tiles)} tiles, extrapolated by work: {cpu.sum() / share.sum():.0f} CPU s")


if __name__ == "__main__":
    main()
