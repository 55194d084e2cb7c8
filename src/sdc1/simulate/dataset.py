"""Write one frequency of the synthetic SDC1-like dataset: image, primary beam, truth.

The population is drawn once for the union of the three frequencies' cutouts (plus a
margin), from the seed alone, so every frequency's job draws the same sources with the
same IDs and each renders them with its own flux (spectral index), size flag, pixel
size and beam. Images are written through a memory-mapped FITS file strip by strip,
so a full 32768^2 image needs little more memory than the population itself.
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.io import SDC1_COLUMNS, atomic_path
from sdc1.logs import log_progress
from sdc1.simulate.geometry import (
    PRESET_SIZES,
    Cutout,
    beam_fwhm_arcsec,
    cutout_sky_bounds,
    image_header,
    noise_rms,
    pb_header,
    pixel_scale_deg,
    preset_cutout,
)
from sdc1.simulate.population import catalogue_at, generate_population, load_params
from sdc1.simulate.primary_beam import pb_at, pb_image
from sdc1.simulate.render import (
    BELOW_CLIP_GAIN,
    DECONVOLUTION_CLIP_JY,
    catalogue_components,
    render_field,
)

FREQS: tuple[int, ...] = (560, 1400, 9200)

log = logging.getLogger(__name__)

#: Margin (arcsec at 560 MHz, scaled by 560/freq) around cutouts in which sources are
#: still drawn, so that sources just off the edge spill onto it.
MARGIN_560_ARCSEC: float = 60.0

#: Components fainter than this fraction of the noise rms (beam-convolved peak) are not
#: rendered, and stamps stop where a component falls below it: the summed error stays
#: orders of magnitude below the noise (see ``render_field``).
MIN_PEAK_PER_NOISE: float = 0.01


def preset_sizes(preset: str) -> dict[int, int]:
    """Cutout side in pixels per frequency for a preset ('tiny', 'small', 'medium', 'full')."""
    if preset not in PRESET_SIZES:
        raise ValueError(
            f"unknown synthetic preset {preset!r}; choose from {sorted(PRESET_SIZES)}"
        )
    return dict(PRESET_SIZES[preset])


def union_bounds(sizes_px: Mapping[int, int]) -> tuple[float, float, float, float]:
    """RA/Dec box (RA in [-180, 180)) enclosing every frequency's cutout plus margin."""
    boxes = np.array(
        [
            cutout_sky_bounds(preset_cutout(f, sizes_px[f]), MARGIN_560_ARCSEC * 560.0 / f)
            for f in sizes_px
        ]
    )
    return (
        float(boxes[:, 0].min()),
        float(boxes[:, 1].max()),
        float(boxes[:, 2].min()),
        float(boxes[:, 3].max()),
    )


def write_fits_streaming(path: str | os.PathLike, header: fits.Header) -> tuple[np.memmap, Path]:
    """Create a FITS file of zeros with ``header`` and return a writable memmap of its 2-D plane.

    Returns the memmap and the path actually written (call ``flush`` and drop the
    memmap before renaming).
    """
    path = Path(path)
    nx, ny = int(header["NAXIS1"]), int(header["NAXIS2"])
    head = header.tostring().encode("ascii")
    data_bytes = nx * ny * 4
    padded = -(-data_bytes // 2880) * 2880
    with open(path, "wb") as handle:
        handle.write(head)
        handle.seek(len(head) + padded - 1)
        handle.write(b"\0")
    return np.memmap(path, dtype=">f4", mode="r+", offset=len(head), shape=(ny, nx)), path


def write_pb(path: str | os.PathLike, cutout: Cutout) -> tuple[np.ndarray, fits.Header]:
    """Write the coarse primary-beam image covering ``cutout``; return its plane and header."""
    header = pb_header(cutout)
    data = pb_image(header, cutout.freq)
    with atomic_path(path) as tmp:
        fits.PrimaryHDU(data[None, None], header=header).writeto(tmp, overwrite=True)
    return data, header


def write_truth(path: str | os.PathLike, cat: pd.DataFrame) -> None:
    """Write a truth catalogue in the SDC1 12-column format (whitespace, no header)."""
    cols = list(SDC1_COLUMNS)
    # %-formatting row tuples is ~2x faster than DataFrame.to_csv(float_format=...), which
    # matters for a full field's truth (~19 million rows); the text is the same.
    arrays = [cat[c].to_numpy() for c in cols]
    fmt = " ".join("%d" if np.issubdtype(a.dtype, np.integer) else "%.10g" for a in arrays)
    chunk = 200_000
    with atomic_path(path) as tmp, open(tmp, "w") as handle:
        for k in range(0, len(cat), chunk):
            rows = zip(*(a[k : k + chunk].tolist() for a in arrays))
            handle.write("\n".join(fmt % row for row in rows))
            handle.write("\n")


def inside(cat: pd.DataFrame, header: fits.Header) -> np.ndarray:
    """Mask of catalogue sources whose core lies on the image of ``header``."""
    x, y = WCS(header).celestial.all_world2pix(
        cat["ra_core"].to_numpy() % 360.0, cat["dec_core"].to_numpy(), 0
    )
    return (x >= -0.5) & (x < header["NAXIS1"] - 0.5) & (y >= -0.5) & (y < header["NAXIS2"] - 0.5)


def write_synthetic_field(
    freq: int,
    *,
    sizes_px: Mapping[int, int] | int,
    depth_h: float,
    seed: int,
    image_path: str | os.PathLike,
    pb_path: str | os.PathLike,
    truth_path: str | os.PathLike,
    population_params: Mapping[str, Any] | str | os.PathLike,
    noise: float | None = None,
    min_flux: float | None = None,
    flux_scale: float = 1.0,
    strip_rows: int = 1024,
    threads: int | None = None,
) -> dict[str, Any]:
    """Simulate one frequency of the synthetic SDC1-like dataset and write its three files.

    Parameters
    ----------
    freq : int
        560, 1400 or 9200 (MHz).
    sizes_px : mapping or int
        Cutout side (pixels) of every frequency (the population covers all cutouts, so
        all frequencies' sizes are needed), or one size for all; see :func:`preset_sizes`.
    depth_h : float
        Integration depth in hours (8, 100, 1000): sets the noise (see
        :func:`sdc1.simulate.geometry.noise_rms`) unless ``noise`` is given.
    seed : int
        Population and noise seed; the same seed gives the same files.
    image_path, pb_path, truth_path : path
        Outputs: 4-axis Jy/beam image, coarse primary beam, SDC1 truth (12 columns,
        whitespace, no header; every rendered source whose core is on the cutout, as deep
        as the real SDC1 truth).
    population_params : mapping or path
        Population parameters or their YAML file (the workflow's:
        resources/population/params.yaml).
    noise : float, optional
        Noise rms in Jy/beam, overriding ``depth_h``; 0 gives a noise-free image.
    min_flux : float, optional
        Faintest 560 MHz flux drawn (default from the parameters, 1e-8 Jy).
    flux_scale : float
        Factor applied to every rendered flux (not to the truth); 1 keeps them equal.
        SDC1's own flux loss (brightness below its deconvolution clip level at 0.89 x,
        see :func:`sdc1.simulate.render.emulate_deconvolution`) is always emulated:
        with it PyBDSF finds within ~1% of the real cutout's count (+8% without).
    strip_rows : int
        Rows rendered at once.
    threads : int, optional
        Worker threads rendering the strips (default
        :func:`sdc1.simulate.render.default_threads`); the bytes do not depend on it.

    Returns
    -------
    dict
        Summary: cutout geometry, number of sources rendered and in the truth, noise rms.
    """
    if freq not in FREQS:
        raise ValueError(f"frequency {freq} is not an SDC1 frequency {FREQS}")
    sizes = (
        {f: int(sizes_px) for f in FREQS}
        if isinstance(sizes_px, (int, np.integer))
        else {int(k): int(v) for k, v in sizes_px.items()}
    )
    params = (
        population_params
        if isinstance(population_params, Mapping)
        else load_params(population_params)
    )
    cutout = preset_cutout(freq, sizes[freq])
    header = image_header(cutout)
    header["HISTORY"] = f"sdc1.simulate synthetic SDC1 sky: seed {seed}, depth {depth_h} h"

    start = time.monotonic()
    pop = generate_population(params, union_bounds(sizes), seed, min_flux=min_flux)
    log.info(
        "%d MHz: population of %d sources drawn (%.1f s)", freq, len(pop), time.monotonic() - start
    )
    n_population = len(pop)
    cat = catalogue_at(pop, freq, params)
    # Memory (a full-field population is ~20 million rows): the catalogue holds all that is
    # rendered, and the truth is its rows on the image (catalogue_at works row by row), so
    # the population goes first and the truth is written before the components are built.
    del pop
    on = inside(cat, header)
    write_truth(truth_path, cat.loc[on].reset_index(drop=True))
    n_truth = int(on.sum())
    log.info("%d MHz: truth catalogue of %d sources written", freq, n_truth)
    pb_data, pb_head = write_pb(pb_path, cutout)
    gain = pb_at(cat["ra_core"].to_numpy(), cat["dec_core"].to_numpy(), pb_data, pb_head)

    wcs = WCS(header).celestial
    comps = catalogue_components(cat, wcs, pixel_scale_deg(freq) * 3600.0, gain * flux_scale)
    del cat, gain
    beam_px = beam_fwhm_arcsec(freq) / (pixel_scale_deg(freq) * 3600.0)
    rms = noise_rms(freq, depth_h) if noise is None else float(noise)
    log.info(
        "%d MHz: rendering %d components on %dx%d px in strips of %d rows",
        freq,
        len(comps),
        cutout.nx,
        cutout.ny,
        strip_rows,
    )
    start = time.monotonic()
    with atomic_path(image_path) as tmp:
        plane, _ = write_fits_streaming(tmp, header)
        render_field(
            comps,
            plane,
            beam_px,
            noise_rms=rms,
            noise_seed=seed * 1000 + freq,
            strip_rows=strip_rows,
            min_peak=MIN_PEAK_PER_NOISE * rms,
            clip=DECONVOLUTION_CLIP_JY[freq],
            clip_gain=BELOW_CLIP_GAIN,
            threads=threads,
            progress=log_progress(log, f"{freq} MHz: strips rendered"),
        )
        plane.flush()
        del plane
    del comps
    log.info("%d MHz: image written (%.1f s)", freq, time.monotonic() - start)
    return {
        "freq": freq,
        "crpix": cutout.crpix,
        "shape": (cutout.ny, cutout.nx),
        "n_population": int(n_population),
        "n_on_image": n_truth,
        "n_truth": n_truth,
        "noise_rms": rms,
    }
