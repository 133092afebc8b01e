"""Opening a workspace before the window exists: create it (demo or empty), or handle its lock."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMessageBox

from desktop.core.demo import create_demo
from desktop.core.errors import WorkspaceLocked
from desktop.core.workspace import Workspace

from .main_window import MainWindow
from .operations import ProgressTask, error_box
from .worker import Job, SerialWorker


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
        if choice == "demo":
            job = self.writer.submit(create_demo, self.path)
            self._follow(job, "Creating the demo workspace", "Importing the sample documents")
        elif choice == "empty":
            job = self.writer.submit(Workspace.create, self.path)
            self._follow(job, "Creating the workspace", "Creating")
        else:
            self._abort(0)

    # -- questions (overridable) -------------------------------------------------------------
    def ask_missing_workspace(self, path: Path) -> str:
        """'demo', 'empty' or 'quit'."""
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "No workspace yet",
            f"There is no Assay workspace in\n{path}\n\nCreate one there?",
        )
        demo = box.addButton("Create the demo workspace", QMessageBox.ButtonRole.AcceptRole)
        empty = box.addButton("Create an empty workspace", QMessageBox.ButtonRole.AcceptRole)
        box.addButton("Quit", QMessageBox.ButtonRole.RejectRole)
        box.exec()
        clicked = box.clickedButton()
        return "demo" if clicked is demo else "empty" if clicked is empty else "quit"

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
