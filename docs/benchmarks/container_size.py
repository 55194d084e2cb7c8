"""The image's size, layers and build time: docs/benchmarks/container.json.

    python docs/benchmarks/container_size.py sdc1:0.1.0 [--engine podman] [--build-seconds S]

`make container` runs it after the build, with the build's wall time; the README's
`container` block shows both. A build that reuses the engine's cached layers is faster than
a first one; the figure in the README is meant to come from a first one.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
from pathlib import Path

# A sibling module: the scripts run as `python docs/benchmarks/<script>.py`.
from results_block import write_block

REPO = Path(__file__).resolve().parents[2]


def inspect(image: str, engine: str) -> dict:
    """The engine's record of ``image``."""
    out = subprocess.run(
        [engine, "image", "inspect", image], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(out)[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image")
    parser.add_argument("--engine", default="podman")
    parser.add_argument(
        "--out", type=Path, default=REPO / "docs" / "benchmarks" / "container.json"
    )
    parser.add_argument("--readme", type=Path, default=REPO / "README.md")
    parser.add_argument("--build-seconds", type=int, help="wall time of the build")
    args = parser.parse_args()
    record = inspect(args.image, args.engine)
    summary = {
        "image": args.image,
        "size_mb": round(record["Size"] / 1e6),
        "layers": len(record.get("RootFS", {}).get("Layers", [])),
        "labels": record.get("Labels") or record.get("Config", {}).get("Labels", {}),
        "build_seconds": args.build_seconds,
        "command": "make container",
    }
    args.out.write_text(json.dumps(summary, indent=1) + "\n")
    text = f"The image `{args.image}` is {summary['size_mb']:,} MB ({args.engine} image inspect)"
    if args.build_seconds is not None:
        minutes, seconds = divmod(args.build_seconds, 60)
        cores = os.cpu_count()
        text += f"; `make container` built it in {minutes} min {seconds:02d} s on {cores} cores"
    text += "."
    print(text)
    write_block(args.readme, "container", text)


if __name__ == "__main__":
    main()
