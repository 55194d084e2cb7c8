"""What sdc1.pybdsf_patches assumes of PyBDSF's internals, and that its patch is undone.

These fail loudly when a PyBDSF upgrade renames or reshapes what is patched or
read; the patch must then be revisited, not the test relaxed.
"""

from __future__ import annotations

import gc
import inspect
import logging
import weakref
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from sdc1.pybdsf_patches import (
    PYBDSF_LOGGER,
    close_pybdsf_log,
    pybdsf_collects_new_objects_only,
    pybdsf_fit_progress,
)

gausfit = pytest.importorskip("bdsf.gausfit")
mylogger = pytest.importorskip("bdsf.mylogger")
Op_gausfit = gausfit.Op_gausfit


def test_op_gausfit_defines_the_patched_methods_itself() -> None:
    # Restoring assigns to the class: an inherited method would be shadowed, not restored.
    assert "__call__" in vars(Op_gausfit)
    assert "process_island" in vars(Op_gausfit)


def test_op_gausfit_call_takes_the_image_alone() -> None:
    # The patched __call__ is called as call(self, img) and passes img on.
    assert list(inspect.signature(Op_gausfit.__call__).parameters) == ["self", "img"]


def test_process_island_is_called_once_per_island_through_the_class() -> None:
    # Progress counts one island per process_island call, found on the class
    # (self.process_island), and the total from img.islands.
    params = list(inspect.signature(Op_gausfit.process_island).parameters)
    assert params[:3] == ["self", "isl", "img"]
    source = inspect.getsource(Op_gausfit.__call__)
    assert "img.islands" in source
    assert "itertools.repeat(self.process_island)" in source
    assert "opts.ncores == 1" in source


def test_pybdsf_logs_to_the_logger_that_is_closed(tmp_path: Path) -> None:
    log_file = tmp_path / "pybdsf.log"
    mylogger.init_logger(str(log_file), quiet=True)
    logger = logging.getLogger(PYBDSF_LOGGER)
    files = [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
    assert [Path(h.baseFilename) for h in files] == [log_file]
    close_pybdsf_log()
    assert logger.handlers == [] and all(h.stream is None for h in files)


def _fake_gausfit(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stand-ins for the two methods, calling each other as PyBDSF's do (ncores 1)."""

    def call(self: Any, img: Any) -> str:
        for isl in img.islands:
            self.process_island(isl, img)
        return "fitted"

    def process_island(self: Any, isl: Any, img: Any, opts: Any = None) -> list:
        return []

    monkeypatch.setattr(Op_gausfit, "__call__", call)
    monkeypatch.setattr(Op_gausfit, "process_island", process_island)


def test_fit_progress_logs_each_step_and_is_removed_after_use(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _fake_gausfit(monkeypatch)
    original = Op_gausfit.__call__, Op_gausfit.process_island
    logger = logging.getLogger("sdc1.test_pybdsf_patches")
    caplog.set_level(logging.INFO, logger=logger.name)
    op = object.__new__(Op_gausfit)
    with pybdsf_fit_progress(logger, every=0.5):
        assert (Op_gausfit.__call__, Op_gausfit.process_island) != original
        assert op(SimpleNamespace(islands=list(range(4)))) == "fitted"
    assert (Op_gausfit.__call__, Op_gausfit.process_island) == original
    lines = [r.getMessage() for r in caplog.records if r.name == logger.name]
    assert lines[0] == "PyBDSF: fitting Gaussians to 4 islands"
    assert "PyBDSF: islands fitted: 4/4 (100%)" in lines
    assert lines[-1].startswith("PyBDSF: 4 islands fitted in ")


def test_fit_progress_is_removed_when_the_block_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake_gausfit(monkeypatch)
    original = Op_gausfit.__call__, Op_gausfit.process_island
    with pytest.raises(RuntimeError, match="PyBDSF failed"):
        with pybdsf_fit_progress(logging.getLogger("sdc1.test_pybdsf_patches")):
            raise RuntimeError("PyBDSF failed")
    assert (Op_gausfit.__call__, Op_gausfit.process_island) == original


def test_pybdsf_collects_after_each_step_as_its_run_loop_calls_gc() -> None:
    # What is relied on: bdsf._run_op_list calls gc.collect() after each step, looked up on
    # the gc module at call time (so replacing gc.collect reaches it).
    import bdsf

    source = inspect.getsource(bdsf._run_op_list)
    assert "import gc" in source and "gc.collect()" in source


class Node:
    """An object in a reference cycle."""

    def __init__(self) -> None:
        self.self = self


def test_collections_still_free_each_steps_garbage_and_everything_is_restored() -> None:
    collect, enabled = gc.collect, gc.isenabled()
    kept = Node()
    with pybdsf_collects_new_objects_only():
        gc.collect(0)  # a young collection has not seen everything: nothing is frozen
        assert gc.get_freeze_count() == 0
        gc.collect()  # a step ends: what survives is frozen
        assert gc.get_freeze_count() > 0
        garbage = weakref.ref(Node())  # a cycle made by the next step, then dropped
        assert garbage() is not None
        gc.collect()
        assert garbage() is None  # freed at that step's end
    assert gc.collect is collect and gc.isenabled() == enabled
    assert gc.get_freeze_count() == 0
    assert kept.self is kept


def test_collections_are_restored_when_the_block_raises() -> None:
    collect, enabled = gc.collect, gc.isenabled()
    with pytest.raises(RuntimeError), pybdsf_collects_new_objects_only():
        gc.collect()
        raise RuntimeError("PyBDSF failed")
    assert gc.collect is collect and gc.isenabled() == enabled
    assert gc.get_freeze_count() == 0
