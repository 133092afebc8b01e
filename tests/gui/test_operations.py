"""The one operation path: off the GUI thread, progress with Cancel, error dialogs, one fan-out."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QMessageBox, QProgressDialog, QPushButton

from desktop.core.kernel.errors import AssayError, NotFound
from desktop.core.workspace import Changes
from desktop.ui import operations
from desktop.ui.operations import run_operation

UI = Path(operations.__file__).parent
SHOTS = Path("/tmp")


def _recorder(window) -> list[Changes]:
    seen: list[Changes] = []
    window.subscribe(seen.append)
    return seen


def _first_document(window) -> str:
    return window.ws.document_ids(order="title")[0]


def test_success_applies_the_changes_to_every_subscribed_view_once(qtbot, window):
    doc_id = _first_document(window)
    assert window.open_document(doc_id)
    first, second = _recorder(window), _recorder(window)
    order: list[str] = []
    first_count = len(window.annotations.model.ids())

    def on_success(changes: Changes) -> None:
        # the views already show it when the caller hears of it
        order.append(f"success after {len(first)} fan-out(s)")

    # started from a view inside the window: the window is found through the parents
    op = run_operation(
        window.annotations,
        window.ws.add_note,
        doc_id,
        0,
        12,
        comment="through the path",
        label="add the note",
        on_success=on_success,
    )
    assert not op.done  # submitted, not run: the GUI thread went on
    with qtbot.waitSignal(op.finished, timeout=30000) as finished:
        pass
    changes = finished.args[0]
    assert isinstance(changes, Changes) and changes.created
    assert first == [changes] and second == [changes]
    assert order == ["success after 1 fan-out(s)"]
    assert changes.created in window.annotations.model.ids()
    assert len(window.annotations.model.ids()) == first_count + 1
    assert window.undo_action.text() == "&Undo Add note"
    assert op.done and op.error is None and op.error_dialog is None


def test_a_window_action_goes_through_the_fan_out_once(qtbot, window):
    doc_id = _first_document(window)
    assert window.open_document(doc_id)
    seen = _recorder(window)
    window.reader.select_span(0, 10)
    op = window.add_note()
    assert op is not None
    with qtbot.waitSignal(op.finished, timeout=30000):
        pass
    assert len(seen) == 1 and seen[0].created in window.annotations.model.ids()


def test_an_assay_error_shows_its_message_and_applies_nothing(qtbot, window):
    seen = _recorder(window)
    failures: list[BaseException] = []
    successes: list[object] = []
    message = "No claim 1234abcd in this workspace: check the id, or search for the claim."

    def refuse() -> Changes:
        raise NotFound(message)

    op = run_operation(
        window,
        refuse,
        label="open the claim",
        on_success=successes.append,
        on_failure=failures.append,
    )
    with qtbot.waitSignal(op.failed, timeout=30000):
        pass
    box = op.error_dialog
    assert isinstance(box, QMessageBox) and box is window.last_error
    qtbot.waitUntil(box.isVisible)
    assert box.windowTitle() == "Could not open the claim"
    assert box.text() == message
    assert box.icon() == QMessageBox.Icon.Warning
    assert not box.detailedText()  # the analyst's error, not a bug: no traceback
    box.grab().save(str(SHOTS / "operation-error.png"))
    assert seen == [] and successes == []
    assert len(failures) == 1 and isinstance(failures[0], NotFound)
    box.close()


def test_an_unexpected_exception_shows_the_generic_dialog(qtbot, window):
    seen = _recorder(window)

    def crash() -> Changes:
        raise ZeroDivisionError("the count of reviews was zero")

    op = run_operation(window, crash, label="count the reviews")
    with qtbot.waitSignal(op.failed, timeout=30000):
        pass
    box = op.error_dialog
    assert isinstance(box, QMessageBox)
    qtbot.waitUntil(box.isVisible)
    assert box.windowTitle() == "Unexpected error"
    assert box.icon() == QMessageBox.Icon.Critical
    assert "could not count the reviews because of an internal error" in box.text()
    assert "the count of reviews was zero" in box.text()
    assert "ZeroDivisionError" in box.detailedText()  # the traceback, for a bug report
    box.grab().save(str(SHOTS / "operation-unexpected.png"))
    assert seen == []
    box.close()


def test_inline_errors_leave_the_dialog_to_bugs(qtbot, window):
    shown: list[str] = []

    def refuse() -> None:
        raise AssayError("Give the claim a statement first.")

    op = run_operation(
        window,
        refuse,
        label="save the claim",
        errors="inline",
        on_failure=lambda exc: shown.append(str(exc)),
    )
    with qtbot.waitSignal(op.failed, timeout=30000):
        pass
    assert shown == ["Give the claim a statement first."] and op.error_dialog is None

    def crash() -> None:
        raise KeyError("statement")

    op = run_operation(
        window,
        crash,
        label="save the claim",
        errors="inline",
        on_failure=lambda exc: shown.append(repr(exc)),
    )
    with qtbot.waitSignal(op.failed, timeout=30000):
        pass
    assert shown[-1] == "KeyError('statement')"
    assert op.error_dialog is not None and op.error_dialog.windowTitle() == "Unexpected error"
    op.error_dialog.close()


def test_cancel_in_the_progress_dialog_stops_a_cancellable_job(qtbot, window):
    started = threading.Event()
    stopped_at: list[int] = []

    def long_work(*, progress, cancel) -> str:
        deadline = time.monotonic() + 20
        step = 0
        while time.monotonic() < deadline:
            if cancel.is_set():
                stopped_at.append(step)
                return "stopped"
            step += 1
            progress(min(step, 999), 1000, f"file-{step:04}.txt")
            started.set()
            time.sleep(0.005)
        return "ran to the end"

    op = run_operation(
        window,
        long_work,
        label="import the files",
        progress=True,
        title="Import",
        verb="Importing",
        cancellable=True,
    )
    dialog = op.dialog
    assert isinstance(dialog, QProgressDialog)
    qtbot.waitUntil(dialog.isVisible, timeout=10000)  # shown once the work takes a while
    qtbot.waitUntil(lambda: "Importing" in dialog.labelText() and " of 1000" in dialog.labelText())
    assert dialog.windowTitle() == "Import"
    window.grab().save(str(SHOTS / "operation-window.png"))
    dialog.grab().save(str(SHOTS / "operation-progress.png"))
    cancel = next(b for b in dialog.findChildren(QPushButton) if b.text() == "Cancel")
    with qtbot.waitSignal(op.finished, timeout=10000) as finished:
        cancel.click()
    assert finished.args == ["stopped"] and stopped_at
    assert op.cancel_requested and op.dialog is None
    qtbot.waitUntil(lambda: not dialog.isVisible())


def test_a_job_without_cancel_shows_no_cancel_button(qtbot, window):
    gate = threading.Event()
    op = run_operation(window, lambda: gate.wait(10), label="rebuild the index", progress=True)
    try:
        assert op.dialog is not None
        assert not [b for b in op.dialog.findChildren(QPushButton) if b.text() == "Cancel"]
    finally:
        gate.set()
    with qtbot.waitSignal(op.finished, timeout=10000):
        pass


def test_the_gui_thread_runs_while_a_job_waits(qtbot, window):
    gate = threading.Event()
    threads: list[threading.Thread] = []

    def wait_for_the_test() -> Changes:
        threads.append(threading.current_thread())
        if not gate.wait(20):
            raise TimeoutError("the test never opened the gate")
        return Changes()

    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start()
    try:
        op = run_operation(window, wait_for_the_test, label="wait")
        qtbot.waitUntil(lambda: len(threads) == 1, timeout=10000)  # the job is running
        count = len(ticks)
        qtbot.waitUntil(lambda: len(ticks) >= count + 20, timeout=10000)  # and the loop too
        assert not op.done
        with qtbot.waitSignal(op.finished, timeout=10000):
            gate.set()
    finally:
        timer.stop()
        gate.set()
    assert threads[0] is not threading.main_thread()
    assert threads[0].name != threading.main_thread().name


def _sources(*exempt: str) -> dict[str, str]:
    return {
        p.name: p.read_text(encoding="utf-8")
        for p in sorted(UI.glob("*.py"))
        if p.name not in exempt
    }


def test_only_the_window_and_the_operations_apply_changes():
    everything = _sources()
    assert "apply_changes(" in everything["main_window.py"]  # the scan sees the real thing
    offenders = {
        name
        for name, text in _sources("main_window.py", "operations.py").items()
        if "apply_changes(" in text
    }
    assert not offenders, f"{sorted(offenders)} call apply_changes: use run_operation"


def test_only_the_worker_and_the_operations_make_threads_or_submit_writes():
    thread = re.compile(r"\b(QThread|QThreadPool|QRunnable|threading\.Thread|Thread)\s*\(")
    writes = re.compile(r"\bwriter\.submit\(")
    everything = _sources()
    assert thread.search(everything["worker.py"])  # the scan sees the real thing
    assert writes.search(everything["operations.py"]) is None
    assert re.search(r"worker\.submit\(", everything["operations.py"])
    made = {n for n, t in _sources("worker.py", "operations.py").items() if thread.search(t)}
    assert not made, f"{sorted(made)} start threads of their own: use the SerialWorker"
    direct = {n for n, t in _sources("operations.py").items() if writes.search(t)}
    assert not direct, f"{sorted(direct)} submit to the writer directly: use run_operation"
