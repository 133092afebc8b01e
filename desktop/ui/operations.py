"""The one path of every GUI action: run it on the writer, show its progress and its error, and
hand what it changed to the window's fan-out. Also the import summary and the error box."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal, Protocol

import shiboken6
from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QProgressDialog,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.kernel.changes import Changes
from desktop.core.kernel.errors import AssayError, Cancelled
from desktop.core.workspace import ImportReport

from .worker import Job, JobCancelled, SerialWorker

SHOW_AFTER_MS = 300  # quick jobs finish without a dialog flashing up

Errors = Literal["dialog", "inline", "caller"]


class OperationHost(Protocol):
    """What run_operation needs from the window it runs in (MainWindow is one); without
    show_error the error dialog opens over the operation's parent."""

    writer: SerialWorker

    def apply_changes(self, changes: Changes) -> None: ...

    def show_error(
        self, exc: BaseException, action: str, parent: QWidget | None = None
    ) -> QMessageBox | None: ...


class Operation(QObject):
    """One GUI action in flight: its job on a worker, its progress dialog, then its outcome.

    `finished` (the result) comes once the window applied the changes and on_success ran;
    `failed` (the exception) once on_failure ran and the error was shown.
    """

    finished = Signal(object)
    failed = Signal(object)
    ended = Signal()

    def __init__(
        self,
        job: Job,
        parent: QWidget | None,
        host: OperationHost | None,
        *,
        label: str,
        progress: bool,
        title: str | None,
        verb: str | None,
        cancellable: bool,
        errors: Errors,
        changes: Callable[[Any], Changes | None],
        on_success: Callable[[Any], object] | None,
        on_failure: Callable[[BaseException], object] | None,
    ):
        super().__init__()  # no parent: the window must get the changes even if PARENT closed
        self.job = job
        self.label = label
        self.parent_widget = parent
        self.host = host
        self.errors = errors
        self.cancellable = cancellable
        self._changes = changes
        self._on_success = on_success
        self._on_failure = on_failure
        self.result: Any = None
        self.error: BaseException | None = None
        self.error_dialog: QMessageBox | None = None
        self.done = False
        self.cancel_requested = False
        self.last_progress: tuple[int, int, str] = (0, 0, "")
        self.verb = verb or "Working"
        self.dialog: QProgressDialog | None = None
        if progress:
            self.dialog = self._progress_dialog(title or label[:1].upper() + label[1:])
        job.progress.connect(self._on_progress)
        job.finished.connect(self._succeeded)
        job.failed.connect(self._failed)

    @property
    def running(self) -> bool:
        return not self.done

    def cancel(self) -> None:
        """Ask the job to stop: a queued one never starts, a running one stops at its next check
        (only if it takes `cancel`)."""
        self.cancel_requested = True
        self.job.cancel()
        if self.dialog is not None:
            self.dialog.setLabelText("Cancelling… (finishing the current step)")

    def _progress_dialog(self, title: str) -> QProgressDialog:
        dialog = QProgressDialog(f"{self.verb}…", "Cancel", 0, 0, _alive(self.parent_widget))
        dialog.setObjectName("operationProgress")
        dialog.setWindowTitle(title)
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        dialog.setMinimumWidth(420)
        dialog.setMinimumDuration(SHOW_AFTER_MS)
        if self.cancellable:
            dialog.canceled.connect(self.cancel)
        else:
            dialog.setCancelButton(None)
        return dialog

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.last_progress = (done, total, message)
        if self.dialog is None or self.cancel_requested or self.done:
            return
        phase = "Indexing" if message == "indexing" else self.verb
        detail = "" if message in ("", "indexing") else f": {message}"
        self.dialog.setLabelText(f"{phase} {done} of {total}{detail}")
        self.dialog.setMaximum(max(total, 1))
        # last: a modal dialog's setValue() processes events, which may end the operation
        self.dialog.setValue(min(done, max(total, 1)))

    def _close_dialog(self) -> None:
        self.done = True
        dialog, self.dialog = self.dialog, None
        if dialog is None or not shiboken6.isValid(dialog):
            return
        if self.cancellable:
            # closing a QProgressDialog emits canceled(); the job is over, so that must not count
            dialog.canceled.disconnect(self.cancel)
        dialog.close()
        dialog.deleteLater()

    def _succeeded(self, result: Any) -> None:
        self._close_dialog()
        self.result = result
        try:
            changes = self._changes(result)
            if changes is not None and self.host is not None:
                self.host.apply_changes(changes)
            if self._on_success is not None:
                self._on_success(result)
        finally:
            _RUNNING.discard(self)
        self.finished.emit(result)
        self.ended.emit()

    def _failed(self, exc: BaseException) -> None:
        self._close_dialog()
        self.error = exc
        try:
            if self._on_failure is not None:
                self._on_failure(exc)
            if self._shows_dialog(exc):
                self.error_dialog = self._show_error(exc)
        finally:
            _RUNNING.discard(self)
        self.failed.emit(exc)
        self.ended.emit()

    def _shows_dialog(self, exc: BaseException) -> bool:
        if isinstance(exc, JobCancelled) or (self.cancel_requested and isinstance(exc, Cancelled)):
            return False  # the analyst asked for it
        if self.errors == "caller":
            return False
        return self.errors == "dialog" or not isinstance(exc, AssayError)

    def _show_error(self, exc: BaseException) -> QMessageBox | None:
        parent = _alive(self.parent_widget)
        host = self.host if self.host is not None and shiboken6.isValid(self.host) else None
        if callable(show := getattr(host, "show_error", None)):
            return show(exc, self.label, parent)  # the window keeps it as its last_error
        return error_box(exc, parent, self.label)


_RUNNING: set[Operation] = set()  # keeps each operation alive until its outcome is handled


def run_operation(
    parent: QWidget | None,
    fn: Callable[..., Any],
    *args: Any,
    label: str,
    progress: bool = False,
    title: str | None = None,
    verb: str | None = None,
    cancellable: bool = False,
    errors: Errors = "dialog",
    changes: Callable[[Any], Changes | None] | None = None,
    on_success: Callable[[Any], object] | None = None,
    on_failure: Callable[[BaseException], object] | None = None,
    worker: SerialWorker | None = None,
    **kwargs: Any,
) -> Operation:
    """Run fn(*args, **kwargs) on the window's writer thread; never blocks the GUI thread.

    LABEL says what it does for the error dialog ("Could not import the files"). With
    progress=True a window-modal progress dialog (TITLE, "VERB 3 of 10") shows for long work,
    with Cancel when cancellable=True (fn stops if it takes `cancel`). On success the Changes
    the result carries (the result itself, or its `.changes`; CHANGES picks them otherwise) go
    to the window's apply_changes, once, before on_success(result). On failure on_failure(exc)
    runs, then ERRORS decides the dialog: "dialog" for every error, "inline" when on_failure
    shows an AssayError in the view (anything unexpected still gets the dialog), "caller" when
    on_failure shows every error itself.

    The window is the first of PARENT and its ancestors that has a writer and apply_changes;
    WORKER overrides its writer (the launcher's before there is a window).
    """
    host = _host_of(parent)
    worker = worker or (host.writer if host is not None else None)
    if worker is None:
        raise RuntimeError(f"No writer to {label}: give run_operation a parent in a window.")
    job = worker.submit(fn, *args, **kwargs)
    job.label = label
    operation = Operation(
        job,
        parent,
        host,
        label=label,
        progress=progress,
        title=title,
        verb=verb,
        cancellable=cancellable,
        errors=errors,
        changes=changes or changes_of,
        on_success=on_success,
        on_failure=on_failure,
    )
    _RUNNING.add(operation)
    return operation


def running(parent: QWidget) -> list[Operation]:
    """The operations PARENT started that have not ended yet."""
    return [op for op in _RUNNING if op.parent_widget is parent and not op.done]


def changes_of(result: Any) -> Changes | None:
    """The Changes an action's result carries: the result itself or its `changes`."""
    if isinstance(result, Changes):
        return result
    found = getattr(result, "changes", None)
    return found if isinstance(found, Changes) else None


def _host_of(widget: QObject | None) -> OperationHost | None:
    while widget is not None:
        if callable(getattr(widget, "apply_changes", None)) and hasattr(widget, "writer"):
            return widget
        widget = widget.parent()
    return None


def _alive(widget: QWidget | None) -> QWidget | None:
    return widget if widget is not None and shiboken6.isValid(widget) else None


class ImportSummaryDialog(QDialog):
    """What an import did: counts, then every failure with its reason; for what came in, a
    button to set their marking, source and rating in one go."""

    properties_requested = Signal(list)  # the imported documents' ids

    def __init__(self, report: ImportReport, parent: QWidget | None = None):
        super().__init__(parent)
        self.report = report
        self.setWindowTitle("Import cancelled" if report.cancelled else "Import finished")
        self.setMinimumWidth(520)
        self.summary = QLabel(self.summary_text())
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        details = self.details_text()
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setVisible(bool(details))
        self.details.setMinimumHeight(160)
        layout.addWidget(self.details, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.accepted.connect(self.accept)
        self.properties_button = QPushButton(
            "Set their marking and source…"
            if len(report.imported) > 1
            else "Set its marking and source…"
        )
        self.properties_button.setObjectName("importedProperties")
        self.properties_button.setVisible(bool(report.imported))
        self.properties_button.clicked.connect(self._properties)
        buttons.addButton(self.properties_button, QDialogButtonBox.ButtonRole.ActionRole)
        layout.addWidget(buttons)

    def _properties(self) -> None:
        self.properties_requested.emit(list(self.report.imported))
        self.accept()

    def summary_text(self) -> str:
        r = self.report
        lines = [
            f"Imported: {len(r.imported)}",
            f"Duplicates (already in the workspace): {len(r.duplicates)}",
            f"Failed: {len(r.failed)}",
        ]
        if r.skipped:
            lines.append(f"Ignored (unsupported file types): {len(r.skipped)}")
        if r.cancelled:
            lines.append("The import was cancelled; what was imported before that is kept.")
        return "\n".join(lines)

    def details_text(self) -> str:
        r = self.report
        lines = [f"Failed: {Path(p.path).name}: {p.reason}" for p in r.failed]
        lines += [f"Duplicate: {Path(p).name}" for p in r.duplicates]
        lines += [f"Ignored: {Path(p).name}" for p in r.skipped]
        return "\n".join(lines)


def error_box(
    exc: BaseException, parent: QWidget | None, action: str, *, show: bool = True
) -> QMessageBox | None:
    """A message box, opened without blocking unless show=False (then the caller exec()s it):
    the error's own message for AssayError, the traceback in the details otherwise."""
    if isinstance(exc, JobCancelled):
        return None
    box = QMessageBox(parent)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    if isinstance(exc, AssayError):
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle(f"Could not {action}")
        box.setText(str(exc))
    else:
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("Unexpected error")
        box.setText(f"Assay could not {action} because of an internal error: {exc!r}")
        box.setDetailedText("".join(traceback.format_exception(exc)))
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    if show:
        box.open()
    return box
