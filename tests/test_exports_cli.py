"""`assay export …` and `assay import-annotations …`, driven in-process through desktop.cli."""

from __future__ import annotations

import json

import pytest

from desktop.cli import main

from .test_exports_common import (
    ANALYST,
    fresh_workspace_with_same_documents,
    snapshot,
    workspace_copy,
)


def run(capsys, *argv) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    return code, capsys.readouterr().out


def refused(capsys, *argv) -> str:
    """Run a command that must be refused: exit 1, the reason on stderr."""
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "Traceback" not in err
    return err


@pytest.fixture
def wsdir(tmp_path):
    ws, ids = workspace_copy(tmp_path)
    ws.close()
    return tmp_path / "ws", ids


@pytest.mark.parametrize(
    "fmt, name",
    [
        ("stix", "b.json"),
        ("webanno", "a.jsonld"),
        ("refiqda", "p.qdpx"),
        ("csv", "c.csv"),
        ("html", "r.html"),
    ],
)
def test_export_every_format(capsys, wsdir, tmp_path, fmt, name):
    path, ids = wsdir
    dest = tmp_path / name
    code, out = run(
        capsys,
        "export",
        fmt,
        dest,
        "-w",
        path,
        "--ceiling",
        "AMBER",
        "--tag",
        "capability",
        "--tag",
        "supply chain",
        "--json",
    )
    assert code == 0 and dest.stat().st_size > 0
    report = json.loads(out)
    assert report["claims"] == 3 and report["highest_marking"] == "AMBER"
    assert report["withheld"] == 1


def test_filters_and_summary(capsys, wsdir, tmp_path):
    path, ids = wsdir
    code, out = run(
        capsys,
        "export",
        "csv",
        tmp_path / "x.csv",
        "-w",
        path,
        "--status",
        "approved",
        "--analyst",
        "Ada Analyst",
        "--doc",
        ids["exploits"][:8],
    )
    assert code == 0
    assert out.startswith("Exported 1 claim(s) and 0 note(s) from 1 document(s)")
    assert "highest marking TLP:CLEAR" in out
    err = refused(capsys, "export", "csv", tmp_path / "x.csv", "-w", path, "--status", "done")
    assert "Unknown status" in err
    err = refused(capsys, "export", "csv", tmp_path / "x.csv", "-w", path, "--ceiling", "PINK")
    assert "Marking must be" in err
    with pytest.raises(SystemExit) as exit_:
        main(["export", "docx", "x", "-w", str(path)])
    assert exit_.value.code == 2


def test_import_annotations_detects_the_format(capsys, wsdir, tmp_path):
    path, ids = wsdir
    run(capsys, "export", "stix", tmp_path / "bundle.json", "-w", path)
    run(capsys, "export", "webanno", tmp_path / "notes.json", "-w", path)
    other = fresh_workspace_with_same_documents(tmp_path)
    other.close()
    ANALYST.save()  # the CLI works as the saved profile: Ada, who made the claims
    code, out = run(
        capsys, "import-annotations", tmp_path / "bundle.json", "-w", tmp_path / "other"
    )
    assert code == 0 and out.startswith("STIX 2.1: 5 annotation(s) imported")
    # an analyst brings the submissions in; the decisions wait for a supervisor, with a reason
    assert "3 review step(s), " in out and "3 review step(s) left out" in out
    assert "Only a supervisor brings review decisions in from a file" in out
    code, out = run(
        capsys, "import-annotations", tmp_path / "notes.json", "-w", tmp_path / "other", "--json"
    )
    report = json.loads(out)
    assert report["duplicates"] == 5 and report["reviews"] == []  # the same work, already here
    from desktop.core.workspace import Workspace

    with (
        Workspace.open(path, readonly=True) as a,
        Workspace.open(tmp_path / "other", readonly=True) as b,
    ):
        assert snapshot(a) == snapshot(b)
    (tmp_path / "junk.txt").write_text("hello", encoding="utf-8")
    err = refused(capsys, "import-annotations", tmp_path / "junk.txt", "-w", tmp_path / "other")
    assert "name the format" in err
