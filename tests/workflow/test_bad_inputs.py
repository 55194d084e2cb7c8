"""Bad inputs stop the workflow before any job, with one line naming the file or key."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from tests.workflow.conftest import snakemake

pytestmark = pytest.mark.workflow


def files_config(
    workdir: Path, image: Path, pb: Path | None = None, truth: Path | None = None
) -> Path:
    lines = [
        "dataset: mine",
        "datasets:",
        "  mine:",
        "    kind: files",
        f"    images: {{560: {image}}}",
    ]
    if pb:
        lines.append(f"    pb: {{560: {pb}}}")
    if truth:
        lines.append(f"    truth: {{560: {truth}}}")
    path = workdir / "mine.yaml"
    path.write_text("\n".join(lines) + "\n")
    return path


def run_bad(workdir: Path, config: Path) -> str:
    result = snakemake(workdir, "--cores", "1", "--configfile", str(config), check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert not (workdir / "results").exists()
    return output


def edited_copy(source: Path, dest: Path, **changes) -> Path:
    with fits.open(source) as hdul:
        header = hdul[0].header.copy()
        data = np.array(hdul[0].data)
    for key, value in changes.items():
        if value is None:
            del header[key]
        else:
            header[key] = value
    fits.writeto(dest, data, header, output_verify="silentfix")
    return dest


@pytest.fixture
def cutout(sdc1_sample: Path) -> Path:
    return sdc1_sample / "B1_1000h_0.05tr.fits"


def test_truncated_image(workflow_dir: Path, cutout: Path) -> None:
    bad = workflow_dir / "truncated.fits"
    bad.write_bytes(cutout.read_bytes()[:50000])
    output = run_bad(workflow_dir, files_config(workflow_dir, bad))
    assert "truncated.fits: truncated FITS file" in output


def test_missing_beam_keywords(workflow_dir: Path, cutout: Path) -> None:
    bad = edited_copy(cutout, workflow_dir / "nobeam.fits", BMAJ=None)
    output = run_bad(workflow_dir, files_config(workflow_dir, bad))
    assert "nobeam.fits" in output and "BMAJ" in output


def test_frequency_disagrees_with_wildcard(workflow_dir: Path, cutout: Path) -> None:
    bad = edited_copy(cutout, workflow_dir / "at1400.fits", CRVAL3=1.4e9)
    output = run_bad(workflow_dir, files_config(workflow_dir, bad))
    assert "at1400.fits" in output and "560" in output


def test_primary_beam_not_covering_image(
    workflow_dir: Path, cutout: Path, sdc1_sample: Path
) -> None:
    pb = edited_copy(
        sdc1_sample / "PrimaryBeam_B1.fits", workflow_dir / "shifted_pb.fits", CRVAL1=5.0
    )
    output = run_bad(workflow_dir, files_config(workflow_dir, cutout, pb=pb))
    assert "shifted_pb.fits" in output


def test_truth_with_non_numeric_value_names_the_line(workflow_dir: Path, cutout: Path) -> None:
    truth = workflow_dir / "truth.txt"
    rows = ["1 0.1 -29.9 0.1 -29.9 1e-5 0 1 1 0 2 3", "2 0.2 -29.9 0.2 -29.9 abc 0 1 1 0 2 3"]
    truth.write_text("\n".join(rows) + "\n")
    output = run_bad(workflow_dir, files_config(workflow_dir, cutout, truth=truth))
    assert "truth.txt" in output and "line 2" in output


def test_unknown_frequency_key(workflow_dir: Path, cutout: Path) -> None:
    config = workflow_dir / "mine.yaml"
    config.write_text(
        f"dataset: mine\ndatasets:\n  mine:\n    kind: files\n    images: {{600: {cutout}}}\n"
    )
    output = run_bad(workflow_dir, config)
    assert "600" in output and "images" in output
