"""`assay export …` and `assay import-annotations …`, registered on a parser like desktop.cli's."""

from __future__ import annotations

import argparse
import json

import pytest

from desktop.cli_exports import register
from desktop.core.kernel.errors import AssayError

from .test_exports_common import (
    ANALYST,
    fresh_workspace_with_same_documents,
    snapshot,
    workspace_copy,
)


def build_parser() -> argparse.ArgumentParser:
    """The same shape as desktop.cli.build_parser: `common` parent, `add(name, fn, help)`."""
    parser = argparse.ArgumentParser(prog="assay")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", "-w", required=True)
    common.add_argument("--read-only", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name, fn, help_):
        p = sub.add_parser(name, parents=[common], help=help_, description=help_)
        p.set_defaults(fn=fn)
        return p

    register(sub, common, add)
    return parser


def run(capsys, *argv) -> tuple[int, str]:
    args = build_parser().parse_args([str(a) for a in argv])
    code = args.fn(args)
    return code, capsys.readouterr().out


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
    with pytest.raises(AssayError, match="Unknown status"):
        run(capsys, "export", "csv", tmp_path / "x.csv", "-w", path, "--status", "done")
    with pytest.raises(AssayError, match="Marking must be"):
        run(capsys, "export", "csv", tmp_path / "x.csv", "-w", path, "--ceiling", "PINK")
    with pytest.raises(SystemExit):
        build_parser().parse_args(["export", "docx", "x", "-w", str(path)])


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
    with pytest.raises(AssayError, match="name the format"):
        run(capsys, "import-annotations", tmp_path / "junk.txt", "-w", tmp_path / "other")
