"""Logging for workflow jobs: everything a job prints goes to its Snakemake log file."""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import sys
from pathlib import Path
from typing import Iterator

from sdc1.errors import InputError

#: Start of the line :func:`job_log` ends a job's log with (read by :func:`logged_cpu_seconds`).
CPU_LINE = "job CPU time:"


def cpu_seconds() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its finished, waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def logged_cpu_seconds(path: str | os.PathLike) -> float | None:
    """The CPU time a job's log ends with (:data:`CPU_LINE`); None without that line or file."""
    path = Path(path)
    if not path.is_file():
        return None
    found = None
    for line in path.read_text(errors="replace").splitlines():
        at = line.find(CPU_LINE)
        if at >= 0:
            try:
                found = float(line[at + len(CPU_LINE) :].split()[0])
            except (IndexError, ValueError):
                continue
    return found


@contextlib.contextmanager
def job_log(path: str | os.PathLike | None) -> Iterator[logging.Logger]:
    """Send ``logging`` records, stdout and stderr to ``path`` for the duration of a job.

    PyBDSF and ska-sdc print and log on their own; redirecting the streams keeps
    all of it in the job's log file. A failure is logged with its traceback in
    the file and re-raised, so Snakemake reports the job as failed. A job that
    succeeds ends its log with its CPU time (:data:`CPU_LINE`): Snakemake's benchmark
    samples CPU time every 30 s after the first 15 s, so it misses up to the last 30 s
    of a job and the work of children that ended between samples.
    """
    logger = logging.getLogger("sdc1")
    if path is None:
        logging.basicConfig(level=logging.INFO)
        yield logger
        return
    os.makedirs(os.path.dirname(os.fspath(path)) or ".", exist_ok=True)
    with (
        open(path, "w", buffering=1) as handle,
        contextlib.redirect_stdout(handle),
        contextlib.redirect_stderr(handle),
    ):
        handler = logging.StreamHandler(handle)
        handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
        root = logging.getLogger()
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        try:
            yield logger
            own, children = cpu_seconds()
            logger.info(
                "%s %.2f s (this process %.2f s, its child processes %.2f s)",
                CPU_LINE,
                own + children,
                own,
                children,
            )
        except InputError as exc:
            # Bad input: one line on the console naming the file or key, no traceback.
            logger.error("%s", exc)
            print(f"sdc1 input error: {exc}", file=sys.__stderr__, flush=True)
            raise SystemExit(1) from None
        except Exception:
            logger.exception("job failed")
            raise
        finally:
            root.removeHandler(handler)


def log_progress(logger: logging.Logger, what: str, every: float = 0.1):
    """Return a ``progress(done, total)`` callback logging about every ``every`` of the work."""
    state = {"next": 0.0}

    def progress(done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        if fraction >= state["next"] or done == total:
            logger.info("%s: %d/%d (%.0f%%)", what, done, total, 100 * fraction)
            state["next"] = fraction + every

    return progress
