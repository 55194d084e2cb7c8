"""What cutting the truth to the submission's reach saves when ska-sdc scores a whole field.

    python docs/benchmarks/candidate_truth.py RUN_DIR DATASET [--freq F ...] [--truth-dir DIR] \
        [--out JSON] [--results-md docs/results.md --block candidate-truth]

For each frequency, the run's submitted catalogue (``results/DATASET/predictions/{freq}mhz.csv``)
is scored by ska-sdc (``Sdc1Scorer.run``, outside the training area, as a full field is) twice,
each in its own process so that each peak RSS is its own: against the whole truth catalogue, as
the workflow did before, and against ``sdc1.ska_score.candidate_truth``, the truth rows within
reach of a submitted source, as it does now. Printed per frequency: truth rows each way, CPU
seconds and peak RSS each way (reading the truth included, the same both ways), their ratios,
and whether the score, the counts, the matches and every matched source's attribute scores
agree to the bit.
The truth does not depend on the depth (same seed, same population), so ``--truth-dir`` may
point at another depth's run.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from results_block import (  # noqa: E402
    measure_in_own_process,
    one_measurement,
    publish_rows,
    run_arguments,
)

WAYS = ("whole", "candidate")


def score_once(predictions: Path, truth_path: Path, freq: int, way: str) -> dict[str, Any]:
    """Score ``predictions`` one ``way``; CPU time and peak RSS of this process included."""
    from sdc1.io import SDC1_COLUMNS, read_sdc1_catalogue, read_table
    from sdc1.ska_score import _run_scorer, candidate_truth

    truth = read_sdc1_catalogue(truth_path)
    sub = read_table(predictions).loc[:, list(SDC1_COLUMNS)]
    start = time.process_time()
    scored_truth = candidate_truth(sub, truth, freq) if way == "candidate" else truth
    result = _run_scorer(sub, scored_truth, freq, train=False, mode=0)
    return {
        "truth_rows": len(scored_truth),
        "score_cpu_s": round(time.process_time() - start, 1),
        "cpu_s": round(time.process_time(), 1),
        # ru_maxrss is in KiB on Linux.
        "peak_rss_gb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9, 2),
        "score": float(result.value),
        "counts": [int(result.n_det), int(result.n_match), int(result.n_bad), int(result.n_false)],
        # Every match (submitted and truth id) and its attribute scores.
        "scores_digest": frame_digest(getattr(result, "scores_df", None)),
        "matches_digest": frame_digest(getattr(result, "match_df", None)),
    }


def frame_digest(frame: Any) -> str | None:
    """A short digest of a table's values, to the last bit (None: no table)."""
    if frame is None:
        return None
    text = frame.reset_index(drop=True).to_csv(index=False, float_format="%.17g")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def measure(run_dir: Path, dataset: str, freq: int, truth_dir: Path) -> dict[str, Any] | None:
    """Both ways for one frequency, each in a fresh process (None without its files)."""
    predictions = run_dir / "results" / dataset / f"predictions/{freq}mhz.csv"
    truth = truth_dir / f"{freq}mhz.txt"
    if not (predictions.is_file() and truth.is_file()):
        return None
    runs = {}
    for way in WAYS:
        runs[way] = measure_in_own_process(__file__, str(predictions), str(truth), str(freq), way)
        print(json.dumps({"freq": freq, "way": way, **runs[way]}), file=sys.stderr, flush=True)
    whole, cut = runs["whole"], runs["candidate"]
    return {
        "freq": freq,
        "detections": whole["counts"][0],
        "truth_rows": whole["truth_rows"],
        "candidate_rows": cut["truth_rows"],
        "cpu_ratio": round(cut["cpu_s"] / whole["cpu_s"], 3),
        "peak_rss_ratio": round(cut["peak_rss_gb"] / whole["peak_rss_gb"], 3),
        "same_score": all(
            whole[k] == cut[k] for k in ("score", "counts", "scores_digest", "matches_digest")
        ),
        "runs": runs,
    }


def format_text(rows: list[dict[str, Any]]) -> str:
    lines = [
        "MHz   detections  truth rows (candidates)  CPU s whole/cut (ratio)  "
        "peak GB whole/cut (ratio)  score     same score"
    ]
    for r in rows:
        whole, cut = r["runs"]["whole"], r["runs"]["candidate"]
        cells = [
            f"{r['freq']:<6}{r['detections']:<12,}",
            f"{r['truth_rows']:,} ({r['candidate_rows']:,})".ljust(25),
            f"{whole['cpu_s']}/{cut['cpu_s']} ({r['cpu_ratio']})".ljust(25),
            f"{whole['peak_rss_gb']}/{cut['peak_rss_gb']} ({r['peak_rss_ratio']})".ljust(27),
            f"{whole['score']:<10.1f}{r['same_score']}",
        ]
        lines.append("".join(cells))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if one := one_measurement(argv):
        predictions, truth, freq, way = one
        print(json.dumps(score_once(Path(predictions), Path(truth), int(freq), way)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    run_arguments(parser, "candidate-truth")
    parser.add_argument("--truth-dir", type=Path, help="default: RUN_DIR/data/DATASET/truth")
    args = parser.parse_args(argv)
    truth_dir = args.truth_dir or args.run_dir / "data" / args.dataset / "truth"
    rows = [r for f in args.freq if (r := measure(args.run_dir, args.dataset, f, truth_dir))]
    command = f"python docs/benchmarks/candidate_truth.py <run> {args.dataset}"
    publish_rows(rows, format_text(rows), command, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
