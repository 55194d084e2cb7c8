"""PyBDSF on one planned tile of a run, with its core grown by a chosen overlap and at chosen
peak thresholds: CPU time and what it keeps.

    python docs/benchmarks/tile_overlap.py RUN_DIR DATASET FREQ TILE OVERLAP [OVERLAP ...] \
        [--thresh-pix T [T ...]] [--negated] [--islands core|all|both]

Each overlap (and ``thresh_pix``, default the run's) is one run of the workflow's PyBDSF step
(``sdc1.find_sources.find_sources_in_tile``, the shared background, the run's ``sourcefind``
settings) on the tile's core from ``results/<DATASET>/tiles/<FREQ>mhz/tiles.json``, on the image
or, with ``--negated``, on the negated image; one JSON line each: the tile's shape, CPU and wall
seconds, the sources and Gaussians of the core that it keeps, and how many of those have a peak
S/N at or above the highest threshold asked for (a higher ``thresh_pix`` only drops islands whose
peak is below it, so that count shows whether anything above it is lost), and a digest of their
fitted values. ``--islands all`` fits every island of the tile, as the workflow did before it
fitted only the islands that reach the core (``--islands both``: each way, equal digests meaning
the same catalogue).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import resource
import time
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from sdc1.background import load_grid
from sdc1.catalogue import peak_snr
from sdc1.find_sources import find_sources, find_sources_in_tile
from sdc1.tiles import Tile, grow_core, pybdsf_settings


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def fit_every_island(*args: Any, fit_region: Any = None, **kwargs: Any) -> Any:
    """PyBDSF with every island of the tile fitted, the overlap's too (before the workflow's
    ``fit_region``)."""
    return find_sources(*args, **kwargs)


def digest(sources: pd.DataFrame, gaussians: pd.DataFrame) -> str:
    """SHA-256 (first 12 hex digits) of the core's fitted values, in position order: equal
    digests, the same catalogue to the last bit."""
    values = []
    for table, columns in ((sources, SOURCE_VALUES), (gaussians, SOURCE_VALUES)):
        if len(table):
            values.append(table[columns].sort_values(["RA", "DEC"]).to_numpy(dtype=float))
    return hashlib.sha256(b"".join(v.tobytes() for v in values)).hexdigest()[:12]


#: The fitted values compared by :func:`digest`.
SOURCE_VALUES = ["RA", "DEC", "Total_flux", "Peak_flux", "Maj", "Min", "PA", "Isl_rms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("dataset")
    parser.add_argument("freq", type=int)
    parser.add_argument("tile")
    parser.add_argument("overlaps", type=int, nargs="+")
    parser.add_argument("--thresh-pix", type=float, nargs="+", help="peak thresholds (rms)")
    parser.add_argument("--negated", action="store_true", help="search the negated image")
    parser.add_argument(
        "--islands",
        choices=["core", "all", "both"],
        default="core",
        help="fit the islands that reach the core (the workflow's), every island, or both",
    )
    args = parser.parse_args()
    results = args.run_dir / "results" / args.dataset
    plan = json.loads((results / f"tiles/{args.freq}mhz/tiles.json").read_text())
    planned = next(t for t in plan["tiles"] if t["name"] == args.tile)
    grid = load_grid(results / f"background/{args.freq}mhz.npz")
    sourcefind = yaml.safe_load((args.run_dir / "config/config.yaml").read_text())["sourcefind"]
    settings = pybdsf_settings(sourcefind)
    core_rows, core_cols = tuple(planned["core_rows"]), tuple(planned["core_cols"])
    thresholds = args.thresh_pix or [settings["thresh_pix"]]
    fit_all = {"core": [False], "all": [True], "both": [False, True]}[args.islands]
    for overlap, thresh_pix, all_islands in itertools.product(args.overlaps, thresholds, fit_all):
        rows = grow_core(core_rows, overlap, plan["shape"][0])
        cols = grow_core(core_cols, overlap, plan["shape"][1])
        tile = Tile(args.tile, rows, cols, core_rows, core_cols)
        cpu, wall = cpu_seconds(), time.monotonic()
        image = results / f"pbcor/{args.freq}mhz.fits"
        sources, gaussians = find_sources_in_tile(
            image,
            grid,
            tile,
            {**settings, "thresh_pix": thresh_pix},
            negate=args.negated,
            finder=fit_every_island if all_islands else None,
        )
        record = {
            "tile": args.tile,
            "overlap": overlap,
            "thresh_pix": thresh_pix,
            "negated": args.negated,
            "islands": "all" if all_islands else "core",
            "shape": tile.shape,
            "cpu_s": round(cpu_seconds() - cpu, 1),
            "wall_s": round(time.monotonic() - wall, 1),
            "sources": len(sources),
            "gaussians": len(gaussians),
            "sources_above_highest": int((peak_snr(sources) >= max(thresholds)).sum()),
            "digest": digest(sources, gaussians),
        }
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
