"""Command line interface: ``sdc1 <command> ...``.

Commands
--------
render
    Render an SDC1-format catalogue on the grid of an existing image (noise-free unless
    ``--noise-rms`` is given), attenuated by a primary beam.
simulate
    Write one frequency of the synthetic SDC1-like dataset (image, primary beam, truth).
query
    Select a workflow catalogue's sources by their morphology tags, for example
    ``sdc1 query "double & extended & ~faint" results/synthetic/catalogues/560mhz.csv``.

Bad inputs give a one-line error naming the file and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import numpy as np
from astropy.io import fits

import sdc1
from sdc1.beam import beam_from_header, image_frequency_hz, pixel_scale_deg
from sdc1.errors import InputError
from sdc1.io import atomic_path, read_image, read_sdc1_catalogue


def _read_catalogue(path: str):
    """Read an SDC1 catalogue in any published layout (training sets have 18 header lines)."""
    if not Path(path).is_file():
        raise InputError(f"{path}: no such catalogue file")
    try:
        cat = read_sdc1_catalogue(path)
        cat = cat.astype({c: float for c in cat.columns if c not in ("size", "class")})
    except (ValueError, OSError) as exc:
        raise InputError(f"{path}: not an SDC1 catalogue ({str(exc).splitlines()[0]})") from None
    return cat


def _read_header(path: str) -> tuple[np.ndarray, fits.Header]:
    if not Path(path).is_file():
        raise InputError(f"{path}: no such FITS file")
    return read_image(path, memmap=True)


def cmd_render(args: argparse.Namespace) -> None:
    """Render ``--catalogue`` on the grid of ``--like`` and write ``--out``."""
    from sdc1.simulate.render import (
        add_noise,
        beam_fwhm_px,
        clip_level,
        emulate_deconvolution,
        pb_attenuation,
        render_catalogue,
    )

    cat = _read_catalogue(args.catalogue)
    _, header = _read_header(args.like)
    for key in ("NAXIS1", "NAXIS2"):
        if key not in header:
            raise InputError(f"{args.like}: header lacks {key}")
    # The sky axes, the pixel size (any pixel matrix) and the beam, each naming the file.
    pixel_scale_deg(header, args.like)
    beam_from_header(header, args.like)
    freq_hz = image_frequency_hz(header, args.like)
    if args.pb:
        pb_data, pb_head = _read_header(args.pb)
        attenuation = pb_attenuation(cat, np.asarray(pb_data), pb_head)
    else:
        attenuation = np.ones(len(cat))
    model = render_catalogue(cat, header, attenuation=attenuation * args.flux_scale)
    if args.below_clip_gain != 1.0:
        emulate_deconvolution(
            model, clip_level(560e6 if freq_hz is None else freq_hz), args.below_clip_gain
        )
    if args.noise_rms:
        add_noise(model, args.noise_rms, beam_fwhm_px(header), seed=args.seed)
    out_header = header.copy()
    out_header["BUNIT"] = "JY/BEAM"
    out_header["HISTORY"] = (
        f"sdc1 render of {Path(args.catalogue).name}, noise rms {args.noise_rms or 0}"
    )
    shape = (1,) * (int(header["NAXIS"]) - 2) + model.shape
    with atomic_path(args.out) as tmp:
        fits.PrimaryHDU(model.reshape(shape).astype(np.float32), header=out_header).writeto(
            tmp, overwrite=True
        )


def cmd_simulate(args: argparse.Namespace) -> None:
    """Write one frequency of the synthetic dataset."""
    from sdc1.simulate.dataset import preset_sizes, write_synthetic_field

    sizes = preset_sizes(args.preset)
    out = Path(args.outdir)
    summary = write_synthetic_field(
        args.freq,
        sizes_px=sizes,
        depth_h=args.depth,
        seed=args.seed,
        image_path=out / "images" / f"{args.freq}mhz.fits",
        pb_path=out / "pb" / f"{args.freq}mhz_pb.fits",
        truth_path=out / "truth" / f"{args.freq}mhz.txt",
        population_params=args.params,
        noise=args.noise_rms,
    )
    print(summary)


def cmd_query(args: argparse.Namespace) -> None:
    """Write (or print) the sources of a catalogue whose tags match an expression."""
    from sdc1.io import read_table
    from sdc1.morphology import select

    if not Path(args.catalogue).is_file():
        raise InputError(f"{args.catalogue}: no such catalogue file")
    try:
        catalogue = read_table(args.catalogue)
    except (ValueError, OSError) as exc:
        raise InputError(
            f"{args.catalogue}: cannot be read ({str(exc).splitlines()[0]})"
        ) from None
    selected = select(catalogue, args.expression)
    if args.out:
        with atomic_path(args.out) as tmp:
            selected.to_csv(tmp, index=False)
    else:
        selected.to_csv(sys.stdout, index=False)
    print(f"{len(selected)} of {len(catalogue)} sources", file=sys.stderr)


def cmd_view(args: argparse.Namespace) -> None:
    """Write the interactive view of a finished run's catalogue, and serve it with --serve."""
    from sdc1.io import read_table
    from sdc1.model import load_model
    from sdc1.view import ALADIN_LITE_JS, serve, write_view

    run = Path(args.run)
    results = run / "results" / args.dataset
    inputs = {
        "image": results / "pbcor" / f"{args.freq}mhz.fits",
        "predictions": results / "predictions" / f"{args.freq}mhz.csv",
        "model": results / "model" / f"{args.freq}mhz.joblib",
    }
    for path in inputs.values():
        if not path.is_file():
            raise InputError(f"{path}: missing; run the workflow for {args.dataset} first")
    labels = results / "labels" / f"{args.freq}mhz.parquet"
    out = Path(args.out) if args.out else results / "view" / f"{args.freq}mhz"
    written = write_view(
        out,
        inputs["image"],
        read_table(inputs["predictions"]),
        Path(args.aladin_lite) if args.aladin_lite else run / ALADIN_LITE_JS,
        title=f"{args.dataset} {args.freq} MHz",
        primary=load_model(inputs["model"]).primary,
        labels=read_table(labels) if labels.is_file() else None,
        max_side=args.max_side,
    )
    print(f"{out}: {written['sources']} sources, image {written['image_shape']} px")
    if args.serve:
        serve(out, args.port)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``sdc1``."""
    parser = argparse.ArgumentParser(prog="sdc1", description="SKA SDC1 workflow tools")
    parser.add_argument("--version", action="version", version=f"%(prog)s {sdc1.__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    render = sub.add_parser("render", help="render an SDC1 catalogue onto an image grid (Jy/beam)")
    render.add_argument(
        "--catalogue", required=True, help="SDC1 catalogue (12 columns, whitespace)"
    )
    render.add_argument(
        "--like", required=True, help="FITS image whose grid and header the model takes"
    )
    render.add_argument("--pb", help="primary-beam FITS image (no attenuation when omitted)")
    render.add_argument("--out", required=True, help="output FITS model image")
    render.add_argument(
        "--noise-rms", type=float, default=0.0, help="add beam-correlated noise (Jy/beam)"
    )
    render.add_argument("--seed", type=int, default=0, help="noise seed")
    render.add_argument(
        "--flux-scale", type=float, default=1.0, help="multiply every flux (default 1)"
    )
    render.add_argument(
        "--below-clip-gain",
        type=float,
        default=0.89,
        help="SDC1 deconvolution emulation: brightness below the 3x8h-noise clip level is "
        "scaled by this (default 0.89 as measured on the real image; 1 turns it off)",
    )
    render.set_defaults(func=cmd_render)

    sim = sub.add_parser("simulate", help="write one frequency of the synthetic SDC1-like dataset")
    sim.add_argument("--freq", type=int, required=True, choices=(560, 1400, 9200))
    sim.add_argument("--preset", default="small", choices=("tiny", "small", "medium", "full"))
    sim.add_argument(
        "--depth", type=float, default=1000.0, help="integration depth in hours (8, 100, 1000)"
    )
    sim.add_argument("--seed", type=int, default=1)
    sim.add_argument(
        "--params",
        default="resources/population/params.yaml",
        help="population parameters YAML (default: the workflow's, from its folder)",
    )
    sim.add_argument(
        "--noise-rms", type=float, default=None, help="noise rms (Jy/beam) overriding --depth"
    )
    sim.add_argument("--outdir", default="data/synthetic")
    sim.set_defaults(func=cmd_simulate)

    query = sub.add_parser("query", help="select a catalogue's sources by morphology tags")
    query.add_argument(
        "expression", help='tags with & (and), | (or), ~ (not), e.g. "double & ~faint"'
    )
    query.add_argument("catalogue", help="a workflow catalogue (CSV or Parquet) with tags")
    query.add_argument("--out", help="write the selection here (CSV) instead of stdout")
    query.set_defaults(func=cmd_query)

    view = sub.add_parser(
        "view", help="an offline Aladin Lite view of a run's catalogue on its image"
    )
    view.add_argument("dataset", help="the dataset of the finished run")
    view.add_argument("freq", type=int, help="frequency in MHz")
    view.add_argument("--run", default=".", help="the run's folder (default: here)")
    view.add_argument("--out", help="folder to write (default: results/DATASET/view/FREQmhz)")
    view.add_argument("--max-side", type=int, default=2048, help="largest image side (px)")
    view.add_argument(
        "--aladin-lite",
        help="aladin.js of the npm package (default: RUN/node_modules/aladin-lite/dist/aladin.js)",
    )
    view.add_argument("--serve", action="store_true", help="serve the folder over HTTP")
    view.add_argument("--port", type=int, default=8000, help="port of --serve")
    view.set_defaults(func=cmd_view)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sdc1`` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except InputError as exc:
        print(f"sdc1 {args.command}: error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
