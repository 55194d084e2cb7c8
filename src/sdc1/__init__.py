"""SKA Science Data Challenge 1 workflow library.

One module per concept: ``io`` (FITS and catalogue files), ``fetch`` (downloads),
``beam`` (primary-beam correction), ``background`` (one mean/rms grid per image),
``tiling`` (tile plans from a memory budget and the work, per-tile PyBDSF, merge),
``sourcefind`` (PyBDSF), ``catalogue`` (PyBDSF lists to SDC1 columns),
``calibrate`` (out-of-fold corrections learned from truth), ``score`` (ska-sdc),
``simulate`` (synthetic sky), ``schedule`` (list scheduling of measured jobs).
"""

__version__ = "0.1.0"
