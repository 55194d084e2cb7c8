"""Where PyBDSF's time goes on the tiles of one image: measured against the work map.

    python docs/benchmarks/tile_work.py IMAGE BACKGROUND --tiles r16384c16384,r16384c20480 \
        [--core 1024] [--ncores 1 2] [--profile r16384c16384] [--out tile_work.json]

For each named tile (its core's first row and column, ``rRRRRRcCCCCC``, with the
config's overlap) this runs the workflow's PyBDSF step
(``sdc1.find_sources.find_sources_in_tile`` with the shared background) once per
``--ncores`` value and prints, side by side:
wall and CPU seconds (this process and its PyBDSF workers), the tile's non-blank
pixels and pixels above ``thresh_pix`` (``sdc1.tiles.work_map``), and the sources
found. It then fits ``cpu_s = a * valid + b * bright`` by least squares (ncores 1)
and prints ``a / b``, the pixel cost that ``sdc1.tiles.PIXEL_COST`` should hold.
``--profile TILE`` runs cProfile on that tile and prints the 25 most expensive calls
(cumulative), grouped by PyBDSF operation.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import time
from pathlib import Path

import numpy as np
import yaml

from sdc1.background import load_grid
from sdc1.find_sources import find_sources, find_sources_in_tile  # noqa: F401 (slow, untimed)
from sdc1.logs import cpu_seconds  # this process and its PyBDSF ncores workers
from sdc1.tiles import Tile, work_map
from sdc1.tiles import grow_core as _grow

REPO = Path(__file__).resolve().parents[2]


def tile_named(name: str, core: int, overlap: int, shape: tuple[int, int]) -> Tile:
    row, col = int(name[1:6]), int(name[7:12])
    core_rows, core_cols = (row, min(row + core, shape[0])), (col, min(col + core, shape[1]))
    return Tile(
        name,
        _grow(core_rows, overlap, shape[0]),
        _grow(core_cols, overlap, shape[1]),
        core_rows,
        core_cols,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("image")
    parser.add_argument("background")
    parser.add_argument("--tiles", required=True, help="comma-separated tile names rRRRRRcCCCCC")
    parser.add_argument("--core", type=int, default=1024)
    parser.add_argument("--ncores", type=int, nargs="+", default=[1])
    parser.add_argument("--profile", default=None)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()

    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["sourcefind"]
    overlap = int(config["tile_overlap"])
    settings = {
        k: v
        for k, v in sorted(config.items())
        if k not in ("tile_size", "tile_overlap", "job_mem_mb", "max_tile_work")
    }
    grid = load_grid(args.background)
    work = work_map(args.image, grid, float(config["thresh_pix"]))
    rows = []
    for name in args.tiles.split(","):
        tile = tile_named(name, args.core, overlap, grid.shape)
        r0, r1 = tile.rows[0] // work.block, -(-tile.rows[1] // work.block)
        c0, c1 = tile.cols[0] // work.block, -(-tile.cols[1] // work.block)
        valid, bright = int(work.valid[r0:r1, c0:c1].sum()), int(work.bright[r0:r1, c0:c1].sum())
        for ncores in args.ncores:
            wall0, cpu0 = time.monotonic(), sum(cpu_seconds())
            if args.profile == name and ncores == args.ncores[0]:
                profiler = cProfile.Profile()
                sources, _ = profiler.runcall(
                    find_sources_in_tile, args.image, grid, tile, settings, ncores=ncores
                )
                stream = io.StringIO()
                pstats.Stats(profiler, stream=stream).sort_stats("cumulative").print_stats(25)
                print(stream.getvalue())
            else:
                sources, _ = find_sources_in_tile(args.image, grid, tile, settings, ncores=ncores)
            row = {
                "tile": name,
                "ncores": ncores,
                "wall_s": round(time.monotonic() - wall0, 1),
                "cpu_s": round(sum(cpu_seconds()) - cpu0, 1),
                "valid": valid,
                "bright": bright,
                "n_sources": len(sources),
            }
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(
        f"{'tile':14s} {'ncores':>6s} {'wall s':>8s} {'CPU s':>8s} {'valid px':>10s} "
        f"{'bright px':>10s} {'sources':>8s}"
    )
    for row in rows:
        print(
            f"{row['tile']:14s} {row['ncores']:6d} {row['wall_s']:8.1f} {row['cpu_s']:8.1f} "
            f"{row['valid']:10d} {row['bright']:10d} {row['n_sources']:8d}"
        )
    single = [r for r in rows if r["ncores"] == args.ncores[0]]
    if len(single) >= 2:
        design = np.array([[r["valid"], r["bright"]] for r in single], dtype=float)
        cpu = np.array([r["cpu_s"] for r in single])
        (a, b), *_ = np.linalg.lstsq(design, cpu, rcond=None)
        predicted = design @ [a, b]
        print(
            f"fit cpu_s = {a:.3g} * valid + {b:.3g} * bright; pixel cost a/b = {a / b:.3g}; "
            f"max |error| {np.max(np.abs(predicted - cpu) / cpu):.0%}"
        )
    if args.out:
        Path(args.out).write_text(json.dumps(rows, indent=1) + "\n")


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    main()
