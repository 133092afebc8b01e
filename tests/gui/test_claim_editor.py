"""The claim editor dock: inline errors, links by search, tag completion, review status,
submit, delete and unsaved edits."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop.core.kernel.profile import Profile
from desktop.core.workspace import Workspace
from desktop.ui.main_window import MainWindow

from .conftest import GUI_TESTER

BOB = Profile(id="44444444-4444-4444-8444-444444444444", name="Bob Other", configured=True)
SAM = Profile(
    id="55555555-5555-4555-8555-555555555555",
    name="Sam Supervisor",
    role="supervisor",
    configured=True,
)


@pytest.fixture
def open_window(qtbot, settings):
    """Open a MainWindow on a prepared workspace (as the GUI tester); shut down after."""
    windows: list[MainWindow] = []

    def make(path) -> MainWindow:
        win = MainWindow(Workspace.open(path), settings=settings)
        qtbot.addWidget(win)
        win.resize(1400, 900)
        win.show()
        qtbot.waitExposed(win)
        windows.append(win)
        return win

    yield make
    for win in windows:
        win.shutdown()


def first_doc(ws: Workspace) -> str:
    return ws.document_ids(order="title")[0]


def show(window: MainWindow, ann_id: str) -> None:
    ann = window.ws.annotation(ann_id)
    assert window.open_annotation(ann.document_id, ann_id)
    assert window.editor.current_id() == ann_id


def test_another_analysts_claim_refuses_edits_inline(qtbot, demo_path, open_window):
    with Workspace.open(demo_path, profile=BOB) as ws:
        ann_id = ws.add_claim(first_doc(ws), 10, 40, "Bob's reading", credibility=3).created
    window = open_window(demo_path)
    show(window, ann_id)
    editor = window.editor
    assert "another analyst" in editor.owner.text() and "Bob Other" in editor.owner.text()
    assert not editor.submit_button.isEnabled() and not editor.delete_button.isEnabled()
    editor.statement.setPlainText("My better reading")
    assert editor.save_button.isEnabled()
    job = editor.save()
    with qtbot.waitSignal(job.finished, timeout=10000):
        pass
    assert "belongs to Bob Other" in editor.error_text()
    assert editor.error.isVisible()
    assert window.last_error is None  # inline, no dialog
    assert editor.statement.toPlainText() == "My better reading"  # the edit is kept to copy
    assert window.ws.annotation(ann_id).statement == "Bob's reading"


def test_a_malformed_tag_is_explained_inline(qtbot, window):
    doc = window.ws.document(first_doc(window.ws))
    window.open_document(doc.id)
    window.reader.select_span(0, 12)
    assert window.make_claim()
    editor = window.editor
    qtbot.keyClicks(editor.tags.line, "actor//state")
    qtbot.keyClick(editor.tags.line, Qt.Key.Key_Return)
    assert "empty part" in editor.error_text()
    assert editor.tags.tags() == []


def test_the_tag_completer_offers_existing_tags_with_their_hierarchy(qtbot, window):
    ws = window.ws
    ws.add_claim(first_doc(ws), 0, 10, "x", tags=["actor/state", "capability/vuln-discovery"])
    window.tags.reload()
    window.open_document(first_doc(ws))
    window.reader.select_span(20, 40)
    window.make_claim()
    editor = window.editor
    editor.tags.line.setFocus()
    qtbot.keyClicks(editor.tags.line, "sta")
    completer = editor.tags.completer
    offered = [
        completer.completionModel().index(r, 0).data() for r in range(completer.completionCount())
    ]
    assert offered == ["actor/state"]
    qtbot.waitUntil(completer.popup().isVisible)
    completer.activated.emit("actor/state")  # as a click on the offer does
    qtbot.waitUntil(lambda: editor.tags.line.text() == "")
    assert editor.tags.tags() == ["actor/state"]
    editor.tags.line.setText("")
    qtbot.keyClicks(editor.tags.line, "cap")
    assert completer.currentCompletion() == "capability"
    assert completer.completionCount() == 2  # the parent and its child


def test_the_link_picker_links_two_claims_and_a_link_can_be_removed(qtbot, window):
    ws = window.ws
    doc_a, doc_b = ws.document_ids(order="title")[:2]
    a = ws.add_claim(doc_a, 0, 20, "Export controls slow accelerator supply").created
    b = ws.add_claim(doc_b, 0, 20, "Smuggling keeps the xylophonic chips flowing").created
    show(window, a)
    editor = window.editor
    picker = editor.open_link_picker()
    qtbot.waitUntil(lambda: picker.running is None, timeout=10000)
    assert [c.id for c in picker.candidates] == [b]  # the newest claims, not this one
    qtbot.keyClicks(picker.query, "xylophonic")
    qtbot.waitUntil(
        lambda: picker.running is None and picker.query.text() in picker.status.text(),
        timeout=10000,
    )
    assert [c.id for c in picker.candidates] == [b]
    picker.results.setCurrentRow(0)
    picker.relation.setCurrentIndex(picker.relation.findData("contradicts"))
    picker.comment.setText("different years")
    qtbot.mouseClick(picker.link_button, Qt.MouseButton.LeftButton)
    assert not picker.isVisible()
    assert any("contradicts" in t and "(unsaved)" in t for t in editor.link_texts())
    with qtbot.waitSignal(window.changes_applied, timeout=10000):
        editor.save()
    links = ws.links(a)
    assert [(x.to_id, x.relation, x.comment) for x in links] == [
        (b, "contradicts", "different years")
    ]
    assert editor.link_texts() == [
        f"contradicts “Smuggling keeps the xylophonic chips flowing” ({ws.document(doc_b).title})"
    ]
    # the other claim lists it from its side
    assert ws.links(b)[0].from_id == a

    editor._remove_link(links[0].id)
    assert editor.link_texts() == []
    with qtbot.waitSignal(window.changes_applied, timeout=10000):
        editor.save()
    assert ws.links(a) == []


def test_submit_delete_and_the_supervisors_last_word(qtbot, demo_path, open_window):
    with Workspace.open(demo_path, profile=GUI_TESTER) as ws:
        doc = first_doc(ws)
        returned = ws.add_claim(doc, 0, 15, "Returned one", likelihood="unlikely").created
        ws.submit(returned)
        draft = ws.add_claim(doc, 30, 45, "Draft one").created
    with Workspace.open(demo_path, profile=SAM) as ws:
        ws.review(returned, "request_changes", "Cite the preprint, not the article")
    window = open_window(demo_path)
    show(window, returned)
    editor, model = window.editor, window.annotations.model
    assert "changes requested" in editor.review_label.text()
    assert "Sam Supervisor" in editor.review_label.text() and "Cite the preprint" in (
        editor.review_label.text()
    )
    row = model.index(model.row_of(returned)).data(Qt.ItemDataRole.AccessibleTextRole)
    assert "changes requested" in row and "Sam Supervisor: Cite the preprint" in row
    assert editor.submit_button.isEnabled()

    # submit the returned claim after an edit: one click saves and submits
    editor.rationale.setPlainText("Now cites the preprint")
    assert editor.submit_button.text() == "Save and submit"
    with qtbot.waitSignal(window.changes_applied, timeout=10000):
        qtbot.mouseClick(editor.submit_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: editor.job is None)
    stored = window.ws.annotation(returned)
    assert (stored.status, stored.rationale) == ("submitted", "Now cites the preprint")
    assert "submitted" in model.index(model.row_of(returned)).data()
    assert not editor.submit_button.isEnabled()

    # delete asks first; "no" keeps it, "yes" removes it
    show(window, draft)
    editor.confirm_delete = lambda ann: False
    assert editor.delete() is None
    editor.confirm_delete = lambda ann: True
    with qtbot.waitSignal(window.changes_applied, timeout=10000):
        qtbot.mouseClick(editor.delete_button, Qt.MouseButton.LeftButton)
    assert model.row_of(draft) is None and editor.current_id() is None
    assert window.undo_action.text() == "&Undo Delete annotation"


def test_unsaved_edits_are_not_lost_by_selecting_another_claim(qtbot, window):
    ws = window.ws
    doc = first_doc(ws)
    one = ws.add_claim(doc, 0, 10, "one").created
    two = ws.add_claim(doc, 20, 30, "two").created
    show(window, one)
    editor = window.editor
    editor.statement.setPlainText("one, edited")
    asked: list[str] = []
    editor.ask_unsaved = lambda: asked.append("?") or "cancel"
    assert not window.select_annotation(two)
    assert asked and editor.current_id() == one
    assert window.annotations.selected_id() == one
    assert editor.statement.toPlainText() == "one, edited"
    editor.ask_unsaved = lambda: "save"
    window.select_annotation(two)
    qtbot.waitUntil(lambda: editor.current_id() == two, timeout=10000)
    assert ws.annotation(one).statement == "one, edited"
    assert window.annotations.selected_id() == two == window.reader.selected_annotation


def _claims_of(ws: Workspace, doc: str) -> list:
    return [a for a in ws.annotations(doc) if a.kind == "claim"]


def test_one_save_is_one_undo_step_and_a_refused_part_stores_nothing(tmp_path, demo_path):
    """A Save that rates, tags, links and submits is one step; undone, the store is as before.
    When the core refuses one part (a link to a note), nothing of the Save is kept."""
    import shutil

    from desktop.ui.claim_editor import Edits, PendingLink, apply_edits

    from ..store_digest import diff, store_digest

    shutil.copytree(demo_path, tmp_path / "ws", ignore=shutil.ignore_patterns("lock"))
    with Workspace.open(tmp_path / "ws") as ws:
        doc = first_doc(ws)
        mine = ws.add_claim(doc, 10, 40, "First reading", credibility=3).created
        other = ws.add_claim(doc, 50, 80, "Second reading").created
        note = ws.add_note(doc, 90, 100, comment="just a note").created
        before = store_digest(ws)
        edits = Edits(
            values={"credibility": 2, "likelihood": "likely"},
            add_tags=["actor/state"],
            add_links=[PendingLink(other, "corroborates", "same source")],
            submit=True,
        )
        outcome = apply_edits(ws, mine, None, edits)
        assert outcome.error is None and ws.undo_label() == "Edit claim"
        saved = ws.annotation(mine)
        assert (saved.credibility, saved.status, saved.tags) == (2, "submitted", ["actor/state"])
        assert [link.to_id for link in ws.links(mine)] == [other]
        ws.undo()  # one step takes all of it back
        after = store_digest(ws)
        assert after == before, diff(before, after)
        refused = Edits(
            values={"credibility": 5},
            add_tags=["policy"],
            add_links=[PendingLink(note, "corroborates", "")],
        )
        outcome = apply_edits(ws, mine, None, refused)
        assert outcome.error is not None and "claim" in str(outcome.error)
        assert not outcome.changes
        after = store_digest(ws)
        assert after == before, diff(before, after)
        assert ws.annotation(mine).credibility == 3 and _claims_of(ws, doc)
