"""Undo kept in the store: `assay undo` in one process undoes the step another process made."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from desktop.cli import main
from desktop.core.kernel.errors import WorkspaceError
from desktop.core.kernel.profile import Profile
from desktop.core.kernel.undo import RowChange, UndoStep, step_from_json, step_to_json
from desktop.core.workspace import Workspace

from .conftest import cli_workspace, write_texts

ADA = Profile(
    id="aaaaaaaa-0000-4000-8000-000000000001", name="Ada Analyst", role="analyst", configured=True
)
BEN = Profile(
    id="bbbbbbbb-0000-4000-8000-000000000002", name="Ben Analyst", role="analyst", configured=True
)
TEXTS = {
    "a.txt": "Export controls brief\n\nDomestic accelerators will meet demand by 2028.",
    "b.txt": "Exploit report\n\nAI agents exploit bugs faster than defenders patch.",
}


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def _state(ws: Workspace) -> tuple:
    """What a person sees: documents, annotations with ratings and tags, tag uses, search."""
    docs = sorted((d["title"], d["marking"]) for d in ws.list_documents())
    anns = sorted(
        (a.id, a.statement, a.credibility, a.likelihood, a.status, tuple(a.tags))
        for a in ws.claims(kind=None)
    )
    uses = sorted((t["name"], t["uses"]) for t in ws.tags())
    hits = sorted(h.id for h in ws.search("defenders OR statement:accelerators", highlight=None))
    return docs, anns, uses, hits


def _claim(ws: Workspace, title: str, phrase: str, **kw) -> str:
    doc = ws.find_document(title)
    start = doc.text.index(phrase)
    return ws.add_claim(doc.id, start, start + len(phrase), phrase, **kw).created


@pytest.fixture
def wsdir(tmp_path):
    path = tmp_path / "ws"
    with Workspace.create(path, profile=ADA) as ws:
        ws.import_paths(write_texts(tmp_path / "in", TEXTS))
        ws.session.undo_stack.clear()  # the import is not what these tests undo
    return path


def test_undo_step_round_trips_through_json():
    step = UndoStep(
        "Tag annotation",
        [
            RowChange(
                "annotation_tags",
                ("a1", "t1"),
                None,
                {"annotation_id": "a1", "tag_id": "t1", "deleted": 0},
            ),
            RowChange(
                "claims",
                ("a1",),
                {"credibility": 3, "statement": "Ünïcode ✓"},
                {"credibility": 2, "statement": "Ünïcode ✓"},
            ),
        ],
    )
    text = step_to_json(step)
    assert json.loads(text)["changes"][0]["key"] == ["a1", "t1"]
    assert step_from_json(text) == step  # keys come back as tuples


def test_undo_reaches_a_step_made_by_an_earlier_opening(wsdir):
    with Workspace.open(wsdir, profile=ADA) as ws:
        before = _state(ws)
        claim = _claim(
            ws, "Export controls brief", "Domestic accelerators", credibility=3, tags=["policy"]
        )
        ws.edit_claim(claim, likelihood="likely")
        after = _state(ws)
    with Workspace.open(wsdir, profile=ADA) as ws:
        assert ws.undo_label() == "Edit claim"
        ws.undo()
        assert ws.undo_label() == "Add claim" and ws.redo_label() == "Edit claim"
    with Workspace.open(wsdir, profile=ADA) as ws:
        ws.undo()
        assert _state(ws) == before and ws.undo_label() is None
        assert ws.check().ok, ws.check().problems
        assert ws.verify_audit().ok
    with Workspace.open(wsdir, profile=ADA) as ws:
        ws.redo()
        ws.redo()
        assert _state(ws) == after and ws.redo_label() is None
    with Workspace.open(wsdir, readonly=True, profile=ADA) as ws:
        assert ws.undo_label() == "Edit claim"  # a read-only opening sees the history too


def test_history_is_bounded_per_analyst(wsdir):
    with Workspace.open(wsdir, profile=ADA) as ws:
        assert ws.session.undo_stack.limit == 200
        ws.session.undo_stack.limit = 3
        claim = _claim(ws, "Export controls brief", "Domestic accelerators")
        for credibility in (1, 2, 3, 4, 5):
            ws.edit_claim(claim, credibility=credibility)
        for _ in range(3):
            ws.undo()
        assert ws.annotation(claim).credibility == 2
        with pytest.raises(WorkspaceError, match="Nothing to undo"):
            ws.undo()
        kept = ws.db.execute(
            "SELECT count(*) FROM undo_steps WHERE analyst_id = ?", [ADA.id]
        ).fetchone()[0]
        assert kept == 3


def test_each_analyst_undoes_only_their_own_steps(wsdir):
    with Workspace.open(wsdir, profile=ADA) as ws:
        ada_claim = _claim(ws, "Export controls brief", "Domestic accelerators")
    with Workspace.open(wsdir, profile=BEN) as ws:
        assert ws.undo_label() is None  # Ada's step is not Ben's to undo
        ben_claim = _claim(ws, "Exploit report", "AI agents exploit bugs")
    with Workspace.open(wsdir, profile=ADA) as ws:
        assert ws.undo_label() == "Add claim"
        ws.undo()
        assert [a.id for a in ws.claims()] == [ben_claim]
    with Workspace.open(wsdir, profile=BEN) as ws:
        assert ws.redo_label() is None  # Ada's undone step is not Ben's to redo
        ws.undo()
        assert ws.claims() == [] and ws.undo_label() is None
    with Workspace.open(wsdir, profile=ADA) as ws:
        ws.redo()
        assert [a.id for a in ws.claims()] == [ada_claim]


def test_a_new_action_clears_the_redo_steps(wsdir):
    with Workspace.open(wsdir, profile=ADA) as ws:
        claim = _claim(ws, "Export controls brief", "Domestic accelerators")
        ws.edit_claim(claim, credibility=2)
        ws.undo()
        assert ws.redo_label() == "Edit claim"
    with Workspace.open(wsdir, profile=BEN) as ws:
        _claim(ws, "Exploit report", "AI agents exploit bugs")  # someone else's work
    with Workspace.open(wsdir, profile=ADA) as ws:
        assert ws.redo_label() == "Edit claim"  # Ben's action leaves Ada's redo alone
        ws.edit_claim(claim, likelihood="likely")
    with Workspace.open(wsdir, profile=ADA) as ws:
        assert ws.redo_label() is None and ws.undo_label() == "Edit claim"
        with pytest.raises(WorkspaceError, match="Nothing to redo"):
            ws.redo()


def test_a_failed_action_leaves_no_step(wsdir):
    with Workspace.open(wsdir, profile=ADA) as ws:
        with pytest.raises(Exception, match="Credibility"):
            _claim(ws, "Export controls brief", "Domestic accelerators", credibility=9)
        assert ws.undo_label() is None
        assert ws.db.execute("SELECT count(*) FROM undo_steps").fetchone()[0] == 0


def test_assay_undo_and_redo(capsys, tmp_path):
    wsdir = cli_workspace(tmp_path, TEXTS)
    capsys.readouterr()
    code, out, err = run(
        capsys,
        "claim",
        "add",
        "-w",
        wsdir,
        "Export controls brief",
        "-q",
        "Domestic accelerators",
        "-c",
        "3",
    )
    claim = out.split()[1]
    code, out, err = run(capsys, "tag", "add", "-w", wsdir, claim, "policy")
    assert code == 0, err
    code, out, err = run(capsys, "undo", "-w", wsdir)
    assert code == 0 and out.startswith("Undid: Tag policy") and err == ""
    assert "next undo: Add claim" in out
    code, out, _ = run(capsys, "claim", "show", "-w", wsdir, claim, "--json")
    assert json.loads(out)["tags"] == []
    code, out, err = run(capsys, "redo", "-w", wsdir)
    assert code == 0 and out.startswith("Redid: Tag policy")
    code, out, _ = run(capsys, "claim", "show", "-w", wsdir, claim, "--json")
    assert json.loads(out)["tags"] == ["policy"]
    code, out, err = run(capsys, "redo", "-w", wsdir)
    assert code == 1 and out == "" and "Nothing to redo" in err and "Traceback" not in err
    for _ in range(3):  # the tag, the claim, then the import of the files
        code, out, err = run(capsys, "undo", "-w", wsdir)
        assert code == 0, err
    code, out, err = run(capsys, "undo", "-w", wsdir)
    assert code == 1 and out == ""
    assert err.startswith("assay: Nothing to undo") and len(err.strip().splitlines()) == 1


def test_undo_from_another_analyst_profile_is_refused(capsys, tmp_path, monkeypatch):
    wsdir = cli_workspace(tmp_path, TEXTS)
    run(capsys, "claim", "add", "-w", wsdir, "Export controls brief", "-q", "Domestic")
    monkeypatch.setenv("ASSAY_PROFILE_DIR", str(tmp_path / "ben"))
    run(capsys, "whoami", "--name", "Ben Analyst")
    code, out, err = run(capsys, "undo", "-w", wsdir)
    assert code == 1 and "Nothing to undo: Ben Analyst has no step" in err


def test_undo_in_a_new_process(tmp_path, private_profile):
    """A real second process, as when the CLI undoes what the window (or another run) did."""
    wsdir = cli_workspace(tmp_path, TEXTS)
    env = {
        **os.environ,
        "ASSAY_PROFILE_DIR": str(private_profile),
        "ASSAY_LOG_DIR": str(private_profile / "logs"),
    }

    def assay(*argv) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "desktop.cli", *map(str, argv)],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )

    done = assay("-w", wsdir, "edit", "Exploit report", "--marking", "AMBER")
    assert done.returncode == 0, done.stderr
    undone = assay("-w", wsdir, "undo")
    assert undone.returncode == 0 and undone.stdout.startswith("Undid: Edit document")
    with Workspace.open(wsdir, readonly=True) as ws:
        assert ws.find_document("Exploit report").marking == "CLEAR"
        assert ws.redo_label() == "Edit document"


def test_an_upgrade_starts_the_history_afresh(wsdir):
    from db import store

    with Workspace.open(wsdir, profile=ADA) as ws:
        _claim(ws, "Export controls brief", "Domestic accelerators")
        assert ws.undo_label() == "Add claim"
    db = store.connect(wsdir / "assay.db")
    with db.atomic():  # as if written before its last (repeatable) schema step
        db.execute("DELETE FROM _sqlite_migrations WHERE name = 'm007_audit_by_entity'")
    db.close()
    with Workspace.open(wsdir, profile=ADA) as ws:
        assert ws.upgraded_from  # backed up, then upgraded
        assert ws.undo_label() is None  # steps recorded by an older schema are not replayed
