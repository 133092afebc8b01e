"""Analysis → Claim graph… and Timeline…, added to a MainWindow by `install_analysis_ui`."""

from __future__ import annotations

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from .graph_view import ClaimGraphDialog
from .timeline_view import TimelineDialog


class AnalysisUi(QObject):
    """Owns the claim graph and timeline dialogs of one window; they follow its changes."""

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.graph_dialog: ClaimGraphDialog | None = None
        self.timeline_dialog: TimelineDialog | None = None
        self.graph_action = QAction("Claim &graph…", window)
        self.graph_action.setObjectName("claimGraphAction")
        self.graph_action.setShortcut(QKeySequence("Ctrl+Shift+G"))
        self.graph_action.setToolTip("Claims and their links, grouped by document or source")
        self.graph_action.triggered.connect(self.show_graph)
        self.timeline_action = QAction("&Timeline…", window)
        self.timeline_action.setObjectName("timelineAction")
        self.timeline_action.setToolTip("Documents, claims and judgement changes over time")
        self.timeline_action.triggered.connect(self.show_timeline)
        window.add_menu_action("Analysis", self.graph_action, separator=True)
        window.add_menu_action("Analysis", self.timeline_action)
        # a burst of changes (an import, an undo) reads the views again once
        self._stale = QTimer(self, singleShot=True, interval=0)
        self._stale.timeout.connect(self._catch_up)
        window.changes_applied.connect(self._changed)

    def show_graph(self) -> ClaimGraphDialog:
        w = self.window
        if self.graph_dialog is None:
            self.graph_dialog = ClaimGraphDialog(w.ws, w.reads, w)
            self.graph_dialog.view.claim_activated.connect(w.open_annotation)
            self.graph_dialog.view.refresh()
        self.graph_dialog.show()
        self.graph_dialog.raise_()
        return self.graph_dialog

    def show_timeline(self) -> TimelineDialog:
        w = self.window
        if self.timeline_dialog is None:
            self.timeline_dialog = TimelineDialog(w.ws, w.reads, w)
            view = self.timeline_dialog.view
            view.claim_activated.connect(w.open_annotation)
            view.document_activated.connect(self._open_document)
            view.judgement_activated.connect(self._open_judgement)
            view.refresh()
        self.timeline_dialog.show()
        self.timeline_dialog.raise_()
        return self.timeline_dialog

    def _open_document(self, doc_id: str) -> None:
        if self.window.open_document(doc_id):
            self.window.library.select_document(doc_id, notify=False)

    def _open_judgement(self, judgement_id: str) -> None:
        opener = getattr(self.window, "open_judgement", None)  # the judgements view, when there
        if callable(opener):
            opener(judgement_id)

    def _changed(self, changes) -> None:
        if changes.annotations or changes.documents or changes.tags:
            self._stale.start()

    def _catch_up(self) -> None:
        for dialog in (self.graph_dialog, self.timeline_dialog):
            if dialog is not None and dialog.isVisible():
                dialog.view.fill_tags()
                dialog.view.refresh()


def install_analysis_ui(window: QMainWindow) -> AnalysisUi:
    """The Analysis menu's claim graph and timeline; idempotent (kept as window.analysis_ui)."""
    existing = getattr(window, "analysis_ui", None)
    if existing is None:
        existing = window.analysis_ui = AnalysisUi(window)
    return existing


__all__ = ["AnalysisUi", "install_analysis_ui"]
