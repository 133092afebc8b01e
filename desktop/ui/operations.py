"""Long actions in the GUI: a job's progress dialog with Cancel, the import summary, error boxes."""

from __future__ import annotations

import traceback
from pathlib import Path

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

from desktop.core.kernel.errors import AssayError
from desktop.core.workspace import ImportReport

from .worker import Job, JobCancelled

SHOW_AFTER_MS = 300  # quick jobs finish without a dialog flashing up


class ProgressTask(QObject):
    """Ties a job to a window-modal progress dialog; Cancel sets the job's Cancel flag."""

    ended = Signal()

    def __init__(self, job: Job, parent: QWidget | None, title: str, verb: str):
        super().__init__(parent)
        self.job = job
        self.verb = verb
        self.last_progress: tuple[int, int, str] = (0, 0, "")
        self.cancel_requested = False
        self.running = True
        self.dialog = QProgressDialog(f"{verb}…", "Cancel", 0, 0, parent)
        self.dialog.setWindowTitle(title)
        self.dialog.setWindowModality(Qt.WindowModality.WindowModal)
        self.dialog.setAutoClose(False)
        self.dialog.setAutoReset(False)
        self.dialog.setMinimumWidth(420)
        self.dialog.setMinimumDuration(SHOW_AFTER_MS)
        if job.cancellable:
            self.dialog.canceled.connect(self.cancel)
        else:
            self.dialog.setCancelButton(None)
        job.progress.connect(self._on_progress)
        job.finished.connect(self._end)
        job.failed.connect(self._end)

    def cancel(self) -> None:
        self.cancel_requested = True
        self.job.cancel()
        self.dialog.setLabelText("Cancelling… (finishing the current file)")

    def _on_progress(self, done: int, total: int, message: str) -> None:
        self.last_progress = (done, total, message)
        if self.cancel_requested or not self.running:
            return
        phase = "Indexing" if message == "indexing" else self.verb
        detail = "" if message in ("", "indexing") else f": {message}"
        self.dialog.setLabelText(f"{phase} {done} of {total}{detail}")
        self.dialog.setMaximum(max(total, 1))
        # last: a modal dialog's setValue() processes events, which may end the task
        self.dialog.setValue(min(done, max(total, 1)))

    def _end(self, _outcome: object) -> None:
        self.running = False
        if self.job.cancellable:
            # closing a QProgressDialog emits canceled(); the job is over, so that must not count
            self.dialog.canceled.disconnect(self.cancel)
        self.dialog.close()
        self.dialog.deleteLater()
        self.ended.emit()


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
            "Set their marking and source…" if len(report.imported) > 1
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
