"""Serial worker threads: the one writer that owns every write, and a reader for slow reads."""

from __future__ import annotations

import inspect
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, QTimer, Signal, Slot

from desktop.core.workspace import Cancel

# A CPU-bound worker keeps the GIL for up to the switch interval each time the GUI thread asks
# for it, and painting a Python model asks hundreds of times: 1 ms keeps a repaint during an
# import within a frame or two instead of ~5 ms per callback.
GUI_SWITCH_INTERVAL = 0.001


class JobCancelled(Exception):
    """A job was cancelled before it started; nothing ran."""


class Job(QObject):
    """One submitted call. Its signals arrive on the GUI thread (the job lives there)."""

    started = Signal()
    progress = Signal(int, int, str)
    finished = Signal(object)
    failed = Signal(object)

    # Progress from a fast loop would flood the event queue; a frame or two apart is enough.
    PROGRESS_INTERVAL = 0.03

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict, label: str = ""):
        super().__init__()
        self.label = label or getattr(fn, "__name__", "job")
        self.cancel_token = Cancel()
        self._fn, self._args, self._kwargs = fn, args, dict(kwargs)
        self._last_emit = 0.0
        self.done = False
        params = _parameters(fn)
        # Core long actions take progress= and cancel=; hand them ours unless the caller did.
        if "progress" in params and "progress" not in self._kwargs:
            self._kwargs["progress"] = self.report
        if "cancel" in params and "cancel" not in self._kwargs:
            self._kwargs["cancel"] = self.cancel_token
        self.cancellable = self._kwargs.get("cancel") is self.cancel_token

    def cancel(self) -> None:
        self.cancel_token.set()

    def report(self, done: int, total: int, message: str = "") -> None:
        """The progress callback handed to the core; runs on the worker thread."""
        now = time.monotonic()
        if done < total and now - self._last_emit < self.PROGRESS_INTERVAL:
            return
        self._last_emit = now
        self.progress.emit(int(done), int(total), str(message))

    def _run(self) -> None:
        if self.cancel_token.is_set():
            self.done = True
            self.failed.emit(JobCancelled(f"{self.label} was cancelled before it started."))
            return
        self.started.emit()
        try:
            result = self._fn(*self._args, **self._kwargs)
        except Exception as exc:  # every failure goes back to the GUI, which decides how to show it
            self.done = True
            self.failed.emit(exc)
            return
        self.done = True
        self.finished.emit(result)


class _Runner(QObject):
    """Lives in the worker thread; runs the jobs it is handed, one after another."""

    @Slot(object)
    def run(self, job: Job) -> None:
        job._run()


class SerialWorker(QObject):
    """A QThread that runs submitted callables in order and reports back through each Job.

    The application keeps exactly one of these as the writer, so SQLite and Whoosh see one
    writer; a second one serves reads that may be slow (search), so they never queue behind an
    import. Nothing a job runs may touch a widget.
    """

    job_submitted = Signal(object)
    _release = Signal(object)
    _dispatch = Signal(object)

    def __init__(self, name: str = "assay-writer", parent: QObject | None = None):
        super().__init__(parent)
        self._jobs: list[Job] = []
        self._ended: list[Job] = []
        self._jobs_lock = threading.Lock()
        self._thread = QThread()
        self._thread.setObjectName(name)
        self._runner = _Runner()
        self._runner.moveToThread(self._thread)
        self._dispatch.connect(self._runner.run, Qt.ConnectionType.QueuedConnection)
        self._release.connect(self._dispatch, Qt.ConnectionType.QueuedConnection)
        sys.setswitchinterval(min(sys.getswitchinterval(), GUI_SWITCH_INTERVAL))
        self._thread.start()
        self._stopped = False
        # Qt aborts the process if a QThread object dies while its thread still runs.
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.stop)

    @property
    def name(self) -> str:
        return self._thread.objectName()

    def submit(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Job:
        """Queue fn(*args, **kwargs); if fn takes `progress` / `cancel`, the job supplies them.

        Call from the GUI thread. The job starts only once control returns to the event loop,
        so signals connected right after submit() never miss an outcome.
        """
        if self._stopped:
            raise RuntimeError(f"The {self.name} thread has stopped.")
        job = Job(fn, args, kwargs)
        with self._jobs_lock:
            self._jobs.append(job)
        # The list keeps the job alive until its outcome reached the GUI thread: a QObject must
        # not be garbage-collected on the worker thread while its signals are still queued.
        job.finished.connect(self._job_ended)
        job.failed.connect(self._job_ended)
        self.job_submitted.emit(job)
        self._release.emit(job)
        return job

    def busy(self) -> bool:
        with self._jobs_lock:
            return bool(self._jobs)

    def pending(self) -> list[Job]:
        with self._jobs_lock:
            return list(self._jobs)

    def cancel_all(self) -> None:
        for job in self.pending():
            job.cancel()

    def stop(self) -> None:
        """Cancel what is queued, let the running job notice, and end the thread."""
        if self._stopped:
            return
        self._stopped = True
        self.cancel_all()
        self._thread.quit()
        self._thread.wait()

    @Slot(object)
    def _job_ended(self, _outcome: object) -> None:
        job = self.sender()
        with self._jobs_lock:
            self._jobs = [j for j in self._jobs if j is not job]
        # The caller's own slots for this outcome were connected after this one and are still
        # queued; if the job died now, Qt would drop them (a lambda's receiver dies with it).
        self._ended.append(job)
        QTimer.singleShot(0, self._forget_ended)

    @Slot()
    def _forget_ended(self) -> None:
        if self._ended:
            self._ended.pop(0)


def _parameters(fn: Callable) -> set[str]:
    try:
        return set(inspect.signature(fn).parameters)
    except (TypeError, ValueError):
        return set()
