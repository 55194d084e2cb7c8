#!/usr/bin/env bash
# Snakemake runs this once, inside the new environment, after creating it from
# sdc1.yaml (https://snakemake.readthedocs.io/en/stable/snakefiles/deployment.html).
# It installs requirements.lock (exact versions, checked against their hashes), then the
# workflow's own library (src/sdc1), editable so that library changes need no new
# environment, without dependencies and without build isolation (nothing unlocked).
# Snakemake runs it from its working directory: the repository root, unless
# SDC1_ROOT names it. (A relative `-e ..` in sdc1.yaml would not do: Snakemake
# copies the file to .snakemake/conda/ and conda resolves the path from there.)
set -euo pipefail
root="${SDC1_ROOT:-$PWD}"
if ! grep -qs '^name = "sdc1"' "$root/pyproject.toml"; then
    echo "sdc1 post-deploy: $root is not the sdc1 repository; run snakemake from it or set SDC1_ROOT" >&2
    exit 1
fi
python -m pip install --quiet --require-hashes --no-deps -r "$root/requirements.lock"
python -m pip install --quiet --no-deps --no-build-isolation -e "$root"
