"""Start-up: `assay-desk` arguments, the demo made off the GUI thread, a locked workspace."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from desktop import app as app_module
from desktop.core.workspace import Workspace
from desktop.ui import launcher as launcher_module
from desktop.ui import theme
from desktop.ui.launcher import Launcher
from desktop.ui.main_window import MainWindow


@pytest.fixture
def fake_demo(monkeypatch, gui_demo_template):
    """create_demo without its 10+ s import: copy the template, report progress, note the thread."""
    threads: list[str] = []

    def create_demo(path: Path, *, progress=None) -> Workspace:
        threads.append(threading.current_thread().name)
        shutil.copytree(gui_demo_template, path, ignore=shutil.ignore_patterns("lock"))
        if progress is not None:
            progress(1, 1, "sample documents")
        return Workspace.open(path)

    monkeypatch.setattr(launcher_module, "create_demo", create_demo)
    return threads


@pytest.fixture
def launched():
    launchers: list[Launcher] = []
    yield launchers
    for launcher in launchers:
        if launcher.window is not None:
            launcher.window.close()
        launcher.shutdown()


def test_demo_is_created_off_the_gui_thread_then_the_window_opens(
    qtbot, tmp_path, settings, fake_demo, launched
):
    launcher = Launcher(tmp_path / "new", demo=True, settings=settings)
    launched.append(launcher)
    with qtbot.waitSignal(launcher.window_opened, timeout=20000) as opened:
        launcher.start()
    window = opened.args[0]
    assert isinstance(window, MainWindow) and window.isVisible()
    assert fake_demo and fake_demo[0] != threading.main_thread().name
    assert window.library.model.total() == 15
    assert window.writer is launcher.writer  # one writer from start-up to shutdown


def test_a_locked_workspace_can_be_opened_read_only(qtbot, demo_path, settings, launched):
    holder = Workspace.open(demo_path)  # "another process" holds the write lock
    try:
        launcher = Launcher(demo_path, settings=settings)
        launched.append(launcher)
        asked: list[str] = []
        launcher.ask_locked = lambda message: asked.append(message) or True
        with qtbot.waitSignal(launcher.window_opened, timeout=20000) as opened:
            launcher.start()
        window = opened.args[0]
        assert "open for writing in another Assay process" in asked[0]
        assert window.ws.readonly and "read-only" in window.windowTitle()
        assert window.library.model.total() == 15
    finally:
        holder.close()


def test_a_locked_workspace_can_be_left_alone(qtbot, demo_path, settings, launched):
    holder = Workspace.open(demo_path)
    try:
        launcher = Launcher(demo_path, settings=settings)
        launched.append(launcher)
        launcher.ask_locked = lambda message: False
        with qtbot.waitSignal(launcher.aborted, timeout=20000) as aborted:
            launcher.start()
        assert aborted.args == [0]
        assert launcher.window is None
    finally:
        holder.close()


def test_a_missing_workspace_can_be_created_empty(qtbot, tmp_path, settings, launched):
    launcher = Launcher(tmp_path / "fresh", settings=settings)
    launched.append(launcher)
    launcher.ask_missing_workspace = lambda path: "empty"
    with qtbot.waitSignal(launcher.window_opened, timeout=20000) as opened:
        launcher.start()
    assert opened.args[0].library.model.total() == 0
    assert (tmp_path / "fresh" / Workspace.DB_NAME).exists()


def test_main_parses_its_arguments_opens_the_window_and_returns_on_close(
    qtbot, tmp_path, fake_demo
):
    seen: list[MainWindow] = []
    target = tmp_path / "desk"

    def close_when_shown() -> None:
        for widget in QApplication.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible() and widget.ws.path == target:
                seen.append(widget)
                widget.close()
                return
        QTimer.singleShot(20, close_when_shown)

    QTimer.singleShot(0, close_when_shown)
    # Never hang the suite, but stop the guard once main() returned: fired later, exit() would
    # leave Qt's quit flag set and every later event loop in the session would return at once.
    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(lambda: QApplication.exit(99))
    guard.start(30000)
    try:
        code = app_module.main(["--workspace", str(tmp_path / "desk"), "--demo"])
    finally:
        guard.stop()
        theme.apply_theme(QApplication.instance(), "light")
    assert code == 0
    assert seen
    assert (target / Workspace.DB_NAME).exists()
