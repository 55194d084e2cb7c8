"""A finished run repeated with other seeds, for the spread of its figures (`make headline`).

    python docs/benchmarks/seed_runs.py RUN_DIR DATASET --seeds 1 2 --out-dir ../seed-runs \\
        [--config ITEM ...]

For each seed, ``OUT_DIR/<DATASET>-seed<N>`` gets the workflow's files and a copy of the run's
``data/<DATASET>`` and ``results/<DATASET>`` (times kept, so Snakemake reruns only what the seeds
change), then Snakemake runs there with ``classifier.seed`` (the forest and the shuffle of sky
blocks into folds) and ``calibrate.seed`` (the calibration's folds) set to the seed: a repeated
out-of-fold evaluation on other splits of the same sky (the sky itself, and PyBDSF's
catalogues, stay as they are). Each folder's ``seed_run.json`` records its command;
``headline.py --seed-run DATASET=FOLDER`` reads the folders' score files and reports each
figure's values over the seeds.
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: The rules whose params hold the seeds (``calibrate.seed``, ``classifier.seed``).
SEEDED_RULES = ("calibrate", "train")
#: What a run folder needs of the repository (the library comes from the environment).
WORKFLOW_FILES = ("Snakefile", "rules", "scripts", "config", "resources", "envs", "report")


def seed_config(seed: int) -> list[str]:
    """The ``--config`` items of one seed."""
    return [f"classifier={{seed: {seed}}}", f"calibrate={{seed: {seed}}}"]


def prepare(run_dir: Path, dataset: str, folder: Path) -> None:
    """The workflow's files and a copy of the run's data and results of ``dataset``."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in WORKFLOW_FILES:
        source, target = REPO / name, folder / name
        if target.exists() or target.is_symlink():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, target)
    for part in ("data", "results"):
        source = run_dir / part / dataset
        if source.exists() and not (folder / part / dataset).exists():
            shutil.copytree(source, folder / part / dataset, copy_function=shutil.copy2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path, help="the finished run's folder")
    parser.add_argument("dataset")
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--out-dir", type=Path, required=True)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--config", nargs="+", default=[], help="further Snakemake --config items of the run"
    )
    args = parser.parse_args(argv)
    snakemake = Path(sys.executable).with_name("snakemake")
    for seed in args.seeds:
        folder = (args.out_dir / f"{args.dataset}-seed{seed}").resolve()
        prepare(args.run_dir.resolve(), args.dataset, folder)
        config = [f"dataset={args.dataset}", *args.config]
        config += seed_config(seed)
        # A copied folder has no Snakemake metadata, so changed params trigger nothing:
        # the two rules that read the seeds are forced, and everything downstream follows.
        forced = ["--forcerun", *SEEDED_RULES]
        command = [str(snakemake), "--cores", str(args.cores), *forced, "--config", *config]
        print(shlex.join(command), flush=True)
        subprocess.run(command, cwd=folder, check=True)
        shown = shlex.join(["snakemake", "--cores", str(args.cores), *forced, "--config", *config])
        (folder / "seed_run.json").write_text(
            json.dumps({"dataset": args.dataset, "seed": seed, "command": shown}, indent=1) + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
