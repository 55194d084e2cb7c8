# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # A finished run, with the library
#
# The workflow's outputs are plain files; the `sdc1` library reads them without Snakemake.
# This notebook loads one frequency's catalogue, predictions and features, draws the sources
# on the primary-beam-corrected image with WCS axes, matches them to the truth catalogue, and
# scores the submission again with ska-sdc, which must give the run's own score.
#
# Run the workflow first, e.g. on the small real SDC1 cutout (about a minute on 2 cores):
#
# ```text
# snakemake --cores 2 --config dataset=sdc1_cutout_small mirror=../shared/sdc1-sample
# ```
#
# then open this notebook from the repository (`jupyter lab docs/notebooks/explore_run.ipynb`),
# or set `SDC1_RUN`, `SDC1_DATASET` and `SDC1_FREQ` to look at another run.

# %%
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS

from sdc1.io import read_json, read_sdc1_catalogue, read_table
from sdc1.ska_score import score_catalogue
from sdc1.sky import image_inside_training_area

RUN = Path(os.environ.get("SDC1_RUN", "../.."))
DATASET = os.environ.get("SDC1_DATASET", "sdc1_cutout_small")
FREQ = int(os.environ.get("SDC1_FREQ", "560"))
results = RUN / "results" / DATASET

# %% [markdown]
# ## The catalogue, its classes and its features

# %%
catalogue = read_table(results / "catalogues" / f"{FREQ}mhz.csv")
predictions = read_table(results / "predictions" / f"{FREQ}mhz.csv")
features = read_table(results / "features.parquet")
print(
    f"{len(catalogue)} sources at {FREQ} MHz; features of {features['freq'].nunique()} frequencies"
)
print("predicted classes:", predictions["class"].value_counts().sort_index().to_dict())
predictions[["id", "ra_core", "dec_core", "flux", "snr", "reliability", "class", "tags"]].head()

# %% [markdown]
# ## The sources on the image

# %%
with fits.open(results / "pbcor" / f"{FREQ}mhz.fits") as hdul:
    header = hdul[0].header
    image = np.squeeze(hdul[0].data)
    wcs = WCS(header).celestial

colours = {1: "red", 2: "cyan", 3: "lime"}
fig = plt.figure(figsize=(7, 6))
ax = fig.add_subplot(projection=wcs)
low, high = np.nanpercentile(image, [1, 99.5])
ax.imshow(image, origin="lower", cmap="gray", vmin=low, vmax=high)
x, y = wcs.world_to_pixel(SkyCoord(predictions["ra_core"], predictions["dec_core"], unit="deg"))
ax.scatter(
    x, y, s=30, facecolors="none", edgecolors=[colours[c] for c in predictions["class"]], lw=0.8
)
ax.set_xlabel("RA")
ax.set_ylabel("Dec")
ax.set_title(f"{DATASET}, {FREQ} MHz: red SS-AGN, cyan FS-AGN, green SFG")
plt.show()

# %% [markdown]
# ## Against the truth
#
# Each detection's nearest truth source within one restoring beam.

# %%
truth = read_sdc1_catalogue(RUN / "data" / DATASET / "truth" / f"{FREQ}mhz.txt")
beam_arcsec = header["BMAJ"] * 3600
found = SkyCoord(predictions["ra_core"], predictions["dec_core"], unit="deg")
true = SkyCoord(truth["ra_core"], truth["dec_core"], unit="deg")
nearest, separation, _ = found.match_to_catalog_sky(true)
matched = separation.arcsec < beam_arcsec
ratio = predictions["flux"][matched].to_numpy() / truth["flux"].to_numpy()[nearest[matched]]
print(f"{matched.sum()} of {len(predictions)} detections within a beam of a truth source")
print(f"median flux ratio (measured / true): {np.median(ratio):.3f}")

fig, ax = plt.subplots(figsize=(6, 4))
ax.loglog(truth["flux"].to_numpy()[nearest[matched]], ratio, ".", ms=4)
ax.axhline(1, color="k", lw=0.8)
ax.set_xlabel("true flux (Jy)")
ax.set_ylabel("measured / true")
plt.show()

# %% [markdown]
# ## The score again, with ska-sdc
#
# The submission file is what SDC1 scores; scoring it here must give the run's figure.

# %%
submission = read_sdc1_catalogue(results / "submission" / f"{FREQ}mhz.txt")
score = score_catalogue(
    submission,
    truth,
    FREQ,
    train=image_inside_training_area(header, FREQ),
    mode=0,
)
run_score = read_json(results / "scores" / f"{FREQ}mhz.json")
print(f"ska-sdc here: {score['score']:.2f} ({score['n_match']} matched, {score['n_false']} false)")
print(f"the run's score file: {run_score['score']:.2f}")
assert abs(score["score"] - run_score["score"]) < 1e-6 * max(1.0, abs(run_score["score"]))
