"""Reading and writing the files the workflow exchanges: FITS images, SDC1 catalogues.

Every writer goes through :func:`atomic_path`, so that an interrupted job never
leaves a half-written file under its final name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from typing import Iterator

import numpy as np
import pandas as pd
from astropy.io import fits

from sdc1.errors import InputError

#: SDC1 catalogue columns, in the order of the submission format.
SDC1_COLUMNS: tuple[str, ...] = (
    "id",
    "ra_core",
    "dec_core",
    "ra_cent",
    "dec_cent",
    "flux",
    "core_frac",
    "b_maj",
    "b_min",
    "pa",
    "size",
    "class",
)

#: SDC1 frequency (MHz) -> band name used in the official file names.
BAND_OF_FREQ: dict[int, str] = {560: "B1", 1400: "B2", 9200: "B5"}


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    The temporary file is removed if the block raises, so a failed or killed
    writer never leaves a file under the final name.
    """
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{final.name}.", suffix=".part", dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    # mkstemp creates 0600 files; outputs should have the usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)
    try:
        yield tmp
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()


def float32_header(header: fits.Header, history: str) -> fits.Header:
    """A copy of ``header`` for float32 pixels written by a streaming HDU, with a HISTORY line.

    Integer scaling keywords (BLANK, BSCALE, BZERO) would be wrong for float data.
    """
    out = header.copy()
    out["BITPIX"] = -32
    for key in ("BLANK", "BSCALE", "BZERO"):
        out.remove(key, ignore_missing=True)
    out["HISTORY"] = history
    return out


def image_plane(hdu_data: np.ndarray) -> np.ndarray:
    """Return the 2-D sky plane of a FITS data array with degenerate leading axes."""
    data = hdu_data
    while data.ndim > 2:
        if data.shape[0] != 1:
            raise InputError(f"image has a non-degenerate axis of length {data.shape[0]}")
        data = data[0]
    return data


def read_image(path: str | os.PathLike, memmap: bool = True) -> tuple[np.ndarray, fits.Header]:
    """Read the 2-D sky plane and the full primary header of a FITS image.

    With ``memmap=True`` the pixels are not loaded until they are used.
    """
    try:
        with fits.open(path, memmap=memmap) as hdul:
            header = hdul[0].header.copy()
            data = image_plane(hdul[0].data)
            if not memmap:
                data = np.array(data)
    except (OSError, TypeError) as exc:
        raise InputError(f"{path}: not a readable FITS image ({exc})") from None
    return data, header


def catalogue_header_lines(path: str | os.PathLike, max_lines: int = 100) -> int:
    """Number of lines before the first data row of a whitespace SDC1 catalogue.

    The published training truth files start with 18 header lines, submissions
    with one line of column names, the full truth with none. A data row has at
    least the 12 SDC1 columns, most of them numbers: a data row with one bad
    value counts as data, so that the validator names it instead of skipping it.
    """
    with open(path, encoding="utf-8", errors="replace") as handle:
        for lineno, line in enumerate(handle):
            if lineno >= max_lines:
                break
            fields = line.split("#", 1)[0].split()
            if len(fields) >= len(SDC1_COLUMNS) and _numbers(fields) > len(fields) / 2:
                return lineno
    return 0


def _numbers(fields: list[str]) -> int:
    """How many of ``fields`` parse as numbers."""
    count = 0
    for value in fields:
        try:
            float(value)
        except ValueError:
            continue
        count += 1
    return count


def read_sdc1_catalogue(path: str | os.PathLike, skiprows: int | None = None) -> pd.DataFrame:
    """Read a whitespace-separated SDC1 catalogue (truth or submission), in any published layout.

    Only the 12 SDC1 columns are kept; training-set catalogues carry three more
    (SELECTION, x, y), which are dropped. Header lines (18 in the training sets,
    one in a submission) are found by :func:`catalogue_header_lines` unless
    ``skiprows`` is given.
    """
    if skiprows is None:
        skiprows = catalogue_header_lines(path)
    frame = pd.read_csv(path, sep=r"\s+", header=None, skiprows=skiprows, comment="#")
    if frame.shape[1] < len(SDC1_COLUMNS):
        raise InputError(
            f"{path}: {frame.shape[1]} columns, an SDC1 catalogue needs {len(SDC1_COLUMNS)}"
        )
    frame = frame.iloc[:, : len(SDC1_COLUMNS)]
    frame.columns = list(SDC1_COLUMNS)
    return frame


def write_sdc1_catalogue(catalogue: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write ``catalogue`` in the SDC1 submission format (one header line, whitespace).

    ska-sdc reads submissions with one header row skipped (``sub_skiprows=1``).
    """
    missing = [c for c in SDC1_COLUMNS if c not in catalogue.columns]
    if missing:
        raise ValueError(f"catalogue lacks SDC1 columns {missing}")
    table = catalogue.loc[:, list(SDC1_COLUMNS)]
    with atomic_path(path) as tmp:
        with open(tmp, "w") as handle:
            handle.write(" ".join(SDC1_COLUMNS) + "\n")
            table.to_csv(handle, sep=" ", header=False, index=False, float_format="%.10g")


def write_table(table: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a table atomically; the suffix picks the format (.parquet or .csv)."""
    suffix = Path(path).suffix
    with atomic_path(path) as tmp:
        if suffix == ".parquet":
            table.to_parquet(tmp, index=False)
        elif suffix == ".csv":
            table.to_csv(tmp, index=False)
        else:
            raise ValueError(f"{path}: unknown table format {suffix!r}")


def read_table(path: str | os.PathLike) -> pd.DataFrame:
    """Read a table written by :func:`write_table`."""
    if Path(path).suffix == ".parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path)


def write_json(content: dict, path: str | os.PathLike) -> None:
    """Write a JSON document atomically, keys sorted so that reruns are byte-identical."""
    import json

    with atomic_path(path) as tmp:
        with open(tmp, "w") as handle:
            json.dump(content, handle, indent=2, sort_keys=True, allow_nan=False)
            handle.write("\n")


def read_json(path: str | os.PathLike) -> dict:
    """Read a JSON document (such as one written by :func:`write_json`)."""
    import json

    with open(path) as handle:
        return json.load(handle)


def write_sdc1_truth(catalogue: pd.DataFrame, path: str | os.PathLike) -> None:
    """Write a truth catalogue in the plain SDC1 format: 12 columns, whitespace, no header."""
    with atomic_path(path) as tmp:
        catalogue.loc[:, list(SDC1_COLUMNS)].to_csv(
            tmp, sep=" ", header=False, index=False, float_format="%.10g"
        )
