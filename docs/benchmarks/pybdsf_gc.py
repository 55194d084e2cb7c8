"""What letting PyBDSF's garbage collections walk only new objects saves, on a run's tiles.

    python docs/benchmarks/pybdsf_gc.py RUN_DIR DATASET [--freq F ...] [--tiles N] \
        [--out JSON] [--results-md docs/results.md --block pybdsf-gc]

For N tiles of each frequency's plan (spread through it, blank ones skipped), the workflow's
PyBDSF step (``sdc1.find_sources.find_sources_in_tile``, the run's background and ``sourcefind``
settings, the image only) runs twice, each in a process of its own so that each peak RSS is
its own: with PyBDSF's garbage collections as PyBDSF makes them (a full collection after each
step, automatic ones between), and as the workflow runs it now
(``sdc1.pybdsf_patches.pybdsf_collects_new_objects_only``). One JSON line per tile on stderr:
CPU seconds, peak RSS and a digest of the fitted values each way; each way goes first on
every other tile. Then per frequency: the median CPU ratio, the largest peak each way, and
whether every digest agreed (the same catalogue, to the last bit).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from fit_region import spread  # noqa: E402
from results_block import (  # noqa: E402
    measure_in_own_process,
    one_measurement,
    publish_rows,
    run_arguments,
)
from tile_overlap import cpu_seconds, digest  # noqa: E402

WAYS = ("as_pybdsf", "new_only")


def search_once(run_dir: Path, dataset: str, freq: int, tile_name: str, way: str) -> dict:
    """One tile searched one ``way`` in this process: CPU s, peak RSS (MB) and digest."""
    import sdc1.find_sources
    from sdc1.background import load_grid
    from sdc1.tiles import pybdsf_settings, read_plan

    if way == "as_pybdsf":
        sdc1.find_sources.pybdsf_collects_new_objects_only = contextlib.nullcontext
    results = run_dir / "results" / dataset
    sourcefind = yaml.safe_load((run_dir / "config/config.yaml").read_text())["sourcefind"]
    grid = load_grid(results / f"background/{freq}mhz.npz")
    plan = read_plan(results / f"tiles/{freq}mhz/tiles.json")
    tile = next(t for t in plan if t.name == tile_name)
    start = cpu_seconds()
    sources, gaussians = sdc1.find_sources.find_sources_in_tile(
        results / f"pbcor/{freq}mhz.fits", grid, tile, pybdsf_settings(sourcefind)
    )
    return {
        "cpu_s": round(cpu_seconds() - start, 2),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "sources": len(sources),
        "digest": digest(sources, gaussians),
    }


def measure(run_dir: Path, dataset: str, freq: int, n_tiles: int) -> dict[str, Any] | None:
    """The figures of one frequency (None without a plan)."""
    from sdc1.tiles import read_plan

    plan_path = run_dir / "results" / dataset / f"tiles/{freq}mhz/tiles.json"
    if not plan_path.is_file():
        return None
    # Tiles with work: pixels above the peak threshold (blank edge tiles have none).
    names = {t["name"] for t in json.loads(plan_path.read_text())["tiles"] if t["work"] > 0}
    worked = [t for t in read_plan(plan_path) if t.name in names]
    tiles = []
    for index, tile in enumerate(spread(worked, n_tiles)):
        row: dict[str, Any] = {"freq": freq, "tile": tile.name}
        for way in WAYS[:: 1 if index % 2 == 0 else -1]:
            row[way] = measure_in_own_process(
                __file__, str(run_dir), dataset, str(freq), tile.name, way
            )
        print(json.dumps(row), file=sys.stderr, flush=True)
        tiles.append(row)
    if not tiles:
        return None
    ratios = [t["new_only"]["cpu_s"] / t["as_pybdsf"]["cpu_s"] for t in tiles]
    return {
        "freq": freq,
        "tiles": len(tiles),
        "cpu_s_as_pybdsf": round(sum(t["as_pybdsf"]["cpu_s"] for t in tiles), 1),
        "cpu_s_new_only": round(sum(t["new_only"]["cpu_s"] for t in tiles), 1),
        "cpu_ratio_median": round(statistics.median(ratios), 3),
        "cpu_ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
        "peak_mb_as_pybdsf": max(t["as_pybdsf"]["peak_mb"] for t in tiles),
        "peak_mb_new_only": max(t["new_only"]["peak_mb"] for t in tiles),
        "same_catalogue": all(t["new_only"]["digest"] == t["as_pybdsf"]["digest"] for t in tiles),
        "runs": tiles,
    }


def format_text(rows: list[dict[str, Any]]) -> str:
    lines = [
        "MHz   tiles  CPU s as PyBDSF  CPU s new only  median ratio (range)  "
        "peak MB as PyBDSF / new only  same catalogue"
    ]
    for r in rows:
        lo, hi = r["cpu_ratio_range"]
        cells = [
            f"{r['freq']:<6}{r['tiles']:<7}",
            f"{r['cpu_s_as_pybdsf']:<17}{r['cpu_s_new_only']:<16}",
            f"{r['cpu_ratio_median']} ({lo}-{hi})".ljust(22),
            f"{r['peak_mb_as_pybdsf']} / {r['peak_mb_new_only']}".ljust(30),
            f"{r['same_catalogue']}",
        ]
        lines.append("".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if one := one_measurement(argv):
        run_dir, dataset, freq, tile_name, way = one
        print(json.dumps(search_once(Path(run_dir), dataset, int(freq), tile_name, way)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    run_arguments(parser, "pybdsf-gc")
    parser.add_argument("--tiles", type=int, default=3, help="tiles per frequency")
    args = parser.parse_args(argv)
    start = time.monotonic()
    rows = [r for f in args.freq if (r := measure(args.run_dir, args.dataset, f, args.tiles))]
    command = f"python docs/benchmarks/pybdsf_gc.py <run> {args.dataset} --tiles {args.tiles}"
    publish_rows(rows, format_text(rows), command, args)
    print(f"({time.monotonic() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
