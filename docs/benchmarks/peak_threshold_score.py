"""Each image's own peak threshold against every tile at ``thresh_pix``: scores and tile CPU.

    python docs/benchmarks/peak_threshold_score.py FIXED_RUN CHOSEN_RUN DATASET \
        [--out JSON] [--results-md docs/results.md --block peak-threshold-score]

Two finished runs of the same dataset: FIXED_RUN with ``sourcefind.peak_threshold_margin: null``
(every tile at ``thresh_pix``), CHOSEN_RUN with the default margin (the pilot tiles choose the
others' threshold). ``config/medium_8h_threshold.yaml`` is such a dataset; the second run can be
made in the first run's folder (a copy of it kept as FIXED_RUN), where only the other tiles and
what follows them run again. Per frequency: the threshold chosen, the source-finding tiles' CPU
time (from their logs), the scored detections, false detections, SDC score and macro F1 of each.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from results_block import write_block  # noqa: E402

from sdc1.logs import logged_cpu_seconds  # noqa: E402


def run_figures(run: Path, dataset: str, freq: int) -> dict[str, Any] | None:
    """One run's figures at one frequency (None when it has no score)."""
    results = run / "results" / dataset
    score_path = results / f"scores/{freq}mhz.json"
    if not score_path.is_file():
        return None
    scores = json.loads(score_path.read_text())
    threshold_path = results / f"tiles/{freq}mhz/peak_threshold.json"
    threshold = json.loads(threshold_path.read_text()) if threshold_path.is_file() else {}
    logs = sorted((run / "logs" / dataset / "find_sources_tile").glob(f"{freq}_*.log"))
    cpu = [logged_cpu_seconds(log) for log in logs]
    return {
        "thresh_pix": threshold.get("thresh_pix"),
        "tiles": len(logs),
        "tile_cpu_s": round(sum(c for c in cpu if c is not None), 1),
        "n_det": scores["n_det"],
        "n_false": scores["n_false"],
        "score": round(scores["score"], 2),
        "macro_f1": scores["classification"].get("macro_f1"),
    }


def compare(fixed: Path, chosen: Path, dataset: str) -> list[dict[str, Any]]:
    rows = []
    for freq in (560, 1400, 9200):
        a, b = run_figures(fixed, dataset, freq), run_figures(chosen, dataset, freq)
        if a is None or b is None:
            continue
        rows.append(
            {
                "freq": freq,
                "fixed": a,
                "chosen": b,
                "cpu_ratio": round(b["tile_cpu_s"] / a["tile_cpu_s"], 3)
                if a["tile_cpu_s"]
                else None,
                "score_ratio": round(b["score"] / a["score"], 4) if a["score"] else None,
            }
        )
    return rows


def format_text(rows: list[dict[str, Any]]) -> str:
    def f1(value: float | None) -> str:
        return "-" if value is None else f"{value:.3f}"

    lines = [
        "MHz   threshold  tiles  tile CPU s (fixed -> chosen, ratio)  detections  false  "
        "SDC score (ratio)  macro F1"
    ]
    for r in rows:
        a, b = r["fixed"], r["chosen"]
        lines.append(
            f"{r['freq']:<6}{a['thresh_pix'] or '-'} -> {b['thresh_pix']:<6}{b['tiles']:<7}"
            f"{a['tile_cpu_s']} -> {b['tile_cpu_s']} ({r['cpu_ratio']}){'':6}"
            f"{a['n_det']} -> {b['n_det']}  {a['n_false']} -> {b['n_false']}  "
            f"{a['score']:.1f} -> {b['score']:.1f} ({r['score_ratio']})  "
            f"{f1(a['macro_f1'])} -> {f1(b['macro_f1'])}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("fixed", type=Path)
    parser.add_argument("chosen", type=Path)
    parser.add_argument("dataset")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--results-md", type=Path)
    parser.add_argument("--block", default="peak-threshold-score")
    args = parser.parse_args(argv)
    rows = compare(args.fixed, args.chosen, args.dataset)
    text = format_text(rows)
    print(text)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")
    if args.results_md:
        script = "docs/benchmarks/peak_threshold_score.py"
        command = f"$ python {script} <fixed run> <chosen run> {args.dataset}"
        write_block(args.results_md, args.block, f"```\n{command}\n{text}\n```")
    return 0


if __name__ == "__main__":
    sys.exit(main())
