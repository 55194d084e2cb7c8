"""Benchmark: tiled against untiled source finding, through the real workflow.

``python docs/benchmarks/bench.py`` (``make bench``) builds SDC1-density images of 2048^2
and 4096^2 pixels (and 8192^2 with ``BENCH_LARGE=1``), runs the workflow's
source finding on each twice with ``snakemake --cores 2`` (``tile_size: 0``,
then tiled), prints a table and writes ``results/bench/tiling.json``::

    {"rows": [{"size": 4096, "tiled": {"wall_s", "max_rss_mb", "n_sources", ...},
               "untiled": {...}, "agreement": 0.997, "split_pairs": 0}], ...}

- ``wall_s``: wall time of the snakemake run from the primary-beam-corrected
  image to the source tables (background + PyBDSF + merge), with the image
  already in place in both runs.
- ``max_rss_mb``: peak memory of the largest source-finding job (memory-profiler
  timeline, PSS summed over the job's processes; see
  :func:`sdc1.memory.profile_memory`).
- ``cpu_s``: CPU seconds of those jobs (from Snakemake's benchmark files),
  which, unlike the wall time, does not depend on other load on the machine;
  ``load_avg``: the 1-minute load average before and after the run.
- ``agreement``: fraction of untiled sources that the tiled run found within
  0.5 beam with an integrated flux within 1%.
- ``split_pairs``: pairs of tiled sources closer than 0.5 beam that match one
  and the same untiled source (a source split or duplicated by tiling).

Images: ``BENCH_IMAGE=mirror`` (default) mirror-tiles the real SDC1 560 MHz
1000 h cutout (real source density and noise) to the requested size with a
proper WCS; ``BENCH_IMAGE=synthetic`` uses :mod:`sdc1.simulate`. Tiling:
``BENCH_TILE_SIZE`` (default: half the image side, 4 tiles) and
``BENCH_TILE_OVERLAP`` (default: the config's ``tile_overlap``). Other settings:
``BENCH_SIZES`` (comma-separated sides, default ``2048,4096``), ``BENCH_CORES``
(default 2), ``BENCH_OUT``, ``BENCH_WORKDIR``, and ``BENCH_KEEP=1`` to keep the
runs' folders.

Each run gets a copy of the checkout's files (tracked or new, not ignored:
``git ls-files --cached --others --exclude-standard``), so the harness keeps no
list of the workflow's parts; the library is used from the installed package.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from astropy.io import fits

from sdc1.io import atomic_path, image_plane, write_json
from sdc1.tiles import agreement, split_pairs

#: The real SDC1 cutout mirrored into benchmark images.
SAMPLE_NAME = "B1_1000h_0.3tr.fits"
DATASET = "bench"
FREQ = 560


def repo_root() -> Path:
    """The repository holding the workflow (this file is in its ``docs/benchmarks``)."""
    return Path(__file__).resolve().parents[2]


def mirror_index(n_out: int, n_in: int) -> np.ndarray:
    """Source index of each output pixel when an axis of ``n_in`` is mirror-tiled to ``n_out``.

    Mirroring (0..n-1, n-1..0, ...) keeps the noise and the sources continuous
    across the seams, so the image has no artificial edges.
    """
    period = np.arange(n_out) % (2 * n_in)
    return np.where(period < n_in, period, 2 * n_in - 1 - period)


def write_mirrored_image(sample: str | os.PathLike, size: int, out: str | os.PathLike) -> None:
    """Write a ``size`` x ``size`` image mirror-tiled from ``sample``, streamed by rows.

    The header is the sample's (all axes, beam) with the new size: its WCS
    (CRPIX relative to the full SDC1 grid) extends the cutout's sky grid.
    """
    with fits.open(sample) as hdul:
        header = hdul[0].header.copy()
        plane = np.asarray(image_plane(hdul[0].data), dtype=np.float32)
    header["NAXIS1"] = size
    header["NAXIS2"] = size
    header["BITPIX"] = -32
    for key in ("BLANK", "BSCALE", "BZERO"):
        header.remove(key, ignore_missing=True)
    header["HISTORY"] = f"benchmark image: {Path(sample).name} mirror-tiled to {size}x{size}"
    rows = mirror_index(size, plane.shape[0])
    cols = mirror_index(size, plane.shape[1])
    with atomic_path(out) as tmp:
        stream = fits.StreamingHDU(tmp, header)
        for start in range(0, size, 1024):
            stream.write(plane[rows[start : start + 1024]][:, cols])
        stream.close()


def write_synthetic_image(size: int, out: str | os.PathLike, workdir: Path) -> None:
    """Write a synthetic SDC1-like 560 MHz, 1000 h image (no primary beam applied)."""
    from sdc1.simulate.dataset import write_synthetic_field

    write_synthetic_field(
        FREQ,
        sizes_px=size,
        depth_h=1000,
        seed=1,
        image_path=out,
        pb_path=workdir / "pb.fits",
        truth_path=workdir / "truth.txt",
        population_params=repo_root() / "resources" / "population" / "params.yaml",
    )


def checkout_files(root: Path) -> list[str]:
    """Files of the checkout at ``root``, relative to it: tracked or new, and not ignored.

    Ignored paths are the workflow's outputs, caches and the virtual environment.
    """
    command = ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"]
    listing = subprocess.run(command, cwd=root, capture_output=True, check=True).stdout
    names = {name for name in listing.decode().split("\0") if name}
    # Tracked files deleted in the working tree are listed too: skip them.
    return sorted(name for name in names if (root / name).is_file())


def deploy(dest: Path) -> Path:
    """Copy the checkout into ``dest`` (the library is used from the installed package)."""
    root = repo_root()
    for name in checkout_files(root):
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / name, dest / name)
    return dest


def snakemake(workdir: Path, *args: str) -> float:
    """Run the venv's snakemake in ``workdir``; return its wall time in seconds."""
    command = [str(Path(sys.executable).with_name("snakemake")), *args]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=workdir, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(
            f"snakemake {' '.join(args)} failed in {workdir}:\n{result.stderr[-3000:]}"
        )
    return wall


def peak_memory_mb(workdir: Path) -> float:
    """Largest peak (MiB) over the memory-profiler timelines of the source-finding jobs."""
    peaks = [
        float(pd.read_csv(path, sep="\t")["mem_mib"].max())
        for path in (workdir / "benchmarks" / DATASET).glob("find_sources*/*.memory.tsv")
    ]
    return max(peaks) if peaks else float("nan")


def snakemake_max_rss_mb(workdir: Path, rules: tuple[str, ...]) -> float:
    """Largest ``max_rss`` (MB) in Snakemake's benchmark files of ``rules``."""
    values = [
        float(pd.read_csv(path, sep="\t")["max_rss"].max())
        for rule in rules
        for path in (workdir / "benchmarks" / DATASET / rule).glob("*.tsv")
        if not path.name.endswith(".memory.tsv")
    ]
    return max(values) if values else float("nan")


def cpu_seconds(workdir: Path, rules: tuple[str, ...]) -> float:
    """Total ``cpu_time`` (s) in Snakemake's benchmark files of ``rules``."""
    return float(
        sum(
            pd.read_csv(path, sep="\t")["cpu_time"].sum()
            for rule in rules
            for path in (workdir / "benchmarks" / DATASET / rule).glob("*.tsv")
            if not path.name.endswith(".memory.tsv")
        )
    )


def run_workflow(
    workdir: Path, image: Path, tile_size: int, tile_overlap: int, cores: int
) -> dict[str, Any]:
    """Source finding through the workflow on ``image``: timings, memory and the source list."""
    deploy(workdir)
    override = workdir / "bench.yaml"
    override.write_text(
        yaml.safe_dump(
            {
                "dataset": DATASET,
                "datasets": {DATASET: {"kind": "files", "images": {FREQ: str(image)}}},
                "sourcefind": {"tile_size": tile_size, "tile_overlap": tile_overlap},
            }
        )
    )
    common = ["--cores", str(cores), "--configfile", str(override), "--"]
    pbcor = f"results/{DATASET}/pbcor/{FREQ}mhz.fits"
    sources = f"results/{DATASET}/sources/{FREQ}mhz.parquet"
    # The corrected image is made first, outside the timing: both runs share it.
    snakemake(workdir, *common, pbcor)
    load_before = os.getloadavg()[0]
    wall = snakemake(workdir, *common, sources)
    # The machine may be shared: the 1-minute load average at the end of the run
    # (jobs of this run included) says how contended the cores were.
    load_after = os.getloadavg()[0]
    table = pd.read_parquet(workdir / sources)
    rules = ("background", "find_sources", "plan_tiles", "find_sources_tile", "merge_tiles")
    tile_jobs = workdir / "benchmarks" / DATASET / "find_sources_tile"
    n_jobs = len(list(tile_jobs.glob("*.memory.tsv")))
    return {
        "wall_s": round(wall, 1),
        "max_rss_mb": round(peak_memory_mb(workdir), 1),
        "snakemake_max_rss_mb": round(snakemake_max_rss_mb(workdir, rules), 1),
        "cpu_s": round(cpu_seconds(workdir, rules), 1),
        "load_avg": [round(load_before, 2), round(load_after, 2)],
        "n_sources": int(len(table)),
        "n_tiles": max(n_jobs, 1),
        "table": table,
    }


def bench_size(
    size: int, workdir: Path, kind: str, tile_size: int, tile_overlap: int, cores: int
) -> dict[str, Any]:
    """One row of the table: untiled and tiled runs on a ``size``^2 image."""
    image = workdir / f"image_{size}.fits"
    if kind == "synthetic":
        write_synthetic_image(size, image, workdir)
    else:
        sample = repo_root().parent / "shared" / "sdc1-sample" / SAMPLE_NAME
        write_mirrored_image(sample, size, image)
    beam_deg = float(fits.getheader(image)["BMAJ"])
    untiled = run_workflow(workdir / "untiled", image, 0, tile_overlap, cores)
    tiled = run_workflow(workdir / "tiled", image, tile_size, tile_overlap, cores)
    row = {
        "size": size,
        "tile_size": tile_size,
        "tile_overlap": tile_overlap,
        "agreement": round(agreement(untiled["table"], tiled["table"], beam_deg), 4),
        "split_pairs": split_pairs(untiled["table"], tiled["table"], beam_deg),
    }
    for name, result in (("untiled", untiled), ("tiled", tiled)):
        row[name] = {k: v for k, v in result.items() if k != "table"}
    row["rss_ratio"] = round(tiled["max_rss_mb"] / untiled["max_rss_mb"], 3)
    row["wall_ratio"] = round(tiled["wall_s"] / untiled["wall_s"], 3)
    return row


def format_table(rows: list[dict[str, Any]]) -> str:
    """The benchmark as a fixed-width text table."""
    head = (
        f"{'size':>6} {'tiles':>5} | {'untiled s':>9} {'cpu s':>6} {'MB':>6} {'n':>6} | "
        f"{'tiled s':>8} {'cpu s':>6} {'MB':>6} {'n':>6} | "
        f"{'wall x':>6} {'RSS x':>6} {'agree':>6} {'split':>5}"
    )
    lines = [head, "-" * len(head)]
    for r in rows:
        u, t = r["untiled"], r["tiled"]
        lines.append(
            f"{r['size']:>6} {t['n_tiles']:>5} | "
            f"{u['wall_s']:>9.1f} {u.get('cpu_s', float('nan')):>6.0f} "
            f"{u['max_rss_mb']:>6.0f} {u['n_sources']:>6} | "
            f"{t['wall_s']:>8.1f} {t.get('cpu_s', float('nan')):>6.0f} "
            f"{t['max_rss_mb']:>6.0f} {t['n_sources']:>6} | "
            f"{r['wall_ratio']:>6.2f} {r['rss_ratio']:>6.2f} "
            f"{r['agreement']:>6.3f} {r['split_pairs']:>5}"
        )
    return "\n".join(lines)


def main() -> int:
    """Run the benchmark as the ``BENCH_*`` environment variables say; write and print it."""
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "2048,4096").split(",") if s]
    if os.environ.get("BENCH_LARGE") == "1" and 8192 not in sizes:
        sizes.append(8192)
    kind = os.environ.get("BENCH_IMAGE", "mirror")
    cores = int(os.environ.get("BENCH_CORES", "2"))
    config = yaml.safe_load((repo_root() / "config" / "config.yaml").read_text())
    default_overlap = config["sourcefind"].get("tile_overlap", 256)
    overlap = int(os.environ.get("BENCH_TILE_OVERLAP", default_overlap))
    out = Path(os.environ.get("BENCH_OUT", "results/bench/tiling.json"))
    work_root = Path(os.environ.get("BENCH_WORKDIR", "results/bench/work"))
    rows = []
    for size in sizes:
        tile_size = int(os.environ.get("BENCH_TILE_SIZE", size // 2))
        workdir = work_root / str(size)
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        rows.append(bench_size(size, workdir.resolve(), kind, tile_size, overlap, cores))
        print(format_table(rows[-1:]).splitlines()[-1], flush=True)
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(workdir, ignore_errors=True)
    content = {"image": kind, "cores": cores, "rows": rows}
    write_json(content, out)
    print(format_table(rows))
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
