"""The Review menu, its docks (queue, returned to me) and dialogs, added to a MainWindow."""

from __future__ import annotations

from PySide6.QtCore import QObject, Qt, Signal, SignalInstance
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu

from desktop.core.kernel.errors import AssayError
from desktop.core.workspace import Changes

from .agreement_view import AgreementDialog
from .dashboard import DashboardDialog
from .review_queue import ReturnedPane, ReviewQueuePanel, one_line
from .review_thread import ClaimHistoryDialog
from .worker import SerialWorker

DECIDED = {"approve": "Approved", "reject": "Rejected", "request_changes": "Changes requested"}


class ReviewUi(QObject):
    """Owns the review docks and dialogs of one main window; see `install_review_ui`."""

    open_annotation = Signal(str, str)  # document id, annotation id: "show me this claim"

    def __init__(self, window: QMainWindow):
        super().__init__(window)
        self.window = window
        self.ws = window.ws
        self.writer: SerialWorker = window.writer
        reads = getattr(window, "reads", None)
        self.reads: SerialWorker = (
            reads if reads is not None else SerialWorker("assay-review-reader", self)
        )
        self.history_dialog: ClaimHistoryDialog | None = None
        self.dashboard_dialog: DashboardDialog | None = None
        self.agreement_dialog: AgreementDialog | None = None
        self._stale: set[str] = set()

        self.queue = ReviewQueuePanel(self.ws, self.writer)
        self.queue_dock = self._dock(self.queue, "Review queue", "reviewQueueDock")
        self.returned = ReturnedPane(self.ws, self.writer)
        self.returned_dock = self._dock(self.returned, "Returned to me", "returnedDock")
        window.tabifyDockWidget(self.queue_dock, self.returned_dock)
        for dock in (self.queue_dock, self.returned_dock):
            window.restoreDockWidget(dock)  # where the user left it, when the window saved it

        self._build_menu()
        self.queue.decided.connect(self._announce)
        self.queue.history_requested.connect(self.show_history)
        self.returned.history_requested.connect(self.show_history)
        self.returned.open_annotation.connect(self.show_annotation)
        # every change the window applies (decisions here, undo, edits elsewhere) comes back
        window.subscribe(self.refresh)
        if isinstance(getattr(window, "analyst_switched", None), SignalInstance):
            window.analyst_switched.connect(lambda _profile: self.update_for_role())
        self.update_for_role()
        if self.ws.is_supervisor:  # the queue was read as it was built: not again when it shows
            self._stale.discard("reviewQueueDock")

    def _dock(self, pane, title: str, name: str) -> QDockWidget:
        dock = QDockWidget(title, self.window)
        dock.setObjectName(name)
        dock.setWidget(pane)
        dock.setAllowedAreas(Qt.DockWidgetArea.AllDockWidgetAreas)
        self.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        dock.visibilityChanged.connect(lambda visible, n=name: visible and self._catch_up(n))
        return dock

    def _build_menu(self) -> None:
        w = self.window
        self.who_action = QAction(w)
        self.who_action.setEnabled(False)
        self.queue_action = self.queue_dock.toggleViewAction()
        self.queue_action.setText("Review &queue")
        self.queue_action.setToolTip("Submitted claims waiting for a supervisor's decision")
        self.returned_action = self.returned_dock.toggleViewAction()
        self.returned_action.setText("&Returned to me")
        self.returned_action.setToolTip("My claims a supervisor rejected or sent back")
        self.history_action = QAction("Claim &history…", w)
        self.history_action.setToolTip("A claim's review thread and every audited change to it")
        self.history_action.triggered.connect(lambda: self.show_history())
        self.dashboard_action = QAction("&Dashboard…", w)
        self.dashboard_action.triggered.connect(self.show_dashboard)
        self.agreement_action = QAction("&Agreement…", w)
        self.agreement_action.setToolTip(
            "Agreement between analysts who annotated the same documents"
        )
        self.agreement_action.triggered.connect(self.show_agreement)

        # The window's own menu registry when it has one (it places new menus before Help).
        make_menu = getattr(w, "menu", None)
        self.menu = make_menu("&Review") if callable(make_menu) else QMenu("&Review", w)
        self.menu.setObjectName("reviewMenu")
        self.menu.addAction(self.who_action)
        self.menu.addSeparator()
        self.menu.addAction(self.queue_action)
        self.menu.addAction(self.returned_action)
        self.menu.addSeparator()
        self.menu.addAction(self.history_action)
        self.menu.addAction(self.dashboard_action)
        self.menu.addAction(self.agreement_action)
        self.menu.aboutToShow.connect(self._update_who)
        if not callable(make_menu):
            bar = w.menuBar()
            help_menu = next(
                (a for a in bar.actions() if a.text().replace("&", "").lower() == "help"), None
            )
            if help_menu is not None:
                bar.insertMenu(help_menu, self.menu)
            else:
                bar.addMenu(self.menu)
        self._update_who()

    # -- roles and refreshing --------------------------------------------------------------------
    def update_for_role(self) -> None:
        """Show the queue to supervisors and what came back to analysts; call after switching."""
        self._update_who()
        self.returned.refresh()  # whose claims came back depends on who is working
        self._stale.discard("returnedDock")
        self.refresh()
        supervisor = self.ws.is_supervisor
        self.queue_dock.setVisible(supervisor)
        self.returned_dock.setVisible(not supervisor and self.returned.model.rowCount() > 0)
        if supervisor:
            self.queue_dock.raise_()

    def _update_who(self) -> None:
        p = self.ws.profile
        self.who_action.setText(f"Working as {p.name} ({p.role})")

    def refresh(self, changes: Changes | None = None) -> None:
        """After a change: refresh the panes on screen now, the hidden ones when they show."""
        if changes is not None and not (changes.annotations or changes.reviews or changes.tags):
            return
        for name, dock, pane in (
            ("reviewQueueDock", self.queue_dock, self.queue),
            ("returnedDock", self.returned_dock, self.returned),
        ):
            if dock.isVisible():
                pane.refresh()
                self._stale.discard(name)
            else:
                self._stale.add(name)
        if self.dashboard_dialog is not None and self.dashboard_dialog.isVisible():
            self.dashboard_dialog.view.refresh()

    def _catch_up(self, name: str) -> None:
        if name in self._stale:
            self._stale.discard(name)
            (self.queue if name == "reviewQueueDock" else self.returned).refresh()

    def _announce(self, ann_id: str, decision: str) -> None:
        try:
            statement = one_line(self.ws.annotation(ann_id).statement, 60)
        except AssayError:
            statement = ann_id[:8]
        self.window.statusBar().showMessage(f"{DECIDED[decision]}: “{statement}”", 5000)

    # -- the menu's commands ---------------------------------------------------------------------
    def show_queue(self) -> None:
        self.queue_dock.show()
        self.queue_dock.raise_()
        self.queue.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def current_annotation_id(self) -> str | None:
        """The claim the user is looking at: the window's own idea first, then the review panes."""
        current = getattr(self.window, "current_annotation_id", None)
        if callable(current) and (ann_id := current()):
            return ann_id
        if self.queue_dock.isVisible() and (ann_id := self.queue.current_id()):
            return ann_id
        if self.returned_dock.isVisible() and (ann_id := self.returned.current_id()):
            return ann_id
        return None

    def show_history(self, ann_id: str | None = None) -> ClaimHistoryDialog:
        ann_id = ann_id or self.current_annotation_id()
        try:
            # choose among the claims of the same document, or of the one being read
            doc_id = self.ws.annotation(ann_id).document_id if ann_id else None
            doc_id = doc_id or getattr(self.window.reader, "document_id", None)
            choices = (
                self.ws.annotations(doc_id) if doc_id else self.ws.claims(kind=None, limit=200)
            )
        except AssayError:
            choices = []
        if self.history_dialog is None:
            self.history_dialog = ClaimHistoryDialog(
                self.ws, ann_id, choices=choices, parent=self.window
            )
        else:
            self.history_dialog.set_choices(choices, ann_id)
            if ann_id:
                self.history_dialog.show_claim(ann_id)
            elif choices:
                self.history_dialog.show_claim(choices[0].id)
        self.history_dialog.show()
        self.history_dialog.raise_()
        return self.history_dialog

    def show_dashboard(self) -> DashboardDialog:
        if self.dashboard_dialog is None:
            self.dashboard_dialog = DashboardDialog(self.ws, self.reads, self.window)
        self.dashboard_dialog.show()
        self.dashboard_dialog.raise_()
        self.dashboard_dialog.view.refresh()
        return self.dashboard_dialog

    def show_agreement(self) -> AgreementDialog:
        if self.agreement_dialog is None:
            self.agreement_dialog = AgreementDialog(self.ws, self.reads, self.window)
        self.agreement_dialog.show()
        self.agreement_dialog.raise_()
        self.agreement_dialog.view.refresh()
        return self.agreement_dialog

    def show_annotation(self, doc_id: str, ann_id: str) -> None:
        """Open a claim in the main reader: the window's own open_annotation when it has one."""
        self.open_annotation.emit(doc_id, ann_id)
        opener = getattr(self.window, "open_annotation", None)
        if isinstance(opener, SignalInstance):
            opener.emit(doc_id, ann_id)
            return
        if callable(opener):
            opener(doc_id, ann_id)
            return
        if not self.window.open_document(doc_id):
            return
        library = getattr(self.window, "library", None)
        if library is not None and hasattr(library, "select_document"):
            library.select_document(doc_id, notify=False)
        try:
            a = self.ws.annotation(ann_id)
        except AssayError:
            return
        self.window.reader.select_span(a.start, a.end)


def install_review_ui(window: QMainWindow) -> None:
    """Add the Review menu (queue, returned to me, claim history, dashboard, agreement) and its
    docks to a MainWindow. Uses window.ws, .writer, .reads (if any), .reader, .open_document,
    .subscribe. Idempotent; the controller is `window.review_ui`."""
    if getattr(window, "review_ui", None) is not None:
        return
    window.review_ui = ReviewUi(window)
