"""Bundle exchange through the GUI: export, refused import, trusting a key, preview, apply,
re-import, and resolving a conflict, between two demo workstations in one process.

Set ASSAY_SHOT_DIR to keep the dialogs' PNGs (tools: docs/screenshots/bundle-import.png)."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt

from desktop.core.kernel.profile import Profile
from desktop.core.workspace import Workspace
from desktop.ui.main_window import MainWindow

from ..test_bundles_helpers import ADA, BEN

SUE = Profile(
    id="77777777-7777-4777-8777-777777777777",
    name="Sue Supervisor",
    role="supervisor",
    configured=True,
)
WAIT = 20_000


def station(template: Path, root: Path, name: str, profile: Profile) -> Workspace:
    """A copy of the demo workspace as its own workstation (its own replica id)."""
    path = root / name
    shutil.copytree(template, path, ignore=shutil.ignore_patterns("lock"))
    con = sqlite3.connect(path / Workspace.DB_NAME)
    con.execute("UPDATE workspace SET id = ?, name = ?", [f"replica-{name}", name])
    con.commit()
    con.close()
    return Workspace.open(path, profile=profile)


def open_window(qtbot, ws: Workspace, tmp_path: Path, name: str) -> MainWindow:
    settings = QSettings(str(tmp_path / f"{name}.ini"), QSettings.Format.IniFormat)
    win = MainWindow(ws, settings=settings)
    qtbot.addWidget(win)
    win.resize(1200, 800)
    win.show()
    qtbot.waitExposed(win)
    return win


def shot(dialog, name: str, tmp_path: Path) -> Path:
    folder = Path(os.environ.get("ASSAY_SHOT_DIR") or tmp_path / "shots")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    dialog.layout().activate()  # labels whose text just changed get their height first
    assert dialog.grab().save(str(path))
    return path


def idle(qtbot, dialog) -> None:
    qtbot.waitUntil(lambda: not dialog.busy(), timeout=WAIT)


@pytest.fixture
def stations(qtbot, gui_demo_template, tmp_path):
    a = station(gui_demo_template, tmp_path, "a", ADA)
    b = station(gui_demo_template, tmp_path, "b", BEN)
    win_a = open_window(qtbot, a, tmp_path, "a")
    win_b = open_window(qtbot, b, tmp_path, "b")
    yield a, b, win_a, win_b
    win_a.shutdown()
    win_b.shutdown()


def menu_texts(win: MainWindow, name: str) -> list[str]:
    return [a.text().replace("&", "") for a in win.menu(name).actions()]


def test_export_trust_import_reimport_and_resolve(qtbot, stations, tmp_path):
    a, b, win_a, win_b = stations
    assert {"Export bundle…", "Import bundle…"} <= set(menu_texts(win_a, "File"))
    assert "Keys…" in menu_texts(win_a, "Tools")
    assert "Conflicts…" in menu_texts(win_a, "Review")

    doc = a.list_documents()[0]
    text = a.document(doc["id"]).text
    start = text.index(" ") + 1
    claim_id = a.add_claim(
        doc["id"], start, start + 30, "A's reading of the opening", credibility=2
    ).created

    # -- export from A through the dialog ------------------------------------------------------
    win_a.exchange_ui.export_action.trigger()
    export = win_a.exchange_ui.export_dialog
    assert export.isVisible()
    bundle = tmp_path / "a1.assay"
    export.dest.setText(str(bundle))
    export.ceiling.setCurrentIndex(export.ceiling.findData("RED"))
    qtbot.mouseClick(export.export_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: export.info is not None, timeout=WAIT)
    a_fp = a.my_key().fingerprint
    assert bundle.is_file()
    assert a_fp in export.result.toPlainText() and str(bundle) in export.result.toPlainText()
    assert "claims 1" in export.result.toPlainText()
    shot(export, "bundle-export.png", tmp_path)

    # -- B refuses it: A's key is unknown, and the message names its fingerprint ------------------
    win_b.exchange_ui.import_action.trigger()
    imp = win_b.exchange_ui.import_dialog
    imp.path.setText(str(bundle))
    qtbot.mouseClick(imp.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: imp.inspection is not None, timeout=WAIT)
    assert imp.inspection.error is not None and imp.inspection.preview is None
    assert "does not trust" in imp.status.text() and a_fp in imp.status.text()
    assert "Ada Analyst" in imp.signer.text()  # who it says it is, shown but not trusted
    assert not imp.apply_button.isEnabled()
    shot(imp, "bundle-import-refused.png", tmp_path)

    # -- A exports its public key; B trusts it with the fingerprint read out of band ----------
    keys_a = win_a.exchange_ui.show_keys()
    idle(qtbot, keys_a)
    assert keys_a.my_fingerprint.text() == a_fp
    key_file = tmp_path / "ada.key.json"
    keys_a.export_key(str(key_file))
    idle(qtbot, keys_a)
    assert key_file.is_file() and a_fp in keys_a.status.text()

    win_b.exchange_ui.keys_action.trigger()
    keys_b = win_b.exchange_ui.keys_dialog
    idle(qtbot, keys_b)
    assert [k.name for k in keys_b.keys if k.name == "Ada Analyst"] == []
    keys_b.key_file.setText(str(key_file))
    keys_b.fingerprint.setText("0000 1111 2222 3333 4444")  # misheard
    qtbot.mouseClick(keys_b.trust_button, Qt.MouseButton.LeftButton)
    idle(qtbot, keys_b)
    assert "does not match" in keys_b.status.text() and "NOT trusted" in keys_b.status.text()
    shot(keys_b, "keys-mismatch.png", tmp_path)
    keys_b.fingerprint.setText(a_fp)
    qtbot.mouseClick(keys_b.trust_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: any(k.name == "Ada Analyst" and k.status == "trusted" for k in keys_b.keys),
        timeout=WAIT,
    )
    rows = [keys_b.table.item(r, 0).text() for r in range(keys_b.table.rowCount())]
    assert "Ada Analyst" in rows and "Trusted Ada Analyst" in keys_b.status.text()
    shot(keys_b, "keys.png", tmp_path)

    # -- now the preview shows the new claim; apply it ----------------------------------------
    qtbot.mouseClick(imp.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: imp.inspection is not None and not imp.busy(), timeout=WAIT)
    assert imp.inspection.error is None, imp.status.text()
    cells = imp.preview_counts()
    assert cells["claims"]["new"] == "1" and cells["annotations"]["new"] == "1"
    assert "verified" in imp.status.text() and imp.apply_button.isEnabled()
    shot(imp, "bundle-import.png", tmp_path)
    with pytest.raises(Exception):  # noqa: B017 - not in B yet
        b.annotation(claim_id)

    qtbot.mouseClick(imp.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: imp.result is not None, timeout=WAIT)
    got = b.annotation(claim_id)
    assert (got.statement, got.credibility, got.analyst) == (
        "A's reading of the opening",
        2,
        "Ada Analyst",
    )
    assert "Imported bundle" in imp.log.toPlainText()
    shot(imp, "bundle-import-applied.png", tmp_path)

    # -- re-import: already imported, nothing changed -----------------------------------------
    imp.result = None
    qtbot.mouseClick(imp.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: imp.apply_button.isEnabled(), timeout=WAIT)
    assert "Already imported" in imp.status.text()
    qtbot.mouseClick(imp.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: imp.result is not None, timeout=WAIT)
    assert imp.result.already_imported
    assert "Already imported, nothing changed." in imp.log.toPlainText()

    # -- a conflict: the same claim field edited on both workstations ---------------------------
    b.switch_analyst(ADA)  # Ada at B's keyboard: the claim is hers on both sides
    b.edit_claim(claim_id, credibility=4)
    a.edit_claim(claim_id, credibility=5)
    b.switch_analyst(BEN)
    a.export_bundle(tmp_path / "a2.assay")
    assert b.import_bundle(tmp_path / "a2.assay").conflicts == 1

    win_b.exchange_ui.conflicts_action.trigger()
    conflicts = win_b.exchange_ui.conflicts_dialog
    qtbot.waitUntil(lambda: conflicts.table.rowCount() == 1, timeout=WAIT)
    row = [conflicts.table.item(0, c).text() for c in range(conflicts.table.columnCount())]
    assert row[1] == "credibility" and {row[2], row[3]} == {"4", "5"}
    assert "A's reading" in row[0]
    # an analyst may look but not settle it
    qtbot.mouseClick(conflicts.local_button, Qt.MouseButton.LeftButton)
    idle(qtbot, conflicts)
    assert "Only a supervisor" in conflicts.status.text()
    assert len(b.conflicts()) == 1
    shot(conflicts, "conflicts.png", tmp_path)

    b.switch_analyst(SUE)
    conflicts.value.setText("3")
    qtbot.mouseClick(conflicts.value_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: conflicts.table.rowCount() == 0 and not conflicts.busy(), timeout=WAIT)
    assert b.annotation(claim_id).credibility == 3
    assert b.conflicts() == [] and b.conflicts(unresolved_only=False)[0].resolved_by == SUE.id
    assert conflicts.empty.isVisible() and "Resolved" in conflicts.status.text()
    shot(conflicts, "conflicts-resolved.png", tmp_path)


def test_the_preview_says_a_bundle_removes_documents(qtbot, stations, tmp_path):
    a, b, _win_a, win_b = stations
    key = tmp_path / "ada.key.json"
    b.trust_key(key, a.export_public_key(key).fingerprint)
    gone = a.list_documents()[0]
    a.remove_document(gone["id"])
    a.export_bundle(tmp_path / "removal.assay")

    win_b.exchange_ui.import_action.trigger()
    imp = win_b.exchange_ui.import_dialog
    imp.path.setText(str(tmp_path / "removal.assay"))
    qtbot.mouseClick(imp.check_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: imp.inspection is not None and not imp.busy(), timeout=WAIT)
    assert "It removes 1 document(s) here (the sender removed them)." in imp.status.text()
    assert b.document(gone["id"]).title == gone["title"]  # only a preview so far
    qtbot.mouseClick(imp.apply_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: imp.result is not None, timeout=WAIT)
    assert "removed by the sender" in imp.log.toPlainText()
    assert win_b.library.model.row_of(gone["id"]) is None
