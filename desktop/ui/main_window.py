"""The main window: library, reader and search, with import and reindex run by the writer thread."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QMimeData, QSettings, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStyle,
    QWidget,
)

from desktop import __version__
from desktop.core.errors import ReadOnlyWorkspace
from desktop.core.workspace import Changes, ImportReport, SearchHit, Workspace

from . import theme
from .library import LibraryPane
from .operations import ImportSummaryDialog, ProgressTask, error_box
from .reader import ReaderPane
from .search import (
    SearchController,
    SearchField,
    SearchResultsPane,
    first_match,
    hit_terms,
    query_terms,
)
from .worker import Job, SerialWorker


class MainWindow(QMainWindow):
    """One workspace in one window. Reads for the views run here; every write goes to the writer.

    Room is left for what the claims core brings: the annotations pane joins `self.splitter`
    beside the reader, and the claim editor docks on the right (`Qt.RightDockWidgetArea`); the
    window's saved state already covers both.
    """

    document_opened = Signal(str)
    import_finished = Signal(object)  # ImportReport
    reindex_finished = Signal(int)
    changes_applied = Signal(object)  # Changes, after undo / redo refreshed the views

    def __init__(
        self,
        ws: Workspace,
        *,
        writer: SerialWorker | None = None,
        reader: SerialWorker | None = None,
        settings: QSettings | None = None,
    ):
        super().__init__()
        self.ws = ws
        self.writer = writer or SerialWorker("assay-writer")
        self.reads = reader or SerialWorker("assay-reader")
        self.settings = settings or theme.settings()
        self.tasks: list[ProgressTask] = []
        self.last_task: ProgressTask | None = None
        self.import_summary: ImportSummaryDialog | None = None
        self.last_error: QMessageBox | None = None
        self._shut_down = False

        self.library = LibraryPane(ws)
        self.reader = ReaderPane()
        self.results = SearchResultsPane()
        self.results.hide()
        self.search = SearchController(ws, self.reads, self)
        self.search_field = SearchField()

        self.left_splitter = QSplitter(Qt.Orientation.Vertical)
        self.left_splitter.setObjectName("leftSplitter")
        self.left_splitter.addWidget(self.library)
        self.left_splitter.addWidget(self.results)
        self.left_splitter.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(self.left_splitter)
        self.splitter.addWidget(self.reader)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.setCentralWidget(self.splitter)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()

        self.library.document_selected.connect(self.open_document)
        self.results.hit_activated.connect(self.open_hit)
        self.search_field.query_changed.connect(self.run_search)
        self.search.results_ready.connect(self._show_hits)
        self.search.query_failed.connect(self._show_query_error)
        self.search.search_crashed.connect(lambda exc: self.show_error(exc, "search"))

        self.library.table.setFocus()
        self.setAcceptDrops(not ws.readonly)
        self.setWindowTitle(f"Assay — {ws.name}" + (" (read-only)" if ws.readonly else ""))
        self.resize(1280, 800)
        self._restore_state()
        self._update_status()
        self.update_undo_actions()

    # -- building ----------------------------------------------------------------------------
    def _build_actions(self) -> None:
        icon = self.style().standardIcon
        self.import_files_action = QAction(
            icon(QStyle.StandardPixmap.SP_DialogOpenButton), "Import &Files…", self
        )
        self.import_files_action.setShortcut(QKeySequence.StandardKey.Open)
        self.import_files_action.setToolTip("Import files (txt, md, html, pdf, docx, eml)")
        self.import_files_action.triggered.connect(self.choose_files)
        self.import_folder_action = QAction(
            icon(QStyle.StandardPixmap.SP_DirOpenIcon), "Import F&older…", self
        )
        self.import_folder_action.setShortcut(QKeySequence("Ctrl+Shift+O"))
        self.import_folder_action.setToolTip("Import every supported file in a folder")
        self.import_folder_action.triggered.connect(self.choose_folder)
        self.reindex_action = QAction(
            icon(QStyle.StandardPixmap.SP_BrowserReload), "&Reindex", self
        )
        self.reindex_action.setToolTip("Rebuild the search index from the stored documents")
        self.reindex_action.triggered.connect(self.reindex)
        for action in (self.import_files_action, self.import_folder_action, self.reindex_action):
            action.setEnabled(not self.ws.readonly)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.undo_action = QAction("&Undo", self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QAction("&Redo", self)
        self.redo_action.setShortcut(QKeySequence.StandardKey.Redo)
        self.redo_action.triggered.connect(self.redo)
        self.find_action = QAction("&Search…", self)
        self.find_action.setShortcuts([QKeySequence("Ctrl+K"), QKeySequence.StandardKey.Find])
        self.find_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.find_action.triggered.connect(self.focus_search)
        self.addAction(self.find_action)

        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in theme.THEMES:
            action = QAction(f"{name.capitalize()} theme", self, checkable=True)
            action.setChecked(name == theme.current_theme())
            action.triggered.connect(lambda _checked, n=name: self.set_theme(n))
            self.theme_group.addAction(action)
            self.theme_actions[name] = action
        self.about_action = QAction("&About Assay", self)
        self.about_action.triggered.connect(self._about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addAction(self.import_files_action)
        file_menu.addAction(self.import_folder_action)
        file_menu.addSeparator()
        file_menu.addAction(self.reindex_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = bar.addMenu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        edit_menu.aboutToShow.connect(self.update_undo_actions)
        view_menu = bar.addMenu("&View")
        for action in self.theme_actions.values():
            view_menu.addAction(action)
        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.about_action)

    def _build_toolbar(self) -> None:
        toolbar = self.addToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.import_files_action.setIconText("Import")
        self.import_folder_action.setIconText("Import folder")
        toolbar.addAction(self.import_files_action)
        toolbar.addAction(self.import_folder_action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.search_field.setMaximumWidth(560)
        toolbar.addWidget(self.search_field)

    def _build_status_bar(self) -> None:
        self.count_label = QLabel()
        self.count_label.setObjectName("documentCount")
        self.path_label = QLabel(str(self.ws.path))
        self.path_label.setObjectName("workspacePath")
        self.path_label.setToolTip(f"Workspace folder: {self.ws.path}")
        status = self.statusBar()
        if self.ws.readonly:
            status.addPermanentWidget(QLabel("<b>Read-only</b>"))
        status.addPermanentWidget(self.count_label)
        status.addPermanentWidget(self.path_label)

    # -- reading -----------------------------------------------------------------------------
    def open_document(self, doc_id: str, terms: Iterable[str] = ()) -> bool:
        """Show a document in the reader; with terms, select the first place one occurs."""
        try:
            doc = self.ws.document(doc_id)
        except Exception as exc:
            self.show_error(exc, "open the document")
            return False
        self.reader.show_document(doc)
        terms = list(terms)
        if terms:
            span = first_match(doc.text or "", terms)
            if span is not None:
                self.reader.select_span(*span)
        self.document_opened.emit(doc_id)
        return True

    def open_hit(self, hit: SearchHit) -> None:
        terms = hit_terms(hit) + [t for t in query_terms(self.search.query) if t]
        if self.open_document(hit.doc_id, terms):
            self.library.select_document(hit.doc_id, notify=False)

    def focus_search(self) -> None:
        self.search_field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search_field.selectAll()

    def run_search(self, query: str) -> None:
        self.search.search(query)

    def _show_hits(self, query: str, hits: list[SearchHit]) -> None:
        self.results.setVisible(bool(query))
        self.results.show_hits(query, hits)

    def _show_query_error(self, query: str, message: str) -> None:
        self.results.show()
        self.results.show_error(query, message)

    # -- writing (always through the writer thread) -----------------------------------------
    def choose_files(self) -> None:
        paths, _filter = QFileDialog.getOpenFileNames(
            self,
            "Import files",
            str(Path.home()),
            "Documents (*.txt *.md *.markdown *.html *.htm *.pdf *.docx *.eml);;All files (*)",
        )
        self.import_paths(paths)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Import a folder", str(Path.home()))
        if folder:
            self.import_paths([folder])

    def import_paths(self, paths: Iterable[str | Path]) -> ProgressTask | None:
        """Import files and folders in the writer thread, then show what happened."""
        paths = [str(p) for p in paths]
        if not paths:
            return None
        if self.ws.readonly:
            self.show_error(
                ReadOnlyWorkspace("This workspace is open read-only; nothing was imported."),
                "import",
            )
            return None
        job = self.writer.submit(self.ws.import_paths, paths)
        job.finished.connect(self._import_done)
        job.failed.connect(lambda exc: self.show_error(exc, "import the files"))
        return self._track(job, "Import", "Importing")

    def reindex(self) -> ProgressTask | None:
        if self.ws.readonly:
            return None
        job = self.writer.submit(self.ws.reindex)
        job.finished.connect(self._reindex_done)
        job.failed.connect(lambda exc: self.show_error(exc, "rebuild the index"))
        return self._track(job, "Reindex", "Indexing")

    def undo(self) -> Job | None:
        """Undo the last action (the core keeps the steps and their names)."""
        return self._replay(self.ws.undo, "undo")

    def redo(self) -> Job | None:
        return self._replay(self.ws.redo, "redo")

    def _replay(self, action: Callable[[], Changes], verb: str) -> Job | None:
        if self.ws.readonly:
            return None
        job = self.writer.submit(action)
        job.finished.connect(self._replayed)
        job.failed.connect(lambda exc: self.show_error(exc, verb))
        return job

    def _replayed(self, changes: Changes) -> None:
        self.apply_changes(changes)
        self.changes_applied.emit(changes)

    def update_undo_actions(self) -> None:
        """Name the steps in the menu ("Undo Edit document"); asked for when the menu opens."""
        for action, label, verb in (
            (self.undo_action, self.ws.undo_label(), "Undo"),
            (self.redo_action, self.ws.redo_label(), "Redo"),
        ):
            action.setText(f"&{verb} {label}" if label else f"&{verb}")
            action.setEnabled(bool(label) and not self.ws.readonly)

    def _track(self, job: Job, title: str, verb: str) -> ProgressTask:
        task = ProgressTask(job, self, title, verb)
        self.tasks.append(task)
        self.last_task = task
        task.ended.connect(lambda t=task: self.tasks.remove(t) if t in self.tasks else None)
        return task

    def _import_done(self, report: ImportReport) -> None:
        self.apply_changes(report.changes)
        self.statusBar().showMessage(f"Import: {report.summary()}", 10000)
        self.show_import_summary(report)
        self.import_finished.emit(report)

    def show_import_summary(self, report: ImportReport) -> None:
        """Non-blocking, so the window (and a test) carries on while it is open."""
        if self.import_summary is not None:
            self.import_summary.close()
        self.import_summary = ImportSummaryDialog(report, self)
        self.import_summary.open()

    def _reindex_done(self, count: int) -> None:
        self.search.rerun()
        self.statusBar().showMessage(f"Reindexed {count} document(s)", 10000)
        self.reindex_finished.emit(count)

    def apply_changes(self, changes: Changes) -> None:
        """Refresh exactly the views that show what changed."""
        if changes.documents or changes.sources:
            self.library.apply_changes(changes.documents, bool(changes.sources))
        shown = self.reader.document_id
        if shown and shown in changes.documents:
            self.open_document(shown)
        if changes.index:
            self.search.rerun()
        self._update_status()
        self.update_undo_actions()

    def show_error(self, exc: BaseException, action: str) -> None:
        box = error_box(exc, self, action)
        if box is not None:
            self.last_error = box

    # -- drag and drop -----------------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if not self.ws.readonly and _local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if not self.ws.readonly and _local_paths(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = _local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.import_paths(paths)

    # -- theme, state, closing ---------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        app = QApplication.instance()
        theme.apply_theme(app, name)
        theme.save_theme(name, self.settings)
        self.theme_actions[name].setChecked(True)
        self.results.view.viewport().update()
        self.reader.banner.set_marking(self.reader.banner.marking or "CLEAR")

    def _update_status(self) -> None:
        n = self.ws.count_documents()
        self.count_label.setText(f"{n} document{'s' if n != 1 else ''}")

    def _restore_state(self) -> None:
        s = self.settings
        if geometry := s.value("main/geometry"):
            self.restoreGeometry(geometry)
        if state := s.value("main/state"):
            self.restoreState(state)
        if not (split := s.value("main/splitter")) or not self.splitter.restoreState(split):
            self.splitter.setSizes([700, 700])
        if not (left := s.value("main/leftSplitter")) or not self.left_splitter.restoreState(left):
            self.left_splitter.setSizes([500, 400])
        if header := s.value("library/header"):
            self.library.table.horizontalHeader().restoreState(header)

    def save_state(self) -> None:
        s = self.settings
        s.setValue("main/geometry", self.saveGeometry())
        s.setValue("main/state", self.saveState())
        s.setValue("main/splitter", self.splitter.saveState())
        s.setValue("main/leftSplitter", self.left_splitter.saveState())
        s.setValue("library/header", self.library.table.horizontalHeader().saveState())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._shut_down and self.writer.busy():
            answer = QMessageBox.question(
                self,
                "Work in progress",
                "An import or reindex is still running. Cancel it and close the workspace?\n"
                "What was already imported is kept.",
            )
            if answer != QMessageBox.StandardButton.Yes:
                event.ignore()
                return
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        """Save the window's state, stop both threads (cancelling their jobs), close the store."""
        if self._shut_down:
            return
        self._shut_down = True
        self.save_state()
        self.reads.stop()
        self.writer.stop()
        self.ws.close()

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About Assay",
            f"<b>Assay {__version__}</b><br>Offline analyst review workbench.<br>"
            f"Workspace: {self.ws.path}",
        )


def _local_paths(mime: QMimeData) -> list[str]:
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
