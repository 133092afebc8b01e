"""Opening a workspace before the window exists: welcome screen for a missing one (sample,
empty, or an existing folder), its lock, and remembering the last one for the next start."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QMessageBox

from desktop.core.demo import create_demo
from desktop.core.errors import WorkspaceLocked
from desktop.core.profile import default_workspace_path
from desktop.core.workspace import Workspace

from . import theme
from .main_window import MainWindow
from .operations import ProgressTask, error_box
from .welcome import HowToDialog, WelcomeDialog, is_workspace
from .worker import Job, SerialWorker

LAST_WORKSPACE_KEY = "workspace/last"


def startup_workspace(flag: str | None, settings: QSettings | None = None) -> Path:
    """Which workspace to open: --workspace wins, then $ASSAY_WORKSPACE, then the last one
    opened (if it is still there), then the default folder."""
    if flag:
        return Path(flag)
    if os.environ.get("ASSAY_WORKSPACE"):
        return default_workspace_path()
    last = (settings or theme.settings()).value(LAST_WORKSPACE_KEY, "", type=str)
    if last and is_workspace(Path(last)):
        return Path(last)
    return default_workspace_path()


class Launcher(QObject):
    """Opens (or creates) the workspace in the writer thread, then shows the main window.

    Opening can replay the index queue after a crash and the demo imports a corpus, so neither
    runs on the GUI thread. The questions it asks are methods, so tests can answer them.
    """

    window_opened = Signal(object)  # MainWindow
    aborted = Signal(int)  # exit code

    def __init__(
        self,
        path: Path,
        *,
        demo: bool = False,
        readonly: bool = False,
        settings: QSettings | None = None,
    ):
        super().__init__()
        self.path = Path(path)
        self.demo = demo
        self.readonly = readonly
        self.settings = settings
        self.writer = SerialWorker("assay-writer")
        self.window: MainWindow | None = None
        self.task: ProgressTask | None = None

    def will_welcome(self) -> bool:
        """True if start() shows the welcome screen (which also asks a new analyst's name)."""
        return not (self.path / Workspace.DB_NAME).exists() and not self.demo and not self.readonly

    def start(self) -> None:
        if (self.path / Workspace.DB_NAME).exists():
            self._open(readonly=self.readonly)
            return
        if self.readonly:
            self._abort_with(
                f"There is no Assay workspace in {self.path} to open read-only.", code=1
            )
            return
        choice = "demo" if self.demo else self.ask_missing_workspace(self.path)
        if isinstance(choice, Path):
            self.path = choice
            self._open(readonly=self.readonly)
        elif choice == "demo":
            job = self.writer.submit(create_demo, self.path)
            self._follow(job, "Creating the demo workspace", "Importing the sample documents")
        elif choice == "empty":
            job = self.writer.submit(Workspace.create, self.path)
            self._follow(job, "Creating the workspace", "Creating")
        else:
            self._abort(0)

    # -- questions (overridable) -------------------------------------------------------------
    def ask_missing_workspace(self, path: Path) -> str | Path:
        """The welcome screen: 'demo', 'empty', 'quit', or an existing workspace folder."""
        dialog = self.welcome_dialog(path)
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted:
                return "quit"
            return dialog.answer()
        finally:
            dialog.deleteLater()

    def welcome_dialog(self, path: Path) -> WelcomeDialog:
        return WelcomeDialog(path)

    def ask_locked(self, message: str) -> bool:
        """True to open read-only instead, False to quit."""
        box = QMessageBox(QMessageBox.Icon.Warning, "Workspace in use", message)
        read_only = box.addButton("Open read-only", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        return box.clickedButton() is read_only

    def report_error(self, exc: BaseException) -> None:
        # no window yet, so nothing else to keep responsive: wait for the analyst to read it
        box = error_box(exc, None, "open the workspace", show=False)
        if box is not None:
            box.exec()

    # -- internals ---------------------------------------------------------------------------
    def _open(self, *, readonly: bool) -> None:
        self.readonly = readonly
        job = self.writer.submit(Workspace.open, self.path, readonly=readonly)
        self._follow(job, "Opening the workspace", "Opening")

    def _follow(self, job: Job, title: str, verb: str) -> None:
        self.task = ProgressTask(job, None, title, verb)
        job.finished.connect(self._opened)
        job.failed.connect(self._failed)

    def _opened(self, ws: Workspace) -> None:
        self.window = MainWindow(ws, writer=self.writer, settings=self.settings)
        self.remember(ws.path)
        add_how_to(self.window)
        self.window.show()
        self.window_opened.emit(self.window)

    def _failed(self, exc: BaseException) -> None:
        if isinstance(exc, WorkspaceLocked) and not self.readonly:
            if self.ask_locked(str(exc)):
                self._open(readonly=True)
            else:
                self._abort(0)
            return
        self.report_error(exc)
        self._abort(1)

    def remember(self, path: Path) -> None:
        """The next start opens this workspace (unless told otherwise)."""
        settings = self.settings or theme.settings()
        settings.setValue(LAST_WORKSPACE_KEY, str(Path(path).resolve()))
        settings.sync()

    def _abort_with(self, message: str, *, code: int) -> None:
        from desktop.core.errors import WorkspaceError

        self.report_error(WorkspaceError(message))
        self._abort(code)

    def _abort(self, code: int) -> None:
        self.writer.stop()
        self.aborted.emit(code)

    def shutdown(self) -> None:
        if self.window is not None:
            self.window.shutdown()
        else:
            self.writer.stop()


def add_how_to(window: MainWindow) -> QAction:
    """Help → How to…, first in the Help menu (added through the window's menu API)."""
    action = QAction("&How to…", window)
    action.setObjectName("howToAction")
    action.triggered.connect(lambda: _show_how_to(window))
    menu = window.menu("Help")
    first = menu.actions()[0] if menu.actions() else None
    if first is not None:
        menu.insertAction(first, action)
    else:
        window.add_menu_action("Help", action)
    return action


def _show_how_to(window: MainWindow) -> HowToDialog:
    dialog = HowToDialog(window.ws.path, window)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.open()
    return dialog
