"""What searching the negated image costs, and what sampling it saves, from a run's tile logs.

    python docs/benchmarks/negated_share.py RUN_DIR DATASET

Each ``find_sources_tile`` log (``logs/<DATASET>/find_sources_tile/<freq>_<tile>.log``) says how
long PyBDSF took on the tile (``tile T: PyBDSF found ... in S s``) and, where the plan samples the
tile's negated image (``sourcefind.negated_sample_mpix``), on the negated tile
(``tile T (negated): ...``). Per frequency this prints the tiles logged, those searched negated,
PyBDSF's seconds on the image and on the negated image, the negated image's cost relative to the
image on the sampled tiles, and the seconds that searching every tile negated would have added
(the unsampled tiles' image seconds times that ratio): the saving of the sample.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

FOUND = re.compile(r"tile (\S+)( \(negated\))?: PyBDSF found .* in ([0-9.]+) s")


def tile_seconds(log: Path) -> tuple[float | None, float | None]:
    """PyBDSF's seconds on the tile and on its negated image (None where not logged)."""
    image = negated = None
    for match in FOUND.finditer(log.read_text(errors="replace")):
        if match.group(2):
            negated = float(match.group(3))
        else:
            image = float(match.group(3))
    return image, negated


def negated_share(run_dir: Path, dataset: str) -> dict[str, dict[str, float | int | None]]:
    """Per frequency: the figures described in the module docstring."""
    by_freq: dict[str, list[tuple[float, float | None]]] = defaultdict(list)
    for log in sorted((run_dir / "logs" / dataset / "find_sources_tile").glob("*.log")):
        image, negated = tile_seconds(log)
        if image is not None:
            by_freq[log.name.split("_", 1)[0]].append((image, negated))
    out = {}
    for freq, tiles in sorted(by_freq.items(), key=lambda item: int(item[0])):
        sampled = [(i, n) for i, n in tiles if n is not None]
        unsampled_image = sum(i for i, n in tiles if n is None)
        ratio = sum(n for _, n in sampled) / sum(i for i, _ in sampled) if sampled else None
        out[freq] = {
            "tiles": len(tiles),
            "tiles_negated": len(sampled),
            "image_s": round(sum(i for i, _ in tiles), 1),
            "negated_s": round(sum(n for _, n in sampled), 1),
            "negated_per_image_s": None if ratio is None else round(ratio, 3),
            "saved_s": None if ratio is None else round(ratio * unsampled_image, 1),
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("dataset")
    args = parser.parse_args(argv)
    for freq, figures in negated_share(args.run_dir, args.dataset).items():
        print(json.dumps({"freq": int(freq), **figures}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
