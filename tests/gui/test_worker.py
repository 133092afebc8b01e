"""The serial worker: order, thread, outcomes by signal, progress and cancel handed to the core."""

from __future__ import annotations

import threading

import pytest

from desktop.core.kernel.errors import WorkspaceError
from desktop.ui.worker import JobCancelled, SerialWorker


@pytest.fixture
def worker():
    w = SerialWorker("test-writer")
    yield w
    w.stop()


def test_jobs_run_in_order_off_the_gui_thread(qtbot, worker):
    seen: list[tuple[int, str]] = []

    def record(n: int) -> int:
        seen.append((n, threading.current_thread().name))
        return n * 10

    jobs = [worker.submit(record, n) for n in range(5)]
    with qtbot.waitSignal(jobs[-1].finished, timeout=5000) as last:
        pass
    assert last.args == [40]
    assert [n for n, _ in seen] == [0, 1, 2, 3, 4]
    assert all(name != threading.main_thread().name for _, name in seen)
    qtbot.waitUntil(lambda: not worker.busy())


def test_failures_arrive_as_exceptions(qtbot, worker):
    def boom() -> None:
        raise WorkspaceError("nothing to see")

    job = worker.submit(boom)
    with qtbot.waitSignal(job.failed, timeout=5000) as failed:
        pass
    assert isinstance(failed.args[0], WorkspaceError)
    assert str(failed.args[0]) == "nothing to see"


def test_progress_and_cancel_are_handed_to_long_actions(qtbot, worker):
    running, gate = threading.Event(), threading.Event()

    def long_action(total: int, *, progress=None, cancel=None) -> int:
        running.set()
        gate.wait(5)
        done = 0
        for done in range(1, total + 1):
            if cancel.is_set():
                break
            progress(done, total, f"item {done}")
        return done

    job = worker.submit(long_action, 1000)
    assert job.cancellable
    qtbot.waitUntil(running.is_set)
    with qtbot.waitSignal(job.finished, timeout=5000) as finished:
        job.cancel()
        gate.set()
    assert finished.args == [1]  # the loop saw the flag on its first check


def test_a_job_cancelled_while_queued_never_runs(qtbot, worker):
    running, gate = threading.Event(), threading.Event()
    ran: list[str] = []

    def block() -> None:
        running.set()
        gate.wait(5)

    blocker = worker.submit(block)
    queued = worker.submit(lambda: ran.append("ran"))
    qtbot.waitUntil(running.is_set)
    with qtbot.waitSignal(queued.failed, timeout=5000) as failed:
        queued.cancel()
        gate.set()
    assert isinstance(failed.args[0], JobCancelled)
    assert blocker.done and ran == []


def test_progress_reaches_the_gui_and_ends_at_the_total(qtbot, worker):
    def steps(*, progress) -> str:
        for n in range(1, 501):
            progress(n, 500, "step")
        return "done"

    job = worker.submit(steps)
    reports: list[tuple[int, int, str]] = []
    job.progress.connect(lambda *a: reports.append(a))
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    qtbot.waitUntil(lambda: bool(reports) and reports[-1][0] == 500)
    assert reports[-1] == (500, 500, "step")
    assert len(reports) < 500  # throttled, so a fast loop cannot flood the GUI's event queue
