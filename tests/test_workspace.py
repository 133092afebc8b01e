"""Workspace facade: create/open/lock, import, list, search, check, backup, recovery."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from desktop.core.kernel.errors import (
    NotFound,
    QueryError,
    ReadOnlyWorkspace,
    WorkspaceError,
    WorkspaceLocked,
)
from desktop.core.workspace import Cancel, Workspace

from .conftest import write_texts

REPORTS = {
    "alpha.txt": "Export controls on accelerators\n\nThe ministry says domestic chips will meet "
    "demand by 2028. Analysts doubt the timeline.",
    "beta.md": "---\ntitle: Exploit agents\nauthor: R. Okafor\ndate: 2026-03-14\n"
    "source: Meridian Ledger\nmarking: AMBER\n---\n# Exploit agents\n\nAI-assisted tools now "
    "find and exploit vulnerabilities faster than defenders can patch them.",
    "gamma.txt": "国产芯片\n\n受出口管制影响，国产人工智能芯片的供应链正在加速调整。",
}


def test_create_open_and_second_writer_is_refused(tmp_path, analyst):
    ws = Workspace.create(tmp_path / "w", profile=analyst)
    assert (tmp_path / "w" / "assay.db").exists()
    assert (tmp_path / "w" / "index").is_dir()
    with pytest.raises(WorkspaceLocked, match="read-only"):
        Workspace.open(tmp_path / "w", profile=analyst)
    ws.close()
    Workspace.open(tmp_path / "w", profile=analyst).close()


def test_second_process_gets_a_clear_message_and_changes_nothing(ws, tmp_path):
    write_texts(tmp_path / "in", {"a.txt": "one document about export controls"})
    code = textwrap.dedent(f"""
        import sys
        from desktop.cli import main
        sys.exit(main(["import", "--workspace", {str(ws.path)!r}, {str(tmp_path / "in")!r}]))
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "open for writing in another Assay process" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert ws.count_documents() == 0


def test_opening_a_folder_that_is_not_a_workspace(tmp_path):
    with pytest.raises(WorkspaceError, match="not an Assay workspace"):
        Workspace.open(tmp_path)


def test_import_reports_imported_duplicates_and_failures(ws, tmp_path):
    files = write_texts(tmp_path / "in", REPORTS)
    (tmp_path / "in" / "copy.txt").write_bytes(files[0].read_bytes())
    (tmp_path / "in" / "empty.txt").write_bytes(b"")
    (tmp_path / "in" / "picture.png").write_bytes(b"\x89PNG")
    report = ws.import_paths([tmp_path / "in", tmp_path / "missing.txt"])
    assert len(report.imported) == 3
    assert [p.endswith("copy.txt") or p.endswith("alpha.txt") for p in report.duplicates] == [True]
    reasons = {p.path.rsplit("/", 1)[-1]: p.reason for p in report.failed}
    assert "empty" in reasons["empty.txt"]
    assert "no such file" in reasons["missing.txt"]
    assert report.skipped and report.skipped[0].endswith("picture.png")
    assert "3 imported, 1 duplicates skipped, 2 failed" in report.summary()
    assert ws.count_documents() == 3
    again = ws.import_paths([tmp_path / "in"])
    assert again.imported == [] and len(again.duplicates) == 4
    assert ws.check().ok, ws.check().problems


def test_document_metadata_from_front_matter_and_blob(ws, tmp_path):
    write_texts(tmp_path / "in", {"beta.md": REPORTS["beta.md"]})
    ws.import_paths([tmp_path / "in"])
    doc = ws.find_document("Exploit agents")
    assert doc.author == "R. Okafor"
    assert doc.published_at.startswith("2026-03-14")
    assert doc.source == "Meridian Ledger"
    assert doc.marking == "AMBER"
    assert doc.language == "en"
    assert "title:" not in doc.text
    assert ws.blob_path(doc.sha256).read_bytes() == (tmp_path / "in" / "beta.md").read_bytes()
    assert ws.find_document(doc.id[:8]).id == doc.id
    with pytest.raises(NotFound):
        ws.find_document("no such title anywhere")


def test_search_fields_dates_chinese_and_highlights(ws, tmp_path):
    write_texts(tmp_path / "in", REPORTS)
    ws.import_paths([tmp_path / "in"])
    hits = ws.search("vulnerability", highlight="plain")
    assert [h.title for h in hits] == ["Exploit agents"]
    assert "[vulnerabilities]" in hits[0].fragments["body"]
    assert [h.title for h in ws.search("author:okafor")] == ["Exploit agents"]
    assert [h.title for h in ws.search("source:meridian")] == ["Exploit agents"]
    assert [h.title for h in ws.search("marking:amber")] == ["Exploit agents"]
    assert [h.title for h in ws.search("date:[2026-03-01 to 2026-03-31]")] == ["Exploit agents"]
    assert ws.search("date:[2025-01-01 to 2025-12-31]") == []
    assert [h.title for h in ws.search('"domestic chips"')] == ["Export controls on accelerators"]
    # a two-character Chinese word inside a sentence
    zh = ws.search("芯片", highlight="plain")
    assert [h.title for h in zh] == ["国产芯片"]
    assert "[芯片]" in zh[0].fragments["body"]
    assert [h.title for h in ws.search("lang:zh 供应链")] == ["国产芯片"]
    assert [h.title for h in ws.search("acceler*")] == ["Export controls on accelerators"]


@pytest.mark.parametrize(
    "bad, message",
    [
        ('"unclosed phrase', "quotation mark"),
        ("(export controls", "parenthesis"),
        ("colour:red", "Unknown field"),
        ("ex*", "too short"),
        ("date:[nonsense to 2020]", "Cannot read"),
        ("   ", "empty"),
    ],
)
def test_malformed_queries_get_clear_errors(ws, bad, message):
    with pytest.raises(QueryError, match=message):
        ws.search(bad)


def test_list_filters_and_sorting(ws, tmp_path):
    write_texts(tmp_path / "in", REPORTS)
    ws.import_paths([tmp_path / "in"])
    assert [d["title"] for d in ws.list_documents(language="zh")] == ["国产芯片"]
    assert [d["title"] for d in ws.list_documents(marking="amber")] == ["Exploit agents"]
    assert [d["title"] for d in ws.list_documents(source="Meridian")] == ["Exploit agents"]
    titles = [d["title"] for d in ws.list_documents(order="title")]
    assert titles == sorted(titles, key=str.casefold)
    assert [d["title"] for d in ws.list_documents(since="2026-03-01", until="2026-03-31")] == [
        "Exploit agents"
    ]
    with pytest.raises(WorkspaceError, match="Cannot sort"):
        ws.list_documents(order="nonsense")


def test_read_only_workspace_refuses_writes_and_changes_nothing(ws, tmp_path, analyst):
    write_texts(tmp_path / "in", REPORTS)
    ws.import_paths([tmp_path / "in"])
    before = (ws.path / "assay.db").stat().st_mtime_ns
    ro = Workspace.open(ws.path, readonly=True, profile=analyst)
    try:
        assert ro.count_documents() == 3
        assert [h.title for h in ro.search("vulnerability")] == ["Exploit agents"]
        with pytest.raises(ReadOnlyWorkspace, match="read-only"):
            ro.import_paths([tmp_path / "in"])
        with pytest.raises(ReadOnlyWorkspace):
            ro.set_source("Somebody", reliability="B")
    finally:
        ro.close()
    assert ws.count_documents() == 3
    assert (ws.path / "assay.db").stat().st_mtime_ns == before


def test_check_detects_missing_and_orphan_blobs_and_index_gaps(ws, tmp_path):
    write_texts(tmp_path / "in", REPORTS)
    ws.import_paths([tmp_path / "in"])
    assert ws.check().ok
    doc = ws.find_document("Exploit agents")
    blob = ws.blob_path(doc.sha256)
    data = blob.read_bytes()
    blob.unlink()
    assert any("no original file" in p for p in ws.check().problems)
    blob.write_bytes(data)
    stray = ws.blob_path("ab" * 32)
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"x")
    assert any("orphan blob" in p for p in ws.check().problems)
    stray.unlink()
    ws.index.write([], [doc.id])
    assert any("not in the search index" in p for p in ws.check().problems)
    assert ws.reindex() == 3
    assert ws.check().ok


def test_index_queue_is_replayed_on_open(tmp_path, analyst):
    ws = Workspace.create(tmp_path / "w", profile=analyst)
    write_texts(tmp_path / "in", REPORTS)
    ws.import_paths([tmp_path / "in"], index=False)
    assert ws.pending_index() == 3
    assert ws.search("vulnerability") == []
    ws.close()
    ws = Workspace.open(tmp_path / "w", profile=analyst)
    try:
        assert ws.pending_index() == 0
        assert [h.title for h in ws.search("vulnerability")] == ["Exploit agents"]
        assert ws.check().ok
    finally:
        ws.close()


def test_lost_index_is_rebuilt_from_the_store(tmp_path, analyst):
    import shutil

    ws = Workspace.create(tmp_path / "w", profile=analyst)
    write_texts(tmp_path / "in", REPORTS)
    ws.import_paths([tmp_path / "in"])
    ws.close()
    shutil.rmtree(tmp_path / "w" / "index")
    ws = Workspace.open(tmp_path / "w", profile=analyst)
    try:
        assert [h.title for h in ws.search("vulnerability")] == ["Exploit agents"]
        assert ws.check().ok
    finally:
        ws.close()


def test_cancelled_import_keeps_what_was_stored(ws, tmp_path):
    files = {f"doc{i:03}.txt": f"Report number {i} about supply chains." for i in range(50)}
    write_texts(tmp_path / "in", files)
    cancel = Cancel()

    def progress(done, total, message):
        if done >= 10 and message != "indexing":
            cancel.set()

    report = ws.import_paths([tmp_path / "in"], progress=progress, cancel=cancel)
    assert report.cancelled
    assert 10 <= len(report.imported) < 50
    assert ws.count_documents() == len(report.imported)
    ws.index_pending()
    assert ws.check().ok


def test_backup_is_a_workspace_that_opens(ws, tmp_path, analyst):
    write_texts(tmp_path / "in", REPORTS)
    ws.import_paths([tmp_path / "in"])
    dest = ws.backup(tmp_path / "backup")
    with pytest.raises(WorkspaceError, match="not empty"):
        ws.backup(tmp_path / "backup")
    copy = Workspace.open(dest, profile=analyst)
    try:
        assert copy.count_documents() == 3
        assert [h.title for h in copy.search("vulnerability")] == ["Exploit agents"]
        assert copy.check().ok
    finally:
        copy.close()


def test_audit_chain_records_imports_and_detects_tampering(ws, tmp_path):
    write_texts(tmp_path / "in", REPORTS)
    ws.import_paths([tmp_path / "in"])
    result = ws.verify_audit()
    assert result.ok and result.entries >= 4  # analyst + 3 imports (+ source)
    actions = [r[0] for r in ws.db.execute("SELECT action FROM audit ORDER BY seq")]
    assert actions.count("import") == 3
    ws.db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 2")
    ws.db.conn.commit()
    bad = ws.verify_audit()
    assert not bad.ok and bad.first_bad == 2
    assert any("audit log broken" in p for p in ws.check().problems)


def test_sources_and_document_edits_are_reindexed(ws, tmp_path):
    write_texts(tmp_path / "in", REPORTS)
    ws.import_paths([tmp_path / "in"])
    doc = ws.find_document("Export controls")
    ws.set_source("Halvorsen Institute", kind="think_tank", reliability="B")
    ws.update_document(
        doc.id, source="Halvorsen Institute", marking="GREEN", published_at="2025-11-02"
    )
    doc = ws.document(doc.id)
    assert (doc.source, doc.reliability, doc.marking) == ("Halvorsen Institute", "B", "GREEN")
    assert [h.title for h in ws.search("source:halvorsen marking:green")] == [doc.title]
    with pytest.raises(WorkspaceError, match="Marking"):
        ws.update_document(doc.id, marking="PURPLE")
    with pytest.raises(WorkspaceError, match="Reliability"):
        ws.set_source("X", reliability="Z")


def test_older_workspace_is_backed_up_then_upgraded(tmp_path, analyst):
    from db import migrations, store

    path = tmp_path / "old"
    path.mkdir()
    (path / "blobs" / "sha256").mkdir(parents=True)
    db = store.connect(path / "assay.db")
    migrations.migrations.apply(db, stop_before="m002_annotations")  # an early version's schema
    db["workspace"].insert({"id": "w-1", "name": "old", "created_at": "2025-01-01T00:00:00Z"})
    db.conn.commit()
    db.close()
    with pytest.raises(WorkspaceError, match="needs an upgrade"):
        Workspace.open(path, readonly=True, profile=analyst)
    ws = Workspace.open(path, profile=analyst)
    try:
        assert ws.upgraded_from and "m001_foundation" in ws.upgraded_from
        assert migrations.applied_names(ws.db) == migrations.all_names()
        backup = store.connect(Path(ws.upgraded_from), readonly=True)
        assert migrations.applied_names(backup) == ["m001_foundation"]
        backup.close()
        assert ws.check().ok
    finally:
        ws.close()


def test_newer_workspace_is_refused_and_left_alone(ws, analyst):
    ws.db.execute(
        "INSERT INTO _sqlite_migrations(migration_set, name, applied_at)"
        " VALUES ('assay', 'm999_from_the_future', '2030-01-01')"
    )
    ws.db.conn.commit()
    path = ws.path
    ws.close()
    before = (path / "assay.db").read_bytes()
    with pytest.raises(WorkspaceError, match="newer version of Assay"):
        Workspace.open(path, profile=analyst)
    assert (path / "assay.db").read_bytes() == before


def test_demo_creation_can_be_cancelled_and_leaves_nothing(tmp_path, analyst):
    from desktop.core.demo import create_demo
    from desktop.core.kernel.errors import Cancelled

    cancel = Cancel()

    def progress(done, total, name):
        if done >= 3:
            cancel.set()

    with pytest.raises(Cancelled):
        create_demo(tmp_path / "demo", progress=progress, cancel=cancel, profile=analyst)
    assert not (tmp_path / "demo").exists()


def test_sorting_by_marking_severity_and_exact_source(demo_ws):
    ids = demo_ws.document_ids(order="marking")
    ranks = [
        ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED").index(d["marking"])
        for d in (demo_ws.document_summaries(ids)[i] for i in ids)
    ]
    assert ranks == sorted(ranks) and ranks[-1] == 3
    src = next(s for s in demo_ws.sources() if s["name"].startswith("Office of Digital"))
    docs = demo_ws.list_documents(source_id=src["id"])
    assert len(docs) == src["documents"] == 2
    rel = [d["reliability"] for d in demo_ws.list_documents(order="reliability")]
    assert rel == sorted(rel)


def test_date_queries_are_exact_to_the_day(ws, tmp_path):
    write_texts(
        tmp_path / "in",
        {
            "jan.md": "---\ntitle: January note\ndate: 2026-01-10\n---\nexport controls",
            "mar.md": "---\ntitle: March note\ndate: 2026-03-14\n---\nexport controls",
        },
    )
    ws.import_paths([tmp_path / "in"])

    def titles(q):
        return sorted(h.title for h in ws.search(q))

    assert titles("date:[2026-03-01 to 2026-03-31]") == ["March note"]
    assert titles("date:>2026-02-01") == ["March note"]
    assert titles("date:2026-01-10") == ["January note"]
    assert titles("controls date:<2026-02-01") == ["January note"]
    assert titles("date:[2026-01-01 to 2026-12-31]") == ["January note", "March note"]


def test_searching_an_empty_index_then_importing_finds_the_new_documents(ws, tmp_path):
    assert ws.search("vulnerability") == []  # opens a searcher over the empty index
    write_texts(tmp_path / "in", REPORTS)
    ws.import_paths([tmp_path / "in"])
    assert [h.title for h in ws.search("vulnerability")] == ["Exploit agents"]


def test_unsaved_edits_are_kept_beside_the_store(tmp_path, analyst):
    from desktop.core.kernel.errors import WorkspaceError

    ws = Workspace.create(tmp_path / "ws", profile=analyst)
    audit_before = ws.db.execute("SELECT count(*) FROM audit").fetchone()[0]
    assert ws.unsaved("claim-editor") is None
    ws.keep_unsaved("claim-editor", {"statement": "half a thought — 半句话", "tags": ["a/b"]})
    assert ws.unsaved("claim-editor") == {"statement": "half a thought — 半句话", "tags": ["a/b"]}
    assert not list((ws.path / "unsaved").glob("*.tmp"))
    assert ws.db.execute("SELECT count(*) FROM audit").fetchone()[0] == audit_before
    ws.close()
    ws = Workspace.open(tmp_path / "ws", profile=analyst)  # still there after a restart
    assert ws.unsaved("claim-editor")["tags"] == ["a/b"]
    (ws.path / "unsaved" / "claim-editor.json").write_text("{not json", encoding="utf-8")
    assert ws.unsaved("claim-editor") is None  # a torn or foreign file reads as nothing
    ws.drop_unsaved("claim-editor")
    ws.drop_unsaved("claim-editor")  # twice is fine
    assert ws.unsaved("claim-editor") is None
    with pytest.raises(WorkspaceError):
        ws.keep_unsaved("../escape", {})
    assert ws.check().ok, ws.check().problems
    ws.close()
    readonly = Workspace.open(tmp_path / "ws", readonly=True, profile=analyst)
    readonly.keep_unsaved("claim-editor", {"x": 1})
    assert readonly.unsaved("claim-editor") is None
    readonly.close()


def test_an_import_is_one_undo_step_and_its_originals_go_at_close(tmp_path, analyst):
    ws = Workspace.create(tmp_path / "ws", profile=analyst)
    report = ws.import_paths([write_texts(tmp_path / "in", REPORTS)[0].parent])
    assert len(report.imported) == 3 and report.changes.undo_label == "Import 3 documents"
    blobs = [ws.blob_path(ws.document(i).sha256) for i in report.imported]
    ws.undo()
    assert ws.count_documents() == 0 and ws.search("ministry") == []
    assert ws.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0  # no tombstones
    assert all(b.exists() for b in blobs) and ws.check().ok, ws.check().problems
    ws.redo()  # the bytes are still there for it
    assert ws.count_documents() == 3 and ws.search("ministry")
    ws.undo()
    ws.close()  # nothing holds the originals any more: they go
    assert not any(b.exists() for b in blobs)
    with Workspace.open(tmp_path / "ws", profile=analyst) as again:
        assert again.check().ok, again.check().problems
