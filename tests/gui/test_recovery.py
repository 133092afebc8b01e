"""Unsaved claim edits are never lost: closing the window asks Save / Discard / Cancel, and
what was typed is kept beside the store a second after each change, so after a crash the
next window offers it back (for the same analyst only).

Set ASSAY_SHOT_DIR to keep the PNG of the offer (docs/screenshots/recovery.png)."""

from __future__ import annotations

import os
from pathlib import Path

from desktop.core.kernel.profile import Profile
from desktop.core.workspace import Workspace
from desktop.ui.main_window import MainWindow
from desktop.ui.recovery import kept_name

from .test_annotate import MERIDIAN, SENTENCE, open_titled, select_text

OTHER = Profile(
    id="44444444-4444-4444-8444-444444444444", name="Omar Other", role="analyst", configured=True
)


def reopen(qtbot, path: Path, settings, profile: Profile | None = None) -> MainWindow:
    """A new window on the workspace, as after a restart."""
    win = MainWindow(Workspace.open(path, profile=profile), settings=settings)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    qtbot.waitExposed(win)
    return win


def crash(window: MainWindow) -> None:
    """The window goes away without asking anything (the process dies)."""
    window.shutdown()


def test_a_new_claim_typed_before_a_crash_is_offered_back(qtbot, window, demo_path, settings):
    doc_id = open_titled(qtbot, window, MERIDIAN)
    start, end = select_text(window, SENTENCE)
    assert window.make_claim()
    editor = window.editor
    editor.statement.setPlainText("Exploit-writing agents outpace patching (half a thought)")
    editor.likelihood.setCurrentIndex(editor.likelihood.findData("likely"))
    qtbot.waitUntil(
        lambda: window.ws.unsaved(kept_name(window.ws.profile.id)) is not None, timeout=30000
    )  # kept in ~1 s
    kept = window.ws.unsaved(kept_name(window.ws.profile.id))
    assert kept["new"]["start"] == start and kept["values"]["likelihood"] == "likely"
    crash(window)

    again = reopen(qtbot, demo_path, settings)
    banner = again.recovery.banner
    assert banner.isVisible() and again.editor.isVisible()
    assert "Exploit-writing agents outpace patching" in again.recovery.message.text()
    shots = os.environ.get("ASSAY_SHOT_DIR")
    if shots:
        again.editor.grab().save(str(Path(shots) / "recovery.png"))
    again.recovery.restore_button.click()
    assert not banner.isVisible()
    assert again.editor.new is not None and again.editor.is_dirty()
    assert again.editor.statement.toPlainText().startswith("Exploit-writing agents")
    assert again.reader.document_id == doc_id and again.reader.selected_span() == (start, end)
    job = again.editor.save()
    with qtbot.waitSignal(job.finished, timeout=30000):
        pass
    claims = [a for a in again.ws.annotations(doc_id) if a.kind == "claim"]
    assert [(c.statement, c.likelihood) for c in claims] == [
        ("Exploit-writing agents outpace patching (half a thought)", "likely")
    ]
    qtbot.waitUntil(
        lambda: again.ws.unsaved(kept_name(again.ws.profile.id)) is None, timeout=30000
    )  # saved: dropped
    again.shutdown()


def test_edits_to_a_stored_claim_come_back_or_are_discarded(qtbot, window, demo_path, settings):
    doc_id = open_titled(qtbot, window, MERIDIAN)
    claim = window.ws.add_claim(doc_id, 0, 12, "As stored").created
    window.open_document(doc_id, reload=True)
    assert window.select_annotation(claim)
    window.editor.rationale.setPlainText("Two sources agree; a third is silent.")
    window.recovery.keep()  # the timer's work, now
    crash(window)

    again = reopen(qtbot, demo_path, settings)
    assert again.recovery.pending["annotation_id"] == claim
    again.recovery.restore_button.click()
    assert again.editor.current_id() == claim
    assert again.editor.rationale.toPlainText() == "Two sources agree; a third is silent."
    assert again.reader.selected_annotation == claim
    again.editor.ask_unsaved = lambda: "discard"
    again.close()  # asks; Discard: the window closes and nothing is kept
    assert not again.isVisible()
    stored = Workspace.open(demo_path, readonly=True)
    assert stored.unsaved(kept_name(window.ws.profile.id)) is None
    stored.close()
    third = reopen(qtbot, demo_path, settings)
    assert not third.recovery.banner.isVisible() and third.recovery.pending is None
    assert third.ws.annotation(claim).rationale == ""
    third.shutdown()


def test_closing_with_unsaved_edits_asks_first(qtbot, window, demo_path):
    open_titled(qtbot, window, MERIDIAN)
    select_text(window, SENTENCE)
    window.make_claim()
    window.editor.statement.setPlainText("Not saved yet")
    asked: list[str] = []
    window.editor.ask_unsaved = lambda: asked.append("?") or "cancel"
    window.close()
    assert asked and window.isVisible()  # Cancel: still open, edits in place
    assert window.editor.statement.toPlainText() == "Not saved yet"
    window.editor.ask_unsaved = lambda: "save"
    window.close()  # Save: stored, then the window closes by itself
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30000)
    stored = Workspace.open(demo_path, readonly=True)
    assert [a.statement for a in stored.claims()] == ["Not saved yet"]
    assert stored.unsaved(kept_name(window.ws.profile.id)) is None
    stored.close()


def test_another_analysts_kept_edits_are_neither_offered_nor_touched(
    qtbot, window, demo_path, settings
):
    gwen = window.ws.profile.id
    open_titled(qtbot, window, MERIDIAN)
    select_text(window, SENTENCE)
    window.make_claim()
    window.editor.statement.setPlainText("Gwen's unsaved words")
    window.recovery.keep()
    crash(window)
    other = reopen(qtbot, demo_path, settings, OTHER)
    assert other.recovery.pending is None and not other.recovery.banner.isVisible()
    open_titled(qtbot, other, MERIDIAN)
    select_text(other, SENTENCE)
    other.make_claim()
    other.editor.statement.setPlainText("Omar's own words")
    other.recovery.keep()
    assert other.ws.unsaved(kept_name(OTHER.id))["values"]["statement"] == "Omar's own words"
    assert other.ws.unsaved(kept_name(gwen))["values"]["statement"] == "Gwen's unsaved words"
    other.editor.ask_unsaved = lambda: "discard"
    other.close()
    back = reopen(qtbot, demo_path, settings)
    assert back.recovery.pending["values"]["statement"] == "Gwen's unsaved words"
    back.shutdown()
