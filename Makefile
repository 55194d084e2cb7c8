# Entry points: `make run` (whole DAG on the default dataset), `make test` (test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2
SNAKEMAKE_ARGS ?=
FULL_RUN ?= ../fullrun

.PHONY: install run test test-fast test-slurm lint bench bench-detection bench-tables bench-classification bench-full clean

install: $(STAMP)

# Reinstall only when the pins change: quick and idempotent otherwise.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

run: install
	$(BIN)/snakemake --cores $(CORES) $(SNAKEMAKE_ARGS)

test: install
	$(BIN)/python -m pytest tests --ignore=tests/slurm

# Unit tests only: seconds to minutes, no Snakemake runs.
test-fast: install
	$(BIN)/python -m pytest tests/unit

test-slurm: install
	bash tests/slurm/start_cluster.sh
	SLURM_TESTS_REQUIRED=1 $(BIN)/python -m pytest tests/slurm

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check Snakefile rules
	$(BIN)/snakemake --lint

bench: install
	$(BIN)/python docs/benchmarks/bench.py

bench-detection: install
	$(BIN)/python docs/benchmarks/detection_steps.py $(or $(RUN),.)

bench-tables: install
	$(BIN)/python docs/benchmarks/score_table.py $(or $(RUN),.) --dataset synthetic
	$(BIN)/python docs/benchmarks/score_table.py $(or $(RUN),.) --dataset sdc1_cutout

# Needs a run of the synthetic default and of the real cutout; about 90 min on 2 cores.
bench-classification: install
	$(BIN)/python docs/benchmarks/tag_agreement.py $(or $(RUN),.)
	$(BIN)/python docs/benchmarks/training_options.py $(or $(RUN),.) --seeds 3
	$(BIN)/python docs/benchmarks/feature_sets.py $(or $(RUN),.) --seeds 3
	$(BIN)/python docs/benchmarks/measurement_ceiling.py $(or $(RUN),.)
	$(BIN)/python docs/benchmarks/synthetic_transfer.py $(or $(RUN),.)

bench-full: install
	$(BIN)/python docs/benchmarks/full_sdc1.py $(FULL_RUN) --snakemake-args "--configfile config/config.yaml config/full_sdc1.yaml" --out docs/benchmarks/full_sdc1.json --results-md docs/results.md

clean:
	rm -rf results logs benchmarks .snakemake
