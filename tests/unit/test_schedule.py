"""List scheduling of measured jobs: makespans of small DAGs whose best schedule is known."""

from __future__ import annotations

import pytest

from sdc1.schedule import (
    Job,
    Node,
    bottom_levels,
    critical_path,
    list_schedule,
    topological_order,
)


def job(name: str, wall_s: float, *deps: str, threads: int = 1, mem: float = 0.0) -> Job:
    return Job(
        name=name,
        rule=name.rstrip("0123456789"),
        wall_s=wall_s,
        threads=threads,
        max_rss_mb=mem,
        deps=deps,
    )


def test_chain_runs_one_after_another():
    jobs = [job("a", 1.0), job("b", 2.0, "a"), job("c", 3.5, "b")]
    schedule = list_schedule(jobs, [Node(32, 1000)])
    assert schedule.makespan_s == pytest.approx(6.5)
    assert [schedule.placements[n].start_s for n in "abc"] == pytest.approx([0.0, 1.0, 3.0])


def test_independent_jobs_on_enough_cores_take_the_longest():
    jobs = [job(f"j{i}", float(i)) for i in range(1, 9)]
    schedule = list_schedule(jobs, [Node(8, 1000)])
    assert schedule.makespan_s == pytest.approx(8.0)
    assert all(p.start_s == 0.0 for p in schedule.placements.values())


def test_memory_limit_serialises():
    jobs = [job("a", 2.0, mem=600), job("b", 3.0, mem=600)]
    assert list_schedule(jobs, [Node(4, 1000)]).makespan_s == pytest.approx(5.0)
    assert list_schedule(jobs, [Node(4, 1200)]).makespan_s == pytest.approx(3.0)


def test_threads_limit_serialises():
    jobs = [job("a", 2.0, threads=3), job("b", 3.0, threads=3)]
    assert list_schedule(jobs, [Node(4, 1000)]).makespan_s == pytest.approx(5.0)
    assert list_schedule(jobs, [Node(6, 1000)]).makespan_s == pytest.approx(3.0)


def test_threads_are_capped_at_the_node_cores():
    # The 8-thread job fits a 4-core node by using all 4; the 1-thread job must wait for it.
    jobs = [job("big", 2.0, threads=8), job("small", 1.0)]
    schedule = list_schedule(jobs, [Node(4, 1000)])
    assert schedule.placements["big"].threads == 4
    assert schedule.placements["small"].start_s == pytest.approx(2.0)
    assert schedule.makespan_s == pytest.approx(3.0)


def test_two_nodes_halve_a_balanced_load():
    jobs = [job(f"j{i}", 10.0, threads=2) for i in range(8)]
    one = list_schedule(jobs, [Node(4, 1000)])
    two = list_schedule(jobs, [Node(4, 1000), Node(4, 1000)])
    assert one.makespan_s == pytest.approx(40.0)
    assert two.makespan_s == pytest.approx(20.0)
    assert {p.node for p in two.placements.values()} == {0, 1}


def test_critical_path_first_beats_name_order():
    # Two cores. In name order a, b start first, z1 at t=1 and z2 (3 s) ends at t=5;
    # the critical path z1 -> z2 (4 s) started at once ends at t=4 with the short jobs beside it.
    jobs = [job("a", 1.0), job("b", 1.0), job("c", 1.0), job("z1", 1.0), job("z2", 3.0, "z1")]
    assert bottom_levels(jobs)["z1"] == pytest.approx(4.0)
    schedule = list_schedule(jobs, [Node(2, 1000)])
    assert schedule.placements["z1"].start_s == 0.0
    assert schedule.makespan_s == pytest.approx(4.0)


def test_critical_path_is_the_longest_chain_and_bounds_any_schedule():
    # Two chains into one job: a -> b -> d (1 + 5 + 1) and c -> d (3 + 1); e stands alone (6).
    jobs = [
        job("a", 1.0),
        job("b", 5.0, "a"),
        job("c", 3.0),
        job("d", 1.0, "b", "c"),
        job("e", 6.0),
    ]
    assert critical_path(jobs) == ["a", "b", "d"]
    many_nodes = list_schedule(jobs, [Node(32, 1000)] * 3)
    assert many_nodes.makespan_s == pytest.approx(sum(j.wall_s for j in jobs if j.name in "abd"))
    assert critical_path([]) == []
    # From a job with two dependants the chain follows the longer one, whatever the names.
    fork = [job("a", 1.0), job("b", 1.0, "a"), job("c", 2.0, "a"), job("d", 2.5, "b")]
    assert critical_path(fork) == ["a", "b", "d"]
    fork[3] = job("d", 0.5, "b")
    assert critical_path(fork) == ["a", "c"]


def test_a_job_waiting_for_room_lets_smaller_ready_jobs_start():
    # At t=1 "big" (longest path) and "late" become ready; "big" needs the whole node's memory,
    # which "small" holds until t=5, so "late" starts first although its priority is lower.
    jobs = [
        job("small", 5.0, mem=100),
        job("gate", 1.0),
        job("big", 6.0, "gate", mem=1000),
        job("late", 2.0, "gate", mem=100),
    ]
    schedule = list_schedule(jobs, [Node(4, 1000)])
    assert schedule.placements["late"].start_s == pytest.approx(1.0)
    assert schedule.placements["big"].start_s == pytest.approx(5.0)
    assert schedule.makespan_s == pytest.approx(11.0)


def test_oversized_job_is_an_error_naming_it():
    with pytest.raises(ValueError, match="huge"):
        list_schedule([job("a", 1.0), job("huge", 1.0, mem=2000)], [Node(4, 1000), Node(8, 1500)])


def test_unknown_dependency_is_an_error():
    with pytest.raises(ValueError, match="unknown job.*ghost"):
        list_schedule([job("a", 1.0, "ghost")], [Node(4, 1000)])


def test_cycle_is_an_error():
    jobs = [job("a", 1.0, "c"), job("b", 1.0, "a"), job("c", 1.0, "b"), job("d", 1.0)]
    with pytest.raises(ValueError, match="cycle.*a, b, c"):
        list_schedule(jobs, [Node(4, 1000)])


def test_duplicate_names_and_bad_values_are_errors():
    with pytest.raises(ValueError, match="two jobs"):
        list_schedule([job("a", 1.0), job("a", 2.0)], [Node(4, 1000)])
    with pytest.raises(ValueError):
        job("a", -1.0)
    with pytest.raises(ValueError):
        job("a", 1.0, threads=0)
    with pytest.raises(ValueError):
        Node(0, 1000)


def test_wildcards_mapping_is_stored_hashable():
    a = Job(name="x[freq=560]", rule="x", wall_s=1.0, wildcards={"freq": 560, "dataset": "d"})
    assert a.wildcards == (("dataset", "d"), ("freq", "560"))
    assert hash(a) == hash(Job(name="x[freq=560]", rule="x", wall_s=1.0, wildcards=a.wildcards))


def test_schedule_is_deterministic_whatever_the_input_order():
    # A lattice of chains j0 -> j3 -> j6 -> j9, ... with mixed lengths, threads and memory.
    deps = {i: [f"j{i - 3}"] if i >= 3 else [] for i in range(12)}
    jobs = [
        job(f"j{i}", 1.0 + i % 3, *deps[i], threads=1 + i % 2, mem=100.0 * (i % 4))
        for i in range(12)
    ]
    first = list_schedule(jobs, [Node(3, 300), Node(2, 500)])
    second = list_schedule(list(reversed(jobs)), [Node(3, 300), Node(2, 500)])
    assert first == second
    assert list(first.placements) == list(second.placements)
    assert topological_order(jobs) == topological_order(list(reversed(jobs)))


def test_no_jobs():
    assert list_schedule([], [Node(1, 1)]).makespan_s == 0.0
