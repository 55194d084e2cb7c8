"""`sdc1 render`: output on the grid of the reference image, one-line errors with exit 2."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.cli import main
from sdc1.simulate.geometry import Cutout, image_header


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    header = image_header(Cutout(560, 16384, 16384, 64, 48))
    like = tmp_path / "like.fits"
    fits.PrimaryHDU(np.zeros((1, 1, 48, 64), np.float32), header=header).writeto(like)
    ra, dec = WCS(header).celestial.all_pix2world(20.0, 30.0, 0)
    ra = float(ra) - 360.0 if ra > 180 else float(ra)
    cat = tmp_path / "cat.txt"
    pd.DataFrame([[7, ra, float(dec), ra, float(dec), 2e-4, 0, 0, 0, 0, 2, 3]]).to_csv(
        cat, sep=" ", header=False, index=False
    )
    return like, cat


def test_render_writes_model_on_grid(tmp_path: Path) -> None:
    like, cat = _inputs(tmp_path)
    out = tmp_path / "model.fits"
    assert main(["render", "--catalogue", str(cat), "--like", str(like), "--out", str(out)]) == 0
    with fits.open(out) as hdul:
        data = hdul[0].data
        assert data.shape == (1, 1, 48, 64)
        assert hdul[0].header["CRPIX1"] == fits.getheader(like)["CRPIX1"]
        assert np.unravel_index(np.argmax(data[0, 0]), (48, 64)) == (30, 20)
        assert data.max() == np.float32(data[0, 0, 30, 20]) and abs(data.max() - 2e-4) < 5e-6


def test_render_noise_is_seeded(tmp_path: Path) -> None:
    like, cat = _inputs(tmp_path)
    outs = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.fits"
        main(
            [
                "render",
                "--catalogue",
                str(cat),
                "--like",
                str(like),
                "--out",
                str(out),
                "--noise-rms",
                "1e-6",
                "--seed",
                "4",
            ]
        )
        outs.append(fits.getdata(out))
    np.testing.assert_array_equal(*outs)


def test_bad_inputs_exit_2_with_one_line(tmp_path: Path, capsys) -> None:
    like, cat = _inputs(tmp_path)
    bad = tmp_path / "bad.txt"
    bad.write_text("not a catalogue\n")
    for argv, name in [
        (["--catalogue", str(tmp_path / "missing.txt"), "--like", str(like)], "missing.txt"),
        (["--catalogue", str(bad), "--like", str(like)], "bad.txt"),
        (["--catalogue", str(cat), "--like", str(cat)], "cat.txt"),
    ]:
        assert main(["render", *argv, "--out", str(tmp_path / "o.fits")]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and name in err
    assert not (tmp_path / "o.fits").exists()
