"""Long steps write progress lines into their job logs: rendering, downloading, PyBDSF fitting."""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

import numpy as np
import pytest

from sdc1.download import ResumableDownloader
from sdc1.logs import job_log
from sdc1.simulate.dataset import write_synthetic_field
from sdc1.simulate.render import Components, render_field
from tests.helpers import POPULATION_PARAMS


def messages(caplog: pytest.LogCaptureFixture, name: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == name]


def test_render_field_reports_every_strip_in_order() -> None:
    comps = Components(
        *(np.array([10.0, 40.0]) for _ in range(2)),
        np.array([1.0, 2.0]),
        np.array([1.0, 1.0]),
        np.zeros(2),
        np.array([1.0, 1.0]),
    )
    calls = []
    render_field(
        comps,
        np.zeros((50, 64), np.float32),
        3.0,
        strip_rows=16,
        threads=1,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    calls.clear()
    render_field(
        comps,
        np.zeros((50, 64), np.float32),
        3.0,
        strip_rows=16,
        threads=2,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_simulation_logs_progress(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="sdc1")
    write_synthetic_field(
        560,
        sizes_px=200,
        depth_h=1000,
        seed=3,
        strip_rows=20,
        population_params=POPULATION_PARAMS,
        image_path=tmp_path / "i.fits",
        pb_path=tmp_path / "pb.fits",
        truth_path=tmp_path / "t.txt",
    )
    lines = messages(caplog, "sdc1.simulate.dataset")
    assert any(
        re.fullmatch(r"560 MHz: population of \d+ sources drawn \(.*s\)", m) for m in lines
    ), lines
    strips = [m for m in lines if m.startswith("560 MHz: strips rendered: ")]
    # 10 strips, a line about every 10%: all of them, ending at 10/10.
    assert strips[0] == "560 MHz: strips rendered: 1/10 (10%)"
    assert strips[-1] == "560 MHz: strips rendered: 10/10 (100%)"
    assert 5 <= len(strips) <= 10
    assert any(m.startswith("560 MHz: truth catalogue of") for m in lines)


def test_progress_reaches_the_job_log_file(tmp_path: Path) -> None:
    # What a Snakemake job sees: job_log sends the library's records to the rule's log.
    log = tmp_path / "logs" / "simulate.log"
    with job_log(log):
        write_synthetic_field(
            9200,
            sizes_px=120,
            depth_h=1000,
            seed=3,
            strip_rows=30,
            population_params=POPULATION_PARAMS,
            image_path=tmp_path / "i.fits",
            pb_path=tmp_path / "pb.fits",
            truth_path=tmp_path / "t.txt",
        )
    text = log.read_text()
    assert "sdc1.simulate.dataset INFO 9200 MHz: strips rendered: 4/4 (100%)" in text


class FakeResponse:
    def __init__(self, data: bytes, chunk: int) -> None:
        self.data, self.chunk = data, chunk

    def iter_content(self, chunk_size: int):
        for start in range(0, len(self.data), self.chunk):
            yield self.data[start : start + self.chunk]


def test_download_logs_progress_when_not_on_a_terminal(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="sdc1")
    monkeypatch.setattr(
        sys, "stderr", open(tmp_path / "stderr.txt", "w")
    )  # a log file, as in a job
    data = bytes(range(256)) * 4096  # 1 MiB
    downloader = ResumableDownloader(tmp_path / "f.part", progressbar=True)
    downloader._stream(FakeResponse(data, 1 << 15), 0, len(data))
    sys.stderr.close()
    lines = messages(caplog, "sdc1.download")
    assert (tmp_path / "f.part").read_bytes() == data
    assert 9 <= len(lines) <= 11, lines
    assert lines[-1].startswith("f.part: 1.0 of 1.0 MiB (100%)")
    assert "\r" not in (tmp_path / "stderr.txt").read_text()  # no tqdm bar in the log


def test_download_of_unknown_size_logs_by_volume(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sdc1.download as download

    caplog.set_level(logging.INFO, logger="sdc1")
    monkeypatch.setattr(sys, "stderr", open(tmp_path / "stderr.txt", "w"))
    report = download._byte_progress("x.fits", 0, None, step=1000)
    for done in range(0, 5001, 250):
        report(done)
    report(5100, final=True)
    sys.stderr.close()
    lines = messages(caplog, "sdc1.download")
    assert len(lines) == 6 and lines[-1].startswith("x.fits: 0.0 MiB")


def test_pybdsf_fitting_progress(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """PyBDSF on a small image of Gaussians: fitting progress in island steps, and unpatched
    afterwards."""
    pytest.importorskip("bdsf")
    from astropy.io import fits
    from bdsf.gausfit import Op_gausfit

    from sdc1.find_sources import find_sources
    from sdc1.pybdsf_patches import pybdsf_fit_progress

    rng = np.random.default_rng(1)
    ny = nx = 200
    yy, xx = np.mgrid[:ny, :nx]
    image = rng.normal(0, 1e-5, (ny, nx))
    for x, y in rng.uniform(15, 185, (25, 2)):
        image += 1e-3 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / (2 * 1.5**2))
    header = fits.Header(
        {
            "CTYPE1": "RA---SIN",
            "CTYPE2": "DEC--SIN",
            "CRVAL1": 0.0,
            "CRVAL2": -30.0,
            "CRPIX1": 100.0,
            "CRPIX2": 100.0,
            "CDELT1": -1e-4,
            "CDELT2": 1e-4,
            "BMAJ": 3.5e-4,
            "BMIN": 3.5e-4,
            "BPA": 0.0,
            "BUNIT": "JY/BEAM",
        }
    )
    path = tmp_path / "img.fits"
    fits.PrimaryHDU(image.astype(np.float32), header=header).writeto(path)
    original = Op_gausfit.__call__, Op_gausfit.process_island

    caplog.set_level(logging.INFO, logger="sdc1")
    with pybdsf_fit_progress(logging.getLogger("sdc1.find_sources")):
        sources, _ = find_sources(
            path, thresh_isl=3.0, thresh_pix=5.0, rms_box=None, extra={"frequency": 5.6e8}
        )
    assert (Op_gausfit.__call__, Op_gausfit.process_island) == original
    lines = messages(caplog, "sdc1.find_sources")
    # First the beam PyBDSF is given, then its fitting progress.
    assert lines[0] == "PyBDSF beam: 1.260 x 1.260 arcsec, PA 0.0 deg"
    lines = lines[1:]
    n = int(re.fullmatch(r"PyBDSF: fitting Gaussians to (\d+) islands", lines[0]).group(1))
    assert n >= 15 and len(sources) >= 15
    steps = [m for m in lines if m.startswith("PyBDSF: islands fitted: ")]
    assert steps[-1] == f"PyBDSF: islands fitted: {n}/{n} (100%)"
    assert 5 <= len(steps) <= 11
    assert re.fullmatch(rf"PyBDSF: {n} islands fitted in .* s", lines[-1])
