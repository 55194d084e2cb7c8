"""The OCI image (Containerfile, `make container`): the workflow and the unit tests inside it.

The workflow runs on the tiny synthetic sky (`dataset=synthetic_tiny`: embedded, no network)
once in the image and once in the venv on this machine; the catalogues, submissions and scores
must be identical to the byte. Then the unit tests of this checkout run in the image against
the library installed there, less the few that only run PyBDSF longer on bigger images
(`IMAGE_SKIPS`): the image's PyBDSF has just made the catalogues the venv's made. The tests
need podman (or CONTAINER_ENGINE) and the image (SDC1_IMAGE, default sdc1:<version>): without
them they skip, unless CONTAINER_TESTS_REQUIRED=1 (`make test-container`), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.workflow.conftest import deploy_workflow

pytestmark = pytest.mark.container

VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
IMAGE = os.environ.get("SDC1_IMAGE", f"sdc1:{VERSION}")
ENGINE = os.environ.get("CONTAINER_ENGINE", "podman")
DATASET = "synthetic_tiny"
#: Fewer trees: the classifier is not what these tests are about.
CONFIG = ("--config", f"dataset={DATASET}", "classifier={n_estimators: 50}")
#: Unit test files left out in the image: each runs PyBDSF for tens of seconds on images
#: larger than the workflow run's, and together they are half of the image's unit-test time.
IMAGE_SKIPS = (
    "tests/unit/test_parallel_tiles.py",
    "tests/unit/test_reliability.py",
    "tests/unit/test_peak_threshold.py",
)
#: What the two runs must share byte for byte.
COMPARED = ("catalogues/*.csv", "submission/*.txt", "scores/*.json", "features.parquet")


def engine(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``podman`` (or CONTAINER_ENGINE) with ``args``, output captured."""
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(REPO / "tests" / "container" / "containers.conf"))
    result = subprocess.run([ENGINE, *args], capture_output=True, text=True, env=env)
    if check and result.returncode != 0:
        raise AssertionError(f"{ENGINE} {' '.join(args)}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="module")
def image() -> str:
    """The image's name; skip (or fail, where required) without the engine or the image."""
    required = os.environ.get("CONTAINER_TESTS_REQUIRED") == "1"
    missing = None
    if shutil.which(ENGINE) is None:
        missing = f"{ENGINE} not found"
    elif engine("image", "exists", IMAGE, check=False).returncode != 0:
        missing = f"image {IMAGE} not found: make container"
    if missing:
        if required:
            pytest.fail(missing)
        pytest.skip(missing)
    return IMAGE


def start_in_image(image: str, workdir: Path, *command: str) -> subprocess.Popen:
    """Start ``command`` in the image with ``workdir`` mounted as its working folder /work."""
    # The image's user (uid 1000) writes into the mounted folder.
    workdir.chmod(0o777)
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(REPO / "tests" / "container" / "containers.conf"))
    argv = [ENGINE, "run", "--rm", "-v", f"{workdir}:/work", image, *command]
    return subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
    )


@pytest.fixture(scope="module")
def runs(image: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The tiny synthetic sky run in the image and in the venv, side by side."""
    in_image = tmp_path_factory.mktemp("image")
    in_venv = deploy_workflow(tmp_path_factory.mktemp("venv"))
    contained = start_in_image(image, in_image, "snakemake", "--cores", "1", *CONFIG)
    venv = subprocess.Popen(
        [str(Path(sys.executable).with_name("snakemake")), "--cores", "1", *CONFIG],
        cwd=in_venv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    for name, process in (("image", contained), ("venv", venv)):
        output, _ = process.communicate()
        assert process.returncode == 0, f"the {name} run failed:\n{output[-4000:]}"
    return in_image, in_venv


def test_image_runs_the_workflow_to_the_same_catalogues_and_scores(runs) -> None:
    in_image, in_venv = runs
    compared = 0
    for pattern in COMPARED:
        made = sorted((in_venv / "results" / DATASET).glob(pattern))
        assert made, f"the venv run made no {pattern}"
        for path in made:
            other = in_image / path.relative_to(in_venv)
            assert other.exists(), f"the image's run lacks {other.relative_to(in_image)}"
            assert other.read_bytes() == path.read_bytes(), f"{path.relative_to(in_venv)} differs"
            compared += 1
    scores = json.loads((in_image / "results" / DATASET / "scores" / "560mhz.json").read_text())
    assert scores["n_det"] > 0, scores
    assert compared >= 2 * len(COMPARED) - 1


def test_image_says_its_version_and_labels_it(image: str) -> None:
    printed = engine("run", "--rm", image, "sdc1", "--version").stdout.strip()
    assert printed == f"sdc1 {VERSION}"
    labels = json.loads(engine("image", "inspect", image, "--format", "{{json .Labels}}").stdout)
    assert labels["org.opencontainers.image.version"] == VERSION
    assert labels["org.opencontainers.image.licenses"] == "BSD-3-Clause"
    user = engine("run", "--rm", image, "id", "-u").stdout.strip()
    assert user != "0", "the image runs as root"
    compilers = engine("run", "--rm", image, "sh", "-c", "command -v gcc cc g++ || true").stdout
    assert not compilers.strip(), f"compilers left in the image: {compilers}"


def test_unit_tests_pass_in_the_image(image: str) -> None:
    result = engine(
        "run", "--rm", "-v", f"{REPO}:/repo:ro", "-w", "/repo",
        "-e", "PYTHONDONTWRITEBYTECODE=1", "--entrypoint", "python", image,
        "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "tests/unit",
        *(f"--ignore={path}" for path in IMAGE_SKIPS),
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
