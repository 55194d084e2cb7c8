"""The small synthetic sky is the same, bit for bit, on every machine.

Its files' sha256 are recorded in resources/synthetic_small.sha256. The sky is simulated
twice: as this machine's numpy dispatches, and with numpy held to its baseline
instruction set (`NPY_DISABLE_CPU_FEATURES=X86_V3`, no AVX2/FMA) and OpenBLAS to older
kernels, as another CPU would run it. Both must give the recorded bytes.
"""

from __future__ import annotations

import hashlib
import os
import platform
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.workflow.conftest import deploy_workflow, snakemake

pytestmark = pytest.mark.workflow

RECORD = REPO / "resources" / "synthetic_small.sha256"


def recorded() -> dict[str, str]:
    lines = [line.split() for line in RECORD.read_text().splitlines() if line[:1] != "#"]
    return {path: digest for digest, path in lines}


def test_the_record_covers_every_simulated_file() -> None:
    names = {Path(path).name for path in recorded()}
    for freq in (560, 1400, 9200):
        assert {f"{freq}mhz.fits", f"{freq}mhz_pb.fits", f"{freq}mhz.txt"} <= names


@pytest.mark.parametrize("instruction_set", ["native", "x86-64-v2"])
def test_simulated_sky_matches_the_recorded_sha256(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, instruction_set: str
) -> None:
    if instruction_set != "native":
        if platform.machine() not in ("x86_64", "AMD64"):
            pytest.skip("x86-64 instruction sets only")
        monkeypatch.setenv("NPY_DISABLE_CPU_FEATURES", "X86_V3 X86_V4 AVX512_ICL AVX512_SPR")
        monkeypatch.setenv("OPENBLAS_CORETYPE", "Sandybridge")
    workdir = deploy_workflow(tmp_path / "wf")
    files = recorded()
    snakemake(workdir, "--cores", "2", *files)
    digests = {path: hashlib.sha256((workdir / path).read_bytes()).hexdigest() for path in files}
    changed = sorted(path for path in files if digests[path] != files[path])
    assert not changed, (
        f"{instruction_set}: {changed} differ from resources/synthetic_small.sha256 "
        f"(NPY_DISABLE_CPU_FEATURES={os.environ.get('NPY_DISABLE_CPU_FEATURES')})"
    )
