"""The `assay` command line, driven in-process like sqlite-utils' tests drive theirs."""

from __future__ import annotations

import json

import pytest

from desktop.cli import main

from .conftest import write_texts


@pytest.fixture
def wsdir(tmp_path):
    path = tmp_path / "ws"
    assert main(["init", str(path)]) == 0
    return path


def run(capsys, *argv) -> tuple[int, str, str]:
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_every_command(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for cmd in (
        "init",
        "demo",
        "import",
        "search",
        "show",
        "list",
        "reindex",
        "check",
        "backup",
        "annotate",
        "claim",
        "tag",
        "link",
        "audit",
        "review",
        "agreement",
        "export",
        "import-annotations",
        "whoami",
        "bundle",
        "keys",
        "conflicts",
    ):
        assert cmd in out


def test_import_search_show_list_check_backup(capsys, wsdir, tmp_path):
    write_texts(
        tmp_path / "in",
        {
            "a.txt": "Export controls report\n\nDomestic accelerators will meet demand by 2028.",
            "b.txt": "Exploit brief\n\nAI agents exploit bugs within hours.",
            "bad.txt": "",
        },
    )
    code, out, _ = run(capsys, "import", "-w", wsdir, tmp_path / "in")
    assert code == 0
    assert "2 imported, 0 duplicates skipped, 1 failed" in out
    assert "bad.txt" in out and "empty" in out
    code, out, _ = run(capsys, "import", "-w", wsdir, tmp_path / "in", "--json")
    report = json.loads(out)
    assert report["imported"] == [] and len(report["duplicates"]) == 2
    code, out, _ = run(capsys, "search", "-w", wsdir, "accelerators", "--json")
    hits = json.loads(out)
    assert [h["title"] for h in hits] == ["Export controls report"]
    assert "<b" not in out and "accelerators" in hits[0]["fragments"]["body"]
    code, out, _ = run(capsys, "search", "-w", wsdir, "exploit")
    assert "Exploit brief" in out and "[exploit]" in out.lower()
    code, out, _ = run(capsys, "show", "-w", wsdir, "Exploit brief")
    assert "TLP:CLEAR" in out and "AI agents exploit bugs" in out
    code, out, _ = run(capsys, "list", "-w", wsdir, "--sort", "title")
    assert out.index("Exploit brief") < out.index("Export controls report")
    assert "2 document(s)" in out
    code, out, _ = run(capsys, "check", "-w", wsdir)
    assert code == 0 and "OK" in out
    code, out, _ = run(capsys, "backup", "-w", wsdir, tmp_path / "bk")
    assert code == 0
    code, out, _ = run(capsys, "list", "-w", tmp_path / "bk")
    assert "2 document(s)" in out
    code, out, _ = run(capsys, "reindex", "-w", wsdir)
    assert "Reindexed 2" in out
    code, out, _ = run(capsys, "audit", "verify", "-w", wsdir)
    assert code == 0 and "chain intact" in out


def test_errors_go_to_stderr_with_exit_1(capsys, wsdir, tmp_path):
    code, out, err = run(capsys, "search", "-w", wsdir, 'title:"open')
    assert code == 1 and "quotation mark" in err and "Traceback" not in err
    code, out, err = run(capsys, "show", "-w", wsdir, "nothing like this")
    assert code == 1 and "No document matches" in err
    code, out, err = run(capsys, "list", "-w", tmp_path / "nowhere")
    assert code == 1 and "not an Assay workspace" in err
    code, out, err = run(capsys, "import", "-w", wsdir, "--read-only", tmp_path)
    assert code == 1 and "read-only" in err


def test_claims_tags_links_from_the_command_line(capsys, wsdir, tmp_path):
    write_texts(
        tmp_path / "in",
        {
            "a.txt": "Ministry brief\n\nDomestic accelerators will meet 70% of demand by 2028.",
            "b.txt": "Think tank\n\nDomestic accelerators are unlikely to meet 40% of demand.",
        },
    )
    run(capsys, "import", "-w", wsdir, tmp_path / "in")
    code, out, err = run(
        capsys,
        "claim",
        "add",
        "-w",
        wsdir,
        "Ministry brief",
        "-q",
        "meet 70% of demand by 2028",
        "-s",
        "Domestic supply meets 70% by 2028",
        "-c",
        "3",
        "-l",
        "likely",
        "--confidence",
        "low",
        "-t",
        "policy/industrial",
    )
    assert code == 0, err
    first = out.split()[1]
    assert "F3 · likely (55–80 %) · low confidence" in out
    code, out, err = run(
        capsys,
        "claim",
        "add",
        "-w",
        wsdir,
        "Think tank",
        "-q",
        "unlikely to meet 40% of demand",
        "-l",
        "very likely",
        "-t",
        "policy",
    )
    second = out.split()[1]
    code, out, _ = run(capsys, "link", "add", "-w", wsdir, first, second, "-r", "contradicts")
    assert code == 0 and "contradicts" in out
    code, out, _ = run(capsys, "claim", "show", "-w", wsdir, first[:8])
    assert "-> contradicts" in out and "policy/industrial" in out
    code, out, _ = run(capsys, "claim", "rate", "-w", wsdir, first, "--credibility", "2")
    assert "F2" in out
    code, out, _ = run(capsys, "claim", "list", "-w", wsdir, "--tag", "policy", "--json")
    assert {c["id"] for c in json.loads(out)} == {first, second}
    code, out, _ = run(capsys, "tag", "rename", "-w", wsdir, "policy", "economy")
    code, out, _ = run(capsys, "tag", "list", "-w", wsdir)
    assert "economy" in out and "industrial" in out and "policy" not in out
    code, out, _ = run(capsys, "search", "-w", wsdir, "tag:economy/industrial", "--json")
    assert [h["id"] for h in json.loads(out)] == [first]
    code, out, _ = run(capsys, "tag", "delete", "-w", wsdir, "economy/industrial")
    assert code == 0 and "delete: done" in out
    code, out, _ = run(capsys, "tag", "list", "-w", wsdir)
    assert "industrial" not in out and "economy" in out
    code, out, err = run(capsys, "annotate", "-w", wsdir, "Ministry brief", "-q", "not there")
    assert code == 1 and "does not occur" in err
    code, out, err = run(
        capsys, "claim", "add", "-w", wsdir, "Ministry brief", "-q", "Domestic", "-c", "9"
    )
    assert code == 1 and "Credibility must be 1–6" in err


def test_review_from_the_command_line(capsys, wsdir, tmp_path, monkeypatch):
    write_texts(tmp_path / "in", {"a.txt": "Brief\n\nChips will be diverted through shells."})
    run(capsys, "import", "-w", wsdir, tmp_path / "in")
    run(capsys, "whoami", "--name", "Ada Analyst", "--role", "analyst")
    code, out, _ = run(
        capsys, "claim", "add", "-w", wsdir, "Brief", "-q", "diverted", "-l", "likely"
    )
    claim = out.split()[1]
    code, out, err = run(capsys, "review", "submit", "-w", wsdir, claim, "-m", "ready")
    assert code == 0, err
    code, out, err = run(capsys, "review", "approve", "-w", wsdir, claim)
    assert code == 1 and "Only a supervisor" in err
    # the same person becoming a supervisor still cannot review their own claim
    code, out, _ = run(capsys, "whoami", "--role", "supervisor")
    assert "Ada Analyst (supervisor)" in out and "key:" in out
    code, out, err = run(capsys, "review", "approve", "-w", wsdir, claim)
    assert code == 1 and "their own claim" in err
    monkeypatch.setenv("ASSAY_PROFILE_DIR", str(tmp_path / "sam"))
    run(capsys, "whoami", "--name", "Sam", "--role", "supervisor")
    code, out, _ = run(capsys, "review", "queue", "-w", wsdir)
    assert claim[:8] in out and "1 waiting" in out
    code, out, err = run(capsys, "review", "request-changes", "-w", wsdir, claim)
    assert code == 1 and "comment" in err
    code, out, err = run(
        capsys, "review", "request-changes", "-w", wsdir, claim, "-m", "which shells?"
    )
    assert code == 0, err
    code, out, _ = run(capsys, "review", "history", "-w", wsdir, claim)
    assert "Sam: request_changes (neutral)  which shells?" in out
    assert "Ada Analyst: submit" in out


def test_unexpected_errors_point_to_the_log(capsys, wsdir, monkeypatch, private_profile):
    import desktop.core.workspace as wsmod

    def broken(self, *a, **k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(wsmod.Workspace, "list_documents", broken)
    code, out, err = run(capsys, "list", "-w", wsdir)
    assert code == 3  # not 2: a usage mistake and a bug are told apart
    assert "unexpected error" in err and "Traceback" not in err
    log = private_profile / "logs" / "assay.log"
    assert str(log) in err
    assert "ZeroDivisionError: boom" in log.read_text()
