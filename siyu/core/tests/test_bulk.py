"""The garbage-collector pause of bulk jobs (core.bulk.gc_paused)."""

from __future__ import annotations

import gc
import threading

import pytest

from siyu.core.bulk import gc_paused


@pytest.fixture(autouse=True)
def _collector_restored():
    was = gc.isenabled()
    yield
    if was:
        gc.enable()
    else:
        gc.disable()


def test_the_collector_is_paused_for_the_block_and_runs_again_after_even_on_error() -> None:
    gc.enable()
    with gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), gc_paused():
        raise ValueError("a bad file")
    assert gc.isenabled()


def test_overlapping_jobs_share_one_pause_lifted_by_the_last() -> None:
    gc.enable()
    inside, leave = threading.Event(), threading.Event()

    def other_job() -> None:
        with gc_paused():
            inside.set()
            leave.wait(5)

    thread = threading.Thread(target=other_job)
    thread.start()
    assert inside.wait(5)
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()  # the other job is still running
    leave.set()
    thread.join(5)
    assert gc.isenabled()


def test_a_collector_switched_off_before_stays_off() -> None:
    gc.disable()
    with gc_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
