# Entry points: `make run` (whole DAG on the default dataset), `make test` (test suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2
SNAKEMAKE_ARGS ?=
FULL_RUN ?= ../fullrun
# pytest-xdist workers for `make test`: one per core; each takes whole test files, so that a
# module-scoped workflow run is made once.
TEST_WORKERS ?= auto
# The second supported Python, for `make check-install`.
PYTHON312 ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) python3.12)

.PHONY: install viewer-lib lock check-install check-metadata container container-base test-container metadata metadata-lock config-docs docs headline run test test-fast test-slurm lint bench bench-detection bench-tables bench-classification bench-full clean

install: $(STAMP)

# Everything from requirements.lock, exact versions with their hashes (pip's hash-checking
# mode), then the sdc1 library itself without dependencies and without build isolation, so
# that nothing unlocked is fetched. Reinstalls only when the lock or pyproject changes.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Refresh requirements.lock from pyproject.toml, one resolution valid on Python 3.11 and 3.12
# (`--universal`); pins already in the lock are kept unless UPGRADE=1. The conda environment
# records the lock's checksum, so that a new lock makes Snakemake build a new environment.
lock: install
	$(BIN)/uv pip compile pyproject.toml --all-extras --universal --python-version 3.11 \
		--generate-hashes --quiet --custom-compile-command "make lock" \
		$(if $(UPGRADE),--upgrade) -o requirements.lock
	sed -i "s/^# requirements.lock sha256: .*/# requirements.lock sha256: $$(sha256sum requirements.lock | cut -d' ' -f1)/" envs/sdc1.yaml

# The lock on the other supported Python (3.12), and the bare library (`pip install .`, no
# extras, no lock) in fresh venvs: both run `sdc1 render`, and the bare one has no Snakemake.
check-install:
	bash tests/check_install.sh $(PYTHON312)

run: install
	$(BIN)/snakemake --cores $(CORES) $(SNAKEMAKE_ARGS)

# Aladin Lite for `sdc1 view` and the viewer's browser test: exact version and integrity hash
# from package-lock.json, from the npm registry (the rule install_aladin_lite does the same).
viewer-lib: node_modules/aladin-lite/dist/aladin.js

node_modules/aladin-lite/dist/aladin.js: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

test: install viewer-lib
	$(BIN)/python -m pytest tests --ignore=tests/slurm --ignore=tests/container -n $(TEST_WORKERS) --dist loadfile --durations=25

# The OCI image (Containerfile) with podman, tagged sdc1:<version>. CONTAINER_BASE is any
# Debian 12 image; where no registry is reachable, `make container-base` makes one locally
# (mmdebstrap) and `make container CONTAINER_BASE=localhost/debian:bookworm-slim` uses it.
# The host's pip certificate authority goes in as a build secret, never into a layer.
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
CONTAINER_BASE ?= docker.io/library/debian:bookworm-slim
CONTAINER_ENGINE ?= podman
PIP_CERT ?= $(or $(shell $(PYTHON) -m pip config get global.cert 2>/dev/null),/etc/ssl/certs/ca-certificates.crt)
export CONTAINERS_CONF ?= $(CURDIR)/tests/container/containers.conf

container: install
	start=$$(date +%s) && \
	$(CONTAINER_ENGINE) build -f Containerfile -t sdc1:$(VERSION) \
		--build-arg BASE=$(CONTAINER_BASE) --build-arg VERSION=$(VERSION) \
		--build-arg SOURCE=$(or $(shell git config --get remote.origin.url),unpublished) \
		--secret id=cacert,src=$(PIP_CERT) . && \
	$(BIN)/python docs/benchmarks/container_size.py sdc1:$(VERSION) \
		--engine $(CONTAINER_ENGINE) --build-seconds $$(( $$(date +%s) - start ))

container-base:
	mmdebstrap --variant=minbase bookworm /tmp/sdc1-rootfs.tar
	$(CONTAINER_ENGINE) import /tmp/sdc1-rootfs.tar localhost/debian:bookworm-slim
	rm -f /tmp/sdc1-rootfs.tar

# Inside the image: the workflow on the tiny synthetic sky, compared with the same run in
# the venv (catalogues and scores identical), and the unit tests.
test-container: install
	SDC1_IMAGE=sdc1:$(VERSION) CONTAINER_TESTS_REQUIRED=1 $(BIN)/python -m pytest tests/container

# codemeta.json and CITATION.cff, made from pyproject.toml (and the release dates of
# CHANGELOG.md); `check-metadata` validates them with the OSSR's and CFF's own validators, in
# an environment of their own (envs/metadata-tools.lock; Python 3.12, as eossr needs).
metadata: install
	$(BIN)/python docs/generate_metadata.py

check-metadata: install
	$(BIN)/python docs/generate_metadata.py --check
	test -x .venv-metadata/bin/python || $(PYTHON312) -m venv .venv-metadata
	.venv-metadata/bin/python -m pip install --quiet --require-hashes -r envs/metadata-tools.lock
	.venv-metadata/bin/cffconvert --validate -i CITATION.cff
	.venv-metadata/bin/eossr-metadata-validator codemeta.json

metadata-lock: install
	$(BIN)/uv pip compile envs/metadata-tools.in --python-version 3.12 --generate-hashes \
		--quiet --custom-compile-command "make metadata-lock" -o envs/metadata-tools.lock

# config/README.md's reference block and docs/configuration.md, made from config/schema.yaml.
config-docs: install
	$(BIN)/python docs/generate_config_reference.py

# The documentation site (Sphinx, docs/conf.py) into docs/_build/html, warnings as errors:
# a broken link between pages, a missing anchor or a malformed docstring fails the build.
docs: install
	rm -rf docs/_build docs/api/generated
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	$(BIN)/python docs/check_api_reference.py docs/_build/html

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
	$(BIN)/deptry .
	$(BIN)/python docs/generate_config_reference.py --check
	$(BIN)/python docs/generate_metadata.py --check

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

# The headline figures with their intervals (docs/headline.json, README.md, docs/results.md),
# from the score files of a run folder (RUN, default here); SEED_RUNS="DATASET=FOLDER ..." adds
# the same datasets run with other seeds (their spread).
headline: install
	$(BIN)/python docs/benchmarks/headline.py $(or $(RUN),.) $(foreach run,$(SEED_RUNS),--seed-run $(run))

bench-full: install
	$(BIN)/python docs/benchmarks/full_sdc1.py $(FULL_RUN) --snakemake-args "--configfile config/config.yaml config/full_sdc1.yaml" --out docs/benchmarks/full_sdc1.json --results-md docs/results.md

clean:
	rm -rf results logs benchmarks .snakemake
