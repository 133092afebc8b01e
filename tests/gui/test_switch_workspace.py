"""File → Open Workspace…, New Workspace… and Open Recent: another workspace opens in a new
window (off the GUI thread), the old one closes and lets go of its workspace; refusals leave
the window as it was."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from desktop.core.workspace import Workspace
from desktop.ui import launcher as launcher_module
from desktop.ui.launcher import (
    LAST_WORKSPACE_KEY,
    Launcher,
    recent_workspaces,
    switch_workspace,
)

WAIT = 20000


@pytest.fixture
def copies(gui_demo_template, tmp_path) -> tuple[Path, Path]:
    out = []
    for name in ("case-a", "case-b"):
        path = tmp_path / name
        shutil.copytree(gui_demo_template, path, ignore=shutil.ignore_patterns("lock"))
        out.append(path)
    return out[0], out[1]


@pytest.fixture
def first_window(qtbot, copies, settings):
    launcher = Launcher(copies[0], settings=settings)
    with qtbot.waitSignal(launcher.window_opened, timeout=WAIT) as opened:
        launcher.start()
    yield opened.args[0]
    for other in [launcher, *launcher_module._SWITCHING]:
        if other.window is not None:
            other.window.close()
        other.shutdown()


def menu_texts(window) -> list[str]:
    return [a.text().replace("&", "") for a in window.menu("File").actions()]


def test_open_another_workspace_then_come_back_from_recent(qtbot, first_window, copies, settings):
    a, b = copies
    assert {"Open Workspace…", "New Workspace…", "Open Recent"} <= set(menu_texts(first_window))
    switching = switch_workspace(first_window, b)
    assert switching is not None
    with qtbot.waitSignal(switching.window_opened, timeout=WAIT) as opened:
        pass
    second = opened.args[0]
    assert second.ws.path == b and second.isVisible()
    qtbot.waitUntil(lambda: not first_window.isVisible())
    Workspace.open(a).close()  # the old window let go of its workspace (its lock is free)
    assert settings.value(LAST_WORKSPACE_KEY) == str(b.resolve())
    assert recent_workspaces(settings) == [b.resolve(), a.resolve()]

    recent = second.workspace_actions[2]
    recent.aboutToShow.emit()
    entries = [x for x in recent.actions() if x.isEnabled()]
    assert [x.text() for x in entries] == [str(a.resolve())]  # not the one already open
    entries[0].trigger()
    qtbot.waitUntil(lambda: not second.isVisible(), timeout=WAIT)
    back = [lz.window for lz in launcher_module._SWITCHING if lz.window is not None]
    assert any(w.ws.path == a.resolve() and w.isVisible() for w in back)


def test_refusals_leave_the_window_as_it_was(qtbot, first_window, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "notes.txt").write_text("not a workspace", encoding="utf-8")
    assert switch_workspace(first_window, plain) is None
    assert "is not an Assay workspace" in first_window.last_error.text()
    first_window.last_error.close()
    assert switch_workspace(first_window, plain, create=True) is None  # not empty
    assert "not empty" in first_window.last_error.text()
    first_window.last_error.close()
    assert switch_workspace(first_window, first_window.ws.path) is None
    assert "already open" in first_window.statusBar().currentMessage()
    assert first_window.isVisible() and not (plain / Workspace.DB_NAME).exists()


def test_new_workspace_opens_empty(qtbot, first_window, tmp_path):
    target = tmp_path / "new-case"
    switching = switch_workspace(first_window, target, create=True)
    with qtbot.waitSignal(switching.window_opened, timeout=WAIT) as opened:
        pass
    assert opened.args[0].library.model.total() == 0
    assert (target / Workspace.DB_NAME).exists()
    qtbot.waitUntil(lambda: not first_window.isVisible())
