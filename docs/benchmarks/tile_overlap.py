"""PyBDSF on one planned tile of a run, with its core grown by a chosen overlap: CPU time and
what it keeps.

    python docs/benchmarks/tile_overlap.py RUN_DIR DATASET FREQ TILE OVERLAP [OVERLAP ...]

Each overlap is one run of the workflow's PyBDSF step (``sdc1.find_sources.find_sources_in_tile``,
the shared background, the run's ``sourcefind`` settings) on the tile's core from
``results/<DATASET>/tiles/<FREQ>mhz/tiles.json``; one JSON line each: the tile's shape, CPU and
wall seconds, and the sources and Gaussians of the core that it keeps.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

import yaml

from sdc1.background import load_grid
from sdc1.find_sources import find_sources_in_tile
from sdc1.tiles import Tile, grow_core, pybdsf_settings


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("dataset")
    parser.add_argument("freq", type=int)
    parser.add_argument("tile")
    parser.add_argument("overlaps", type=int, nargs="+")
    args = parser.parse_args()
    results = args.run_dir / "results" / args.dataset
    plan = json.loads((results / f"tiles/{args.freq}mhz/tiles.json").read_text())
    planned = next(t for t in plan["tiles"] if t["name"] == args.tile)
    grid = load_grid(results / f"background/{args.freq}mhz.npz")
    sourcefind = yaml.safe_load((args.run_dir / "config/config.yaml").read_text())["sourcefind"]
    settings = pybdsf_settings(sourcefind)
    core_rows, core_cols = tuple(planned["core_rows"]), tuple(planned["core_cols"])
    for overlap in args.overlaps:
        rows = grow_core(core_rows, overlap, plan["shape"][0])
        cols = grow_core(core_cols, overlap, plan["shape"][1])
        tile = Tile(args.tile, rows, cols, core_rows, core_cols)
        cpu, wall = cpu_seconds(), time.monotonic()
        image = results / f"pbcor/{args.freq}mhz.fits"
        sources, gaussians = find_sources_in_tile(image, grid, tile, settings)
        record = {
            "tile": args.tile,
            "overlap": overlap,
            "shape": tile.shape,
            "cpu_s": round(cpu_seconds() - cpu, 1),
            "wall_s": round(time.monotonic() - wall, 1),
            "sources": len(sources),
            "gaussians": len(gaussians),
        }
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
