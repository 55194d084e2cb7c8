"""Catalogues astronomers open directly: FITS and VOTable with units and UCDs, DS9 regions.

TOPCAT, Aladin and STILTS read the FITS binary table and the VOTable with each
column's unit and UCD (the IVOA's Unified Content Descriptors), so that
positions are recognised as positions and fluxes as fluxes. DS9 and CARTA draw
the region file over the image: one ellipse per source, PyBDSF's fitted ellipse
(FWHM, before deconvolution), coloured by predicted class.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import pandas as pd
from astropy.table import Table

from sdc1.io import atomic_path

__all__ = [
    "CLASS_COLOURS",
    "COLUMNS",
    "Column",
    "catalogue_table",
    "ds9_regions",
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
    "flux": Column(
        "Jy", "phot.flux.density;em.radio", "Integrated flux density, primary-beam corrected"
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
    "reliability": Column(None, "stat.probability", "Probability that the detection is real"),
    "pb_response": Column(None, "instr.beam;arith.ratio", "Primary-beam response at the centroid"),
    "tags": Column(None, "src.morph.type", "Morphology tags, comma-separated (sdc1.morphology)"),
    "peak_flux": Column("Jy/beam", "phot.flux.density;stat.max", "Peak brightness"),
    "maj_raw": Column("arcsec", "phys.angSize.smajAxis;stat.fit", "Fitted major axis (FWHM)"),
    "min_raw": Column("arcsec", "phys.angSize.sminAxis;stat.fit", "Fitted minor axis (FWHM)"),
    "pa_raw": Column("deg", "pos.posAng;stat.fit", "Fitted position angle, east of north"),
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


def _write_votable(table: Table, path: str | os.PathLike) -> None:
    from astropy.io.votable import from_table

    votable = from_table(table)
    for field in votable.get_first_table().fields:
        field.ucd = table[field.name].meta["ucd"]
    votable.to_xml(str(path))


def ds9_regions(predictions: pd.DataFrame) -> str:
    """DS9/CARTA regions of the sources: PyBDSF's fitted ellipses, coloured by class.

    DS9's ellipse takes semi-axes and an angle from the +RA axis (west of the
    north-up image's x axis), so PyBDSF's FWHM are halved and 90 degrees is
    added to its position angle, east of north.
    """
    lines = [
        "# Region file format: DS9 version 4.1",
        "# sdc1 workflow detections; colour: "
        + ", ".join(f"{c} class {k}" for k, c in CLASS_COLOURS.items()),
        'global color=green width=1 font="helvetica 10 normal roman"',
        "fk5",
    ]
    columns = ["id", "ra_core", "dec_core", "maj_raw", "min_raw", "pa_raw", "class"]
    for row in predictions[columns].itertuples(index=False):
        colour = CLASS_COLOURS.get(int(row[6]), "yellow")
        lines.append(
            f'ellipse({row[1]:.7f},{row[2]:.7f},{row[3] / 2:.3f}",{row[4] / 2:.3f}",'
            f"{(row[5] + 90.0) % 360.0:.2f}) # color={colour} text={{{int(row[0])}}}"
        )
    return "\n".join(lines) + "\n"


def write_catalogue_files(
    predictions: pd.DataFrame,
    primary: str,
    freq_mhz: int,
    *,
    fits_path: str | os.PathLike,
    votable_path: str | os.PathLike,
    regions_path: str | os.PathLike,
) -> Table:
    """Write the FITS binary table, the VOTable and the DS9 region file of a catalogue.

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
    with atomic_path(regions_path) as tmp:
        tmp.write_text(ds9_regions(predictions))
    return table
