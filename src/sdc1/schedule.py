"""List scheduling of measured workflow jobs onto compute nodes.

How long would a run take on other machines? Given each job's measured wall
time, threads and peak memory and the jobs' dependencies,
:func:`list_schedule` replays the workflow on a set of nodes with the classic
list-scheduling heuristic (an event-driven simulation):

- a job is *ready* once every job it needs has finished;
- ready jobs are tried in priority order, longest remaining critical path
  first (the job's "bottom level": its own wall time plus the longest chain of
  wall times below it; HLFET), ties broken by name so the result is
  deterministic; each starts on the first node where its threads and its
  memory fit next to the jobs already running there, and a job that fits
  nowhere yet waits while lower-priority jobs that do fit start (backfilling);
- time then advances to the next finish, which frees that job's node share and
  may make other jobs ready.

Model assumptions, chosen to match how Snakemake runs jobs on one node:

- a job's threads are capped at its node's cores (Snakemake caps ``threads:``
  at ``--cores``): a 64-thread job on a 32-core node uses the 32 cores. Its
  wall time is taken as measured, whatever its thread count on the node;
- a job holds its peak memory (``max_rss_mb``) for its whole duration;
- there is no data transfer cost between nodes.

Because threads are capped, only memory can make a job fit on no node at all.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

__all__ = [
    "Job",
    "Node",
    "Placement",
    "Schedule",
    "bottom_levels",
    "critical_path",
    "list_schedule",
    "topological_order",
]


@dataclass(frozen=True, kw_only=True)
class Job:
    """One measured job of a workflow run.

    Parameters
    ----------
    name : str
        Unique name, e.g. ``"find_sources_tile[freq=560,tile=r00000c04096]"``.
    rule : str
        The rule that made the job.
    wall_s : float
        Measured wall time, seconds.
    wildcards : tuple of (str, str) pairs
        The job's wildcards. A mapping is accepted and stored as sorted pairs,
        so that jobs stay hashable.
    cpu_s : float
        Measured CPU time, seconds (not used for scheduling).
    threads : int
        Threads the job asks for.
    max_rss_mb : float
        Peak resident memory, MB.
    deps : tuple of str
        Names of the jobs it needs.
    """

    name: str
    rule: str
    wall_s: float
    wildcards: tuple[tuple[str, str], ...] = ()
    cpu_s: float = 0.0
    threads: int = 1
    max_rss_mb: float = 0.0
    deps: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if isinstance(self.wildcards, Mapping):
            pairs = tuple(sorted((str(k), str(v)) for k, v in self.wildcards.items()))
            object.__setattr__(self, "wildcards", pairs)
        object.__setattr__(self, "deps", tuple(self.deps))
        if self.wall_s < 0 or self.max_rss_mb < 0:
            raise ValueError(f"job {self.name}: wall time and memory must not be negative")
        if self.threads < 1:
            raise ValueError(f"job {self.name}: threads must be at least 1, got {self.threads}")


@dataclass(frozen=True)
class Node:
    """A compute node: its cores and memory (MB)."""

    cores: int
    mem_mb: float

    def __post_init__(self) -> None:
        if self.cores < 1 or self.mem_mb <= 0:
            raise ValueError(f"a node needs at least 1 core and some memory, got {self}")


@dataclass(frozen=True)
class Placement:
    """Where and when one job runs: ``node`` indexes the nodes given to :func:`list_schedule`."""

    job: str
    node: int
    start_s: float
    finish_s: float
    threads: int


@dataclass(frozen=True)
class Schedule:
    """The result of :func:`list_schedule`.

    ``placements`` maps each job's name to its :class:`Placement`, in start order.
    """

    makespan_s: float
    placements: Mapping[str, Placement] = field(default_factory=dict)


def _by_name(jobs: Iterable[Job]) -> dict[str, Job]:
    """Jobs keyed by name; duplicate names and unknown dependencies are errors."""
    by_name: dict[str, Job] = {}
    for job in jobs:
        if job.name in by_name:
            raise ValueError(f"two jobs are named {job.name!r}")
        by_name[job.name] = job
    for job in by_name.values():
        unknown = [dep for dep in job.deps if dep not in by_name]
        if unknown:
            raise ValueError(f"job {job.name!r} depends on unknown job(s): {', '.join(unknown)}")
    return by_name


def _dependants(jobs: Iterable[Job]) -> dict[str, list[str]]:
    """For each job, the names of the jobs that need it."""
    jobs = list(jobs)
    dependants: dict[str, list[str]] = {job.name: [] for job in jobs}
    for job in jobs:
        for dep in sorted(set(job.deps)):
            dependants[dep].append(job.name)
    return dependants


def topological_order(jobs: Iterable[Job]) -> list[str]:
    """Job names with every job after the jobs it needs (Kahn's algorithm, ties by name).

    Raises
    ------
    ValueError
        On duplicate names, a dependency on an unknown job, or a cycle (the
        error names the jobs on or behind it).
    """
    by_name = _by_name(jobs)
    waiting = {name: len(set(job.deps)) for name, job in by_name.items()}
    dependants = _dependants(by_name.values())
    ready = sorted(name for name, count in waiting.items() if count == 0)
    heapq.heapify(ready)
    order = []
    while ready:
        name = heapq.heappop(ready)
        order.append(name)
        for child in dependants[name]:
            waiting[child] -= 1
            if waiting[child] == 0:
                heapq.heappush(ready, child)
    if len(order) < len(by_name):
        stuck = sorted(set(by_name) - set(order))
        raise ValueError(f"dependency cycle among jobs: {', '.join(stuck)}")
    return order


def bottom_levels(jobs: Sequence[Job]) -> dict[str, float]:
    """Each job's wall time plus the longest chain of wall times of the jobs that need it."""
    order = topological_order(jobs)  # checks names, dependencies and cycles first
    by_name = {job.name: job for job in jobs}
    dependants = _dependants(jobs)
    levels: dict[str, float] = {}
    for name in reversed(order):
        below = max((levels[child] for child in dependants[name]), default=0.0)
        levels[name] = by_name[name].wall_s + below
    return levels


def critical_path(jobs: Sequence[Job]) -> list[str]:
    """The longest chain of wall times, first job first (ties by name).

    No number of nodes finishes the jobs sooner than this chain's summed wall time: where
    a schedule's makespan equals it, only shorter jobs on the chain make the run shorter.
    """
    levels = bottom_levels(jobs)
    if not levels:
        return []
    dependants = _dependants(jobs)
    roots = [job.name for job in jobs if not job.deps]
    path = [min(roots, key=lambda name: (-levels[name], name))]
    while dependants[path[-1]]:
        path.append(min(dependants[path[-1]], key=lambda name: (-levels[name], name)))
    return path


def list_schedule(jobs: Iterable[Job], nodes: Sequence[Node]) -> Schedule:
    """Replay measured jobs on ``nodes`` by list scheduling (see the module docstring).

    Parameters
    ----------
    jobs : iterable of Job
        The jobs, with their dependencies by name.
    nodes : sequence of Node
        The machines; a job goes to the first node (in this order) with room for it.

    Returns
    -------
    Schedule
        The makespan (time from the first start to the last finish) and each
        job's node, start and finish.

    Raises
    ------
    ValueError
        If a job needs more memory than any node has, depends on an unknown
        job or on itself through a cycle, or two jobs share a name.
    """
    jobs = list(jobs)
    if not nodes:
        raise ValueError("no nodes to schedule on")
    levels = bottom_levels(jobs)  # also checks names, dependencies and cycles
    for job in jobs:
        if not any(job.max_rss_mb <= node.mem_mb for node in nodes):
            largest = max(node.mem_mb for node in nodes)
            raise ValueError(
                f"job {job.name!r} needs {job.max_rss_mb:g} MB, "
                f"more than any node has ({largest:g} MB)"
            )
    by_name = {job.name: job for job in jobs}
    waiting = {job.name: set(job.deps) for job in jobs}
    dependants = _dependants(jobs)

    free_cores = [node.cores for node in nodes]
    free_mem = [float(node.mem_mb) for node in nodes]
    n_running = [0 for _ in nodes]
    ready = {name for name, deps in waiting.items() if not deps}
    running: list[tuple[float, str]] = []  # heap of (finish, name)
    placements: dict[str, Placement] = {}
    now = 0.0
    while ready or running:
        for name in sorted(ready, key=lambda n: (-levels[n], n)):
            job = by_name[name]
            for index, node in enumerate(nodes):
                threads = min(job.threads, node.cores)
                if threads <= free_cores[index] and job.max_rss_mb <= free_mem[index]:
                    free_cores[index] -= threads
                    free_mem[index] -= job.max_rss_mb
                    n_running[index] += 1
                    placements[name] = Placement(name, index, now, now + job.wall_s, threads)
                    heapq.heappush(running, (now + job.wall_s, name))
                    ready.discard(name)
                    break
        # Never empty here: with nothing running every node is free, and every job fits on some
        # node.
        now = running[0][0]
        while running and running[0][0] == now:
            _, name = heapq.heappop(running)
            placement = placements[name]
            index = placement.node
            n_running[index] -= 1
            free_cores[index] += placement.threads
            free_mem[index] += by_name[name].max_rss_mb
            if n_running[index] == 0:
                # Exactly full again: rounding in the sums must not shut out a job that fits an
                # idle node.
                free_cores[index], free_mem[index] = nodes[index].cores, float(nodes[index].mem_mb)
            for child in dependants[name]:
                waiting[child].discard(name)
                if not waiting[child]:
                    ready.add(child)
    makespan = max((p.finish_s for p in placements.values()), default=0.0)
    return Schedule(makespan_s=makespan, placements=placements)
