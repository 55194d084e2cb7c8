#!/usr/bin/env bash
# `make check-install`: the two ways of installing sdc1 that `make test` does not exercise.
#  1. requirements.lock on the second supported Python (3.12; make install uses 3.11), with
#     hash checking, then the unit tests on it.
#  2. The bare library, `pip install .` with no extras and no lock, in a fresh venv: it must
#     import without Snakemake and run `sdc1 render`.
# Usage: bash tests/check_install.sh [PYTHON312]
set -euo pipefail
cd "$(dirname "$0")/.."
python312="${1:-python3.12}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

render_check() {
    # A one-source catalogue rendered onto a 64x48 SDC1-like grid: the peak lands on its pixel.
    "$1/bin/python" - "$work" <<'PY'
import subprocess, sys
from pathlib import Path
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from sdc1.simulate.geometry import Cutout, image_header

work = Path(sys.argv[1])
header = image_header(Cutout(560, 16384, 16384, 64, 48))
fits.PrimaryHDU(np.zeros((1, 1, 48, 64), np.float32), header=header).writeto(
    work / "like.fits", overwrite=True
)
ra, dec = WCS(header).celestial.all_pix2world(20.0, 30.0, 0)
ra = float(ra) - 360.0 if ra > 180 else float(ra)
(work / "cat.txt").write_text(f"7 {ra} {float(dec)} {ra} {float(dec)} 2e-4 0 0 0 0 2 3\n")
sdc1 = Path(sys.executable).with_name("sdc1")
subprocess.run(
    [sdc1, "render", "--catalogue", work / "cat.txt", "--like", work / "like.fits",
     "--out", work / "model.fits"],
    check=True,
)
data = fits.getdata(work / "model.fits")[0, 0]
assert np.unravel_index(np.argmax(data), data.shape) == (30, 20), "render: peak off its pixel"
print(f"sdc1 render: ok (peak {data.max():.3g} Jy/beam at its pixel)")
PY
}

echo "== requirements.lock on $("$python312" --version)"
"$python312" -m venv "$work/lock312"
"$work/lock312/bin/python" -m pip install --quiet --require-hashes --no-deps -r requirements.lock
# Editable, as make install does: the tests read the repository's resources/ and config/.
"$work/lock312/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e .
"$work/lock312/bin/python" -m pip check
render_check "$work/lock312"
"$work/lock312/bin/python" -m pytest -q -p no:cacheprovider tests/unit

echo "== pip install . (no extras, no lock) on $(python3 --version)"
python3 -m venv "$work/bare"
"$work/bare/bin/python" -m pip install --quiet .
if "$work/bare/bin/python" -c "import snakemake" 2>/dev/null; then
    echo "check-install: the bare library pulled in Snakemake" >&2
    exit 1
fi
"$work/bare/bin/python" -c "import sdc1.find_sources, sdc1.classify, sdc1.ska_score, sdc1.primary_beam"
render_check "$work/bare"
echo "check-install: ok"
