"""GUI test fixtures: offscreen Qt, private settings, and a demo workspace copied per test."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Before anything reads the profile or QSettings: never touch the real user's files.
_PRIVATE = Path(tempfile.mkdtemp(prefix="assay-gui-tests-"))
atexit.register(shutil.rmtree, _PRIVATE, ignore_errors=True)
os.environ.setdefault("ASSAY_PROFILE_DIR", str(_PRIVATE / "profile"))
os.environ["XDG_CONFIG_HOME"] = str(_PRIVATE / "config")

import pytest  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402

from desktop.core.kernel.profile import Profile  # noqa: E402
from desktop.core.workspace import Workspace  # noqa: E402
from desktop.ui.compat import keep_singletons_alive  # noqa: E402

keep_singletons_alive()

for _format in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
    QSettings.setPath(_format, QSettings.Scope.UserScope, str(_PRIVATE / "settings"))


@pytest.fixture(scope="session")
def qapp_args() -> list[str]:
    return ["assay-gui-tests"]


@pytest.fixture(scope="session", autouse=True)
def _gui_application(qapp):
    """One QApplication for the session, themed and with the font stack the app uses."""
    from desktop.ui import theme

    qapp.setFont(theme.app_font())
    theme.apply_theme(qapp, "light")
    return qapp


GUI_TESTER = Profile(
    id="33333333-3333-4333-8333-333333333333", name="Gwen Tester", role="analyst", configured=True
)


def event_loops_still_run() -> bool:
    """False once QCoreApplication.exit() ran outside app.exec(): Qt then keeps its quit flag
    and every later QEventLoop.exec() returns -1 at once, so each waitSignal in the rest of the
    session times out without a single event processed."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(0, lambda: loop.exit(7))
    return loop.exec() == 7


def clear_quit_flag(qapp) -> None:
    """app.exec() clears Qt's quit flag when it returns; run it for one turn of the loop."""
    from PySide6.QtCore import QCoreApplication, QTimer

    QTimer.singleShot(0, lambda: QCoreApplication.exit(0))
    qapp.exec()


@pytest.fixture(autouse=True)
def _event_loop_not_quit(qapp):
    """Fail the test during which the application was told to quit, then clear the flag so the
    tests after it are not failed too (the exit() may come from a timer an earlier test armed)."""
    yield
    if not event_loops_still_run():
        clear_quit_flag(qapp)
        pytest.fail(
            "QCoreApplication.exit()/quit() ran during this test outside app.exec() "
            "(perhaps from a timer an earlier test left armed); every later event loop "
            "would have returned at once"
        )


@pytest.fixture(autouse=True)
def _unsaved_edits_are_discarded_on_close(monkeypatch):
    """The editor's Save / Discard / Cancel question is modal, and pytest-qt closes each test's
    windows after it: a window left with unsaved edits would wait for an answer for ever.
    Tests of the question itself set `editor.ask_unsaved` on their editor."""
    from desktop.ui.claim_editor import ClaimEditor

    monkeypatch.setattr(ClaimEditor, "ask_unsaved", lambda _self: "discard")


@pytest.fixture(autouse=True)
def configured_profile(private_profile) -> Profile:
    """The person at the keyboard has answered the first-run question (tested on its own)."""
    GUI_TESTER.save()
    return GUI_TESTER


@pytest.fixture(scope="session")
def gui_demo_template(request, tmp_path_factory) -> Path:
    """The demo's documents (without the worked analysis), built once per session (shared with
    the core tests when they run)."""
    try:
        return request.getfixturevalue("demo_template")
    except pytest.FixtureLookupError:
        from desktop.core.demo import create_demo

        path = tmp_path_factory.mktemp("gui-demo") / "ws"
        create_demo(path, analysis=False).close()
        return path


@pytest.fixture
def demo_path(gui_demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the template (its lock is per process and the template is closed)."""
    path = tmp_path / "demo"
    shutil.copytree(gui_demo_template, path, ignore=shutil.ignore_patterns("lock"))
    return path


@pytest.fixture
def settings(tmp_path: Path) -> QSettings:
    return QSettings(str(tmp_path / "assay-settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def window(qtbot, demo_path: Path, settings: QSettings):
    """The main window on a fresh demo workspace; shut down (threads stopped, store closed)."""
    from desktop.ui.main_window import MainWindow

    ws = Workspace.open(demo_path)
    win = MainWindow(ws, settings=settings)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.shutdown()


@pytest.fixture
def catalog_titles() -> set[str]:
    from desktop.core.demo import catalog

    return {entry["title"] for entry in catalog()}


def write_texts(folder: Path, texts: dict[str, str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    return sorted(folder.iterdir())
