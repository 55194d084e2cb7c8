"""Does a model trained on one sky classify another? The workflow's `classifier.model`, measured.

    python docs/benchmarks/model_transfer.py RUN_FOLDER [--mirror ../shared/sdc1-sample]

RUN_FOLDER is a copy of the workflow (`git clone`); the runs are made there, each with
`snakemake --cores 2`. Four runs:

- ``synthetic``, the default simulated sky, trained on its own truth (in field);
- ``sdc1_cutout``, the real 560 MHz cutout, trained on its own truth (in field);
- the real cutout classified by the synthetic sky's models (``classifier.model``), with the
  single-frequency features, as the cutout has one frequency;
- the synthetic sky's 560 MHz image alone, classified by the real cutout's models.

Each transferred model sees none of the sources it is judged on, and the judged sources
are those of the in-field figure (the cutout's matched sources; the synthetic sky's
outside its training area), so the two figures sit side by side. The synthetic sky's
in-field figure is its single-frequency baseline (``baselines.single_frequency``), the
same features as the cutout's model. Writes ``docs/benchmarks/model_transfer.json`` and
the table between the ``model-transfer`` markers of docs/results.md.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any

from results_block import publish

REPO = Path(__file__).resolve().parents[2]

#: The datasets of the transfer runs, beside config/config.yaml's.
DATASETS: dict[str, dict[str, Any]] = {
    "cutout_from_synthetic": {"kind": "sdc1_cutout", "image": "B1_1000h_0.3tr.fits"},
    "synthetic560_from_cutout": {
        "kind": "synthetic",
        "preset": "small",
        "depth": 1000,
        "seed": 20190219,
        "flux_scale": 1.0,
        "noise_rms": None,
        "frequencies": [560],
    },
}

#: (judged dataset, its config items, where the model comes from, the in-field run and figure).
RUNS: list[tuple[str, list[str]]] = [
    ("synthetic", []),
    ("sdc1_cutout", []),
    (
        "cutout_from_synthetic",
        ["classifier={model: results/synthetic/model, features: single}"],
    ),
    ("synthetic560_from_cutout", ["classifier={model: results/sdc1_cutout/model}"]),
]


def run(folder: Path, dataset: str, items: list[str], mirror: Path, cores: int) -> str:
    """Run the workflow for ``dataset`` in ``folder``; return the command as shown."""
    snakemake = Path(sys.executable).with_name("snakemake")
    overlay = folder / "model_transfer.yaml"
    overlay.write_text(json.dumps({"datasets": DATASETS}) + "\n")
    args = ["--cores", str(cores), "--configfile", "config/config.yaml", overlay.name]
    args += ["--config", f"dataset={dataset}", f"mirror={mirror}", *items]
    print(shlex.join(["snakemake", *args]), flush=True)
    subprocess.run([str(snakemake), *args], cwd=folder, check=True)
    return shlex.join(["snakemake", *args]).replace(str(mirror), "MIRROR")


def figures(score: dict[str, Any], baseline: bool = False) -> dict[str, Any]:
    """Macro F1 (95% interval where the score file has it), per-class F1, SDC1 score."""
    classification = score["classification"]
    if baseline:
        return {"macro_f1": score["baselines"]["single_frequency"]["macro_f1"], "interval": None}
    per_class = classification["per_class"]
    return {
        "macro_f1": classification["macro_f1"],
        "interval": score.get("intervals", {}).get("macro_f1"),
        "f1": {name: per_class[name]["f1"] for name in ("ss_agn", "fs_agn", "sfg")},
        "score": score["score"],
        "trained_on": classification.get("trained_on"),
        "feature_set": classification.get("feature_set"),
    }


def table(record: dict[str, Any]) -> str:
    """The Markdown table of the record."""
    lines = [
        "| judged on (560 MHz) | model trained on | features | macro F1 [95%] "
        "| in-field macro F1 |",
        "|---|---|---|---|---|",
    ]
    for row in record["rows"]:
        interval = row["transfer"]["interval"]
        shown = f"{row['transfer']['macro_f1']:.2f}"
        if interval:
            shown += f" [{interval[0]:.2f}, {interval[1]:.2f}]"
        lines.append(
            f"| {row['judged']} | {row['trained_on']} | {row['transfer']['feature_set']} "
            f"| {shown} | {row['in_field']['macro_f1']:.2f} ({row['in_field_source']}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_folder", type=Path)
    parser.add_argument("--mirror", type=Path, default=REPO.parent / "shared" / "sdc1-sample")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--out", type=Path, default=REPO / "docs/benchmarks/model_transfer.json")
    parser.add_argument("--results-md", type=Path, default=REPO / "docs/results.md")
    args = parser.parse_args(argv)
    folder = args.run_folder.resolve()
    commands = [
        run(folder, name, items, args.mirror.resolve(), args.cores) for name, items in RUNS
    ]

    def score(dataset: str) -> dict[str, Any]:
        return json.loads((folder / "results" / dataset / "scores" / "560mhz.json").read_text())

    rows = [
        {
            "judged": "real cutout",
            "trained_on": "synthetic",
            "transfer": figures(score("cutout_from_synthetic")),
            "in_field": figures(score("sdc1_cutout")),
            "in_field_source": "out-of-fold, multi = single on one frequency",
        },
        {
            "judged": "synthetic (outside its training area)",
            "trained_on": "sdc1_cutout",
            "transfer": figures(score("synthetic560_from_cutout")),
            "in_field": figures(score("synthetic"), baseline=True),
            "in_field_source": "single-frequency baseline",
        },
    ]
    record = {"about": __doc__.split("\n\n")[0], "commands": commands, "rows": rows}
    publish(record, table(record), args.out, args.results_md, "model-transfer")
    return 0


if __name__ == "__main__":
    sys.exit(main())
