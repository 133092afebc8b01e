"""The welcome screen for a missing workspace: sample, empty or an existing folder; the first-run
name and role on the same screen; the how-to panel; remembering the last workspace.

Set ASSAY_SHOT_DIR to keep the welcome screen's PNG (docs/screenshots/welcome.png)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, QTimer

from desktop.core.kernel.profile import Profile, load_profile
from desktop.core.workspace import Workspace
from desktop.ui import launcher as launcher_module
from desktop.ui.about import SHORTCUTS
from desktop.ui.launcher import LAST_WORKSPACE_KEY, Launcher, startup_workspace
from desktop.ui.main_window import MainWindow
from desktop.ui.welcome import HowToDialog, WelcomeDialog

WAIT = 20000


@pytest.fixture
def launched():
    launchers: list[Launcher] = []
    yield launchers
    for launcher in launchers:
        if launcher.window is not None:
            launcher.window.close()
        launcher.shutdown()


@pytest.fixture
def fresh_profile(tmp_path, monkeypatch) -> Profile:
    """Nobody has answered the first-run question yet."""
    monkeypatch.setenv("ASSAY_PROFILE_DIR", str(tmp_path / "new-person"))
    profile = load_profile()
    assert not profile.configured
    return profile


def welcoming(
    launcher: Launcher, act: Callable[[WelcomeDialog], None], seen: list[WelcomeDialog]
) -> None:
    """Answer the (modal) welcome screen with `act` once it runs; never leave it hanging."""

    def make(path: Path) -> WelcomeDialog:
        dialog = Launcher.welcome_dialog(launcher, path)
        seen.append(dialog)

        def run() -> None:
            try:
                act(dialog)
            finally:
                if dialog.isVisible():
                    dialog.reject()  # the act did not get in: "quit", and the test says why

        QTimer.singleShot(0, run)
        return dialog

    launcher.welcome_dialog = make


def test_the_welcome_screen_offers_three_ways_in_names_and_how_to(qtbot, tmp_path, fresh_profile):
    dialog = WelcomeDialog(tmp_path / "missing", profile=fresh_profile)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert [b.text() for b in (dialog.demo_button, dialog.empty_button, dialog.open_button)] == [
        "Open the sample workspace",
        "Create an empty workspace",
        "Open an existing workspace folder…",
    ]
    how_to = dialog.how_to.text()
    assert "How to" in how_to and str(tmp_path / "missing") in how_to
    for keys, words in SHORTCUTS:
        assert keys in how_to and words in how_to
    assert dialog.profile_form is not None and dialog.profile_form.name.isVisible()
    assert dialog.profile_form.role.currentData() == "analyst"

    folder = Path(os.environ.get("ASSAY_SHOT_DIR") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    dialog.profile_form.name.setText("Ada Lindqvist")
    dialog.layout().activate()
    assert dialog.grab().save(str(folder / "welcome.png"))

    # someone who has answered before is not asked again
    known = WelcomeDialog(tmp_path / "missing", profile=Profile("x", "Gwen", configured=True))
    qtbot.addWidget(known)
    assert known.profile_form is None


def test_choosing_empty_creates_the_workspace_opens_the_window_and_remembers_it(
    qtbot, tmp_path, settings, launched, monkeypatch
):
    target = tmp_path / "fresh"
    launcher = Launcher(target, settings=settings)
    launched.append(launcher)
    assert launcher.will_welcome()
    seen: list[WelcomeDialog] = []
    welcoming(launcher, lambda d: d.empty_button.click(), seen)
    with qtbot.waitSignal(launcher.window_opened, timeout=WAIT) as opened:
        launcher.start()
    window = opened.args[0]
    assert seen and seen[0].answer() == "empty"
    assert isinstance(window, MainWindow) and window.library.model.total() == 0
    assert (target / Workspace.DB_NAME).exists()

    # the next start opens it; --workspace and $ASSAY_WORKSPACE still win
    assert settings.value(LAST_WORKSPACE_KEY) == str(target.resolve())
    monkeypatch.delenv("ASSAY_WORKSPACE")
    assert startup_workspace(None, settings) == target.resolve()
    assert startup_workspace(str(tmp_path / "other"), settings) == tmp_path / "other"
    monkeypatch.setenv("ASSAY_WORKSPACE", str(tmp_path / "env"))
    assert startup_workspace(None, settings) == tmp_path / "env"
    # a remembered workspace that has gone: the default again
    monkeypatch.delenv("ASSAY_WORKSPACE")
    gone = QSettings(str(tmp_path / "gone.ini"), QSettings.Format.IniFormat)
    gone.setValue(LAST_WORKSPACE_KEY, str(tmp_path / "deleted"))
    assert startup_workspace(None, gone) != tmp_path / "deleted"

    # Help → How to… was added without the window knowing about it
    action = window.findChild(type(window.about_action), "howToAction")
    assert action is not None and action in window.menu("Help").actions()
    action.trigger()
    how_to = window.findChild(HowToDialog)
    assert how_to is not None and str(target) in how_to.text.text()
    how_to.close()


def test_open_existing_refuses_a_plain_folder_then_opens_a_workspace(
    qtbot, tmp_path, demo_path, settings, launched
):
    plain = tmp_path / "just-files"
    plain.mkdir()
    (plain / "notes.txt").write_text("not a workspace")
    launcher = Launcher(tmp_path / "missing", settings=settings)
    launched.append(launcher)
    observed: dict[str, object] = {}

    def act(dialog: WelcomeDialog) -> None:
        dialog.choose_folder = lambda: plain
        dialog.open_button.click()
        observed["message"] = dialog.problem.text() if dialog.problem.isVisible() else ""
        observed["still_open"] = dialog.isVisible() and dialog.result() == 0
        dialog.choose_folder = lambda: demo_path
        dialog.open_button.click()

    seen: list[WelcomeDialog] = []
    welcoming(launcher, act, seen)
    with qtbot.waitSignal(launcher.window_opened, timeout=WAIT) as opened:
        launcher.start()
    assert "is not an Assay workspace" in observed["message"] and str(plain) in observed["message"]
    assert observed["still_open"]
    window = opened.args[0]
    assert window.ws.path == demo_path and window.library.model.total() == 15
    assert not (tmp_path / "missing").exists()  # nothing made where there was nothing
    assert settings.value(LAST_WORKSPACE_KEY) == str(demo_path.resolve())


def test_the_sample_workspace_is_made_by_the_demo_job(
    qtbot, tmp_path, settings, launched, monkeypatch, gui_demo_template
):
    made: list[Path] = []

    def create_demo(path: Path, *, progress=None) -> Workspace:
        made.append(path)
        shutil.copytree(gui_demo_template, path, ignore=shutil.ignore_patterns("lock"))
        return Workspace.open(path)

    monkeypatch.setattr(launcher_module, "create_demo", create_demo)
    launcher = Launcher(tmp_path / "sample", settings=settings)
    launched.append(launcher)
    welcoming(launcher, lambda d: d.demo_button.click(), [])
    with qtbot.waitSignal(launcher.window_opened, timeout=WAIT) as opened:
        launcher.start()
    assert made == [tmp_path / "sample"]
    assert opened.args[0].library.model.total() == 15


def test_a_new_analyst_names_themselves_on_the_welcome_screen(
    qtbot, tmp_path, settings, launched, fresh_profile
):
    launcher = Launcher(tmp_path / "fresh", settings=settings)
    launched.append(launcher)
    observed: dict[str, object] = {}

    def act(dialog: WelcomeDialog) -> None:
        form = dialog.profile_form
        form.name.setText("   ")
        dialog.empty_button.click()  # no name: refused, with the reason, still on the screen
        observed["refused"] = dialog.isVisible() and form.problem.isVisible()
        observed["reason"] = form.problem.text()
        observed["saved_early"] = load_profile().configured
        form.name.setText("  Ada   Lindqvist ")
        form.role.setCurrentIndex(form.role.findData("supervisor"))
        dialog.empty_button.click()

    welcoming(launcher, act, [])
    with qtbot.waitSignal(launcher.window_opened, timeout=WAIT) as opened:
        launcher.start()
    assert observed["refused"] and "give a name" in observed["reason"]
    assert not observed["saved_early"]  # nothing saved until a way in is chosen
    saved = load_profile()
    assert (saved.id, saved.name, saved.role, saved.configured) == (
        fresh_profile.id,
        "Ada Lindqvist",
        "supervisor",
        True,
    )
    assert opened.args[0].ws.profile.name == "Ada Lindqvist"


def test_quitting_the_welcome_screen_creates_and_saves_nothing(
    qtbot, tmp_path, settings, launched, fresh_profile
):
    launcher = Launcher(tmp_path / "fresh", settings=settings)
    launched.append(launcher)
    welcoming(launcher, lambda d: d.quit_button.click(), [])
    with qtbot.waitSignal(launcher.aborted, timeout=WAIT) as aborted:
        launcher.start()
    assert aborted.args == [0]
    assert not (tmp_path / "fresh").exists()
    assert not load_profile().configured
    assert settings.value(LAST_WORKSPACE_KEY) is None
