"""Fit the synthetic-population parameters to the real SDC1 truth catalogues.

Usage (from the repository root)::

    .venv/bin/python resources/population/fit_population.py \
        [--sample ../shared/sdc1-sample] [--out resources/population/params.yaml]

Inputs (never copied into the repository; only the fitted numbers are written):

* ``training-truth/TrainingSet_B{1,2,5}_v2_ML.txt``: official SDC1 training-area truth at
  560, 1400 and 9200 MHz. They list only sources above roughly the 8 h noise
  (flux > ~3 uJy at 560 MHz), so they fix the bright counts, the spectral indices
  (IDs are shared), the extended/compact flags and the truth selection.
* ``truth_B1_0.3tr.cat``: the complete SDC1 truth (down to 1e-8 Jy) over the 0.3tr
  cutout, inside the 560 MHz training area; it fixes the faint counts, below the
  training catalogues' selection, which the images still contain.

What is fitted (see ``sdc1.simulate.population`` for how it is used):

* counts: dN/dlog10(S) per deg^2 per class in 0.1 dex bins at 560 MHz, from the
  complete cutout truth below ``SWITCH_FLUX`` and from the training truth (31x larger
  area, complete there) above it;
* conditional quantile tables of log10 intrinsic size, axis ratio, core fraction,
  centroid offset and PA per class and per bin of log10 flux (both catalogues, IDs
  de-duplicated);
* spectral indices: empirical quantiles (and mean, sd) per class of alpha(560-1400) over
  sources in both the B1 and B2 training catalogues, and of alpha(1400-9200) over B2 and
  B5 (fallback to the former with fewer than 5 pairs);
* core_frac_beta: core fraction scales as (freq/560)^beta (median over AGN pairs);
* extended flag: logistic in log10(intrinsic size / pixel) per class, over all four
  catalogues;
* selection: logistic in log10(flux x primary beam x peak/flux after the beam) at 560 MHz
  from which cutout-truth sources appear in the B1 training truth; the 1400 and 9200 MHz
  thresholds are set so
  that the expected number of selected sources in each training area equals the real
  count (same logistic width).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import yaml
from scipy.optimize import brentq, minimize

from sdc1.io import read_sdc1_catalogue
from sdc1.simulate.geometry import TRAIN_LIM, pixel_scale_deg
from sdc1.simulate.population import (
    catalogue_at,
    generate_population,
    peak_fraction,
    sky_area_deg2,
)
from sdc1.simulate.primary_beam import radial_pb, separation_deg

ROOT = Path(__file__).resolve().parents[2]
SWITCH_FLUX = 2e-5
MIN_FLUX = 1e-8
LEVELS = (
    [0.0, 0.01, 0.025, 0.05]
    + [float(round(x, 2)) for x in np.arange(0.1, 0.91, 0.05)]
    + [0.95, 0.975, 0.99, 1.0]
)
MIN_PER_BIN = 40


def intrinsic_size(cat: pd.DataFrame) -> np.ndarray:
    """Intrinsic size (arcsec): SFG scale length, steep AGN LAS, flat AGN lobe FWHM."""
    size = cat["b_maj"].to_numpy(dtype=float).copy()
    sfg2 = (cat["class"] == 3) & (cat["size"] == 2)
    ss2 = (cat["class"] == 1) & (cat["size"] == 2)
    size[sfg2.to_numpy()] /= np.sqrt(2.0)
    size[ss2.to_numpy()] *= 2.0
    return size


def box_area(cat: pd.DataFrame) -> float:
    """Area (deg^2) of the RA/Dec bounding box of a catalogue."""
    return sky_area_deg2(
        cat.ra_core.min(), cat.ra_core.max(), cat.dec_core.min(), cat.dec_core.max()
    )


def logistic_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Maximum-likelihood (midpoint, width) of P(y=1 | x) = 1 / (1 + exp(-(x - mid) / width))."""

    def nll(p: np.ndarray) -> float:
        z = (x - p[0]) / max(abs(p[1]), 1e-4)
        return float(np.sum(np.logaddexp(0.0, -z) * y + np.logaddexp(0.0, z) * (1 - y)))

    res = minimize(nll, [np.median(x), 0.1], method="Nelder-Mead")
    return float(res.x[0]), float(abs(res.x[1]))


def flux_bins(log_flux: np.ndarray) -> list[float]:
    """Edges of >= 0.5 dex flux bins with at least MIN_PER_BIN sources each (last bin open)."""
    edges = [-8.0]
    values = np.sort(log_flux)
    while True:
        lo = edges[-1]
        hi = lo + 0.5
        while np.sum((values >= lo) & (values < hi)) < MIN_PER_BIN and hi < values.max():
            hi += 0.5
        if np.sum(values >= hi) < MIN_PER_BIN or hi >= values.max():
            edges.append(0.0)
            return [float(round(e, 2)) for e in edges]
        edges.append(hi)


def quantile_table(
    values: np.ndarray, log_flux: np.ndarray, edges: list[float]
) -> list[list[float]]:
    """Quantiles (at LEVELS) of ``values`` in each flux bin."""
    rows = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (log_flux >= lo) & (log_flux < hi) & np.isfinite(values)
        rows.append([float(round(v, 5)) for v in np.quantile(values[sel], LEVELS)])
    return rows


def fit_counts(cut: pd.DataFrame, train: pd.DataFrame, cls: int) -> dict:
    """Binned dN/dlog10(S) per deg^2 of one class."""
    edges = np.round(np.arange(-8.0, -0.95, 0.1), 2)
    a_cut, a_train = box_area(cut), train_area(560)
    n_cut, _ = np.histogram(np.log10(cut.flux[cut["class"] == cls]), edges)
    n_tr, _ = np.histogram(np.log10(train.flux[train["class"] == cls]), edges)
    bright = edges[:-1] >= np.log10(SWITCH_FLUX) - 1e-9
    density = np.where(bright, n_tr / a_train, n_cut / a_cut)
    last = np.nonzero(density)[0].max() + 1
    return {
        "log_flux_edges": [float(e) for e in edges[: last + 1]],
        "density_per_deg2": [float(round(d, 3)) for d in density[:last]],
    }


def train_area(freq: int) -> float:
    lim = TRAIN_LIM[freq]
    return sky_area_deg2(lim["ra_min"], lim["ra_max"], lim["dec_min"], lim["dec_max"])


def spectral_indices(a: pd.DataFrame, b: pd.DataFrame, fa: int, fb: int) -> pd.DataFrame:
    m = a.merge(b, on="id", suffixes=("_a", "_b"))
    m["alpha"] = np.log(m.flux_b / m.flux_a) / np.log(fb / fa)
    return m


def alpha_spec(alpha: pd.Series) -> dict:
    """Mean, sd and empirical quantiles of a spectral-index sample."""
    return {
        "mean": float(round(alpha.mean(), 4)),
        "sd": float(round(alpha.std(), 4)),
        "n": int(len(alpha)),
        "quantile_levels": LEVELS,
        "quantiles": [float(round(v, 4)) for v in np.quantile(alpha, LEVELS)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", type=Path, default=ROOT.parent / "shared" / "sdc1-sample")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "resources" / "population" / "params.yaml"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    tt = {
        f: read_sdc1_catalogue(
            args.sample / "training-truth" / f"TrainingSet_{b}_v2_ML.txt", skiprows=18
        )
        for f, b in [(560, "B1"), (1400, "B2"), (9200, "B5")]
    }
    cut = read_sdc1_catalogue(args.sample / "truth_B1_0.3tr.cat")
    both = pd.concat([tt[560], cut]).drop_duplicates("id").reset_index(drop=True)
    both["isize"] = intrinsic_size(both)
    both["q"] = np.where(both.b_maj > 0, both.b_min / both.b_maj.where(both.b_maj > 0, 1.0), 1.0)
    sep = separation_deg(both.ra_core, both.dec_core, both.ra_cent, both.dec_cent) * 3600.0
    both["offset_frac"] = np.where(
        both.isize > 0, sep / both.isize.where(both.isize > 0, 1.0), 0.0
    )
    both["log_flux"] = np.log10(both.flux)

    m12 = spectral_indices(tt[560], tt[1400], 560, 1400)
    m25 = spectral_indices(tt[1400], tt[9200], 1400, 9200)
    classes: dict[int, dict] = {}
    for cls, name in [
        (1, "steep-spectrum AGN"),
        (2, "flat-spectrum AGN"),
        (3, "star-forming galaxy"),
    ]:
        sub = both[both["class"] == cls]
        positive = sub[sub.isize > 0]
        edges = flux_bins(positive.log_flux.to_numpy())
        cond = {
            "log_flux_edges": edges,
            "quantile_levels": LEVELS,
            "log_size": quantile_table(
                np.log10(positive.isize.to_numpy()), positive.log_flux.to_numpy(), edges
            ),
            "axis_ratio": quantile_table(
                positive.q.to_numpy(), positive.log_flux.to_numpy(), edges
            ),
            "pa": quantile_table(sub.pa.to_numpy(), sub.log_flux.to_numpy(), edges),
        }
        if cls in (1, 2):
            cond["core_frac"] = quantile_table(
                sub.core_frac.clip(0, 1).to_numpy(), sub.log_flux.to_numpy(), edges
            )
        if cls == 1:
            cond["offset_frac"] = quantile_table(
                positive.offset_frac.to_numpy(), positive.log_flux.to_numpy(), edges
            )
        lo = m12[m12.class_a == cls].alpha
        hi = m25[m25.class_a == cls].alpha
        if len(hi) < 5:
            hi = lo
        entry = {
            "name": name,
            "counts": fit_counts(cut, tt[560], cls),
            "conditional": cond,
            "zero_size_fraction": float(round((sub.isize <= 0).mean(), 5)),
            "alpha_low": alpha_spec(lo),
            "alpha_high": alpha_spec(hi),
        }
        if cls in (1, 2):
            pairs = m12[(m12.class_a == cls) & (m12.core_frac_a > 0) & (m12.core_frac_b > 0)]
            beta = np.median(np.log(pairs.core_frac_b / pairs.core_frac_a)) / np.log(1400 / 560)
            entry["core_frac_beta"] = float(round(beta, 4))
        if cls in (1, 3):
            xs, ys = [], []
            for freq, cat in [(560, tt[560]), (1400, tt[1400]), (9200, tt[9200]), (560, cut)]:
                c = cat[cat["class"] == cls]
                xs.append(
                    np.log10(np.maximum(intrinsic_size(c), 1e-6) / (pixel_scale_deg(freq) * 3600))
                )
                ys.append((c["size"] != 2).to_numpy().astype(float))
            mid, width = logistic_fit(np.concatenate(xs), np.concatenate(ys))
            entry["extended"] = {
                "log_px_mid": float(round(mid, 4)),
                "log_px_width": float(round(width, 4)),
            }
        classes[cls] = entry

    # Selection at 560 MHz: which cutout-truth sources are in the training truth.
    pb = radial_pb(separation_deg(cut.ra_core, cut.dec_core), 560)
    x = np.log10(cut.flux * pb * peak_fraction(cut, 560))
    y = cut.id.isin(tt[560].id).to_numpy().astype(float)
    near = x > -6.5
    mid560, width = logistic_fit(x[near].to_numpy(), y[near])
    params = {
        "description": "SDC1-like population fitted by resources/population/fit_population.py "
        "to the SDC1 truth catalogues",
        "reference_freq_mhz": 560,
        "min_flux_jy": MIN_FLUX,
        "switch_flux_jy": SWITCH_FLUX,
        "classes": classes,
        "selection": {
            "log_width": float(round(width, 4)),
            "log_threshold": {
                f: {c: float(round(mid560, 4)) for c in (1, 2, 3)} for f in (560, 1400, 9200)
            },
        },
    }
    # Per frequency and class: the threshold that makes the expected number of selected
    # sources in the training area equal the real count (the all-class threshold where a
    # class has fewer than 5 real sources).
    for freq in (560, 1400, 9200):
        lim = TRAIN_LIM[freq]
        box = (lim["ra_min"], lim["ra_max"], lim["dec_min"], lim["dec_max"])
        reps = max(1, int(np.ceil(20000 / (train_area(freq) * 6e5))))
        cats = []
        for r in range(reps):
            pop = generate_population(params, box, seed=args.seed + r)
            cat = catalogue_at(pop, freq, params)
            cat["peak"] = (
                cat.flux.to_numpy()
                * radial_pb(separation_deg(cat.ra_core, cat.dec_core), freq)
                * peak_fraction(cat, freq)
            )
            cats.append(cat)
        sim = pd.concat(cats)

        def solve(peaks: np.ndarray, target: float) -> float:
            def excess(x0: float) -> float:
                z = (np.log10(peaks) - x0) / width
                return float(np.sum(0.5 * (1 + np.tanh(0.5 * z)))) - target

            return float(round(brentq(excess, -10.0, -2.0), 4))

        overall = solve(sim.peak.to_numpy(), len(tt[freq]) * reps)
        for cls in (1, 2, 3):
            n_real = int((tt[freq]["class"] == cls).sum())
            peaks = sim.peak[sim["class"] == cls].to_numpy()
            params["selection"]["log_threshold"][freq][cls] = (
                solve(peaks, n_real * reps) if n_real >= 5 else overall
            )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as handle:
        handle.write(
            "# Generated by resources/population/fit_population.py; do not edit by hand.\n"
        )
        yaml.safe_dump(params, handle, sort_keys=False, default_flow_style=None, width=200)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
