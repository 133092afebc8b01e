"""File → Export… and File → Import annotations… on copies of the demo workspace.

Set ASSAY_SHOT_DIR to keep the export dialog's PNG (docs/screenshots/export-dialog.png)."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from desktop.core.workspace import Workspace
from desktop.ui.export_dialog import ExportDialog, ImportAnnotationsDialog, set_checked
from desktop.ui.main_window import MainWindow

WAIT = 15000


def first_doc(ws: Workspace, marking: str) -> dict:
    return next(d for d in ws.list_documents(order="title") if d["marking"] == marking)


def claim_on(ws: Workspace, doc: dict, statement: str, **ratings) -> str:
    text = ws.document(doc["id"]).text
    start = text.index(" ", 20) + 1
    return ws.add_claim(doc["id"], start, start + 40, statement, **ratings).created


@pytest.fixture
def claims(window) -> dict[str, str]:
    """A claim on a GREEN and one on an AMBER demo document, made through the core."""
    ws = window.ws
    green, amber = first_doc(ws, "GREEN"), first_doc(ws, "AMBER")
    claim_on(
        ws,
        green,
        "Green-level claim about lab output",
        credibility=2,
        likelihood="likely",
        confidence="moderate",
        tags=["topic/ai"],
    )
    claim_on(ws, amber, "Amber-level claim about export controls", likelihood="unlikely")
    return {"green": green["title"], "amber": amber["title"]}


def second_window(qtbot, template: Path, tmp_path: Path) -> MainWindow:
    """Another workstation: a fresh copy of the demo workspace in its own window."""
    other = tmp_path / "other"
    shutil.copytree(template, other, ignore=shutil.ignore_patterns("lock"))
    win = MainWindow(
        Workspace.open(other),
        settings=QSettings(str(tmp_path / "w2.ini"), QSettings.Format.IniFormat),
    )
    qtbot.addWidget(win)
    return win


def open_export(window: MainWindow) -> ExportDialog:
    window.export_ui.export_action.trigger()
    dialog = window.export_ui.export_dialog
    assert isinstance(dialog, ExportDialog) and dialog.isVisible()
    return dialog


def run_export(qtbot, dialog: ExportDialog, fmt: str, dest: Path, ceiling: str = "RED"):
    dialog.set_format(fmt)
    dialog.set_ceiling(ceiling)
    dialog.dest.setText(str(dest))
    with qtbot.waitSignal(dialog.exported, timeout=WAIT) as blocker:
        dialog.export_button.click()
    return blocker.args[0]


def shot(dialog, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ASSAY_SHOT_DIR") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    dialog.layout().activate()
    assert dialog.grab().save(str(path))
    return path


def test_menu_holds_export_and_import(window):
    texts = [a.text() for a in window.menus["file"].actions()]
    assert "&Export…" in texts and "Import &annotations…" in texts
    assert texts.index("&Export…") < texts.index("&Quit")


def test_csv_with_green_ceiling_withholds_amber(qtbot, window, claims, tmp_path):
    dialog = open_export(window)
    assert dialog.ceiling.currentData() == "RED"  # the default
    assert dialog.documents.count() == len(window.ws.list_documents())
    dest = tmp_path / "claims.csv"
    result = run_export(qtbot, dialog, "csv", dest, ceiling="GREEN")
    assert dest.is_file()
    text = dest.read_text(encoding="utf-8-sig")
    rows = list(csv.reader(text.splitlines()))
    assert len(rows) == 2  # the header and the GREEN document's claim
    assert "Green-level claim about lab output" in text
    assert "Amber-level claim" not in text and claims["amber"] not in text
    assert result.claims == 1 and result.highest_marking == "GREEN"
    assert result.withheld == 3  # two AMBER and one AMBER+STRICT documents
    shown = dialog.result_label.text()
    assert "Highest marking in the export: TLP:GREEN" in shown
    assert "Withheld: 3 document(s) marked above TLP:GREEN" in shown
    assert dialog.result_label.isVisible()
    shot(dialog, "export-dialog.png", tmp_path)


def test_stix_and_pdf_with_a_document_selection(qtbot, window, claims, tmp_path):
    dialog = open_export(window)
    dest = tmp_path / "bundle.json"
    result = run_export(qtbot, dialog, "stix", dest)
    bundle = json.loads(dest.read_text(encoding="utf-8"))
    assert bundle["type"] == "bundle" and result.claims == 2
    assert result.highest_marking == "AMBER+STRICT"  # every document leaves, claims or not
    assert {o["type"] for o in bundle["objects"]} >= {"report", "note"}

    dialog.some_documents.setChecked(True)
    ids = [d["id"] for d in window.ws.list_documents() if d["title"] == claims["green"]]
    set_checked(dialog.documents, set(ids))
    dialog.title.setText("Lab output")
    pdf = tmp_path / "report.pdf"
    result = run_export(qtbot, dialog, "pdf", pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert result.documents == 1 and result.claims == 1 and result.highest_marking == "GREEN"


def test_export_errors_are_shown(qtbot, window, tmp_path):
    dialog = open_export(window)
    dialog.dest.setText("")
    assert dialog.start() is None
    assert "Choose where to save" in dialog.result_label.text()
    dialog.dest.setText(str(tmp_path / "missing-folder" / "x.csv"))
    dialog.set_format("csv")
    with qtbot.waitSignal(dialog.export_failed, timeout=WAIT):
        dialog.export_button.click()
    assert "does not exist" in dialog.result_label.text()
    assert dialog.export_button.isEnabled()


def test_web_annotation_round_trip_through_the_dialogs(
    qtbot, window, claims, gui_demo_template, tmp_path
):
    dest = tmp_path / "claims.jsonld"
    result = run_export(qtbot, open_export(window), "webanno", dest)
    assert result.claims == 2

    win2 = second_window(qtbot, gui_demo_template, tmp_path)
    ws2 = win2.ws
    try:
        assert ws2.claims() == []
        win2.export_ui.import_action.trigger()
        dialog = win2.export_ui.import_dialog
        assert isinstance(dialog, ImportAnnotationsDialog)
        dialog.path.setText(str(dest))
        with qtbot.waitSignal(dialog.imported, timeout=WAIT) as blocker:
            dialog.import_button.click()
        summary = blocker.args[0]
        assert len(summary.annotations_created) == 2
        statements = {c.statement for c in ws2.claims()}
        assert statements == {
            "Green-level claim about lab output",
            "Amber-level claim about export controls",
        }
        assert "Imported 2 annotation(s)" in dialog.result_label.text()

        # a second import finds them already there; a bad file is a clear error
        with qtbot.waitSignal(dialog.imported, timeout=WAIT):
            dialog.import_button.click()
        assert "2 already here." in dialog.result_label.text()
        bad = tmp_path / "bad.json"
        bad.write_text("not json at all", encoding="utf-8")
        dialog.path.setText(str(bad))
        with qtbot.waitSignal(dialog.import_failed, timeout=WAIT):
            dialog.import_button.click()
        assert dialog.result_label.styleSheet() and len(ws2.claims()) == 2
    finally:
        win2.shutdown()


def test_stix_import_brings_the_review_thread_back(
    qtbot, window, claims, gui_demo_template, tmp_path
):
    """A claim approved on one workstation arrives approved on another, with its thread."""
    from desktop.core.kernel.profile import Profile

    ws = window.ws
    claim = next(c for c in ws.claims() if c.statement.startswith("Green-level"))
    ws.submit(claim.id, "ready")
    author = ws.profile
    sam = Profile(
        id="77777777-7777-4777-8777-777777777777",
        name="Sam Supervisor",
        role="supervisor",
        configured=True,
    )
    ws.switch_analyst(sam)
    ws.review(claim.id, "approve", "Two sources agree.")
    ws.switch_analyst(author)
    dest = tmp_path / "claims.stix.json"
    run_export(qtbot, open_export(window), "stix", dest)

    win2 = second_window(qtbot, gui_demo_template, tmp_path)
    ws2 = win2.ws
    # only a supervisor brings decisions in from a file (it is unsigned)
    ws2.switch_analyst(
        Profile(
            id="88888888-8888-4888-8888-888888888888",
            name="Rui Desk",
            role="supervisor",
            configured=True,
        )
    )
    try:
        win2.export_ui.import_action.trigger()
        dialog = win2.export_ui.import_dialog
        dialog.path.setText(str(dest))
        with qtbot.waitSignal(dialog.imported, timeout=WAIT):
            dialog.import_button.click()
        assert "2 review step(s)." in dialog.result_label.text()
        got = ws2.annotation(claim.id)
        assert (got.status, got.analyst) == ("approved", author.name)
        assert [(r.decision, r.reviewer) for r in ws2.reviews(claim.id)] == [
            ("submit", author.name),
            ("approve", "Sam Supervisor"),
        ]
        from desktop.ui.review_thread import thread_html

        assert thread_html(ws2.reviews(claim.id)).count("imported from claims.stix.json") == 2
        shots = os.environ.get("ASSAY_SHOT_DIR")
        if shots:
            dialog.grab().save(str(Path(shots) / "import-stix-reviews.png"))
    finally:
        win2.shutdown()
