"""SKA Science Data Challenge 1 workflow library.

One module per concept, named for the stage it serves (README: the stage table):
``download``, ``simulate`` (synthetic sky), ``primary_beam`` (correction),
``background`` (one mean/rms grid per image), ``tiles`` (tile plans from a memory
budget and the work, and their merge), ``find_sources`` (PyBDSF on an image or a
tile), ``parallel_tiles`` (all tiles of an image in one job), ``catalogue``
(PyBDSF lists to SDC1 columns), ``calibrate`` (out-of-fold corrections learned from
truth), ``features`` (cross-frequency features), ``classify`` and ``model`` (the
random forests and the trained model of a frequency), ``score`` (per-frequency
scores, ska-sdc through ``ska_score``), ``export`` (FITS, VOTable, DS9 regions),
``figures``, ``plots`` and ``summary`` (the report). Shared: ``io`` (files),
``beam`` (image geometry and restoring beams), ``match`` (matching to truth),
``sky`` (training area), ``validate`` (input checks), ``logs``, ``memory``
(memory profiles), ``pybdsf_patches`` (every reach into PyBDSF's internals),
``schedule`` (list scheduling of measured jobs).
"""

from importlib import metadata as _metadata

try:
    # The version is written once, in pyproject.toml; the installed metadata carries it.
    __version__ = _metadata.version("sdc1")
except _metadata.PackageNotFoundError:  # the source tree on sys.path without an install
    __version__ = "0+unknown"
