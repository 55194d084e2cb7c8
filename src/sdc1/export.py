"""Catalogues astronomers open directly: FITS, VOTable and ECSV with units and UCDs, DS9 regions.

TOPCAT, Aladin and STILTS read the FITS binary table, the VOTable and the ECSV
(CSV with a YAML header that pandas also reads) with each column's unit and UCD
(the IVOA's Unified Content Descriptors), so that positions are recognised as
positions and fluxes as fluxes. Each measured value comes with its 1-sigma error
from PyBDSF's fit, the local noise, the S/N, the reliability and the class
probabilities. DS9 and CARTA draw the region file (written by astropy-regions)
over the image: one ellipse per source, PyBDSF's fitted ellipse (FWHM, before
deconvolution), coloured by predicted class.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import astropy.units as u
import numpy as np
import pandas as pd
from astropy.coordinates import SkyCoord
from astropy.table import Table
from regions import EllipseSkyRegion, RegionMeta, Regions, RegionVisual

from sdc1.io import atomic_path

__all__ = [
    "CLASS_COLOURS",
    "COLUMNS",
    "Column",
    "catalogue_table",
    "ds9_regions",
    "flux_error",
    "sky_regions",
    "write_catalogue_files",
]


@dataclass(frozen=True)
class Column:
    """What a catalogue column is: its unit, UCD and description."""

    unit: str | None
    ucd: str
    description: str


#: The exported columns, in order (the SDC1 submission's, then what astronomers use most).
COLUMNS: dict[str, Column] = {
    "id": Column(None, "meta.id;meta.main", "Source identifier"),
    "ra_core": Column("deg", "pos.eq.ra;meta.main", "Right ascension of the core (ICRS)"),
    "dec_core": Column("deg", "pos.eq.dec;meta.main", "Declination of the core (ICRS)"),
    "ra_cent": Column("deg", "pos.eq.ra", "Right ascension of the centroid (ICRS)"),
    "dec_cent": Column("deg", "pos.eq.dec", "Declination of the centroid (ICRS)"),
    "e_ra_core": Column("arcsec", "stat.error;pos.eq.ra", "1-sigma error of ra_core"),
    "e_dec_core": Column("arcsec", "stat.error;pos.eq.dec", "1-sigma error of dec_core"),
    "e_ra_cent": Column("arcsec", "stat.error;pos.eq.ra", "1-sigma error of ra_cent"),
    "e_dec_cent": Column("arcsec", "stat.error;pos.eq.dec", "1-sigma error of dec_cent"),
    "flux": Column(
        "Jy", "phot.flux.density;em.radio", "Integrated flux density, primary-beam corrected"
    ),
    "e_flux": Column(
        "Jy",
        "stat.error;phot.flux.density;em.radio",
        "1-sigma error of flux: PyBDSF's, times the calibration's flux correction",
    ),
    "core_frac": Column(None, "arith.ratio", "Core flux density over the total"),
    "b_maj": Column("arcsec", "phys.angSize.smajAxis", "Deconvolved major axis (FWHM)"),
    "b_min": Column("arcsec", "phys.angSize.sminAxis", "Deconvolved minor axis (FWHM)"),
    "pa": Column("deg", "pos.posAng", "Position angle, SDC1 convention: (90 - PA east of north)"),
    "size": Column(None, "meta.code", "Size convention: 1 LAS, 2 Gaussian FWHM, 3 exponential"),
    "class": Column(None, "src.class", "Predicted class: 1 SS-AGN, 2 FS-AGN, 3 SFG"),
    "p_ss_agn": Column(None, "stat.probability", "Calibrated probability of class 1 (SS-AGN)"),
    "p_fs_agn": Column(None, "stat.probability", "Calibrated probability of class 2 (FS-AGN)"),
    "p_sfg": Column(None, "stat.probability", "Calibrated probability of class 3 (SFG)"),
    "snr": Column(None, "stat.snr", "Peak signal-to-noise ratio"),
    "isl_rms": Column(
        "Jy/beam", "stat.stdev;phot.flux.density", "Local rms noise (PyBDSF's island)"
    ),
    "reliability": Column(None, "stat.probability", "Probability that the detection is real"),
    "pb_response": Column(None, "instr.beam;arith.ratio", "Primary-beam response at the centroid"),
    "tags": Column(None, "src.morph.type", "Morphology tags, comma-separated (sdc1.morphology)"),
    "peak_flux": Column("Jy/beam", "phot.flux.density;stat.max", "Peak brightness"),
    "e_peak_flux": Column(
        "Jy/beam", "stat.error;phot.flux.density;stat.max", "1-sigma error of peak_flux"
    ),
    "total_flux": Column(
        "Jy", "phot.flux.density;em.radio;stat.fit", "PyBDSF's integrated flux, before calibration"
    ),
    "e_total_flux": Column(
        "Jy", "stat.error;phot.flux.density;em.radio", "1-sigma error of total_flux"
    ),
    "maj_raw": Column("arcsec", "phys.angSize.smajAxis;stat.fit", "Fitted major axis (FWHM)"),
    "e_maj_raw": Column("arcsec", "stat.error;phys.angSize.smajAxis", "1-sigma error of maj_raw"),
    "min_raw": Column("arcsec", "phys.angSize.sminAxis;stat.fit", "Fitted minor axis (FWHM)"),
    "e_min_raw": Column("arcsec", "stat.error;phys.angSize.sminAxis", "1-sigma error of min_raw"),
    "pa_raw": Column("deg", "pos.posAng;stat.fit", "Fitted position angle, east of north"),
    "e_pa_raw": Column("deg", "stat.error;pos.posAng", "1-sigma error of pa_raw"),
}

#: DS9 colours of the classes.
CLASS_COLOURS: dict[int, str] = {1: "red", 2: "cyan", 3: "green"}
_PROBABILITIES = ("p_ss_agn", "p_fs_agn", "p_sfg")
_INTEGERS = ("id", "size", "class")
_STRINGS = ("tags",)


def catalogue_table(predictions: pd.DataFrame, primary: str, freq_mhz: int) -> Table:
    """The exported catalogue: the columns of :data:`COLUMNS`, with units and UCDs.

    Parameters
    ----------
    predictions : pandas.DataFrame
        The `predict` table (catalogue, class and per-feature-set probabilities
        ``p1_<set>``, ``p2_<set>``, ``p3_<set>``).
    primary : str
        The feature set whose classes are the catalogue's (``multi`` or ``single``).
    freq_mhz : int
        Frequency of the image, recorded in the table's metadata.
    """
    frame = predictions.copy()
    for code, name in enumerate(_PROBABILITIES, start=1):
        frame[name] = frame.get(f"p{code}_{primary}", np.nan)
    if "pa_error" in frame:
        frame["e_pa_raw"] = frame["pa_error"]
    if {"e_total_flux", "total_flux", "flux"} <= set(frame.columns):
        frame["e_flux"] = flux_error(frame["flux"], frame["total_flux"], frame["e_total_flux"])
    table = Table()
    for name, column in COLUMNS.items():
        if name not in frame:
            continue
        # Explicit types: an empty catalogue reads back with untyped (object) columns.
        if name in _STRINGS:
            values = frame[name].fillna("").astype(str).to_numpy(dtype=str)
        else:
            values = frame[name].to_numpy(dtype=np.int64 if name in _INTEGERS else np.float64)
        table[name] = values
        table[name].unit = column.unit
        table[name].meta["ucd"] = column.ucd
        table[name].description = column.description
    table.meta["FREQ_MHZ"] = int(freq_mhz)
    table.meta["ORIGIN"] = "sdc1 workflow"
    return table


def flux_error(
    flux: pd.Series | np.ndarray,
    total_flux: pd.Series | np.ndarray,
    e_total_flux: pd.Series | np.ndarray,
) -> np.ndarray:
    """The error of the calibrated flux: PyBDSF's error times the flux correction.

    The calibration multiplies each source's flux by a learned factor
    (``flux / total_flux``), so its relative error is PyBDSF's; NaN where PyBDSF's
    flux is zero or missing.
    """
    flux, total, error = (np.asarray(a, dtype=float) for a in (flux, total_flux, e_total_flux))
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total != 0, error * np.abs(flux / total), np.nan)


def _write_votable(table: Table, path: str | os.PathLike) -> None:
    from astropy.io.votable import from_table

    votable = from_table(table)
    for field in votable.get_first_table().fields:
        field.ucd = table[field.name].meta["ucd"]
    votable.to_xml(str(path))


def sky_regions(predictions: pd.DataFrame) -> Regions:
    """The sources as astropy-regions ellipses: PyBDSF's fitted FWHM, coloured by class.

    A sky ellipse's ``angle`` is measured from the +RA axis (the image's x axis
    when north is up), so 90 degrees is added to PyBDSF's position angle, east of
    north. Each region's text is the source's ``id``.
    """
    if len(predictions) == 0:
        return Regions([])
    centres = SkyCoord(
        predictions["ra_core"].to_numpy(float),
        predictions["dec_core"].to_numpy(float),
        unit="deg",
        frame="icrs",
    )
    width = predictions["maj_raw"].to_numpy(float) * u.arcsec
    height = predictions["min_raw"].to_numpy(float) * u.arcsec
    angle = ((predictions["pa_raw"].to_numpy(float) + 90.0) % 360.0) * u.deg
    ids = predictions["id"].to_numpy(dtype=np.int64)
    classes = predictions["class"].to_numpy(dtype=np.int64)
    return Regions(
        [
            EllipseSkyRegion(
                centres[i],
                width[i],
                height[i],
                angle[i],
                meta=RegionMeta(text=str(ids[i])),
                visual=RegionVisual(edgecolor=CLASS_COLOURS.get(int(classes[i]), "yellow")),
            )
            for i in range(len(predictions))
        ]
    )


def ds9_regions(predictions: pd.DataFrame) -> str:
    """The DS9 region file of :func:`sky_regions`, with a comment naming the class colours."""
    legend = "# sdc1 workflow detections by class: " + ", ".join(
        f"{c} class {k}" for k, c in CLASS_COLOURS.items()
    )
    body = sky_regions(predictions).serialize(format="ds9")
    if not body:
        return "# Region file format: DS9 astropy/regions\n" + legend + "\nicrs\n"
    first, rest = body.split("\n", 1)
    return f"{first}\n{legend}\n{rest}"


def write_catalogue_files(
    predictions: pd.DataFrame,
    primary: str,
    freq_mhz: int,
    *,
    fits_path: str | os.PathLike,
    votable_path: str | os.PathLike,
    ecsv_path: str | os.PathLike,
    regions_path: str | os.PathLike,
) -> Table:
    """Write the FITS binary table, the VOTable, the ECSV and the DS9 region file of a catalogue.

    Each file is written atomically: a failure leaves no half-written file.

    Returns
    -------
    astropy.table.Table
        The table written (:func:`catalogue_table`).
    """
    table = catalogue_table(predictions, primary, freq_mhz)
    with atomic_path(fits_path) as tmp:
        table.write(tmp, format="fits", overwrite=True)
    with atomic_path(votable_path) as tmp:
        _write_votable(table, tmp)
    with atomic_path(ecsv_path) as tmp:
        table.write(tmp, format="ascii.ecsv", overwrite=True)
    with atomic_path(regions_path) as tmp:
        tmp.write_text(ds9_regions(predictions))
    return table
