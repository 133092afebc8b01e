"""The GUI thread never waits on the store: a big import runs while the event loop keeps ticking.

This checks the design (the work runs on another thread), not speed: the longest pause of the
event loop is printed for the record (bench/bench_gui.py measures it), never asserted."""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QTimer

from .conftest import write_texts

FILES = 300


def test_the_event_loop_keeps_ticking_during_a_300_file_import(qtbot, window, tmp_path):
    paragraph = "Analysts compared export figures with shipping manifests and port records. "
    write_texts(
        tmp_path / "bulk",
        {f"report-{n:03}.txt": f"Report {n}\n\n" + paragraph * (5 + n % 20) for n in range(FILES)},
    )
    # Steady state: the first dialogs of a process pay Qt's one-time style and icon loading.
    write_texts(tmp_path / "warm-up", {"warm-up.txt": "Warm-up\n\nA first small import."})
    with qtbot.waitSignal(window.import_finished, timeout=30000):
        window.import_paths([tmp_path / "warm-up"])
    window.import_summary.close()

    gaps: list[float] = []
    last = time.perf_counter()
    threads: list[threading.Thread] = []
    real_import = window.ws.import_paths

    def import_paths(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_import(*args, **kwargs)

    window.ws.import_paths = import_paths

    def tick() -> None:
        nonlocal last
        now = time.perf_counter()
        gaps.append(now - last)
        last = now

    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(tick)
    timer.start()
    try:
        with qtbot.waitSignal(window.import_finished, timeout=90000) as finished:
            task = window.import_paths([tmp_path / "bulk"])
    finally:
        timer.stop()
    report = finished.args[0]
    assert len(report.imported) == FILES
    assert task.last_progress[0] == task.last_progress[1]
    assert window.library.model.total() == 16 + FILES
    assert threads and threading.main_thread() not in threads, "the import ran on the GUI thread"
    assert len(gaps) > 50, "the timer hardly ran: the GUI thread was busy"
    print(f"longest pause of the GUI thread during the import: {max(gaps) * 1000:.0f} ms")
