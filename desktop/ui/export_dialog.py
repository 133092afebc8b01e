"""File → Export… (STIX, Web Annotation, REFI-QDA, CSV, HTML, PDF with a selection and a marking
ceiling) and File → Import annotations…, added to a MainWindow by `install_export_ui`.

Exports only read, so they run on the window's reader thread; imports write, so they run on the
writer. The PDF's data is gathered and its HTML rendered off the GUI thread; only the layout and
painting (QTextDocument, QPdfWriter) run on the GUI thread, under a busy cursor: the glyph
rasteriser is not guaranteed thread-safe on every platform, and laying out the demo corpus's
report takes a few hundred milliseconds at most.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktop.core.exports import EXTENSIONS, ExportResult, Selection, export, gather
from desktop.core.exports.report import render_html
from desktop.core.imports import ImportSummary, import_annotations
from desktop.core.kernel.errors import AssayError
from desktop.core.kernel.records import STATUSES
from desktop.core.kernel.scales import TLP
from desktop.core.workspace import Changes, Workspace

from .operations import Operation, error_box, run_operation, running
from .widgets import check_list, checked_values
from .worker import JobCancelled, SerialWorker

# (key for the core, label in the combo, file dialog filter)
FORMAT_CHOICES = (
    ("stix", "STIX 2.1 bundle", "STIX bundles (*.json)"),
    ("webanno", "W3C Web Annotation (JSON-LD)", "Web Annotation (*.jsonld *.json)"),
    ("refiqda", "REFI-QDA project (.qdpx)", "REFI-QDA projects (*.qdpx)"),
    ("csv", "CSV of claims", "CSV files (*.csv)"),
    ("html", "HTML report", "HTML files (*.html)"),
    ("pdf", "PDF report", "PDF files (*.pdf)"),
)
REPORTS = ("html", "pdf")
IMPORT_FILTER = (
    "Annotation files (*.qdpx *.jsonld *.json);;REFI-QDA projects (*.qdpx);;"
    "Web Annotation or STIX (*.jsonld *.json);;All files (*)"
)
ERROR_STYLE = "color: #b00020;"


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, JobCancelled):
        return "Cancelled; nothing was written."
    if isinstance(exc, AssayError):
        return str(exc)
    return f"Internal error: {exc!r}"


def set_checked(widget: QListWidget, values: set[str]) -> None:
    for i in range(widget.count()):
        item = widget.item(i)
        if item.data(Qt.ItemDataRole.UserRole) is None:
            continue
        on = item.data(Qt.ItemDataRole.UserRole) in values
        item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


def _pdf_data(ws: Workspace, selection: Selection, title: str):
    """Off the GUI thread: what the PDF holds and its HTML (reads only)."""
    data = gather(ws, selection).claims_only()
    return data, render_html(data, title=title, paged=True)


def _import(ws: Workspace, path: str) -> tuple[ImportSummary, Changes]:
    """On the writer: import, then name what the window must refresh."""
    summary = import_annotations(ws, path)
    created = set(summary.annotations_created)
    changes = Changes(
        documents=set(summary.documents_created) | set(summary.documents_matched),
        annotations=created,
        index=bool(created or summary.documents_created),
    )
    for ann_id in created:
        changes.tags |= set(ws.annotation(ann_id).tags)
    changes.reviews = set(created) if created else set()
    return summary, changes


class _JobDialog(QDialog):
    """A non-modal dialog that runs one core call at a time (an operation) and shows the outcome."""

    def __init__(self, window: QMainWindow, title: str, name: str):
        super().__init__(window)
        self.window_ = window
        self.ws: Workspace = window.ws
        self.setWindowTitle(title)
        self.setObjectName(name)
        self.result_label = QLabel()
        self.result_label.setObjectName("resultLabel")
        self.result_label.setWordWrap(True)
        self.result_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_label.setVisible(False)

    def busy(self) -> bool:
        return bool(running(self))

    def _start(
        self,
        worker: SerialWorker,
        fn: Callable,
        *args: Any,
        label: str,
        done: Callable[[Any], None],
        failed: Callable[[BaseException], None],
        changes: Callable[[Any], Changes | None] | None = None,
    ) -> Operation:
        """Run fn as an operation: the outcome is shown in the dialog (a bug also in a dialog)."""

        def ended(handler: Callable, outcome: Any) -> None:
            self._set_busy(False)
            handler(outcome)

        operation = run_operation(
            self,
            fn,
            *args,
            label=label,
            worker=worker,
            errors="inline",
            changes=changes,
            on_success=lambda result: ended(done, result),
            on_failure=lambda exc: ended(failed, exc),
        )
        self._set_busy(True)
        return operation

    def _set_busy(self, busy: bool) -> None:
        raise NotImplementedError

    def show_result(self, text: str, *, error: bool = False) -> None:
        self.result_label.setText(text)
        self.result_label.setStyleSheet(ERROR_STYLE if error else "")
        self.result_label.setVisible(bool(text))

    def show_failure(self, exc: BaseException) -> None:
        """In the dialog; an operation's unexpected error also has run_operation's dialog."""
        self.show_result(describe_error(exc), error=True)


class ExportDialog(_JobDialog):
    """Format, selection, marking ceiling, report title and destination; then the result."""

    exported = Signal(object)  # ExportResult
    export_failed = Signal(object)  # the exception

    def __init__(self, window: QMainWindow):
        super().__init__(window, "Export", "exportDialog")
        self.result: ExportResult | None = None
        self.pdf_render_seconds: float | None = None
        ws = self.ws

        self.format = QComboBox()
        self.format.setObjectName("exportFormat")
        for key, label, _filter in FORMAT_CHOICES:
            self.format.addItem(label, key)
        self.ceiling = QComboBox()
        self.ceiling.setObjectName("exportCeiling")
        for marking in TLP:
            self.ceiling.addItem(f"TLP:{marking}", marking)
        self.ceiling.setCurrentIndex(TLP.index("RED"))
        self.ceiling.setToolTip("Documents marked above this never leave, nor their annotations")
        self.title = QLineEdit("Claims report")
        self.title.setObjectName("reportTitle")
        self.dest = QLineEdit()
        self.dest.setObjectName("exportDestination")
        self.dest.setPlaceholderText("Choose a file to write…")
        self.browse = QPushButton("Choose…")
        self.browse.clicked.connect(self.choose_destination)
        dest_row = QHBoxLayout()
        dest_row.addWidget(self.dest, 1)
        dest_row.addWidget(self.browse)
        form = QFormLayout()
        form.addRow("&Format:", self.format)
        form.addRow("Marking &ceiling:", self.ceiling)
        form.addRow("Report &title:", self.title)
        dest_label = QLabel("&Save to:")
        dest_label.setBuddy(self.dest)
        form.addRow(dest_label, dest_row)

        # -- selection
        docs = ws.list_documents(order="title")
        self.all_documents = QRadioButton("&All documents")
        self.some_documents = QRadioButton("Only the c&hecked ones")
        self.all_documents.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.all_documents)
        group.addButton(self.some_documents)
        self.documents = check_list(
            [(f"TLP:{d['marking']}  ·  {d['title'] or d['filename']}", d["id"]) for d in docs],
            "exportDocuments",
            "No documents in this workspace",
        )
        self.documents.setEnabled(False)
        self.documents.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.documents.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.documents.setMinimumHeight(150)
        for i, d in enumerate(docs):
            self.documents.item(i).setToolTip(d["title"] or d["filename"])
        self.some_documents.toggled.connect(self.documents.setEnabled)
        doc_box = QGroupBox("Documents")
        doc_layout = QVBoxLayout(doc_box)
        radios = QHBoxLayout()
        radios.addWidget(self.all_documents)
        radios.addWidget(self.some_documents)
        radios.addStretch(1)
        doc_layout.addLayout(radios)
        doc_layout.addWidget(self.documents)

        self.tags = check_list(
            [(t["name"], t["name"]) for t in ws.tags()], "exportTags", "No tags yet"
        )
        self.analysts = check_list(
            [(a["name"] or a["id"][:8], a["id"]) for a in ws.analysts()],
            "exportAnalysts",
            "No analysts yet",
        )
        self.statuses = check_list(
            [(s.replace("_", " ").capitalize(), s) for s in STATUSES], "exportStatuses", ""
        )
        filters = QGroupBox("Only annotations with… (nothing checked: all)")
        grid = QGridLayout(filters)
        for col, (label, widget) in enumerate(
            (("Tags", self.tags), ("Analysts", self.analysts), ("Review status", self.statuses))
        ):
            grid.addWidget(QLabel(label), 0, col)
            widget.setMinimumHeight(96)
            widget.setMaximumHeight(140)
            grid.addWidget(widget, 1, col)

        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton(
            "&Export", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.export_button.setObjectName("exportButton")
        self.export_button.setDefault(True)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(doc_box, 2)
        layout.addWidget(filters, 1)
        layout.addWidget(self.result_label)
        layout.addWidget(self.buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed()
        self.resize(680, 640)

    # -- choices -------------------------------------------------------------------------------
    def fmt(self) -> str:
        return self.format.currentData()

    def set_format(self, key: str) -> None:
        self.format.setCurrentIndex(self.format.findData(key))

    def set_ceiling(self, marking: str) -> None:
        self.ceiling.setCurrentIndex(self.ceiling.findData(marking))

    def _format_changed(self) -> None:
        self.title.setEnabled(self.fmt() in REPORTS)
        text = self.dest.text().strip()
        if text:  # keep the name, follow the format's extension
            path = Path(text)
            if path.suffix.lower() in set(EXTENSIONS.values()) | {".json"}:
                self.dest.setText(str(path.with_suffix(EXTENSIONS[self.fmt()])))

    def choose_destination(self) -> None:
        fmt = self.fmt()
        name = f"{self.ws.name}-export{EXTENSIONS[fmt]}"
        start = self.dest.text().strip() or str(Path.home() / name)
        filt = next(f for k, _label, f in FORMAT_CHOICES if k == fmt)
        path, _ = QFileDialog.getSaveFileName(self, "Export to", start, f"{filt};;All files (*)")
        if path:
            self.dest.setText(path)

    def selection(self) -> Selection:
        docs = checked_values(self.documents) if self.some_documents.isChecked() else []
        return Selection(
            documents=tuple(docs),
            tags=tuple(checked_values(self.tags)),
            analysts=tuple(checked_values(self.analysts)),
            statuses=tuple(checked_values(self.statuses)),
            ceiling=self.ceiling.currentData(),
        )

    def _set_busy(self, busy: bool) -> None:
        self.export_button.setEnabled(not busy)
        if busy:
            self.show_result("Exporting…")

    # -- running -------------------------------------------------------------------------------
    def start(self) -> Operation | None:
        """Export on the reader thread (the PDF's painting then follows on this thread)."""
        if self.busy():
            return None
        dest = self.dest.text().strip()
        if not dest:
            self.show_result("Choose where to save the export first.", error=True)
            return None
        if self.some_documents.isChecked() and not checked_values(self.documents):
            self.show_result("Check at least one document, or choose All documents.", error=True)
            return None
        try:
            selection = self.selection()
        except AssayError as exc:
            self.show_result(str(exc), error=True)
            return None
        title = self.title.text().strip() or "Claims report"
        worker = getattr(self.window_, "reads", None) or self.window_.writer
        fmt = self.fmt()
        self.result = None
        if fmt == "pdf":
            return self._start(
                worker,
                _pdf_data,
                self.ws,
                selection,
                title,
                label="export",
                done=lambda got: self._render_pdf(got, dest, title),
                failed=self._failed,
            )
        return self._start(
            worker,
            partial(export, title=title),
            self.ws,
            fmt,
            dest,
            selection,
            label="export",
            done=self._done,
            failed=self._failed,
        )

    def _render_pdf(self, got: tuple, dest: str, title: str) -> None:
        from .pdf_report import render_pdf

        data, html = got
        QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        began = time.perf_counter()
        try:
            render_pdf(html, dest, marking=data.highest_marking, title=title)
        except Exception as exc:  # painted here, not in an operation: show a bug's dialog here
            self._failed(exc)
            if not isinstance(exc, AssayError):
                error_box(exc, self, "export")
            return
        finally:
            self.pdf_render_seconds = time.perf_counter() - began
            QGuiApplication.restoreOverrideCursor()
        self._done(ExportResult.of(Path(dest), "PDF report", data))

    def _done(self, result: ExportResult) -> None:
        self.result = result
        notes = result.annotations - result.claims
        lines = [
            f"Exported {result.claims} claim(s) and {notes} note(s) from "
            f"{result.documents} document(s) as {result.format}.",
            f"Highest marking in the export: TLP:{result.highest_marking}.",
        ]
        if result.withheld:
            lines.append(
                f"Withheld: {result.withheld} document(s) marked above "
                f"TLP:{self.ceiling.currentData()}."
            )
        else:
            lines.append("Withheld: none.")
        lines.append(f"Written to {result.path}")
        self.show_result("\n".join(lines))
        status = getattr(self.window_, "statusBar", None)
        if callable(status):
            status().showMessage(result.summary(), 10000)
        self.exported.emit(result)

    def _failed(self, exc: BaseException) -> None:
        self.show_failure(exc)
        self.export_failed.emit(exc)


class ImportAnnotationsDialog(_JobDialog):
    """A REFI-QDA, Web Annotation or STIX file in, on the writer; then what came in and what not."""

    imported = Signal(object)  # ImportSummary
    import_failed = Signal(object)

    def __init__(self, window: QMainWindow):
        super().__init__(window, "Import annotations", "importAnnotationsDialog")
        self.summary: ImportSummary | None = None
        intro = QLabel(
            "Annotations from a REFI-QDA project (.qdpx), a W3C Web Annotation file (.jsonld) "
            "or a STIX 2.1 bundle (.json). Web annotations and STIX notes land on documents "
            "already in this workspace. Work exported from Assay keeps its author and comes "
            "back with its review thread (decisions only when a supervisor imports); the "
            "whole import is one step of Edit → Undo."
        )
        intro.setWordWrap(True)
        self.path = QLineEdit()
        self.path.setObjectName("importPath")
        self.path.setPlaceholderText("Choose a file…")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self.choose_file)
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        self.details = QPlainTextEdit()
        self.details.setObjectName("importDetails")
        self.details.setReadOnly(True)
        self.details.setVisible(False)
        self.details.setMinimumHeight(140)
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton(
            "&Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setDefault(True)
        self.import_button.setEnabled(not self.ws.readonly)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(self.result_label)
        layout.addWidget(self.details, 1)
        layout.addWidget(self.buttons)
        self.resize(600, 260)

    def choose_file(self) -> None:
        start = self.path.text().strip() or str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Import annotations", start, IMPORT_FILTER)
        if path:
            self.path.setText(path)

    def _set_busy(self, busy: bool) -> None:
        self.import_button.setEnabled(not busy and not self.ws.readonly)
        if busy:
            self.details.setVisible(False)
            self.show_result("Importing…")

    def start(self) -> Operation | None:
        if self.busy():
            return None
        if self.ws.readonly:
            self.show_result(
                "This workspace is open read-only; nothing can be imported.", error=True
            )
            return None
        path = self.path.text().strip()
        if not path:
            self.show_result("Choose a file to import first.", error=True)
            return None
        self.summary = None
        return self._start(
            self.window_.writer,
            _import,
            self.ws,
            path,
            label="import the annotations",
            changes=lambda outcome: outcome[1] or None,
            done=self._done,
            failed=self._failed,
        )

    def _done(self, outcome: tuple[ImportSummary, Changes]) -> None:
        summary, _changes = outcome  # the window has applied the changes
        self.summary = summary
        lines = [
            f"Imported {len(summary.annotations_created)} annotation(s) from "
            f"{Path(summary.path).name} ({summary.format}).",
            *(f"{figure}." for figure in summary.figures()),
        ]
        if summary.skipped:
            lines.append("Why each was left out is listed below.")
        self.show_result("\n".join(lines))
        self.details.setPlainText("\n".join(f"Skipped: {r}" for r in summary.skipped))
        self.details.setVisible(bool(summary.skipped))
        status = getattr(self.window_, "statusBar", None)
        if callable(status):
            status().showMessage(f"Import: {summary.summary()}", 10000)
        self.imported.emit(summary)

    def _failed(self, exc: BaseException) -> None:
        self.details.setVisible(False)
        self.show_failure(exc)
        self.import_failed.emit(exc)


class ExportUi(QObject):
    """Owns File → Export… and Import annotations… of one window; see `install_export_ui`."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.export_dialog: ExportDialog | None = None
        self.import_dialog: ImportAnnotationsDialog | None = None
        self.export_action = QAction("&Export…", window)
        self.export_action.setObjectName("exportAction")
        self.export_action.setToolTip(
            "Export claims and annotations (STIX, Web Annotation, REFI-QDA, CSV, HTML, PDF)"
        )
        self.export_action.triggered.connect(self.show_export)
        self.import_action = QAction("Import &annotations…", window)
        self.import_action.setObjectName("importAnnotationsAction")
        self.import_action.setToolTip("Annotations from a REFI-QDA, Web Annotation or STIX file")
        self.import_action.triggered.connect(self.show_import)
        self.import_action.setEnabled(not window.ws.readonly)
        add = getattr(window, "add_menu_action", None)
        if callable(add):
            add("File", self.export_action, separator=True)
            add("File", self.import_action)
        else:  # a plain QMainWindow
            menu = window.menuBar().addMenu("&File")
            menu.addAction(self.export_action)
            menu.addAction(self.import_action)

    def show_export(self) -> ExportDialog:
        # a fresh dialog when none is running, so its lists show the workspace as it is now
        if self.export_dialog is None or not self.export_dialog.busy():
            if self.export_dialog is not None:
                self.export_dialog.close()
                self.export_dialog.deleteLater()
            self.export_dialog = ExportDialog(self.window)
        return _raise(self.export_dialog)

    def show_import(self) -> ImportAnnotationsDialog:
        if self.import_dialog is None:
            self.import_dialog = ImportAnnotationsDialog(self.window)
        return _raise(self.import_dialog)


def _raise(dialog: QWidget) -> Any:
    dialog.show()
    dialog.raise_()
    dialog.activateWindow()
    return dialog


def install_export_ui(window: QMainWindow) -> None:
    """Add File → Export… and File → Import annotations… to a MainWindow (uses window.ws,
    .reads if any, .writer; what an import changed goes to window.apply_changes). Idempotent; the controller is `window.export_ui`."""
    if getattr(window, "export_ui", None) is not None:
        return
    window.export_ui = ExportUi(window)


__all__ = ["ExportDialog", "ExportUi", "ImportAnnotationsDialog", "install_export_ui"]
