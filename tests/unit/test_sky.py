"""Training-area geometry against ska-sdc's own definition."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits

from sdc1.sky import image_inside_training_area, in_training_area, wrap_ra


def test_wrap_ra_maps_to_signed_range() -> None:
    np.testing.assert_allclose(
        wrap_ra(np.array([359.5, 0.2, 180.0, -10.0])), [-0.5, 0.2, 180.0, -10.0]
    )


def test_training_area_limits_match_ska_sdc() -> None:
    # 560 MHz training area: -0.6723 < RA < 0, -29.94 < Dec < -29.4061.
    assert in_training_area(np.array([359.8]), np.array([-29.6]), 560)[0]
    assert not in_training_area(np.array([0.1]), np.array([-29.6]), 560)[0]
    assert not in_training_area(np.array([359.8]), np.array([-29.95]), 560)[0]
    assert not in_training_area(np.array([359.8]), np.array([-29.6]), 9200)[0]


def test_real_cutouts_lie_inside_the_560_training_area(sdc1_sample: Path) -> None:
    header = fits.getheader(sdc1_sample / "B1_1000h_0.3tr.fits")
    assert image_inside_training_area(header, 560)
    assert not image_inside_training_area(header, 1400)
