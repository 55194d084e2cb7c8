"""Memory profiling of a job: a timeline of its memory, sampled while it runs."""

from __future__ import annotations

import os
from typing import Any, Callable

import numpy as np
import pandas as pd

from sdc1.io import atomic_path

__all__ = ["peak_mib", "profile_memory", "write_memory_timeline"]


def profile_memory(
    func: Callable[..., Any], *args: Any, interval: float = 0.5, **kwargs: Any
) -> tuple[Any, np.ndarray]:
    """Run ``func`` while memory-profiler samples the memory of this process and its children.

    The PSS backend is used: memory-profiler's sampler is a forked child that
    shares the parent's pages, and summing RSS would count those twice.

    Parameters
    ----------
    func : callable
        Called as ``func(*args, **kwargs)``.
    interval : float, optional
        Seconds between samples.

    Returns
    -------
    retval : object
        What ``func`` returned.
    timeline : numpy.ndarray
        ``(n, 2)``: seconds since the start, memory in MiB.
    """
    from memory_profiler import memory_usage  # only jobs that profile need it

    samples, retval = memory_usage(
        (func, args, kwargs),
        interval=interval,
        timestamps=True,
        retval=True,
        include_children=True,
        backend="psutil_pss",
    )
    timeline = np.array([(t, m) for m, t in samples if m is not None], dtype=float)
    timeline = timeline.reshape(-1, 2)
    if len(timeline):
        timeline[:, 0] -= timeline[0, 0]
    return retval, timeline


def peak_mib(timeline: np.ndarray) -> float:
    """Largest memory (MiB) of a timeline from :func:`profile_memory`; NaN when empty."""
    return float(timeline[:, 1].max()) if len(timeline) else float("nan")


def write_memory_timeline(timeline: np.ndarray, path: str | os.PathLike) -> None:
    """Write a memory timeline as TSV (``s``, ``mem_mib``) atomically."""
    table = pd.DataFrame(
        {"s": np.round(timeline[:, 0], 3), "mem_mib": np.round(timeline[:, 1], 2)}
    )
    with atomic_path(path) as tmp:
        table.to_csv(tmp, sep="\t", index=False)
