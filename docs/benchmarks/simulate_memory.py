"""Peak memory of simulating one frequency of the synthetic sky, as Snakemake would count it.

    python docs/benchmarks/simulate_memory.py FREQ [--preset full] [--threads 2]

Runs :func:`sdc1.simulate.dataset.write_synthetic_field` (the ``simulate`` rule's work) into a
temporary folder while a sampler polls, every 0.5 s, the RSS of this process plus its children
(Snakemake's benchmark sums RSS the same way) and the PSS, which counts a shared page once. Prints
one JSON line: the peaks, when they happened (the last log line before each), wall and CPU time.
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import threading
import time
from pathlib import Path

import psutil

from sdc1.logs import cpu_seconds
from sdc1.simulate.dataset import preset_sizes, write_synthetic_field

REPO = Path(__file__).resolve().parents[2]


class Sampler(logging.Handler):
    """Polls the memory of this process tree and remembers the last log message."""

    def __init__(self) -> None:
        super().__init__()
        self.last = "start"
        self.peak = {"rss_mb": 0.0, "pss_mb": 0.0, "rss_after": "", "pss_after": ""}
        self.stop = threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        self.last = record.getMessage()

    def sample(self) -> None:
        me = psutil.Process()
        while not self.stop.wait(0.5):
            try:
                procs = [me, *me.children(recursive=True)]
                infos = [p.memory_full_info() for p in procs]
            except psutil.Error:
                continue
            rss = sum(i.rss for i in infos) / 2**20
            pss = sum(getattr(i, "pss", 0) for i in infos) / 2**20
            if rss > self.peak["rss_mb"]:
                self.peak.update(rss_mb=round(rss, 1), rss_after=self.last)
            if pss > self.peak["pss_mb"]:
                self.peak.update(pss_mb=round(pss, 1), pss_after=self.last)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("freq", type=int, choices=(560, 1400, 9200))
    parser.add_argument("--preset", default="full")
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    sampler = Sampler()
    logging.getLogger("sdc1").addHandler(sampler)
    logging.getLogger("sdc1").setLevel(logging.INFO)
    poller = threading.Thread(target=sampler.sample, daemon=True)
    poller.start()
    wall0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="sdc1-simulate-memory-") as folder:
        out = Path(folder)
        summary = write_synthetic_field(
            args.freq,
            sizes_px=preset_sizes(args.preset),
            depth_h=1000,
            seed=20190219,
            population_params=REPO / "resources" / "population" / "params.yaml",
            threads=args.threads,
            image_path=out / "image.fits",
            pb_path=out / "pb.fits",
            truth_path=out / "truth.txt",
        )
    sampler.stop.set()
    poller.join()
    cpu = sum(cpu_seconds())
    print(
        json.dumps(
            {
                "freq": args.freq,
                "preset": args.preset,
                "threads": args.threads,
                "n_truth": summary["n_truth"],
                "wall_s": round(time.monotonic() - wall0, 1),
                "cpu_s": round(cpu, 1),
                **sampler.peak,
            }
        )
    )


if __name__ == "__main__":
    main()
