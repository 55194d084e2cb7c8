"""Source finding with PyBDSF.

:func:`find_sources` runs ``bdsf.process_image`` on one FITS image and returns
PyBDSF's source list and Gaussian list as :class:`pandas.DataFrame` objects,
with PyBDSF's own column names. Every PyBDSF output (log file, catalogues) is
written to a temporary directory that is removed before the function returns,
so nothing appears beside the input image.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.table import Table

from sdc1.beam import beam_from_header

__all__ = ["find_sources", "read_bdsf_fits_catalogue"]


def read_bdsf_fits_catalogue(path: str | os.PathLike) -> pd.DataFrame:
    """Read a catalogue written by PyBDSF's ``write_catalog(format='fits')``.

    Byte-string columns (``S_Code``) are decoded to ``str``.
    """
    table = Table.read(path, format="fits")
    frame = table.to_pandas()
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(
                lambda v: v.decode().strip() if isinstance(v, bytes) else v
            )
    return frame


def _close_bdsf_logger() -> None:
    """Detach PyBDSF's file handlers so that its temporary log file can be removed."""
    logger = logging.getLogger("PyBDSF")
    for handler in list(logger.handlers):
        handler.close()
        logger.removeHandler(handler)


def find_sources(
    image_path: str | os.PathLike,
    *,
    thresh_isl: float,
    thresh_pix: float,
    rms_box: tuple[int, int] | None,
    rms_map: bool | None = None,
    adaptive_rms_box: bool = False,
    group_by_isl: bool = False,
    atrous_do: bool = False,
    ncores: int = 1,
    beam: tuple[float, float, float] | None = None,
    extra: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run PyBDSF on a FITS image and return its source and Gaussian lists.

    Parameters
    ----------
    image_path : str or os.PathLike
        FITS image (Jy/beam). It should already be primary-beam corrected if the
        fluxes are to be physical.
    thresh_isl : float
        PyBDSF ``thresh_isl``: island boundary threshold, in units of the local rms.
    thresh_pix : float
        PyBDSF ``thresh_pix``: peak threshold for an island to be kept, in rms units.
    rms_box : tuple of int or None
        PyBDSF ``rms_box`` ``(box size, step)`` in pixels; None lets PyBDSF choose.
    rms_map : bool or None, optional
        PyBDSF ``rms_map``: True for a 2-D rms map, False for a constant rms,
        None to let PyBDSF decide.
    adaptive_rms_box : bool, optional
        PyBDSF ``adaptive_rms_box``: a smaller box near bright sources.
    group_by_isl : bool, optional
        PyBDSF ``group_by_isl``: one source per island.
    atrous_do : bool, optional
        PyBDSF ``atrous_do``: decompose residuals into wavelet scales.
    ncores : int, optional
        PyBDSF ``ncores`` for Gaussian fitting.
    beam : tuple of float or None, optional
        Restoring beam ``(bmaj, bmin, bpa)`` in degrees. By default it is read
        from the image header with :func:`beam_from_header`, because SDC1 images
        have no BPA keyword, which PyBDSF would otherwise require.
    extra : dict or None, optional
        Further ``process_image`` options, by PyBDSF name (for example
        ``{"flagging_opts": True, "flag_maxsize_bm": 50}``).

    Returns
    -------
    sources : pandas.DataFrame
        PyBDSF source list (``srl``), PyBDSF column names (positions and sizes in
        degrees, fluxes in Jy), plus ``n_gaussians``: the number of Gaussians that
        make up each source. Empty (with the Gaussian-list columns missing) when
        nothing is found.
    gaussians : pandas.DataFrame
        PyBDSF Gaussian list (``gaul``), PyBDSF column names.

    Raises
    ------
    FileNotFoundError
        If ``image_path`` does not exist.
    """
    import bdsf  # imported here: heavy, and only needed when finding sources

    image_path = Path(image_path)
    if not image_path.exists():
        raise FileNotFoundError(f"{image_path}: no such image")
    if beam is None:
        beam = beam_from_header(fits.getheader(image_path))
    options: dict[str, Any] = {
        "thresh_isl": float(thresh_isl),
        "thresh_pix": float(thresh_pix),
        "rms_box": None if rms_box is None else tuple(int(v) for v in rms_box),
        "rms_map": rms_map,
        "adaptive_rms_box": bool(adaptive_rms_box),
        "group_by_isl": bool(group_by_isl),
        "atrous_do": bool(atrous_do),
        "ncores": int(ncores),
        "beam": tuple(float(v) for v in beam),
    }
    options.update(extra or {})
    with tempfile.TemporaryDirectory(prefix="sdc1-bdsf-") as workdir:
        try:
            img = bdsf.process_image(
                str(image_path), quiet=True, outdir=workdir, **options
            )
            sources = _catalogue(img, workdir, "srl")
            gaussians = _catalogue(img, workdir, "gaul")
        finally:
            _close_bdsf_logger()
    if len(sources):
        counts = gaussians.groupby("Source_id").size() if len(gaussians) else pd.Series(dtype=int)
        sources["n_gaussians"] = (
            sources["Source_id"].map(counts).fillna(0).astype(np.int64).to_numpy()
        )
    else:
        sources["n_gaussians"] = pd.Series(dtype=np.int64)
    return sources, gaussians


def _catalogue(img: Any, workdir: str, catalog_type: str) -> pd.DataFrame:
    """Write one PyBDSF catalogue as FITS into ``workdir`` and read it back."""
    if getattr(img, "nsrc", 0) == 0:
        return pd.DataFrame()
    path = os.path.join(workdir, f"catalogue.{catalog_type}.fits")
    with contextlib.redirect_stdout(io.StringIO()):  # PyBDSF prints "--> Wrote ..."
        img.write_catalog(
            outfile=path, format="fits", catalog_type=catalog_type, clobber=True
        )
    if not os.path.exists(path):
        return pd.DataFrame()
    return read_bdsf_fits_catalogue(path)
