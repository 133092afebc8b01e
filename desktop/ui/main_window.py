"""The main window: library, reader, annotations and claim editor, search, import and undo; every
write runs in the writer thread."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from PySide6.QtCore import QMimeData, QSettings, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeySequence,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QSizePolicy,
    QSplitter,
    QStyle,
    QWidget,
)

from desktop.core.kernel.errors import AssayError, PermissionDenied, ReadOnlyWorkspace
from desktop.core.kernel.profile import Profile
from desktop.core.kernel.records import Annotation
from desktop.core.workspace import Changes, Document, ImportReport, SearchHit, Workspace

from . import theme
from .annotations import AnnotationsPane, TagCatalog
from .claim_editor import ClaimEditor, NewSpan
from .document_dialog import DocumentPropertiesDialog, SharedPropertiesDialog
from .first_run import ProfileDialog
from .library import LibraryPane
from .operations import ImportSummaryDialog, Operation, error_box, run_operation
from .reader import ReaderPane
from .recovery import EditorRecovery
from .removed_dialog import RemovedDocumentsDialog
from .search import (
    SearchController,
    SearchField,
    SearchResultsPane,
    first_match,
    hit_terms,
    query_terms,
)
from .sources_dialog import SourcesDialog
from .tags_dialog import TagsDialog
from .worker import SerialWorker

# Past this many changed annotations on the open document, read them all again at once.
PER_ANNOTATION_REFRESH = 50


class MainWindow(QMainWindow):
    """One workspace in one window. Reads for the views run here; every write goes to the writer.

    The splitter holds the library (over search results), the reader and the annotations pane;
    the claim editor docks on the right. Others extend the window through `add_menu_action`,
    `addDockWidget`, `subscribe` and the signals below.

    Every action runs through `operations.run_operation`, which hands what it changed to
    `apply_changes`: the one fan-out, which refreshes the window's own views and then every view
    that subscribed.
    """

    document_opened = Signal(str)
    annotation_shown = Signal(str)  # an annotation selected in the pane or the reader
    import_finished = Signal(object)  # ImportReport
    reindex_finished = Signal(int)
    changes_applied = Signal(object)  # Changes, once every view showing them has refreshed
    document_removed = Signal(str)  # the id, once the removal is committed and shown
    analyst_switched = Signal(object)  # Profile, after the core recorded the switch

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
        self.import_summary: ImportSummaryDialog | None = None
        self.last_error: QMessageBox | None = None
        self.remove_prompt: QMessageBox | None = None
        self.properties_dialog: QDialog | None = None
        self.sources_dialog: SourcesDialog | None = None
        self.tags_dialog: TagsDialog | None = None
        self.removed_dialog: RemovedDocumentsDialog | None = None
        self._shut_down = False
        self._undo_labels: tuple[str | None, str | None] = (ws.undo_label(), ws.redo_label())
        self.switch_dialog: ProfileDialog | None = None
        self.passphrase_dialog: QInputDialog | None = None

        self.tags = TagCatalog(ws, self)
        self.library = LibraryPane(ws, self.tags)
        self.reader = ReaderPane()
        self.reader.can_annotate = not ws.readonly
        self.annotations = AnnotationsPane(ws, self.tags)
        self.editor = ClaimEditor(ws, self.writer, self.reads, self.tags, self)
        self.editor.setAllowedAreas(
            Qt.DockWidgetArea.RightDockWidgetArea | Qt.DockWidgetArea.LeftDockWidgetArea
        )
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.editor)
        # unsaved claim edits are kept beside the store; kept ones are offered back
        self.recovery = EditorRecovery(self.editor, ws, self)
        self.recovery.restored.connect(self._show_restored)
        self.analyst_switched.connect(lambda _profile: self.recovery.for_analyst())
        self.editor.hide()  # until there is something to edit (or the saved state says so)
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
        self.splitter.addWidget(self.annotations)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 1)
        self.setCentralWidget(self.splitter)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        from desktop.ui.ach_view import install_ach_ui
        from desktop.ui.analysis_ui import install_analysis_ui
        from desktop.ui.claims_browser import install_claims_browser
        from desktop.ui.exchange import install_exchange_ui
        from desktop.ui.export_dialog import install_export_ui
        from desktop.ui.judgements import install_judgements_ui
        from desktop.ui.review_ui import install_review_ui

        install_review_ui(self)  # the Review menu, queue and returned-to-me docks
        install_claims_browser(self)  # View → All claims and notes (Ctrl+Shift+L)
        install_export_ui(self)  # File → Export… and Import annotations…
        install_exchange_ui(self)  # bundles, keys and conflicts
        install_judgements_ui(self)  # Analysis → Key judgements… (Ctrl+Shift+J)
        install_ach_ui(self)  # Analysis → Competing hypotheses…
        install_analysis_ui(self)  # Analysis → Claim graph…, Timeline…

        self.library.document_selected.connect(self.open_document)
        self.results.hit_activated.connect(self.open_hit)
        self.search_field.query_changed.connect(self.run_search)
        self.search.results_ready.connect(self._show_hits)
        self.search.query_failed.connect(self._show_query_error)
        self.search.search_crashed.connect(lambda exc: self.show_error(exc, "search"))
        self.reader.annotation_clicked.connect(lambda i: self.select_annotation(i, scroll=False))
        self.reader.note_requested.connect(self.add_note)
        self.reader.claim_requested.connect(self.make_claim)
        self.reader.delete_requested.connect(self.delete_annotation)
        self.annotations.annotation_selected.connect(self.select_annotation)
        self.annotations.annotation_activated.connect(self.edit_annotation)
        self.editor.applied.connect(self._editor_applied)

        self.library.table.setFocus()
        self.setAcceptDrops(not ws.readonly)
        self.setWindowTitle(f"Assay — {ws.name}" + (" (read-only)" if ws.readonly else ""))
        self.resize(1280, 800)
        self._restore_state()
        if self.recovery.pending is not None:
            self.editor.show()  # where the kept edits are offered back
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
        self.removed_action = QAction("Removed doc&uments…", self)
        self.removed_action.setToolTip("Documents removed from this workspace; restore them")
        self.removed_action.triggered.connect(self.show_removed)
        self.properties_action = QAction("Document &properties…", self)
        self.properties_action.setShortcut(QKeySequence("Ctrl+I"))
        self.properties_action.setToolTip(
            "Title, source and its reliability, author, date, language and TLP marking"
        )
        self.properties_action.triggered.connect(lambda: self.edit_properties())
        self.remove_document_action = QAction("&Remove document…", self)
        self.remove_document_action.setToolTip(
            "Take the selected document and its notes and claims out of the workspace"
        )
        self.remove_document_action.triggered.connect(lambda: self.remove_document())
        # the Delete key removes a document in the library list only, after asking
        _delete_key(self.library.table, "Remove document…", lambda: self.remove_document())
        self.library.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.library.table.customContextMenuRequested.connect(self._library_menu)
        for action in (
            self.import_files_action,
            self.import_folder_action,
            self.reindex_action,
            self.remove_document_action,
        ):
            action.setEnabled(not self.ws.readonly)
        self.quit_action = QAction("&Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.undo_action = QAction("&Undo", self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self.undo)
        self.redo_action = QAction("&Redo", self)
        redo_keys = [QKeySequence("Ctrl+Shift+Z")]
        redo_keys += [
            k for k in QKeySequence.keyBindings(QKeySequence.StandardKey.Redo) if k not in redo_keys
        ]
        self.redo_action.setShortcuts(redo_keys)
        self.redo_action.triggered.connect(self.redo)
        self.note_action = QAction("Add &note", self)
        self.note_action.setShortcut(QKeySequence("Ctrl+Shift+N"))
        self.note_action.setToolTip("Mark the selected text with a note")
        self.note_action.triggered.connect(self.add_note)
        self.claim_action = QAction("Make &claim…", self)
        self.claim_action.setShortcut(QKeySequence("Ctrl+Shift+C"))
        self.claim_action.setToolTip("Make the selected text a claim and rate it")
        self.claim_action.triggered.connect(self.make_claim)
        self.submit_action = QAction("&Submit for review", self)
        self.submit_action.triggered.connect(self.editor.submit)
        self.next_annotation_action = QAction("Ne&xt annotation", self)
        self.next_annotation_action.setShortcut(QKeySequence("Alt+Down"))
        self.next_annotation_action.triggered.connect(lambda: self.step_annotation(1))
        self.previous_annotation_action = QAction("Pre&vious annotation", self)
        self.previous_annotation_action.setShortcut(QKeySequence("Alt+Up"))
        self.previous_annotation_action.triggered.connect(lambda: self.step_annotation(-1))
        for action in (self.next_annotation_action, self.previous_annotation_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        self.delete_action = QAction("&Delete annotation…", self)
        self.delete_action.triggered.connect(lambda: self.delete_annotation())
        # the Delete key works in the annotations list only (text fields keep theirs)
        _delete_key(self.annotations.view, "Delete annotation", lambda: self.delete_annotation())
        for action in (self.note_action, self.claim_action, self.submit_action, self.delete_action):
            action.setEnabled(not self.ws.readonly)
        self.switch_action = QAction("S&witch analyst…", self)
        self.switch_action.setToolTip("Someone else takes over this workstation")
        self.switch_action.triggered.connect(self.choose_analyst)
        self.switch_action.setEnabled(not self.ws.readonly)
        self.find_action = QAction("&Search…", self)
        self.find_action.setShortcut(QKeySequence("Ctrl+K"))
        self.find_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.find_action.triggered.connect(self.focus_search)
        self.addAction(self.find_action)
        self.find_in_document_action = QAction("&Find in document…", self)
        self.find_in_document_action.setShortcut(QKeySequence.StandardKey.Find)
        self.find_in_document_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.find_in_document_action.setToolTip(
            "Find words in the open document (with no document open: search everything)"
        )
        self.find_in_document_action.triggered.connect(self.find_in_document)
        self.addAction(self.find_in_document_action)
        self.find_next_action = QAction("Find next", self)
        self.find_next_action.setShortcut(QKeySequence.StandardKey.FindNext)
        self.find_next_action.triggered.connect(lambda: self.reader.find_step(1))
        self.find_previous_action = QAction("Find previous", self)
        self.find_previous_action.setShortcut(QKeySequence.StandardKey.FindPrevious)
        self.find_previous_action.triggered.connect(lambda: self.reader.find_step(-1))
        for action in (self.find_next_action, self.find_previous_action):
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)

        self.theme_group = QActionGroup(self)
        self.theme_actions: dict[str, QAction] = {}
        for name in theme.THEMES:
            action = QAction(f"{name.capitalize()} theme", self, checkable=True)
            action.setChecked(name == theme.current_theme())
            action.triggered.connect(lambda _checked, n=name: self.set_theme(n))
            self.theme_group.addAction(action)
            self.theme_actions[name] = action
        self.sources_action = QAction("&Sources…", self)
        self.sources_action.setToolTip("Every source with its kind and Admiralty reliability")
        self.sources_action.triggered.connect(self.show_sources)
        self.tags_action = QAction("&Tags…", self)
        self.tags_action.setToolTip("The tag tree: rename, merge, recolour or delete tags")
        self.tags_action.triggered.connect(self.show_tags)
        self.about_action = QAction("&About Assay", self)
        self.about_action.triggered.connect(self._about)

    def _build_menus(self) -> None:
        bar = self.menuBar()
        self.menus: dict[str, QMenu] = {}
        file_menu = self._menu("&File")
        file_menu.addAction(self.import_files_action)
        file_menu.addAction(self.import_folder_action)
        file_menu.addSeparator()
        file_menu.addAction(self.properties_action)
        file_menu.addAction(self.remove_document_action)
        file_menu.addAction(self.removed_action)
        file_menu.addSeparator()
        file_menu.addAction(self.reindex_action)
        # exports and bundles go between here and Quit (add_menu_action)
        self._quit_separator = file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = self._menu("&Edit")
        edit_menu.addAction(self.undo_action)
        edit_menu.addAction(self.redo_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.find_action)
        edit_menu.addAction(self.find_in_document_action)
        edit_menu.addSeparator()
        edit_menu.addAction(self.switch_action)
        edit_menu.aboutToShow.connect(self.update_undo_actions)
        annotate_menu = self._menu("&Annotate")
        annotate_menu.addAction(self.note_action)
        annotate_menu.addAction(self.claim_action)
        annotate_menu.addSeparator()
        annotate_menu.addAction(self.submit_action)
        annotate_menu.addAction(self.delete_action)
        annotate_menu.addSeparator()
        annotate_menu.addAction(self.next_annotation_action)
        annotate_menu.addAction(self.previous_annotation_action)
        annotate_menu.aboutToShow.connect(self._update_annotate_actions)
        view_menu = self._menu("&View")
        for action in self.theme_actions.values():
            view_menu.addAction(action)
        view_menu.addSeparator()
        editor_toggle = self.editor.toggleViewAction()
        editor_toggle.setText("Claim &editor")
        view_menu.addAction(editor_toggle)
        tools_menu = self._menu("&Tools")
        tools_menu.addAction(self.sources_action)
        tools_menu.addAction(self.tags_action)
        help_menu = self._menu("&Help")
        help_menu.addAction(self.about_action)
        self._hide_empty_menus()
        bar.setObjectName("mainMenuBar")

    def _menu(self, title: str) -> QMenu:
        menu = self.menuBar().addMenu(title)
        menu.setObjectName(f"{_menu_key(title)}Menu")
        self.menus[_menu_key(title)] = menu
        return menu

    def menu(self, name: str) -> QMenu:
        """A top-level menu by name ("File", "&Tools", "review"…); made (before Help) if new."""
        key = _menu_key(name)
        found = self.menus.get(key)
        if found is None:
            for action in self.menuBar().actions():  # menus others added themselves
                if action.menu() is not None and _menu_key(action.text()) == key:
                    self.menus[key] = found = action.menu()
                    return found
            title = name if "&" in name else f"&{name}"
            found = QMenu(title, self)
            found.setObjectName(f"{key}Menu")
            self.menuBar().insertMenu(self.menus["help"].menuAction(), found)
            self.menus[key] = found
        return found

    def add_menu_action(self, menu_name: str, action: QAction, *, separator: bool = False) -> QMenu:
        """Add an action to a top-level menu: File items go above Quit, others at the end.

        separator=True starts a new group. Returns the menu, so callers can add a submenu.
        """
        menu = self.menu(menu_name)
        if menu is self.menus.get("file"):
            if separator:
                menu.insertSeparator(self._quit_separator)
            menu.insertAction(self._quit_separator, action)
        else:
            if separator and menu.actions():
                menu.addSeparator()
            menu.addAction(action)
        self._hide_empty_menus()
        return menu

    def _hide_empty_menus(self) -> None:
        for menu in self.menus.values():
            menu.menuAction().setVisible(bool(menu.actions()))

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
        self.analyst_label = QLabel()
        self.analyst_label.setObjectName("activeAnalyst")
        self.count_label = QLabel()
        self.count_label.setObjectName("documentCount")
        self.path_label = QLabel(str(self.ws.path))
        self.path_label.setObjectName("workspacePath")
        self.path_label.setToolTip(f"Workspace folder: {self.ws.path}")
        status = self.statusBar()
        if self.ws.readonly:
            status.addPermanentWidget(QLabel("<b>Read-only</b>"))
        status.addPermanentWidget(self.analyst_label)
        status.addPermanentWidget(self.count_label)
        status.addPermanentWidget(self.path_label)
        self._update_analyst()

    # -- reading -----------------------------------------------------------------------------
    def open_document(
        self, doc_id: str, terms: Iterable[str] = (), *, reload: bool = False
    ) -> bool:
        """Show a document with its annotations; with terms, select the first place one occurs.

        A document already shown is not read again unless reload=True (its text never changes;
        apply_changes keeps its header and annotations current)."""
        if reload or self.reader.document_id != doc_id:
            try:
                doc = self.ws.document(doc_id)
                annotations = self.ws.annotations(doc_id)
            except Exception as exc:
                self.show_error(exc, "open the document")
                return False
            self.reader.show_document(doc, annotations)
            self.annotations.show_annotations(doc_id, annotations)
            self.document_opened.emit(doc_id)
        terms = list(terms)
        if terms:
            span = first_match(self.reader.document.text or "", terms)
            if span is not None:
                self.reader.select_span(*span)
        return True

    def open_annotation(self, doc_id: str, ann_id: str) -> bool:
        """Open a note or claim where it stands: its document, its span, its row, the editor."""
        if not self.open_document(doc_id):
            return False
        self.library.select_document(doc_id, notify=False)
        return self.select_annotation(ann_id)

    def open_hit(self, hit: SearchHit) -> None:
        if hit.kind in ("claim", "note"):
            self.open_annotation(hit.doc_id, hit.id)
            return
        terms = hit_terms(hit) + [t for t in query_terms(self.search.query) if t]
        if self.open_document(hit.doc_id, terms):
            self.library.select_document(hit.doc_id, notify=False)

    def select_annotation(self, ann_id: str | None, *, scroll: bool = True) -> bool:
        """Select an annotation everywhere: the pane's row, the span in the reader, the editor.

        The editor may keep unsaved edits (the analyst chose Cancel): then the selection goes
        back to what it shows."""
        if not self.editor.open_annotation(
            ann_id, then=lambda: self.select_annotation(ann_id, scroll=scroll)
        ):
            kept = self.editor.current_id()
            self.annotations.select(kept)
            self.reader.select_annotation(kept, scroll=False)
            return False
        self.annotations.select(ann_id)
        shown = self.reader.select_annotation(ann_id, scroll=scroll)
        if ann_id:
            if shown and self.editor.isHidden() and not self.editor.closed_by_user:
                self.editor.show()
            self.annotation_shown.emit(ann_id)
        return shown

    def _show_restored(self, doc_id: str, ann_id: str | None) -> None:
        """Kept edits were put back in the editor: show where they belong."""
        if not self.open_document(doc_id):
            return
        self.library.select_document(doc_id, notify=False)
        if ann_id:
            self.annotations.select(ann_id)
            self.reader.select_annotation(ann_id)
        elif self.editor.new is not None:
            self.reader.select_span(self.editor.new.start, self.editor.new.end)
        self.statusBar().showMessage("Unsaved edits restored: save them when ready", 8000)

    def step_annotation(self, step: int) -> str | None:
        """Alt+Down / Alt+Up: the next (1) or previous (-1) note or claim in reading order,
        from the selected one or else from where the reader's cursor is; wraps around."""
        model = self.annotations.model
        ids = model.ids()
        if not ids:
            self.statusBar().showMessage("This document has no notes or claims.", 4000)
            return None
        current = self.current_annotation_id()
        if current in ids:
            n = (ids.index(current) + step) % len(ids)
        else:
            span = self.reader.selected_span()
            here = (
                span[0]
                if span
                else self.reader.offsets.to_core(self.reader.text.textCursor().position())
            )
            starts = [model.annotation(i).start for i in ids]
            if step > 0:
                n = next((k for k, start in enumerate(starts) if start >= here), 0)
            else:
                n = max((k for k, start in enumerate(starts) if start < here), default=len(ids) - 1)
        ann_id = ids[n]
        if self.select_annotation(ann_id):
            self.statusBar().showMessage(f"Annotation {n + 1} of {len(ids)}", 3000)
        return ann_id

    def edit_annotation(self, ann_id: str) -> None:
        if self.select_annotation(ann_id):
            self.editor.show()
            self.editor.raise_()
            self.editor.statement.setFocus(Qt.FocusReason.OtherFocusReason)

    def current_annotation_id(self) -> str | None:
        return self.editor.current_id() or self.annotations.selected_id()

    def _selected_span(self) -> tuple[Document, int, int] | None:
        doc = self.reader.document
        span = self.reader.selected_span()
        if doc is None or span is None:
            self.statusBar().showMessage(
                "Select some text in the reader first, then add a note or make a claim.", 6000
            )
            return None
        return doc, span[0], span[1]

    def add_note(self) -> Operation | None:
        """A note on the selected text, made at once; the editor then takes its comment and tags."""
        if self.ws.readonly or (chosen := self._selected_span()) is None:
            return None
        doc, start, end = chosen
        return run_operation(
            self,
            self.ws.add_note,
            doc.id,
            start,
            end,
            label="add the note",
            on_success=self._note_added,
        )

    def _note_added(self, changes: Changes) -> None:
        if changes.created and self.select_annotation(changes.created, scroll=False):
            self.editor.show()
            self.editor.raise_()
            self.editor.comment.setFocus(Qt.FocusReason.OtherFocusReason)

    def make_claim(self) -> bool:
        """Open the claim editor on the selected text; the claim is stored when saved there."""
        if self.ws.readonly or (chosen := self._selected_span()) is None:
            return False
        doc, start, end = chosen
        span = NewSpan(doc.id, start, end, (doc.text or "")[start:end], doc.reliability, doc.source)
        return self._open_new(span)

    def _open_new(self, span: NewSpan) -> bool:
        if not self.editor.open_new(span, then=lambda: self._open_new(span)):
            return False
        self.annotations.select(None)
        if self.reader.document_id == span.document_id:
            # stays marked while the editor has the focus
            self.reader.select_span(span.start, span.end, scroll=False)
        return True

    def delete_annotation(self, ann_id: str | None = None) -> Operation | None:
        ann_id = ann_id or self.current_annotation_id()
        if not ann_id or not self.select_annotation(ann_id, scroll=False):
            return None
        return self.editor.delete()

    def _editor_applied(self, _changes: Changes, ann_id: str | None) -> None:
        """A save the editor made, once apply_changes showed it: keep its claim selected."""
        if ann_id:
            self.annotations.select(ann_id)
            self.reader.select_annotation(ann_id, scroll=False)

    def _update_annotate_actions(self) -> None:
        ann = self.annotations.model.annotation(self.current_annotation_id() or "")
        writable = not self.ws.readonly
        self.submit_action.setEnabled(writable and self.editor.submit_button.isEnabled())
        self.delete_action.setEnabled(writable and ann is not None)

    def find_in_document(self) -> None:
        """Ctrl+F: the find bar over the open document, or the search field if none is open."""
        if not self.reader.open_find():
            self.focus_search()

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

    def import_paths(self, paths: Iterable[str | Path]) -> Operation | None:
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
        return run_operation(
            self,
            self.ws.import_paths,
            paths,
            label="import the files",
            progress=True,
            title="Import",
            verb="Importing",
            cancellable=True,
            on_success=self._import_done,
        )

    def reindex(self) -> Operation | None:
        if self.ws.readonly:
            return None
        return run_operation(
            self,
            self.ws.reindex,
            label="rebuild the index",
            progress=True,
            title="Reindex",
            verb="Indexing",
            cancellable=True,
            on_success=self._reindex_done,
        )

    def undo(self) -> Operation | None:
        """Undo the last action (the core keeps the steps and their names)."""
        return self._replay(self.ws.undo, "undo")

    def redo(self) -> Operation | None:
        return self._replay(self.ws.redo, "redo")

    def _replay(self, action: Callable[[], Changes], verb: str) -> Operation | None:
        label = self._undo_labels[0 if verb == "undo" else 1]
        if self.ws.readonly or not label:
            return None
        done = "Undone" if verb == "undo" else "Redone"
        return run_operation(
            self,
            action,
            label=verb,
            on_success=lambda _changes: self.statusBar().showMessage(f"{done}: {label}", 5000),
        )

    def _note_undo_labels(self, changes: Changes) -> None:
        """The steps' names come with each action's changes (an import has none: ask the core)."""
        if changes.undo_label or changes.redo_label:
            self._undo_labels = (changes.undo_label, changes.redo_label)
        else:
            self._undo_labels = (self.ws.undo_label(), self.ws.redo_label())
        self.update_undo_actions()

    def update_undo_actions(self) -> None:
        """Name the steps in the menu ("Undo Edit document")."""
        undo, redo = self._undo_labels
        for action, label, verb in (
            (self.undo_action, undo, "Undo"),
            (self.redo_action, redo, "Redo"),
        ):
            action.setText(f"&{verb} {label}" if label else f"&{verb}")
            action.setEnabled(bool(label) and not self.ws.readonly)

    def _import_done(self, report: ImportReport) -> None:
        self.statusBar().showMessage(f"Import: {report.summary()}", 10000)
        self.show_import_summary(report)
        self.import_finished.emit(report)

    def show_import_summary(self, report: ImportReport) -> None:
        """Non-blocking, so the window (and a test) carries on while it is open."""
        if self.import_summary is not None:
            self.import_summary.close()
        self.import_summary = ImportSummaryDialog(report, self)
        self.import_summary.properties_requested.connect(lambda ids: self.edit_properties(ids=ids))
        self.import_summary.open()

    def _library_menu(self, pos) -> None:
        index = self.library.table.indexAt(pos)
        if not index.isValid():
            return
        selected = {i.row() for i in self.library.table.selectionModel().selectedRows()}
        if index.row() not in selected:  # a right-click inside a selection keeps it
            self.library.table.selectRow(index.row())
        menu = QMenu(self.library.table)
        menu.addAction(self.properties_action)
        menu.addAction(self.remove_document_action)
        menu.popup(self.library.table.viewport().mapToGlobal(pos))
        self.library_menu = menu

    def edit_properties(
        self, doc_id: str | None = None, *, ids: list[str] | None = None
    ) -> QDialog | None:
        """The properties form of IDS, else of the library's selection (one document, or one
        shared edit for several), else of the open document."""
        ids = ids or ([doc_id] if doc_id else self.library.selected_ids())
        ids = ids or ([self.reader.document_id] if self.reader.document_id else [])
        if not ids or (self.ws.readonly and len(ids) > 1):
            return None  # read-only: one document's properties can be looked at, not edited
        self._drop_dialog("properties_dialog")
        try:
            if len(ids) > 1:
                dialog = SharedPropertiesDialog(self.ws, self.writer, ids, self)
            else:
                dialog = DocumentPropertiesDialog(self.ws, self.writer, ids[0], self)
        except AssayError as exc:  # removed meanwhile
            self.show_error(exc, "show the document's properties")
            return None

        dialog.saved.connect(
            lambda _changes: self.statusBar().showMessage("Document properties saved", 5000)
        )
        self.properties_dialog = dialog
        dialog.open()
        return dialog

    def _drop_dialog(self, attr: str) -> None:
        """These dialogs are one at a time: the previous one closes and is deleted."""
        old = getattr(self, attr)
        if old is not None:
            old.close()
            old.deleteLater()
            setattr(self, attr, None)

    def show_removed(self) -> RemovedDocumentsDialog:
        """File → Removed documents…: restore one with its notes and claims."""
        self._drop_dialog("removed_dialog")
        dialog = RemovedDocumentsDialog(self.ws, self.writer, self)

        def restored(_changes: Changes, doc_id: str) -> None:
            self.library.select_document(doc_id)
            self.statusBar().showMessage("Document restored", 5000)

        dialog.restored.connect(restored)
        self.removed_dialog = dialog
        dialog.show()
        return dialog

    def show_tags(self) -> TagsDialog:
        """Tools → Tags…: the codebook (each change in the writer thread, one undo step)."""
        self._drop_dialog("tags_dialog")
        dialog = TagsDialog(self.ws, self.writer, self)
        self.subscribe(dialog.note_changes)
        self.tags_dialog = dialog
        dialog.show()
        return dialog

    def show_sources(self) -> SourcesDialog:
        """Tools → Sources…: rate sources (saved in the writer thread, one undo step)."""
        self._drop_dialog("sources_dialog")
        dialog = SourcesDialog(self.ws, self.writer, self)
        dialog.save_button.setVisible(not self.ws.readonly)

        dialog.saved.connect(lambda _changes: self.statusBar().showMessage("Sources saved", 5000))
        dialog.show_documents.connect(self.library.show_source)
        self.subscribe(dialog.note_changes)
        self.sources_dialog = dialog
        dialog.show()
        return dialog

    def remove_document(self, doc_id: str | None = None) -> QMessageBox | None:
        """Ask, then remove the library's selected documents (or the open one) with their
        notes and claims in the writer thread. The question is non-blocking."""
        ids = [doc_id] if doc_id else self.library.selected_ids()
        ids = ids or ([self.reader.document_id] if self.reader.document_id else [])
        if self.ws.readonly or not ids:
            return None
        summaries = self.ws.document_summaries(ids)
        ids = [i for i in ids if i in summaries]
        if not ids:
            return None
        titles = {i: summaries[i].get("title") or "untitled" for i in ids}
        notes, claims, other = self.ws.work_on(ids)
        what = f"“{titles[ids[0]]}”" if len(ids) == 1 else f"{len(ids)} documents"
        if other and not self.ws.is_supervisor:
            # the core refuses it too; say so before asking anything
            self.show_error(
                PermissionDenied(
                    f"{what[0].upper()}{what[1:]} hold{'s' if len(ids) == 1 else ''} "
                    f"{_counted(other, 'note or claim', 'notes or claims')} by other analysts; "
                    "only a supervisor removes a document with other analysts' work."
                ),
                "remove the document",
            )
            return None
        parts = [_counted(notes, "note", "notes"), _counted(claims, "claim", "claims")]
        work = " and ".join(p for p in parts if not p.startswith("0 "))
        whose = "Its" if len(ids) == 1 else "Their"
        if work:
            by_others = f", {other} of them by other analysts" if other else ""
            verb = "goes" if notes + claims == 1 else "go"
            detail = f"{whose} {work} {verb} with {'it' if len(ids) == 1 else 'them'}{by_others}. "
        else:
            detail = f"{'It holds' if len(ids) == 1 else 'They hold'} no notes or claims. "
        if len(ids) > 1:
            listed = [f"• {titles[i]}" for i in ids[:8]]
            if len(ids) > 8:
                listed.append(f"• … and {len(ids) - 8} more")
            detail = "\n".join(listed) + "\n\n" + detail
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "Remove document" if len(ids) == 1 else "Remove documents",
            f"Remove {what} from this workspace?",
            QMessageBox.StandardButton.Cancel,
            self,
        )
        box.setInformativeText(
            detail + "Edit → Undo brings everything back; importing the same file again "
            "brings back the document without them. Peers receive the removal in your next "
            "bundle."
        )
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setObjectName("removeDocumentPrompt")

        def answered(_result: int) -> None:
            if box.clickedButton() is remove:
                self._remove_documents(ids, what)

        box.finished.connect(answered)
        self.remove_prompt = box
        box.open()
        return box

    def _remove_documents(self, ids: list[str], what: str) -> Operation:
        def done(_changes: Changes) -> None:
            self.statusBar().showMessage(f"Removed {what} (Edit → Undo brings it back)", 10000)
            for doc_id in ids:
                self.document_removed.emit(doc_id)

        return run_operation(
            self, self.ws.remove_documents, ids, label="remove the document", on_success=done
        )

    def _reindex_done(self, count: int) -> None:
        self.search.rerun()
        self.statusBar().showMessage(f"Reindexed {count} document(s)", 10000)
        self.reindex_finished.emit(count)

    def subscribe(self, view: Callable[[Changes], object]) -> None:
        """VIEW(changes) runs after every action that changed something, once the window's
        own views show it (a QObject's method is dropped when the object is deleted)."""
        self.changes_applied.connect(view)

    def apply_changes(self, changes: Changes) -> None:
        """The one fan-out: refresh exactly the views that show what changed, then tell every
        subscribed view. Operations call it with what their action changed."""
        if changes.tags:
            self.tags.reload()
        if changes.documents or changes.sources:
            self.library.note_changes(changes)
        shown = self.reader.document_id
        if shown and shown in changes.documents:
            self._refresh_document(shown, changes)
        if changes.reviews:
            self.annotations.model.forget_reviews(changes.annotations)
        current = self.editor.current_id()
        if current and (current in changes.annotations or changes.reviews):
            self.editor.reload()
        if changes.index:
            self.search.rerun()
        self._update_status()
        self._note_undo_labels(changes)
        self.changes_applied.emit(changes)

    def _refresh_document(self, doc_id: str, changes: Changes) -> None:
        """The open document's header and just the annotations the change names."""
        summary = self.ws.document_summaries([doc_id]).get(doc_id)
        if summary is None:  # deleted
            self.reader.clear()
            self.annotations.show_annotations(None, [])
            return
        self.reader.show_metadata(Document(**summary))
        if len(changes.annotations) > PER_ANNOTATION_REFRESH:
            annotations = self.ws.annotations(doc_id)
            self.reader.set_annotations(annotations)
            self.annotations.show_annotations(doc_id, annotations)
            return
        changed: list[Annotation] = []
        removed: list[str] = []
        for ann_id in changes.annotations:
            try:
                ann = self.ws.annotation(ann_id)
            except AssayError:
                removed.append(ann_id)
                continue
            if ann.document_id == doc_id:
                changed.append(ann)
        self.reader.update_annotations(changed, removed)
        self.annotations.update_annotations(changed, removed)

    def show_error(
        self, exc: BaseException, action: str, parent: QWidget | None = None
    ) -> QMessageBox | None:
        """The error dialog, over PARENT (else this window); the last one is `last_error`."""
        box = error_box(exc, parent or self, action)
        if box is not None:
            self.last_error = box
        return box

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
        self.annotations.view.viewport().update()
        self.reader.banner.set_marking(self.reader.banner.marking or "CLEAR")
        self.reader.refresh_highlights()

    def _update_status(self) -> None:
        n = self.ws.count_documents()
        self.count_label.setText(f"{n} document{'s' if n != 1 else ''}")

    def _update_analyst(self) -> None:
        p = self.ws.profile
        self.analyst_label.setText(f"{p.name} ({p.role})")
        self.analyst_label.setToolTip(
            f"Working as {p.name}, {p.role}. Edit → Switch analyst… when someone else takes over."
        )

    # -- who is working ----------------------------------------------------------------------
    def choose_analyst(self) -> ProfileDialog:
        """Ask who takes over (non-blocking); switch_analyst does it once they answer."""
        if self.switch_dialog is not None:
            self.switch_dialog.close()
        dialog = ProfileDialog(
            self.ws.profile, analysts=self.ws.analysts(), first_run=False, parent=self
        )
        dialog.accepted.connect(lambda: self.switch_analyst(dialog.profile()))
        self.switch_dialog = dialog
        dialog.open()
        return dialog

    def switch_analyst(
        self, profile: Profile, passphrase: str | None = None
    ) -> Operation | QInputDialog | None:
        """Record the switch in the core (audited) and remember the person for the next start.
        A key protected by a passphrase asks for it first (once per session); a wrong one
        changes nothing and says so."""
        if self.ws.readonly:
            return None
        if (
            passphrase is None
            and profile.id != self.ws.profile.id
            and self.ws.needs_passphrase(profile.id)
        ):
            return self._ask_passphrase(profile)
        return run_operation(
            self,
            self.ws.switch_analyst,
            profile,
            passphrase,
            label="switch analyst",
            on_success=lambda _none: self._analyst_switched(profile),
        )

    def _ask_passphrase(self, profile: Profile) -> QInputDialog:
        """The passphrase of PROFILE's signing key, asked without blocking the window."""
        dialog = QInputDialog(self)
        dialog.setWindowTitle("Passphrase")
        dialog.setLabelText(f"{profile.name}'s signing key is protected.\nPassphrase:")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        dialog.setObjectName("passphraseDialog")
        dialog.accepted.connect(lambda: self.switch_analyst(profile, dialog.textValue()))
        self.passphrase_dialog = dialog
        dialog.open()
        return dialog

    def _analyst_switched(self, profile: Profile) -> None:
        try:
            profile.save()
        except OSError as exc:
            self.show_error(AssayError(f"The switch was made, but not remembered: {exc}"), "save")
        self._undo_labels = (self.ws.undo_label(), self.ws.redo_label())
        self.update_undo_actions()
        self._update_analyst()
        self.editor.reload()
        self.statusBar().showMessage(f"Now working as {profile.name} ({profile.role})", 6000)
        self.analyst_switched.emit(profile)

    def _restore_state(self) -> None:
        s = self.settings
        if geometry := s.value("main/geometry"):
            self.restoreGeometry(geometry)
        if state := s.value("main/state"):
            self.restoreState(state)
        split = s.value("main/splitter")
        self._default_split = (
            not split or not self.splitter.restoreState(split) or 0 in self.splitter.sizes()
        )
        if not (left := s.value("main/leftSplitter")) or not self.left_splitter.restoreState(left):
            self.left_splitter.setSizes([500, 400])
        if header := s.value("library/header"):
            self.library.table.horizontalHeader().restoreState(header)

    def showEvent(self, event: QShowEvent) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        if self._default_split:
            # first start: share the width once the docks have taken theirs
            self._default_split = False
            QTimer.singleShot(0, self._split_by_default)

    def _split_by_default(self) -> None:
        width = max(self.splitter.width(), 600)
        self.splitter.setSizes([int(width * 0.31), int(width * 0.45), int(width * 0.24)])

    def save_state(self) -> None:
        s = self.settings
        s.setValue("main/geometry", self.saveGeometry())
        s.setValue("main/state", self.saveState())
        s.setValue("main/splitter", self.splitter.saveState())
        s.setValue("main/leftSplitter", self.left_splitter.saveState())
        s.setValue("library/header", self.library.table.horizontalHeader().saveState())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._shut_down and not self.editor.may_close(self.close):
            event.ignore()  # Cancel, or Save (the window closes once it is saved)
            return
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
        self.recovery.flush()
        self.save_state()
        self.reads.stop()
        self.writer.stop()
        self.ws.close()

    def _about(self) -> None:
        from desktop.ui.about import AboutDialog

        AboutDialog(self.ws, self).exec()


def _menu_key(title: str) -> str:
    return title.replace("&", "").strip().lower()


def _local_paths(mime: QMimeData) -> list[str]:
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


def _counted(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _delete_key(widget: QWidget, text: str, slot: Callable[[], object]) -> QAction:
    """The Delete key for one widget only (the text fields elsewhere keep theirs)."""
    action = QAction(text, widget)
    action.setShortcut(QKeySequence.StandardKey.Delete)
    action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
    action.triggered.connect(slot)
    widget.addAction(action)
    return action
