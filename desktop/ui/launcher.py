"""Opening a workspace before the window exists: welcome screen for a missing one (sample,
empty, or an existing folder), its lock, and remembering the last one for the next start."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDialog, QFileDialog, QMenu, QMessageBox

from desktop.core.demo import create_demo
from desktop.core.kernel.errors import WorkspaceLocked
from desktop.core.kernel.profile import default_workspace_path
from desktop.core.workspace import Workspace

from . import theme
from .main_window import MainWindow
from .operations import Operation, error_box, run_operation
from .welcome import HowToDialog, WelcomeDialog, is_workspace
from .worker import SerialWorker

LAST_WORKSPACE_KEY = "workspace/last"
RECENT_KEY = "workspace/recent"
MAX_RECENT = 8
# Launchers opening another workspace from a window: kept alive until their window is gone.
_SWITCHING: list[Launcher] = []


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
        self.task: Operation | None = None

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
            self._follow(
                create_demo,
                "Creating the demo workspace",
                "Importing the sample documents",
                cancellable=True,
            )
        elif choice == "empty":
            self._follow(Workspace.create, "Creating the workspace", "Creating")
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
        self._follow(Workspace.open, "Opening the workspace", "Opening", readonly=readonly)

    def _follow(
        self,
        fn: Callable[..., Workspace],
        title: str,
        verb: str,
        *,
        cancellable: bool = False,
        **kwargs: object,
    ) -> None:
        # no window yet: the launcher's writer, and its own answer to every error
        self.task = run_operation(
            None,
            fn,
            self.path,
            label="open the workspace",
            worker=self.writer,
            progress=True,
            title=title,
            verb=verb,
            cancellable=cancellable,
            errors="caller",
            on_success=self._opened,
            on_failure=self._failed,
            **kwargs,
        )

    def _opened(self, ws: Workspace) -> None:
        self.window = MainWindow(ws, writer=self.writer, settings=self.settings)
        self.remember(ws.path)
        add_how_to(self.window)
        add_workspace_actions(self.window)
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
        """The next start opens this workspace (unless told otherwise); it heads File → Open
        Recent."""
        settings = self.settings or theme.settings()
        here = str(Path(path).resolve())
        settings.setValue(LAST_WORKSPACE_KEY, here)
        recent = [here, *(str(p) for p in recent_workspaces(settings) if str(p) != here)]
        settings.setValue(RECENT_KEY, recent[:MAX_RECENT])
        settings.sync()

    def _abort_with(self, message: str, *, code: int) -> None:
        from desktop.core.kernel.errors import WorkspaceError

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


def recent_workspaces(settings: QSettings) -> list[Path]:
    """The workspaces opened last, newest first, that are still there."""
    value = settings.value(RECENT_KEY, [])
    names = [value] if isinstance(value, str) else list(value or [])
    return [Path(n) for n in names if n and is_workspace(Path(n))]


def switch_workspace(
    window: MainWindow, path: Path | str, *, create: bool = False
) -> Launcher | None:
    """Open another workspace (or create an empty one) in a new window, then close this one.
    Opening runs in its own writer thread with a progress dialog; if it fails or is refused
    (locked, not a workspace), this window stays as it was. If closing this window is
    cancelled (unsaved edits the analyst keeps), both windows stay open."""
    from desktop.core.kernel.errors import WorkspaceError

    path = Path(path)
    if path.resolve() == window.ws.path.resolve():
        window.statusBar().showMessage(f"{path} is the workspace already open", 5000)
        return None
    if create and path.exists() and any(path.iterdir()):
        window.show_error(
            WorkspaceError(
                f"{path} is not empty; choose a new or empty folder for a new workspace."
            ),
            "create the workspace",
        )
        return None
    if not create and not is_workspace(path):
        window.show_error(
            WorkspaceError(f"{path} is not an Assay workspace (it has no {Workspace.DB_NAME})."),
            "open the workspace",
        )
        return None
    launcher = Launcher(path, settings=window.settings)
    if create:
        launcher.ask_missing_workspace = lambda _path: "empty"
    _SWITCHING.append(launcher)

    def opened(new: MainWindow) -> None:
        new.destroyed.connect(lambda *_: launcher in _SWITCHING and _SWITCHING.remove(launcher))
        window.close()

    launcher.window_opened.connect(opened)
    launcher.aborted.connect(lambda _code: launcher in _SWITCHING and _SWITCHING.remove(launcher))
    launcher.start()
    return launcher


def add_workspace_actions(window: MainWindow) -> None:
    """File → Open Workspace…, New Workspace… and Open Recent (before Quit)."""
    open_action = QAction("Open &Workspace…", window)
    open_action.setObjectName("openWorkspaceAction")
    open_action.triggered.connect(lambda: _choose_workspace(window, create=False))
    new_action = QAction("New W&orkspace…", window)
    new_action.setObjectName("newWorkspaceAction")
    new_action.triggered.connect(lambda: _choose_workspace(window, create=True))
    window.add_menu_action("File", open_action, separator=True)
    window.add_menu_action("File", new_action)
    recent = QMenu("Open &Recent", window)
    recent.setObjectName("recentWorkspacesMenu")

    def fill() -> None:
        recent.clear()
        here = window.ws.path.resolve()
        for path in recent_workspaces(window.settings):
            if path.resolve() != here:
                action = recent.addAction(str(path))
                action.triggered.connect(lambda _checked=False, p=path: switch_workspace(window, p))
        if not recent.actions():
            recent.addAction("No other workspace yet").setEnabled(False)

    recent.aboutToShow.connect(fill)
    window.add_menu_action("File", recent.menuAction())
    window.workspace_actions = (open_action, new_action, recent)
    fill()


def _choose_workspace(window: MainWindow, *, create: bool) -> None:
    title = "New workspace: choose an empty folder" if create else "Open a workspace folder"
    folder = QFileDialog.getExistingDirectory(window, title, str(window.ws.path.parent))
    if folder:
        switch_workspace(window, folder, create=create)


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
