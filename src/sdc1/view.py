"""An offline, interactive view of a catalogue on its image: Aladin Lite in one folder.

:func:`write_view` writes a folder that any browser opens through a local HTTP
server (``sdc1 view --serve``): the primary-beam-corrected image, block-averaged
to at most ``max_side`` pixels a side (a 32768^2 SDC1 image is 4 GB; the
browser gets 2048^2, 16 MB), the catalogue as one Aladin Lite layer per
predicted class with PyBDSF's fitted ellipses, a popup of each source's measured
and predicted values (and its truth match where there is truth; false detections
in their own layer), and Aladin Lite itself, copied from the npm package that
``make viewer-lib`` installs (never a CDN). Aladin Lite's usage logging, SAMP and
default HiPS survey are off, so the page makes no request beyond its folder.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import tempfile
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.classify import CLASS_NAMES
from sdc1.errors import InputError

__all__ = [
    "ALADIN_LITE_JS",
    "LAYER_COLOURS",
    "POPUP_COLUMNS",
    "ViewImage",
    "downsample_factor",
    "serve",
    "view_image",
    "view_sources",
    "write_view",
]

#: Where `npm ci` (`make viewer-lib`, rule install_aladin_lite) puts Aladin Lite, relative
#: to the workflow's folder.
ALADIN_LITE_JS = Path("node_modules") / "aladin-lite" / "dist" / "aladin.js"

#: Layer colours: the classes as in the DS9 regions (sdc1.export), false detections magenta.
LAYER_COLOURS: dict[str, str] = {
    "ss_agn": "#ff4040",
    "fs_agn": "#00e5ff",
    "sfg": "#40ff40",
    "false": "#ff00ff",
}

#: Columns shown in a source's popup, with their units, in order (those the table has).
POPUP_COLUMNS: dict[str, str] = {
    "id": "",
    "ra_core": "deg",
    "dec_core": "deg",
    "flux": "Jy",
    "e_flux": "Jy",
    "snr": "",
    "reliability": "",
    "b_maj": "arcsec",
    "b_min": "arcsec",
    "pa": "deg",
    "core_frac": "",
    "p_ss_agn": "",
    "p_fs_agn": "",
    "p_sfg": "",
    "tags": "",
    "true_class": "",
}


@dataclass(frozen=True)
class ViewImage:
    """The image the browser loads: block-averaged pixels and a plain celestial WCS.

    Attributes
    ----------
    data : numpy.ndarray
        ``(rows, columns)`` float32, NaN where every pixel of a block is blank.
    header : astropy.io.fits.Header
        Only CTYPE, CRVAL, CRPIX, CDELT and CUNIT (and PC where rotated): Aladin
        Lite's FITS reader refuses some keywords that astropy writes.
    factor : int
        Input pixels per output pixel along each axis.
    cuts : tuple of float
        Display range: the 0.5th and 99.5th percentiles of the finite pixels.
    """

    data: np.ndarray
    header: fits.Header
    factor: int
    cuts: tuple[float, float]


def downsample_factor(shape: tuple[int, int], max_side: int) -> int:
    """The smallest integer factor that brings both sides of ``shape`` to at most ``max_side``."""
    if max_side < 1:
        raise ValueError(f"max_side must be positive, not {max_side}")
    return max(1, math.ceil(max(shape) / max_side))


def _plain_header(wcs: WCS, shape: tuple[int, int]) -> fits.Header:
    header = fits.Header()
    header["NAXIS"] = 2
    header["NAXIS1"] = shape[1]
    header["NAXIS2"] = shape[0]
    for axis in (1, 2):
        header[f"CTYPE{axis}"] = wcs.wcs.ctype[axis - 1]
        header[f"CRVAL{axis}"] = float(wcs.wcs.crval[axis - 1])
        header[f"CRPIX{axis}"] = float(wcs.wcs.crpix[axis - 1])
        header[f"CDELT{axis}"] = float(wcs.wcs.cdelt[axis - 1])
        header[f"CUNIT{axis}"] = "deg"
    if not np.allclose(wcs.wcs.get_pc(), np.eye(2)):
        for i in (1, 2):
            for j in (1, 2):
                header[f"PC{i}_{j}"] = float(wcs.wcs.get_pc()[i - 1, j - 1])
    return header


def view_image(path: str | os.PathLike, max_side: int = 2048) -> ViewImage:
    """The image of ``path`` (2-D or with degenerate axes), block-averaged for the browser.

    Rows are read a block at a time (astropy's ``section``), so a 32768^2 image needs
    about one block of rows in memory, not the whole image.
    """
    with fits.open(path, memmap=False, lazy_load_hdus=True) as hdul:
        hdu = hdul[0]
        wcs = WCS(hdu.header).celestial
        shape = tuple(hdu.header[f"NAXIS{i}"] for i in range(hdu.header["NAXIS"], 0, -1))
        if len(shape) < 2 or any(n != 1 for n in shape[:-2]):
            raise InputError(f"{path}: a cube ({shape}); the viewer needs one plane")
        lead = (0,) * (len(shape) - 2)
        rows, cols = shape[-2:]
        factor = downsample_factor((rows, cols), max_side)
        out_rows, out_cols = math.ceil(rows / factor), math.ceil(cols / factor)
        out = np.full((out_rows, out_cols), np.nan, dtype=np.float32)
        for r in range(out_rows):
            rows_here = slice(r * factor, min((r + 1) * factor, rows))
            block = np.asarray(hdu.section[(*lead, rows_here, slice(None))], dtype=np.float32)
            padded = np.full((factor, out_cols * factor), np.nan, dtype=np.float32)
            padded[: block.shape[0], :cols] = block
            with warnings.catch_warnings():
                # A block of blank (NaN) pixels stays blank.
                warnings.simplefilter("ignore", RuntimeWarning)
                out[r] = np.nanmean(padded.reshape(factor, out_cols, factor), axis=(0, 2))
    finite = out[np.isfinite(out)]
    low, high = np.percentile(finite, [0.5, 99.5]) if finite.size else (0.0, 1.0)
    # Slicing with a step makes the WCS of the block means (CRPIX and CDELT scaled).
    header = _plain_header(wcs[::factor, ::factor], out.shape)
    return ViewImage(out, header, factor, (float(low), float(high)))


def _value(value: Any) -> Any:
    """A JSON value: finite floats rounded to 7 significant digits, NaN as null."""
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(f"{float(value):.7g}")
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    return value


def view_sources(
    predictions: pd.DataFrame, primary: str = "multi", labels: pd.DataFrame | None = None
) -> list[dict[str, Any]]:
    """The sources of the view: position, fitted ellipse, layer and popup values.

    Parameters
    ----------
    predictions : pandas.DataFrame
        The `predict` table (catalogue, ``class`` and ``p<c>_<set>`` probabilities).
    primary : str, optional
        The feature set whose probabilities are shown.
    labels : pandas.DataFrame, optional
        The `label` table (``id``, ``true_class``) where the image has truth: a
        source without a truth match is a false detection, in its own layer.

    Returns
    -------
    list of dict
        ``ra``, ``dec``, ``a`` and ``b`` (fitted FWHM semi-axes, degrees), ``theta``
        (PA east of north, degrees), ``layer`` (class name or ``false``) and
        ``values`` (the :data:`POPUP_COLUMNS` the table has).
    """
    table = predictions.copy()
    for code, name in CLASS_NAMES.items():
        column = f"p{code}_{primary}"
        if column in table:
            table[f"p_{name}"] = table[column]
    if "e_total_flux" in table and "total_flux" in table:
        from sdc1.export import flux_error

        table["e_flux"] = flux_error(table["flux"], table["total_flux"], table["e_total_flux"])
    has_truth = labels is not None and labels["true_class"].notna().any()
    if labels is not None:
        table = table.merge(labels[["id", "true_class"]], on="id", how="left", validate="1:1")
    shown = [c for c in POPUP_COLUMNS if c in table]
    sources = []
    for row in table.to_dict("records"):
        false_detection = has_truth and not np.isfinite(row.get("true_class", np.nan))
        values = {c: _value(row[c]) for c in shown}
        if "true_class" in values:
            truth = values.pop("true_class")
            values["truth"] = (
                "false detection"
                if false_detection
                else CLASS_NAMES.get(int(truth), "?")
                if truth is not None
                else "no truth"
            )
        sources.append(
            {
                "ra": _value(row["ra_core"] % 360.0),
                "dec": _value(row["dec_core"]),
                "a": _value(row.get("maj_raw", np.nan) / 7200.0),
                "b": _value(row.get("min_raw", np.nan) / 7200.0),
                "theta": _value(row.get("pa_raw", 0.0)),
                "layer": "false" if false_detection else CLASS_NAMES.get(int(row["class"]), "sfg"),
                "values": values,
            }
        )
    return sources


def _page(title: str) -> str:
    template = resources.files("sdc1").joinpath("data/view/index.html").read_text()
    return template.replace("{{ title }}", title)


def write_view(
    out_dir: str | os.PathLike,
    image_path: str | os.PathLike,
    predictions: pd.DataFrame,
    aladin_js: str | os.PathLike,
    *,
    title: str,
    primary: str = "multi",
    labels: pd.DataFrame | None = None,
    max_side: int = 2048,
) -> dict[str, Any]:
    """Write the viewer folder: ``index.html``, ``image.fits``, ``sources.js``, ``aladin.js``.

    The folder is written beside ``out_dir`` and renamed into place, so a failure
    leaves no half-written viewer and an earlier one is replaced whole.

    Returns
    -------
    dict
        What was written: ``sources`` (count, per layer), ``image_shape`` and ``factor``.
    """
    aladin_js = Path(aladin_js)
    if not aladin_js.is_file():
        raise InputError(
            f"{aladin_js}: Aladin Lite not installed (run `make viewer-lib`, i.e. npm ci)"
        )
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    image = view_image(image_path, max_side)
    sources = view_sources(predictions, primary, labels)
    layers = {name: sum(s["layer"] == name for s in sources) for name in LAYER_COLOURS}
    meta = {
        "title": title,
        "colours": LAYER_COLOURS,
        "units": POPUP_COLUMNS,
        "n_sources": len(sources),
        "layers": layers,
        "cuts": list(image.cuts),
    }
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        fits.PrimaryHDU(image.data, image.header).writeto(tmp / "image.fits")
        (tmp / "sources.js").write_text(
            "window.SDC1_VIEW = "
            + json.dumps({"meta": meta, "sources": sources}, separators=(",", ":"))
            + ";\n"
        )
        (tmp / "index.html").write_text(_page(title))
        shutil.copyfile(aladin_js, tmp / "aladin.js")
        os.chmod(tmp, 0o755)
        if out_dir.exists():
            shutil.rmtree(out_dir)
        tmp.rename(out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return {
        "sources": len(sources),
        "layers": layers,
        "image_shape": list(image.data.shape),
        "factor": image.factor,
    }


def serve(folder: str | os.PathLike, port: int = 8000, host: str = "127.0.0.1") -> None:
    """Serve ``folder`` over HTTP until interrupted (browsers refuse WebAssembly from file://)."""
    from functools import partial
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = partial(SimpleHTTPRequestHandler, directory=str(folder))
    with ThreadingHTTPServer((host, port), handler) as server:
        print(f"serving {folder} at http://{host}:{server.server_port}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
