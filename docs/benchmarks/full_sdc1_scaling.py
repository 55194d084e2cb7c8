"""How the whole-field runs' cost grows with what PyBDSF finds: a table and a figure.

    python docs/benchmarks/full_sdc1_scaling.py docs/benchmarks/full_sdc1_8h.json \\
        [docs/benchmarks/full_sdc1_100h.json ...] --figure docs/full_sdc1_scaling.png \\
        --results-md docs/results.md

Reads the records that ``docs/benchmarks/full_sdc1.py`` writes (one per depth of the same
32768^2 synthetic sky) and, per record and frequency, sets the tiles' CPU time beside PyBDSF's
islands, sources and negated-image detections (``detections`` of the record); then the whole
run's CPU hours and its list schedule on one and on three 32-core, 90 GB nodes. The table goes
between the ``full-scaling`` markers of docs/results.md; the figure plots tile CPU seconds
against islands, one point per depth and frequency. Records without ``detections`` (written
before it was recorded) are skipped, with a note.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

# A sibling module: the scripts run as `python docs/benchmarks/<script>.py`.
from results_block import write_block


def rows(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per frequency: depth, PyBDSF's counts, the tiles' CPU time and its rate."""
    out = []
    for freq, found in record["detections"].items():
        tiles = record["tiles"].get(freq, {})
        cpu_s = tiles.get("cpu_s")
        out.append(
            {
                "dataset": record["dataset"],
                "freq": int(freq),
                "islands": found["islands"],
                "sources": found["sources"],
                "negated_searched": found["negated_searched"],
                "tiles": tiles.get("tiles"),
                "tile_cpu_s": cpu_s,
                "ms_per_island": round(1000 * cpu_s / found["islands"], 1)
                if cpu_s and found["islands"]
                else None,
                "kept": (record["frequencies"].get(freq) or {}).get("n_det"),
            }
        )
    return out


def table(records: list[dict[str, Any]]) -> str:
    """The scaling table (markdown): per record and frequency, then per record in all."""
    lines = [
        "| dataset | MHz | tiles | islands | sources | negated searched | kept | tile CPU s "
        "| ms per island |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for record in records:
        for row in rows(record):
            lines.append(
                f"| `{row['dataset']}` | {row['freq']} | {row['tiles']} | {row['islands']:,} "
                f"| {row['sources']:,} | {row['negated_searched']:,} | {row['kept']} "
                f"| {row['tile_cpu_s']} | {row['ms_per_island']} |"
            )
    lines += [
        "",
        "| dataset | complete | CPU h | peak RSS MB | one 32-core node, s | three nodes, s |",
        "|---|---|---|---|---|---|",
    ]
    for record in records:
        schedule = record["schedule"]
        lines.append(
            f"| `{record['dataset']}` | {'yes' if record['complete'] else 'no'} "
            f"| {record['totals']['cpu_h']} | {record['totals']['max_rss_mb']} "
            f"| {schedule.get('one_node_32_cores_wall_s')} "
            f"| {schedule.get('three_nodes_32_cores_wall_s')} |"
        )
    return "\n".join(lines)


def figure(records: list[dict[str, Any]], out: Path) -> None:
    """Tile CPU seconds against islands, log-log, one marker per frequency."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.0, 3.6))
    markers = {560: "o", 1400: "s", 9200: "^"}
    for record in records:
        for row in rows(record):
            if not row["tile_cpu_s"]:
                continue
            ax.scatter(row["islands"], row["tile_cpu_s"], marker=markers.get(row["freq"], "x"))
            ax.annotate(
                f"{row['freq']} MHz, {record['dataset'].removeprefix('synthetic_full')}",
                (row["islands"], row["tile_cpu_s"]),
                fontsize=7,
                xytext=(4, 2),
                textcoords="offset points",
            )
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("PyBDSF islands on the image (32768$^2$ field)")
    ax.set_ylabel("tile CPU seconds (image and sampled negated image)")
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("records", type=Path, nargs="+")
    parser.add_argument("--figure", type=Path)
    parser.add_argument("--results-md", type=Path)
    args = parser.parse_args(argv)
    records = []
    for path in args.records:
        record = json.loads(path.read_text())
        if "detections" not in record:
            print(f"{path}: no PyBDSF counts (an older record), skipped", file=sys.stderr)
            continue
        records.append(record)
    text = table(records)
    print(text)
    if args.figure:
        figure(records, args.figure)
    if args.results_md:
        given = " ".join(str(p) for p in args.records)
        command = f"python docs/benchmarks/full_sdc1_scaling.py {given}"
        write_block(args.results_md, "full-scaling", f"{text}\n\nWritten by `{command}`.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
