"""What each tiled image's own peak threshold chose, cost and saved, from a run's files.

    python docs/benchmarks/peak_threshold.py RUN_DIR DATASET [--freq F ...] [--ab-tiles N] \
        [--out JSON] [--results-md docs/results.md --block peak-threshold]

Per frequency with a ``results/<DATASET>/tiles/<F>mhz/peak_threshold.json`` (written by
``choose_peak_threshold``): the threshold chosen and what the pilot tiles said (the S/N where
their reliability model keeps every detection, the sources it keeps and those of them in islands
at or below the threshold), then from the tile logs the pilot tiles (searched at
``sourcefind.thresh_pix``) and the others (at the chosen threshold): PyBDSF's seconds on the image
per million core pixels and the sources found per tile.

``--ab-tiles N`` measures the saving directly: N of the other tiles (spread through the plan) are
searched again here, at ``thresh_pix`` and at the chosen threshold (the workflow's PyBDSF step,
``sdc1.find_sources.find_sources_in_tile``, the run's background), with their CPU time, sources and
sources at or above the pilots' S/N (the ones worth keeping: the same at both thresholds means
nothing was lost). The median CPU ratio then scales the other tiles' logged CPU time to the CPU
time the threshold saved on the whole field.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).parent))
from results_block import publish_rows, run_arguments  # noqa: E402

from sdc1.background import load_grid
from sdc1.catalogue import peak_snr
from sdc1.find_sources import find_sources_in_tile
from sdc1.logs import logged_cpu_seconds
from sdc1.peak_threshold import read_peak_threshold
from sdc1.tiles import pybdsf_settings, read_plan

IMAGE_PASS = re.compile(r"tile (\S+): PyBDSF found (\d+) sources, \d+ Gaussians in ([0-9.]+) s")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def image_pass(log: Path) -> tuple[int, float] | None:
    """Sources PyBDSF found on the tile's image and its seconds there (None if not logged)."""
    if not log.is_file():
        return None
    found = IMAGE_PASS.findall(log.read_text(errors="replace"))
    return (int(found[-1][1]), float(found[-1][2])) if found else None


def group_figures(tiles: list[Any], logs: Path, freq: int) -> dict[str, Any]:
    """Tiles logged, core Mpix, PyBDSF image-pass seconds per core Mpix, sources per tile, CPU."""
    done = []
    for tile in tiles:
        log = logs / f"{freq}_{tile.name}.log"
        passed = image_pass(log)
        if passed is not None:
            done.append((tile, *passed, logged_cpu_seconds(log) or 0.0))
    mpix = sum(t.core_pixels for t, *_ in done) / 1e6
    return {
        "tiles": len(tiles),
        "logged": len(done),
        "core_mpix": round(mpix, 1),
        "image_s_per_mpix": round(sum(s for _, _, s, _ in done) / mpix, 2) if mpix else None,
        "sources_per_tile": round(sum(n for _, n, _, _ in done) / len(done), 1) if done else None,
        "cpu_s": round(sum(c for *_, c in done), 1),
    }


def ab_tile(
    image: Path, grid: Any, tile: Any, settings: dict, thresholds: list[float], snr: float
):
    """One tile searched at each threshold: CPU seconds, sources, sources at or above ``snr``."""
    out = []
    for thresh in thresholds:
        start = cpu_seconds()
        sources, _ = find_sources_in_tile(image, grid, tile, {**settings, "thresh_pix": thresh})
        out.append(
            {
                "thresh_pix": thresh,
                "cpu_s": round(cpu_seconds() - start, 1),
                "sources": len(sources),
                "worth_keeping": int((peak_snr(sources) >= snr).sum()),
            }
        )
    return out


def measure(run_dir: Path, dataset: str, freq: int, ab_tiles: int) -> dict[str, Any] | None:
    """The figures of one frequency (None when it has no threshold record)."""
    results = run_dir / "results" / dataset
    record_path = results / f"tiles/{freq}mhz/peak_threshold.json"
    if not record_path.is_file():
        return None
    threshold = read_peak_threshold(record_path)
    plan = read_plan(results / f"tiles/{freq}mhz/tiles.json")
    logs = run_dir / "logs" / dataset / "find_sources_tile"
    pilots = [t for t in plan if t.negated_weight > 0]
    others = [t for t in plan if t.negated_weight == 0]
    figures: dict[str, Any] = {
        "freq": freq,
        "thresh_pix": threshold.thresh_pix,
        "floor": threshold.floor,
        "snr_cut": threshold.snr_cut,
        "pilot_kept": threshold.pilot_kept,
        "pilot_lost": threshold.pilot_lost,
        "reason": threshold.reason,
        "pilots": group_figures(pilots, logs, freq),
        "others": group_figures(others, logs, freq),
    }
    if ab_tiles and others and threshold.thresh_pix > threshold.floor:
        sourcefind = yaml.safe_load((run_dir / "config/config.yaml").read_text())["sourcefind"]
        settings = pybdsf_settings(sourcefind)
        grid = load_grid(results / f"background/{freq}mhz.npz")
        step = max(1, len(others) // ab_tiles)
        chosen = [t for t in others[step // 2 :: step] if t.core_pixels > 0][:ab_tiles]
        runs = []
        for tile in chosen:
            pair = ab_tile(
                results / f"pbcor/{freq}mhz.fits",
                grid,
                tile,
                settings,
                [threshold.floor, threshold.thresh_pix],
                threshold.snr_cut,
            )
            runs.append({"tile": tile.name, "at_floor": pair[0], "at_chosen": pair[1]})
            print(json.dumps({"freq": freq, **runs[-1]}), file=sys.stderr, flush=True)
        ratios = [r["at_chosen"]["cpu_s"] / r["at_floor"]["cpu_s"] for r in runs]
        ratio = statistics.median(ratios)
        figures["ab"] = runs
        figures["cpu_ratio_median"] = round(ratio, 3)
        figures["worth_keeping_lost"] = sum(
            r["at_floor"]["worth_keeping"] - r["at_chosen"]["worth_keeping"] for r in runs
        )
        # The other tiles ran at the chosen threshold: at the floor they would take 1/ratio.
        figures["saved_cpu_s"] = round(figures["others"]["cpu_s"] * (1.0 / ratio - 1.0), 1)
    return figures


def format_text(rows: list[dict[str, Any]]) -> str:
    lines = [
        "MHz  thresh  (floor, S/N cut)  pilot kept/lost  pilot tiles: s/Mpix, src/tile  "
        "other tiles: s/Mpix, src/tile  A/B CPU ratio  lost  saved CPU s"
    ]
    for r in rows:
        p, o = r["pilots"], r["others"]
        lines.append(
            f"{r['freq']:<5}{r['thresh_pix']:<8.2f}({r['floor']:.1f}, {r['snr_cut']:.2f})"
            f"{'':6}{r['pilot_kept']}/{r['pilot_lost']:<12}"
            f"{p['logged']}/{p['tiles']}: {p['image_s_per_mpix']}, {p['sources_per_tile']}"
            f"{'':8}{o['logged']}/{o['tiles']}: {o['image_s_per_mpix']}, {o['sources_per_tile']}"
            f"{'':6}{r.get('cpu_ratio_median', '-')}  {r.get('worth_keeping_lost', '-')}"
            f"  {r.get('saved_cpu_s', '-')}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    run_arguments(parser, "peak-threshold")
    parser.add_argument("--ab-tiles", type=int, default=0, help="tiles searched again, A/B")
    args = parser.parse_args(argv)
    start = time.monotonic()
    rows = [r for f in args.freq if (r := measure(args.run_dir, args.dataset, f, args.ab_tiles))]
    command = f"python docs/benchmarks/peak_threshold.py <run> {args.dataset}"
    if args.ab_tiles:
        command += f" --ab-tiles {args.ab_tiles}"
    publish_rows(rows, format_text(rows), command, args)
    print(f"({time.monotonic() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
