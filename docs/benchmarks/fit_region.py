"""What fitting only the islands that reach a tile's core saves, on a run's planned tiles.

    python docs/benchmarks/fit_region.py RUN_DIR DATASET [--freq F ...] [--tiles N] \
        [--out JSON] [--results-md docs/results.md --block fit-region]

For N tiles of each frequency's plan (spread through it, blank ones skipped), the workflow's
PyBDSF step (``sdc1.find_sources.find_sources_in_tile``, the run's background and ``sourcefind``
settings, the image only) runs twice in this process: fitting every island of the tile, as the
workflow did before, and fitting only the islands that reach the core (``fit_region``, the
workflow's now). One JSON line per tile on stderr: CPU seconds each way, the core's sources and a
digest of their fitted values each way (equal: the same catalogue, to the last bit); each way
goes first on every other tile. Then per
frequency: the tiles' pixels over their cores' pixels, the median CPU ratio, and whether every
digest agreed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from results_block import publish_rows, run_arguments  # noqa: E402
from tile_overlap import cpu_seconds, digest, fit_every_island  # noqa: E402

from sdc1.background import load_grid  # noqa: E402
from sdc1.find_sources import find_sources_in_tile  # noqa: E402
from sdc1.tiles import pybdsf_settings, read_plan  # noqa: E402


def spread(tiles: list[Any], n: int) -> list[Any]:
    """``n`` tiles spread through the plan's order (the middle of ``n`` equal runs)."""
    if n >= len(tiles):
        return list(tiles)
    return [tiles[int((i + 0.5) * len(tiles) / n)] for i in range(n)]


def measure(run_dir: Path, dataset: str, freq: int, n_tiles: int) -> dict[str, Any] | None:
    """The figures of one frequency (None without a plan)."""
    results = run_dir / "results" / dataset
    plan_path = results / f"tiles/{freq}mhz/tiles.json"
    if not plan_path.is_file():
        return None
    sourcefind = yaml.safe_load((run_dir / "config/config.yaml").read_text())["sourcefind"]
    settings = pybdsf_settings(sourcefind)
    grid = load_grid(results / f"background/{freq}mhz.npz")
    image = results / f"pbcor/{freq}mhz.fits"
    tiles = []
    for index, tile in enumerate(spread(read_plan(plan_path), n_tiles)):
        runs = {}
        ways = [("core", None), ("all", fit_every_island)]
        # Each way goes first on every other tile: the first run reads the tile from disk.
        for way, finder in ways[:: 1 if index % 2 == 0 else -1]:
            start = cpu_seconds()
            sources, gaussians = find_sources_in_tile(image, grid, tile, settings, finder=finder)
            runs[way] = {
                "cpu_s": round(cpu_seconds() - start, 2),
                "sources": len(sources),
                "digest": digest(sources, gaussians),
            }
        if runs["all"]["sources"] == 0:
            continue  # blank, or nothing found: no fitting to compare
        searched = tile.shape[0] * tile.shape[1] / tile.core_pixels
        row = {"freq": freq, "tile": tile.name, "pixels_per_core_pixel": round(searched, 3)}
        row.update(runs)
        print(json.dumps(row), file=sys.stderr, flush=True)
        tiles.append(row)
    if not tiles:
        return None
    ratios = [t["core"]["cpu_s"] / t["all"]["cpu_s"] for t in tiles]
    return {
        "freq": freq,
        "tiles": len(tiles),
        "pixels_per_core_pixel": round(
            statistics.median(t["pixels_per_core_pixel"] for t in tiles), 3
        ),
        "cpu_s_all": round(sum(t["all"]["cpu_s"] for t in tiles), 1),
        "cpu_s_core": round(sum(t["core"]["cpu_s"] for t in tiles), 1),
        "cpu_ratio_median": round(statistics.median(ratios), 3),
        "cpu_ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
        "same_catalogue": all(t["core"]["digest"] == t["all"]["digest"] for t in tiles),
        "runs": tiles,
    }


def format_text(rows: list[dict[str, Any]]) -> str:
    lines = [
        "MHz   tiles  pixels/core pixel  CPU s every island  CPU s core islands  "
        "median ratio (range)  same catalogue"
    ]
    for r in rows:
        lo, hi = r["cpu_ratio_range"]
        lines.append(
            f"{r['freq']:<6}{r['tiles']:<7}{r['pixels_per_core_pixel']:<19}{r['cpu_s_all']:<20}"
            f"{r['cpu_s_core']:<20}{r['cpu_ratio_median']} ({lo}-{hi}){'':7}{r['same_catalogue']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    run_arguments(parser, "fit-region")
    parser.add_argument("--tiles", type=int, default=3, help="tiles per frequency")
    args = parser.parse_args(argv)
    start = time.monotonic()
    rows = [r for f in args.freq if (r := measure(args.run_dir, args.dataset, f, args.tiles))]
    command = f"python docs/benchmarks/fit_region.py <run> {args.dataset} --tiles {args.tiles}"
    publish_rows(rows, format_text(rows), command, args)
    print(f"({time.monotonic() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
